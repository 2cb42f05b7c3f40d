import { dataBearingReason } from '../../synthesis/data-bearing';
import { synthesizePhase } from '../../synthesis/synthesize';
import { Manifest } from '../../core/manifest';
import { podTemplates } from '../../policy/pod-templates';
import { logicalName } from '../../stacks/kubernetes-resource';
import { componentType, LEGACY_COMPONENT_TYPE } from '../../stacks/phase-component';
import { careerCopilot, PhaseNumber, PHASES, selectPhase } from '../../phases';
import { documentDbInstances, MANAGED_DATA_TYPES, managedServices } from '../../stacks/aws/managed-services';
import { ProgramError, ProgramRun, Registered, runProgram } from './run-program';

const AWS = { target: 'aws', vpcId: 'vpc-0abc', privateSubnetIds: '["subnet-0a1","subnet-0b2"]', clusterCidr: '10.20.0.0/16', tlsClusterIssuer: 'letsencrypt' };
const TARGETS: Record<string, Record<string, string>> = { local: {}, aws: AWS };

/** One run per phase and target, each as a promotion from the phase before. */
const runs = new Map<string, ProgramRun>();
beforeAll(async () => {
  for (const [target, config] of Object.entries(TARGETS)) {
    for (const phase of PHASES) {
      const previous = phase === 0 ? {} : { phase: phase - 1, highestPhase: phase - 1 };
      runs.set(`${target}/${phase}`, await runProgram({ ...config, phase: String(phase) }, previous));
    }
  }
}, 120_000);

const model = careerCopilot();
/** What the program should register for a target and phase: the phase's manifests, synthesized once per test file. */
const synthesized = new Map<string, Manifest[]>();
function manifestsOf(target: string, phase: PhaseNumber): Manifest[] {
  const key = `${target}/${phase}`;
  if (!synthesized.has(key)) {
    const environment = { inClusterData: target === 'local', externalDataCidr: AWS.clusterCidr, tls: target === 'aws' ? { clusterIssuer: AWS.tlsClusterIssuer } : undefined };
    synthesized.set(key, synthesizePhase(selectPhase(model, phase), environment));
  }
  return synthesized.get(key)!;
}
const kubernetes = (resources: Registered[]) => resources.filter((r) => r.type.startsWith('kubernetes:') && r.type !== 'pulumi:providers:kubernetes');

const isCredential = (r: Registered) => r.type === 'random:index/randomPassword:RandomPassword' || r.type === 'kubernetes:core/v1:Secret';
const superuser = (r: Registered) => r.type === 'kubernetes:core/v1:Secret' && r.name.endsWith('-superuser');
/**
 * A generated credential that opens a store: protected as the store is. All but a store's superuser Secret (aws),
 * which goes with the phases whose steps need it (its password stays in the protected RandomPassword), and the
 * event clients' Kafka credentials on MSK, which open no store.
 */
const openingCredential = (target: string, r: Registered) =>
  isCredential(r) && !superuser(r) && !(target === 'aws' && (r.name.endsWith('-kafka') || r.name.endsWith('-kafka-password')));

describe.each(Object.keys(TARGETS))('Pulumi program, %s target', (target) => {
  test.each(PHASES.map((p) => [p]))('phase %i registers every object of the phase, typed, under its component', (phase) => {
    const { resources } = runs.get(`${target}/${phase}`)!;
    const expected = manifestsOf(target, phase).map((m) => logicalName(m.document));
    const registered = kubernetes(resources).map((r) => r.name);
    expect(registered).toEqual(expect.arrayContaining(expected));
    // Each component is registered as its kind, with the type it had before as an alias (so nothing deployed moves).
    const kinds = new Map(manifestsOf(target, phase).map((m) => [m.component, m.componentKind]));
    expect(kinds.get('namespace')).toBe('Namespace');
    for (const [component, kind] of kinds) {
      const registeredAs = resources.filter((r) => r.name === component && r.type.startsWith('career-copilot:platform:'));
      expect(registeredAs.map((r) => ({ type: r.type, aliases: r.aliases }))).toEqual([{ type: componentType(kind), aliases: [{ type: LEGACY_COMPONENT_TYPE }] }]);
    }
    expect(resources.find((r) => r.name === 'deployment:career-copilot/frontend')?.type).toBe('kubernetes:apps/v1:Deployment');
  });

  test.each(PHASES.map((p) => [p]))('phase %i protects every data-bearing resource and the credentials that open one, and nothing else', (phase) => {
    const { resources } = runs.get(`${target}/${phase}`)!;
    // Every resource of every kind (the components, the providers, the stack itself included): a protected
    // Deployment or NetworkPolicy would block the step that must change or remove it.
    const shouldProtect = (r: Registered) =>
      (kubernetes(resources).includes(r) && dataBearingReason({ apiVersion: String(r.inputs.apiVersion), kind: String(r.inputs.kind) }) !== undefined) ||
      MANAGED_DATA_TYPES.includes(r.type) ||
      openingCredential(target, r);
    expect(resources.length).toBeGreaterThan(40);
    expect(resources.filter((r) => r.protect !== shouldProtect(r)).map((r) => `${r.type} ${r.name}: protect ${r.protect}`)).toEqual([]);
  });

  test.each(PHASES.map((p) => [p]))('phase %i protects the generated credentials as the stores they open', (phase) => {
    const { resources } = runs.get(`${target}/${phase}`)!;
    const credentials = resources.filter(isCredential);
    // Phase 0 already has the monolith's cache (Redis), which needs a generated password on both targets.
    expect(credentials.length).toBeGreaterThan(0);
    for (const r of credentials) expect({ type: r.type, name: r.name, protect: r.protect }).toEqual({ type: r.type, name: r.name, protect: openingCredential(target, r) });
    // On aws every PostgreSQL store's master user, for its application role's Job (and the auth split's view).
    const expected = target === 'aws' ? selectPhase(model, phase).dataStores.filter((s) => s.engine === 'postgresql').map((s) => `${s.name}-superuser`) : [];
    expect(credentials.filter(superuser).map((r) => r.name)).toEqual(expected);
  });

  test.each(PHASES.map((p) => [p]))('phase %i changes no route and starts no writer before the data moves, which run after the network policies', (phase) => {
    const { resources } = runs.get(`${target}/${phase}`)!;
    const plan = selectPhase(model, phase);
    const moves = [...(plan.authDataSplit ? ['auth-data-split'] : []), ...plan.dataMoves.map((m) => `${m.context}-data-move`)];
    expect(moves.length).toBe([0, 2, 4, 4, 0][phase]);
    for (const move of moves) {
      const job = resources.find((r) => r.name === `job:career-copilot/${move}`)!;
      const before = ['network-policies', target === 'aws' ? 'data-stores' : 'monolith-db'];
      expect({ move, after: before.filter((c) => !job.dependsOn.includes(c)) }).toEqual({ move, after: [] });
      // The gateway's routes (its ConfigMap) and every workload wait for it.
      const waiting = resources.filter((r) => r.type === 'kubernetes:apps/v1:Deployment' || r.name === 'configmap:career-copilot/api-gateway-files');
      expect(waiting.length).toBeGreaterThan(3);
      expect(waiting.filter((r) => !r.dependsOn.includes(move)).map((r) => r.name)).toEqual([]);
    }
  });

  test.each(PHASES.map((p) => [p]))('phase %i applies each pod template after the ConfigMaps and Secrets of its component', (phase) => {
    const { resources } = runs.get(`${target}/${phase}`)!;
    const manifests = manifestsOf(target, phase);
    const dependsOn = (name: string) => resources.find((r) => r.name === name)?.dependsOn ?? [];
    let checked = 0;
    for (const m of manifests.filter((m) => podTemplates(m.document).length > 0)) {
      const configuration = manifests.filter((c) => c.component === m.component && ['ConfigMap', 'Secret'].includes(c.document.kind)).map((c) => logicalName(c.document));
      expect({ workload: logicalName(m.document), missing: configuration.filter((c) => !dependsOn(logicalName(m.document)).includes(c)) }).toEqual({ workload: logicalName(m.document), missing: [] });
      checked += configuration.length;
    }
    expect(checked).toBeGreaterThan(0);
    // The gateway's NGINX configuration in particular: its pods never start on the previous phase's routes.
    if (phase > 0) expect(dependsOn('deployment:career-copilot/api-gateway')).toContain('configmap:career-copilot/api-gateway-files');
  });

  test('the Kubernetes provider updates a ConfigMap in place instead of replacing it', () => {
    const provider = runs.get(`${target}/1`)!.resources.find((r) => r.type === 'pulumi:providers:kubernetes');
    expect(provider?.inputs).toMatchObject({ enableConfigMapMutable: 'true' });
  });

  test('a surviving object has the same URN in every phase where it exists', () => {
    const urnsOf = (phase: number) => runs.get(`${target}/${phase}`)!.urns;
    for (const phase of PHASES.slice(1)) {
      for (const [key, urn] of urnsOf(phase)) {
        const before = urnsOf(phase - 1).get(key);
        if (before !== undefined) expect(urn).toBe(before);
      }
    }
  });

  test('outputs give the phase, the gateway, each service and the route table', () => {
    const { outputs } = runs.get(`${target}/2`)!;
    expect(outputs.phase).toBe(2);
    expect(outputs.highestPhase).toBe(2);
    expect(outputs.gatewayEndpoint).toBe('https://api.career-copilot.local');
    expect(outputs.serviceEndpoints).toMatchObject({ 'jobs-service': 'http://jobs-service.career-copilot.svc.cluster.local' });
    expect(outputs.routes).toContainEqual({ path: '/api/v1/jobs', status: 'hybrid', service: 'backend', overridden: false });
    expect(outputs.routes).toContainEqual({ path: '/api/v1/auth/login', status: 'migrated', service: 'auth-service', overridden: false });
    // The managed services' endpoints only where there are managed services (an undefined output warns on every run).
    expect(Object.keys(outputs).includes('kafkaBootstrapServers')).toBe(target === 'aws');
  });
});

describe('Pulumi program, data', () => {
  test('local: generated passwords reach the cluster only as secret inputs', () => {
    const run = runs.get('local/2')!;
    for (const name of ['cache-app', 'notifications-db-app', 'analytics-db-password']) {
      expect(run.resources.some((r) => r.type === 'kubernetes:core/v1:Secret' && r.name === name)).toBe(true);
      expect(run.withSecretInputs.has(`kubernetes:core/v1:Secret::${name}`)).toBe(true);
    }
    // Redis reads its password from a config file in the same Secret, not from its arguments.
    for (const name of ['cache-app', 'notifications-db-app']) {
      // The whole stringData is a secret: the mocks see Pulumi's secret envelope, its value inside.
      const data = (run.resources.find((r) => r.type === 'kubernetes:core/v1:Secret' && r.name === name)!.inputs.stringData as { value: Record<string, string> }).value;
      expect(data['redis-auth.conf']).toBe(`requirepass ${data.password}\n`);
    }
  });

  test('aws: backups are kept for backupRetentionDays (7 by default) on every primary store', async () => {
    const retention = (resources: Registered[]) =>
      resources
        .filter((r) => MANAGED_DATA_TYPES.includes(r.type) && r.type !== 'aws:msk/cluster:Cluster' && r.inputs.replicateSourceDb === undefined)
        .map((r) => r.inputs.backupRetentionPeriod ?? r.inputs.snapshotRetentionLimit);
    const byDefault = retention(runs.get('aws/2')!.resources);
    expect(byDefault.length).toBeGreaterThan(5);
    expect([...new Set(byDefault)]).toEqual([7]);
    const { resources } = await runProgram({ ...AWS, phase: '2', backupRetentionDays: '21' }, { phase: 1, highestPhase: 1 });
    expect([...new Set(retention(resources))]).toEqual([21]);
  });

  test('aws: the children every store of an engine shares are named after their component, their earlier names aliased', () => {
    const { resources } = runs.get('aws/4')!;
    const shared = resources.filter((r) => /SubnetGroup$|ParameterGroup$/.test(r.type));
    expect(shared.map((r) => ({ name: r.name, aliases: r.aliases })).sort((a, b) => a.name.localeCompare(b.name))).toEqual(
      ['mongodb', 'mongodb-tls', 'postgresql', 'postgresql-tls', 'redis'].map((engine) => ({ name: `data-stores-${engine}`, aliases: [{ name: engine }] })),
    );
  });

  test('aws: stores become encrypted, private, deletion-protected managed services that admit only the cluster', () => {
    const { resources } = runs.get('aws/3')!;
    const rds = resources.filter((r) => r.type === 'aws:rds/instance:Instance');
    expect(rds.map((r) => r.name).sort()).toEqual(['applications-db', 'applications-db-replica-1', 'auth-db', 'event-store', 'integration-db', 'jobs-db', 'monolith-db', 'monolith-db-replica-1', 'user-db']);
    for (const r of rds) expect(r.inputs).toMatchObject({ storageEncrypted: true, deletionProtection: true, publiclyAccessible: false });
    // A primary keeps a final snapshot; a read replica cannot have one (RDS refuses the identifier).
    for (const r of rds) {
      const replica = r.inputs.replicateSourceDb !== undefined;
      expect([r.name, r.inputs.skipFinalSnapshot, r.inputs.finalSnapshotIdentifier !== undefined]).toEqual([r.name, replica, !replica]);
    }
    // Only the major version is pinned, so AWS's minor upgrades are no drift; a major upgrade is never implicit.
    for (const r of rds.filter((r) => r.inputs.replicateSourceDb === undefined)) {
      expect(r.inputs).toMatchObject({ engineVersion: '16', autoMinorVersionUpgrade: true, allowMajorVersionUpgrade: false });
    }
    expect(resources.find((r) => r.type === 'aws:docdb/cluster:Cluster')?.inputs).toMatchObject({ storageEncrypted: true, deletionProtection: true });
    // analytics-db has no read replica in the model; on aws it still gets a second instance to fail over to.
    expect(resources.filter((r) => r.type === 'aws:docdb/clusterInstance:ClusterInstance').map((r) => r.name).sort()).toEqual(['analytics-db-0', 'analytics-db-1']);
    for (const r of resources.filter((r) => r.type === 'aws:elasticache/replicationGroup:ReplicationGroup')) {
      expect(r.inputs).toMatchObject({ atRestEncryptionEnabled: true, transitEncryptionEnabled: true });
    }
    expect(resources.find((r) => r.type === 'aws:msk/cluster:Cluster')?.inputs).toMatchObject({ encryptionInfo: { encryptionInTransit: { clientBroker: 'TLS', inCluster: true } } });
    const group = resources.find((r) => r.type === 'aws:ec2/securityGroup:SecurityGroup')!;
    const ingress = group.inputs.ingress as Array<{ cidrBlocks: string[] }>;
    expect(new Set(ingress.flatMap((i) => i.cidrBlocks))).toEqual(new Set(['10.20.0.0/16']));
    expect(resources.filter((r) => ['Cluster', 'MongoDBCommunity', 'Kafka'].includes(String(r.inputs.kind)))).toEqual([]);
  });

  test.each(PHASES.map((p) => [p]))('aws phase %i: the managed services are those the offline plan names', (phase) => {
    const { resources } = runs.get(`aws/${phase}`)!;
    const plan = selectPhase(model, phase);
    const listed = managedServices(plan.dataStores, plan.eventBus);
    expect(resources.filter((r) => MANAGED_DATA_TYPES.includes(r.type)).map((r) => `${r.type} ${r.name}`).sort()).toEqual(listed.map((s) => `${s.type} ${s.name}`).sort());
    const instances = resources.filter((r) => r.type === 'aws:docdb/clusterInstance:ClusterInstance').length;
    expect(instances).toBe(plan.dataStores.filter((s) => s.engine === 'mongodb').reduce((n, s) => n + documentDbInstances(s), 0));
  });

  test.each([3, 4])('aws phase %i: every event client has SCRAM credentials of its own on MSK, encrypted with a key of the stack, and mounts them', (phase) => {
    const { resources, withSecretInputs } = runs.get(`aws/${phase}`)!;
    const clients = selectPhase(model, phase as PhaseNumber).eventClients.map((c) => c.service).sort();
    expect(clients.length).toBeGreaterThan(0);
    const key = resources.find((r) => r.type === 'aws:kms/key:Key')!;
    expect(key.inputs).toMatchObject({ enableKeyRotation: true });
    const secrets = resources.filter((r) => r.type === 'aws:secretsmanager/secret:Secret');
    expect(secrets.map((r) => r.inputs.name).sort()).toEqual(clients.map((c) => `AmazonMSK_${c}`));
    for (const secret of secrets) expect(secret.inputs.kmsKeyId).toBe(`arn:aws:kms:eu-west-1:123456789012:key/${key.name}`);
    // The password is a Pulumi secret wherever it goes: in Secrets Manager and in the Kubernetes Secret.
    for (const c of clients) {
      expect(withSecretInputs.has(`aws:secretsmanager/secretVersion:SecretVersion::${c}-kafka`)).toBe(true);
      expect(withSecretInputs.has(`kubernetes:core/v1:Secret::${c}-kafka`)).toBe(true);
    }
    const associations = resources.filter((r) => r.type === 'aws:msk/singleScramSecretAssociation:SingleScramSecretAssociation');
    expect(associations.map((r) => [r.name, r.inputs.clusterArn, r.inputs.secretArn]).sort()).toEqual(
      clients.map((c) => [`${c}-kafka`, 'arn:aws:kafka:eu-west-1:123456789012:cluster/event-bus', `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${c}-kafka`]),
    );
    for (const c of clients) {
      const deployment = resources.find((r) => r.name === `deployment:career-copilot/${c}`)!;
      const pod = (deployment.inputs.spec as { template: { spec: { containers: Array<{ volumeMounts: Array<{ name: string; mountPath: string }> }>; volumes: Array<{ name: string; secret?: { secretName: string } }> } } }).template.spec;
      const volume = pod.volumes.find((v) => v.secret?.secretName === `${c}-kafka`)!;
      const config = resources.find((r) => r.name === `configmap:career-copilot/${c}-config`)!.inputs.data as Record<string, string>;
      expect(config).toMatchObject({ KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512' });
      expect(pod.containers[0].volumeMounts).toContainEqual(expect.objectContaining({ name: volume.name, mountPath: config.KAFKA_USER_PATH }));
    }
  });

  test('aws: credentials are generated, kept secret in the Secrets and in the one output that carries them', () => {
    const run = runs.get('aws/3')!;
    expect(run.resources.filter((r) => r.type === 'random:index/randomPassword:RandomPassword').length).toBeGreaterThan(0);
    expect(run.withSecretInputs.has('kubernetes:core/v1:Secret::user-db-app')).toBe(true);
    expect(run.secretOutputs).toEqual(['databaseUrls']);
  });

  test('a rollback from phase 3 to 2 keeps the event bus, its topics and the event store', async () => {
    const { resources } = await runProgram({ phase: '2' }, { phase: 3, highestPhase: 3 });
    const topics = resources.filter((r) => r.name.startsWith('kafkatopic:'));
    expect(topics.length).toBe(model.contexts.flatMap((c) => c.publishes).length);
    expect(topics.every((t) => t.protect)).toBe(true);
    expect(resources.some((r) => r.name === 'cluster:career-copilot/event-store' && r.protect)).toBe(true);
    expect(resources.some((r) => r.name === 'deployment:career-copilot/saga-orchestrator')).toBe(false);
  });

  test('a rollback from phase 4 to 3 gives each formerly released Deployment its replicas back, forced, kept after', async () => {
    const { resources, urns } = await runProgram({ phase: '3', replicas: '2' }, { phase: 4, highestPhase: 4 });
    const handovers = resources.filter((r) => r.type === 'kubernetes:apps/v1:DeploymentPatch');
    expect(handovers.map((r) => r.name).sort()).toEqual(['applications-service', 'auth-service', 'jobs-service', 'user-service'].map((n) => `rollout-handover:career-copilot/${n}`));
    for (const patch of handovers) {
      expect(patch.inputs).toMatchObject({
        metadata: { annotations: { 'pulumi.com/patchForce': 'true', 'pulumi.com/patchFieldManager': 'career-copilot-rollout-handover' } },
        spec: { replicas: 2 },
      });
      // Under the service's component, like its Deployment: the URN never carries the phase.
      expect(urns.get(`kubernetes:apps/v1:DeploymentPatch::${patch.name}`)).toMatch(/career-copilot:platform:ContextService\$kubernetes:apps\/v1:DeploymentPatch::rollout-handover/);
    }
    // Still there one phase lower (unchanged, nothing applied again); none on a stack that never reached phase 4.
    const lower = await runProgram({ phase: '1' }, { phase: 2, highestPhase: 4 });
    expect(lower.resources.filter((r) => r.type === 'kubernetes:apps/v1:DeploymentPatch').map((r) => r.name).sort()).toEqual(['auth-service', 'user-service'].map((n) => `rollout-handover:career-copilot/${n}`));
    const never = await runProgram({ phase: '3' }, { phase: 3, highestPhase: 3 });
    expect(never.resources.filter((r) => r.type === 'kubernetes:apps/v1:DeploymentPatch')).toEqual([]);
    const atFour = await runProgram({ phase: '4' }, { phase: 3, highestPhase: 4 });
    expect(atFour.resources.filter((r) => r.type === 'kubernetes:apps/v1:DeploymentPatch')).toEqual([]);
  });

  test('one route goes back to the monolith without changing the phase', async () => {
    const { outputs, resources } = await runProgram({ phase: '2', routesToMonolith: '["/api/v1/auth/register"]' }, { phase: 2, highestPhase: 2 });
    expect(outputs.routes).toContainEqual({ path: '/api/v1/auth/register', status: 'monolith', service: 'backend', overridden: true });
    const files = resources.find((r) => r.name === 'configmap:career-copilot/api-gateway-files')!.inputs.data as Record<string, string>;
    expect(files['default.conf']).toContain('# /api/v1/auth/register: monolith');
    expect(resources.some((r) => r.name === 'deployment:career-copilot/auth-service')).toBe(true);
  });
});

/**
 * The Secrets the local target's operators write, with their keys, for the objects of a run that make them
 * (CloudNativePG 1.30, the MongoDB community operator 0.13, Strimzi 1.2, cert-manager 1.19, as documented upstream).
 */
function operatorSecrets(resources: Registered[]): Map<string, Set<string>> {
  const made = new Map<string, Set<string>>();
  const cnpg = ['username', 'password', 'host', 'port', 'dbname', 'uri', 'jdbc-uri', 'fqdn-uri', 'fqdn-jdbc-uri', 'pgpass'];
  for (const r of kubernetes(resources)) {
    const object = r.inputs as { kind?: string; metadata?: { name?: string }; spec?: Record<string, unknown> };
    const name = object.metadata?.name ?? '';
    const spec = object.spec ?? {};
    if (r.type === 'kubernetes:postgresql.cnpg.io/v1:Cluster') {
      made.set(`${name}-app`, new Set(cnpg));
      if (spec.enableSuperuserAccess) made.set(`${name}-superuser`, new Set(cnpg));
    } else if (r.type === 'kubernetes:mongodbcommunity.mongodb.com/v1:MongoDBCommunity') {
      for (const user of (spec.users ?? []) as Array<{ name: string; db: string; connectionStringSecretName?: string }>) {
        made.set(user.connectionStringSecretName ?? `${name}-${user.db}-${user.name}`, new Set(['connectionString.standard', 'connectionString.standardSrv', 'username', 'password']));
      }
    } else if (r.type === 'kubernetes:kafka.strimzi.io/v1:KafkaUser' || r.type === 'kubernetes:kafka.strimzi.io/v1beta2:KafkaUser') {
      const tls = (spec.authentication as { type?: string } | undefined)?.type === 'tls';
      made.set(name, new Set(tls ? ['ca.crt', 'user.crt', 'user.key', 'user.p12', 'user.password'] : ['password', 'sasl.jaas.config']));
    } else if (r.type === 'kubernetes:kafka.strimzi.io/v1:Kafka' || r.type === 'kubernetes:kafka.strimzi.io/v1beta2:Kafka') {
      made.set(`${name}-cluster-ca-cert`, new Set(['ca.crt', 'ca.p12', 'ca.password']));
    } else if (r.type === 'kubernetes:cert-manager.io/v1:Certificate') {
      made.set(String(spec.secretName), new Set(['tls.crt', 'tls.key', 'ca.crt']));
    }
  }
  return made;
}

/** The Secrets a run registers itself, with their keys (`stringData` arrives in Pulumi's secret envelope). */
function registeredSecrets(resources: Registered[]): Map<string, Set<string>> {
  return new Map(
    resources
      .filter((r) => r.type === 'kubernetes:core/v1:Secret')
      .map((r) => {
        const stringData = r.inputs.stringData as { value?: Record<string, unknown> } | Record<string, unknown> | undefined;
        const data = (stringData && 'value' in stringData ? stringData.value : stringData) ?? {};
        const keys = [...Object.keys(data as Record<string, unknown>), ...Object.keys((r.inputs.data as Record<string, unknown> | undefined) ?? {})];
        return [String((r.inputs.metadata as { name: string }).name), new Set(keys)] as const;
      }),
  );
}

/** Every Secret key (or whole Secret) that a pod spec anywhere in a run's objects reads, with where it is read. */
function secretReads(resources: Registered[]): Array<{ at: string; secret: string; key?: string }> {
  const reads: Array<{ at: string; secret: string; key?: string }> = [];
  const visit = (value: unknown, at: string): void => {
    if (Array.isArray(value)) return value.forEach((v, i) => visit(v, `${at}[${i}]`));
    if (typeof value !== 'object' || value === null) return;
    const node = value as Record<string, unknown>;
    const keyRef = node.secretKeyRef as { name: string; key: string; optional?: boolean } | undefined;
    if (keyRef && !keyRef.optional) reads.push({ at, secret: keyRef.name, key: keyRef.key });
    const envFrom = node.secretRef as { name: string; optional?: boolean } | undefined;
    if (envFrom && !envFrom.optional) reads.push({ at, secret: envFrom.name });
    const volume = node.secret as { secretName?: string; name?: string; items?: Array<{ key: string }>; optional?: boolean } | undefined;
    if (volume && !volume.optional && (volume.secretName ?? volume.name)) {
      const secret = (volume.secretName ?? volume.name)!;
      if (volume.items) volume.items.forEach((item) => reads.push({ at, secret, key: item.key }));
      else reads.push({ at, secret });
    }
    for (const [key, child] of Object.entries(node)) visit(child, `${at}.${key}`);
  };
  for (const r of kubernetes(resources).filter((r) => r.type !== 'kubernetes:core/v1:Secret')) visit(r.inputs.spec, r.name);
  return reads;
}

/** The Services the local target's operators make for the objects of a run (CloudNativePG, Strimzi, MongoDB). */
function operatorServices(resources: Registered[]): Set<string> {
  const made = new Set<string>();
  for (const r of kubernetes(resources)) {
    const name = String((r.inputs.metadata as { name?: string } | undefined)?.name);
    if (r.type === 'kubernetes:postgresql.cnpg.io/v1:Cluster') ['rw', 'ro', 'r'].forEach((s) => made.add(`${name}-${s}`));
    if (r.type === 'kubernetes:kafka.strimzi.io/v1:Kafka') ['kafka-bootstrap', 'kafka-brokers'].forEach((s) => made.add(`${name}-${s}`));
    if (r.type === 'kubernetes:mongodbcommunity.mongodb.com/v1:MongoDBCommunity') made.add(`${name}-svc`);
  }
  return made;
}

/** Every host a container is given as a literal value (an environment variable named `*HOST`, or a URL's), with where. */
function literalHosts(resources: Registered[]): Array<{ at: string; host: string }> {
  const hosts: Array<{ at: string; host: string }> = [];
  const visit = (value: unknown, at: string): void => {
    if (Array.isArray(value)) return value.forEach((v, i) => visit(v, `${at}[${i}]`));
    if (typeof value !== 'object' || value === null) return;
    const node = value as Record<string, unknown>;
    if (Array.isArray(node.env)) {
      for (const e of node.env as Array<{ name: string; value?: string }>) {
        if (e.value === undefined) continue;
        if (/HOST$/.test(e.name)) hosts.push({ at: `${at}.env.${e.name}`, host: e.value });
        // A URL composed from Secret keys by $(NAME) expansion (a read model's): its host is literal.
        const url = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?([^:/?#]+)/.exec(e.value);
        if (url) hosts.push({ at: `${at}.env.${e.name}`, host: url[1] });
      }
    }
    for (const [key, child] of Object.entries(node)) if (key !== 'env') visit(child, `${at}.${key}`);
  };
  for (const r of kubernetes(resources)) visit(r.inputs.spec, r.name);
  return hosts;
}

/** The literal hosts of a run that name no Service the stack or its operators make (a name or its cluster DNS name). */
function unresolvedHosts(resources: Registered[]): string[] {
  const services = new Set([...operatorServices(resources), ...kubernetes(resources).filter((r) => r.type === 'kubernetes:core/v1:Service').map((r) => String((r.inputs.metadata as { name: string }).name))]);
  return literalHosts(resources)
    .filter(({ host }) => !services.has(host.split('.')[0]))
    .map(({ at, host }) => `${at}: ${host}`);
}

/** The Secret reads of a run that no Secret of the stack or its operators answers, with what is written. */
function unresolvedSecretReads(resources: Registered[]): string[] {
  const written = new Map([...operatorSecrets(resources), ...registeredSecrets(resources)]);
  return secretReads(resources)
    .filter(({ secret, key }) => !written.has(secret) || (key !== undefined && !written.get(secret)!.has(key)))
    .map(({ at, secret, key }) => `${at}: ${secret}${key ? `/${key}` : ''} (written: ${written.has(secret) ? [...written.get(secret)!].join(', ') : 'no such Secret'})`);
}

describe('Pulumi program, Secret references', () => {
  test.each(Object.keys(TARGETS).flatMap((target) => PHASES.map((phase) => [target, phase] as const)))(
    '%s phase %i: every host a container is given is a Service the stack or its operators make',
    (target, phase) => {
      expect(unresolvedHosts(runs.get(`${target}/${phase}`)!.resources)).toEqual([]);
    },
  );

  test('aws: a literal host of a CloudNativePG Service, which aws does not have, is found', () => {
    const { resources } = runs.get('aws/3')!;
    const job = resources.find((r) => r.name === 'job:career-copilot/event-store-schema')!;
    // The schema Job as it was: PGHOST the local target's Service name.
    const planted = JSON.parse(JSON.stringify(job)) as Registered;
    const container = (planted.inputs.spec as { template: { spec: { containers: Array<{ env: Array<{ name: string; value?: string }> }> } } }).template.spec.containers[0];
    container.env = [...container.env.filter((e) => e.name !== 'PGHOST'), { name: 'PGHOST', value: 'event-store-rw' }];
    expect(unresolvedHosts([...resources.filter((r) => r !== job), planted])).toEqual(['job:career-copilot/event-store-schema.template.spec.containers[0].env.PGHOST: event-store-rw']);
  });

  test.each(Object.keys(TARGETS))('%s: the read model of applications reads a URL of its store\'s replicas', (target) => {
    const deployment = runs.get(`${target}/2`)!.resources.find((r) => r.name === 'deployment:career-copilot/applications-service')!;
    const env = (deployment.inputs.spec as { template: { spec: { containers: Array<{ env: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef: { key: string } } }> }> } } }).template.spec.containers[0].env;
    const read = env.find((e) => e.name === 'APPLICATIONS_DB_READ_URL')!;
    if (target === 'local') expect(read.value).toMatch(/^postgresql:\/\/\$\(APPLICATIONS_DB_READ_USERNAME\):\$\(APPLICATIONS_DB_READ_PASSWORD\)@applications-db-ro\./);
    else expect(read.valueFrom!.secretKeyRef.key).toBe('readUri');
  });

  test('local: a read model URL on a Service nobody makes is found', () => {
    const { resources } = runs.get('local/2')!;
    const deployment = resources.find((r) => r.name === 'deployment:career-copilot/applications-service')!;
    const planted = JSON.parse(JSON.stringify(deployment).replace(/applications-db-ro\./g, 'applications-db-replica.')) as Registered;
    expect(unresolvedHosts([...resources.filter((r) => r !== deployment), planted])).toEqual([
      'deployment:career-copilot/applications-service.template.spec.containers[0].env.APPLICATIONS_DB_READ_URL: applications-db-replica.career-copilot.svc.cluster.local',
    ]);
  });

  test('aws: the read replica URL removed from the Secret the stack writes is found', () => {
    const { resources } = runs.get('aws/2')!;
    const secret = resources.find((r) => r.type === 'kubernetes:core/v1:Secret' && r.name === 'applications-db-app')!;
    const planted = JSON.parse(JSON.stringify(secret)) as Registered;
    delete (planted.inputs.stringData as { value: Record<string, unknown> }).value.readUri;
    expect(unresolvedSecretReads([...resources.filter((r) => r !== secret), planted])).toEqual([
      expect.stringMatching(/^deployment:career-copilot\/applications-service\.template\.spec\.containers\[0\]\.env\[\d+\]\.valueFrom: applications-db-app\/readUri \(written: /),
    ]);
  });

  test.each(Object.keys(TARGETS))('%s: the event store schema Job finds its host and port in the Secret', (target) => {
    const reads = secretReads(runs.get(`${target}/3`)!.resources).filter((r) => r.at.startsWith('job:career-copilot/event-store-schema'));
    expect(reads.map((r) => r.key)).toEqual(expect.arrayContaining(['username', 'host', 'port']));
  });

  test.each(Object.keys(TARGETS).flatMap((target) => PHASES.map((phase) => [target, phase] as const)))(
    '%s phase %i: every Secret key a pod reads is one the stack or its operators write',
    (target, phase) => {
      const { resources } = runs.get(`${target}/${phase}`)!;
      // From phase 0 on, the monolith reads its database's and its cache's Secrets.
      expect(secretReads(resources).length).toBeGreaterThan(0);
      expect(unresolvedSecretReads(resources)).toEqual([]);
    },
  );

  test.each(PHASES)('aws phase %i: the services connect to each PostgreSQL store as its application role, made by its Job from the master user that only Jobs read', (phase) => {
    const { resources } = runs.get(`aws/${phase}`)!;
    const stores = selectPhase(model, phase).dataStores.filter((s) => s.engine === 'postgresql');
    expect(stores.length).toBeGreaterThan(0);
    for (const store of stores) {
      const app = resources.find((r) => r.type === 'kubernetes:core/v1:Secret' && r.name === `${store.name}-app`)!;
      const data = (app.inputs.stringData as { value: Record<string, string> }).value;
      // The role is named after its database (CloudNativePG's owner); never the master user, in no key.
      expect({ store: store.name, username: data.username, uri: data.uri.split(':')[1] }).toEqual({ store: store.name, username: store.database, uri: `//${store.database}` });
      expect(data.password).toBe(`generated-${store.name}-app-password`);
      // The role's Job: after the store and its Secrets, before every workload of the phase.
      const job = resources.find((r) => r.name === `job:career-copilot/${store.name}-role`)!;
      expect(job.dependsOn).toContain('data-stores');
      expect(resources.filter((r) => r.type === 'career-copilot:platform:DatabaseRole' && r.name === `${store.name}-role`)).toHaveLength(1);
      for (const workload of resources.filter((r) => r.type === 'kubernetes:apps/v1:Deployment')) {
        expect({ workload: workload.name, after: workload.dependsOn.includes(`${store.name}-role`) }).toEqual({ workload: workload.name, after: true });
      }
    }
    const masterReaders = secretReads(resources).filter((r) => r.secret.endsWith('-superuser')).map((r) => r.at.split('.')[0]);
    expect(masterReaders.length).toBeGreaterThan(0);
    expect([...new Set(masterReaders)].filter((at) => !at.startsWith('job:'))).toEqual([]);
  });

  test('local: CloudNativePG makes the roles; no role Job, and no service reads a superuser Secret', () => {
    for (const phase of PHASES) {
      const { resources } = runs.get(`local/${phase}`)!;
      expect(resources.filter((r) => r.type === 'career-copilot:platform:DatabaseRole')).toEqual([]);
      expect(secretReads(resources).filter((r) => r.secret.endsWith('-superuser') && !r.at.startsWith('job:'))).toEqual([]);
    }
  });

  test('aws: a key the auth split reads, removed from the Secret that the stack writes, is found', () => {
    const { resources } = runs.get('aws/1')!;
    const secret = resources.find((r) => r.type === 'kubernetes:core/v1:Secret' && r.name === 'auth-db-app')!;
    const planted = JSON.parse(JSON.stringify(secret)) as Registered;
    delete (planted.inputs.stringData as { value: Record<string, unknown> }).value.host;
    expect(unresolvedSecretReads([...resources.filter((r) => r !== secret), planted])).toEqual([
      expect.stringMatching(/^job:career-copilot\/auth-data-split\.template\.spec\.containers\[0\]\.env\[\d+\]\.valueFrom: auth-db-app\/host \(written: /),
    ]);
  });
});

describe('Pulumi program, phase steps', () => {
  // Bad config is refused in test/bad-inputs.test.ts, from the one bad-input table.
  test('refuses a skipped phase, up or down, having read only its own last outputs', async () => {
    const error = (await runProgram({ phase: '3' }, { phase: 1, highestPhase: 1 }).then(() => undefined, (e: ProgramError) => e))!;
    expect(error.message).toBe('phase: 3 is 2 phases from the deployed phase 1; promote one phase at a time (set phase to 2), or set allowPhaseSkip to true');
    expect(error.registered.map((r) => r.type)).toEqual(['pulumi:pulumi:StackReference']);
    await expect(runProgram({ phase: '1' }, { phase: 4, highestPhase: 4 })).rejects.toThrow('phase: 1 is 3 phases from the deployed phase 4; roll back one phase at a time (set phase to 3)');
  });

  test('allows a skipped phase when asked to', async () => {
    const { outputs } = await runProgram({ phase: '3', allowPhaseSkip: 'true' }, { phase: 1, highestPhase: 1 });
    expect(outputs.phase).toBe(3);
  });
});
