import { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from '@pulumi/policy';
import { synthesizePhase } from '../../../synthesis/synthesize';
import { careerCopilot, PHASES, selectPhase } from '../../../phases';
import { kubernetesObject, parentType, SECRET_WRITERS, SECURITY_POLICIES, stackOf } from '../../../policy/pack/policies';
import { SUPPORT_IMAGE_NAMES, SUPPORT_IMAGES } from '../../../constructs/support-images';
import { allWorkloads } from '../../../phases/model/check-model';
import { NAMESPACE_RULES, SECURITY_RULES } from '../../../policy/security-rules';
import { AWS_RULES } from '../../../policy/aws-rules';
import { MANAGED_DATA_TYPES } from '../../../stacks/aws/managed-services';
import { Registered, runProgram } from '../../stacks/run-program';

/**
 * The pack's policies called as the Pulumi engine calls them, with plain argument objects: no `pulumi` binary is
 * needed. Resources carry the type tokens the stack registers (`kubernetes:apps/v1:Deployment`, and
 * `kubernetes:<group>/<version>:<Kind>` for CustomResources).
 */

const model = careerCopilot();
const STACK = 'urn:pulumi:dev::career-copilot';
const COMPONENT_URN = `${STACK}::career-copilot:platform:ContextService::user-service`;

interface Resource {
  readonly type: string;
  readonly props: Record<string, unknown>;
  readonly parent?: string;
  /** @default false */
  readonly protect?: boolean;
}

function typeToken(document: { apiVersion: string; kind: string }): string {
  return `kubernetes:${document.apiVersion.includes('/') ? document.apiVersion : `core/${document.apiVersion}`}:${document.kind}`;
}

const phaseResources = (phase: number): Resource[] =>
  synthesizePhase(selectPhase(model, phase)).map((m) => ({ type: typeToken(m.document), props: m.document as Record<string, unknown>, parent: COMPONENT_URN }));

function resourceArgs(resource: Resource, stack = STACK): ResourceValidationArgs {
  return {
    type: resource.type,
    props: resource.props,
    urn: `${stack}::${resource.type}::r`,
    name: 'r',
    opts: { protect: resource.protect ?? false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [], ...(resource.parent ? { parent: resource.parent } : {}) },
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => ({}) as T,
    notApplicable: (reason?: string) => {
      throw new Error(reason);
    },
  };
}

/** Every message the resource policies report for `resources` of the stack whose URNs start with `stack`, as `policy: message`. */
async function validateResources(resources: readonly Resource[], stack = STACK): Promise<string[]> {
  const reported: string[] = [];
  for (const policy of SECURITY_POLICIES.filter((p): p is ResourceValidationPolicy => 'validateResource' in p)) {
    const report: ReportViolation = (message) => reported.push(`${policy.name}: ${message}`);
    for (const resource of resources) {
      const validations = [policy.validateResource!].flat();
      for (const validate of validations) await validate(resourceArgs(resource, stack), report);
    }
  }
  return reported;
}

async function validateStack(resources: readonly Resource[]): Promise<string[]> {
  const reported: string[] = [];
  const args = {
    resources: resources.map((r, i) => ({ type: r.type, props: r.props, urn: `${STACK}::${r.type}::r${i}`, name: `r${i}`, opts: {}, isType: () => false, asType: () => undefined, dependencies: [], propertyDependencies: {} })),
    getConfig: () => ({}),
    stackTags: new Map(),
    notApplicable: () => undefined as never,
  } as unknown as StackValidationArgs;
  for (const policy of SECURITY_POLICIES.filter((p): p is StackValidationPolicy => 'validateStack' in p)) {
    await policy.validateStack(args, (message) => reported.push(`${policy.name}: ${message}`));
  }
  return reported;
}

describe('the career-copilot-security policy pack', () => {
  test('has one mandatory policy per rule, named after it', () => {
    expect(SECURITY_POLICIES.map((p) => p.name)).toEqual([...SECURITY_RULES.map((r) => r.id), ...NAMESPACE_RULES.map((r) => r.id), ...AWS_RULES.map((r) => r.id)]);
    expect(SECURITY_POLICIES.every((p) => p.enforcementLevel === 'mandatory')).toBe(true);
  });

  test.each(PHASES.map((p) => [p]))('phase %i: no resource or stack violation', async (phase) => {
    const resources = phaseResources(phase);
    expect(await validateResources(resources)).toEqual([]);
    expect(await validateStack(resources)).toEqual([]);
  });

  test('in the prod stack, every pod template image by tag alone is a violation (dev runs them, above)', async () => {
    const resources = phaseResources(1);
    const reported = await validateResources(resources, 'urn:pulumi:prod::career-copilot');
    expect(reported.length).toBeGreaterThan(0);
    expect(reported.every((r) => r.startsWith('image-digest-pinned: '))).toBe(true);
    expect(reported).toContain(
      'image-digest-pinned: spec.template.spec.containers[0].image: "postgres:16.4-alpine" has no digest: this stack runs only images pinned by digest (repository:version@sha256:<digest>), so that what runs is what was reviewed; a tag can be moved',
    );
    expect(stackOf('urn:pulumi:prod::career-copilot::kubernetes:batch/v1:Job::job:career-copilot/auth-data-split')).toBe('prod');
  });

  test('in the prod stack, images pinned by digest pass', async () => {
    const digest = `sha256:${'d'.repeat(64)}`;
    const pinned = structuredClone(model);
    for (const { workload } of allWorkloads(pinned)) workload.image.digest = digest;
    const supportImages = Object.fromEntries(SUPPORT_IMAGE_NAMES.map((name) => [name, `${SUPPORT_IMAGES[name].image}@${digest}`]));
    const resources = synthesizePhase(selectPhase(pinned, 4), { supportImages }).map((m) => ({ type: typeToken(m.document), props: m.document as Record<string, unknown>, parent: COMPONENT_URN }));
    expect(await validateResources(resources, 'urn:pulumi:prod::career-copilot')).toEqual([]);
  });

  test('reports a privileged Deployment with the path', async () => {
    const deployment = phaseResources(0).find((r) => r.type === 'kubernetes:apps/v1:Deployment')!;
    const props = structuredClone(deployment.props) as { spec: { template: { spec: { containers: Array<{ securityContext: { privileged: boolean } }> } } } };
    props.spec.template.spec.containers[0].securityContext.privileged = true;
    expect(await validateResources([{ ...deployment, props }])).toEqual([
      'pod-not-privileged: spec.template.spec.containers[0].securityContext.privileged: privileged containers have every host device and capability',
    ]);
  });

  test('reads custom resources by their type token', async () => {
    const cluster = phaseResources(0).find((r) => r.type === 'kubernetes:postgresql.cnpg.io/v1:Cluster')!;
    const props = structuredClone(cluster.props) as { spec: { imageName: string } };
    props.spec.imageName = 'ghcr.io/cloudnative-pg/postgresql:latest';
    expect(await validateResources([{ ...cluster, props }])).toEqual([expect.stringMatching(/^image-pinned: spec\.imageName: .*latest/)]);
  });

  test('stack validation reports a namespace without default deny and, with the mesh, without STRICT mTLS', async () => {
    const resources = phaseResources(4).filter((r) => !/:(NetworkPolicy|PeerAuthentication)$/.test(r.type));
    expect(await validateStack(resources)).toEqual([
      expect.stringMatching(/^namespace-default-deny: namespace-default-deny: Namespace career-copilot: /),
      expect.stringMatching(/^mesh-mtls-strict: mesh-mtls-strict: Namespace career-copilot: /),
    ]);
  });

  describe('Secrets', () => {
    const secret = (parent: string): Resource => ({ type: 'kubernetes:core/v1:Secret', props: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cache-app' }, stringData: { password: 'generated' } }, parent });

    test('a Secret with data from a manifest component is refused', async () => {
      expect(await validateResources([secret(COMPONENT_URN)])).toEqual(['secret-no-literal-data: stringData: a Secret with literal values puts credentials in the manifest']);
    });

    test.each(Object.keys(SECRET_WRITERS).map((t) => [t]))('a Secret written by %s from generated values is allowed', async (type) => {
      expect(await validateResources([secret(`${STACK}::${type}::credentials`)])).toEqual([]);
    });
  });

  test('maps type tokens to Kubernetes kinds and ignores other resources', () => {
    expect(kubernetesObject('kubernetes:core/v1:Secret', {})).toMatchObject({ apiVersion: 'v1', kind: 'Secret' });
    expect(kubernetesObject('kubernetes:kafka.strimzi.io/v1:KafkaNodePool', {})).toMatchObject({ apiVersion: 'kafka.strimzi.io/v1', kind: 'KafkaNodePool' });
    expect(kubernetesObject('random:index/randomPassword:RandomPassword', {})).toBeUndefined();
    expect(parentType(`${STACK}::career-copilot:platform:Component$career-copilot:local:GeneratedCredentials::c`)).toBe('career-copilot:local:GeneratedCredentials');
  });

  describe('on the aws target', () => {
    // The resources the program registers for the aws target at phase 3 (every managed store and MSK), under mocks.
    let managed: Resource[];
    beforeAll(async () => {
      const AWS = { target: 'aws', vpcId: 'vpc-0abc', privateSubnetIds: '["subnet-0a1","subnet-0b2"]', clusterCidr: '10.20.0.0/16', tlsClusterIssuer: 'letsencrypt' };
      const run = await runProgram({ ...AWS, phase: '3' }, { phase: 2, highestPhase: 2 });
      managed = run.resources.filter((r: Registered) => r.type.startsWith('aws:')).map((r) => ({ type: r.type, props: r.inputs, protect: r.protect }));
    });
    const aws = (messages: string[]) => messages.filter((m) => m.startsWith('aws-'));
    const planted = (type: string, change: (props: Record<string, unknown>) => Record<string, unknown>, protect = true): Resource[] => {
      const target = managed.find((r) => r.type === type && r.props.replicateSourceDb === undefined)!;
      return [...managed.filter((r) => r !== target), { ...target, props: change(JSON.parse(JSON.stringify(target.props))), protect }];
    };

    test('every managed data store of the stack passes, and each kind is there to be checked', async () => {
      for (const type of MANAGED_DATA_TYPES) expect(managed.some((r) => r.type === type)).toBe(true);
      expect(aws(await validateResources(managed))).toEqual([]);
    });

    test('an unencrypted RDS instance is refused', async () => {
      expect(aws(await validateResources(planted('aws:rds/instance:Instance', (p) => ({ ...p, storageEncrypted: false }))))).toEqual([
        'aws-encrypted-at-rest: storageEncrypted: is false, must be true: the data, its backups and snapshots are readable by whoever gets the disks otherwise',
      ]);
    });

    test('a DocumentDB cluster the stack does not protect, without deletion protection, is refused', async () => {
      expect(aws(await validateResources(planted('aws:docdb/cluster:Cluster', (p) => ({ ...p, deletionProtection: false }), false)))).toEqual([
        'aws-deletion-protected: deletionProtection: is false, must be true: AWS deletes the database and its automated backups otherwise',
        'aws-deletion-protected: protect: is false, must be true: a change of the program would delete it with its data',
      ]);
    });

    test('a public RDS instance without backups or a final snapshot is refused', async () => {
      const { backupRetentionPeriod: _days, finalSnapshotIdentifier: _snapshot, ...rest } = managed.find((r) => r.type === 'aws:rds/instance:Instance' && r.props.replicateSourceDb === undefined)!.props;
      expect(aws(await validateResources(planted('aws:rds/instance:Instance', () => ({ ...rest, publiclyAccessible: true, skipFinalSnapshot: true }))))).toEqual([
        'aws-no-public-access: publiclyAccessible: is true, must be false: the instance gets a public address otherwise',
        'aws-backed-up: backupRetentionPeriod: is not set, must be 1 day or more: there is nothing to restore from otherwise',
        'aws-backed-up: skipFinalSnapshot: is true, must be false: deleting it loses the data since the last backup otherwise',
        'aws-backed-up: finalSnapshotIdentifier: is not set: the final snapshot needs a name',
      ]);
    });

    test('Redis without a token or TLS, and Kafka open to unauthenticated clients, are refused', async () => {
      const redis = planted('aws:elasticache/replicationGroup:ReplicationGroup', ({ authToken: _token, ...p }) => ({ ...p, transitEncryptionEnabled: false }));
      expect(aws(await validateResources(redis))).toEqual([
        'aws-encrypted-in-transit: transitEncryptionEnabled: is false, must be true: credentials and data cross the VPC in plain text otherwise',
        'aws-authenticated-clients: authToken: is not set: any client in the VPC can read and write the cache otherwise',
      ]);
      const kafka = planted('aws:msk/cluster:Cluster', (p) => ({ ...p, clientAuthentication: { unauthenticated: true } }));
      expect(aws(await validateResources(kafka))).toEqual([
        'aws-authenticated-clients: clientAuthentication.unauthenticated: is true, must be false: any client in the VPC can use every topic otherwise',
        'aws-authenticated-clients: clientAuthentication.sasl: enables neither SCRAM nor IAM: clients prove nothing about who they are otherwise',
      ]);
    });
  });
});
