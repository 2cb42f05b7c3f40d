import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { EnvironmentOptions } from '../../synthesis/phase-chart';
import { synthesizePhase } from '../../synthesis/synthesize';
import { careerCopilot, PHASES, selectPhase } from '../../phases';
import { isRecord, kindKey, PlainObject } from '../../policy/located';
import { POD_TEMPLATE_KINDS, podTemplates } from '../../policy/pod-templates';
import { checkManifests, checkObject, formatViolation, imageDigestProblem, imagePinProblem, NAMESPACE_RULES, SECURITY_RULES } from '../../policy/security-rules';
import { SUPPORT_IMAGE_NAMES, SUPPORT_IMAGES } from '../../constructs/support-images';
import { allWorkloads } from '../../phases/model/check-model';

const model = careerCopilot();
const ENVIRONMENTS: ReadonlyArray<[string, EnvironmentOptions]> = [
  ['local', {}],
  ['managed data (inClusterData false)', { inClusterData: false }],
];
const phaseObjects = (phase: number, environment: EnvironmentOptions): PlainObject[] =>
  synthesizePhase(selectPhase(model, phase), environment).map((m) => m.document as PlainObject);
const PHASE_4 = phaseObjects(4, {});

/** A deep copy of the phase 4 object of `kind` named `name`: a known-good base for one bad change. */
function base(kind: string, name: string): Record<string, unknown> {
  const found = PHASE_4.find((o) => kindKey(o) === kind && (o.metadata as { name: string }).name === name);
  if (!found) throw new Error(`phase 4 has no ${kind} ${name}`);
  return structuredClone(found) as Record<string, unknown>;
}

/** Sets (or, with undefined, deletes) the value at a path such as `spec.containers[0].image`, creating objects on the way. */
function setPath(object: Record<string, unknown>, at: string, value: unknown): Record<string, unknown> {
  const keys = [...at.matchAll(/\["([^"]+)"\]|\[(\d+)\]|([^.[\]]+)/g)].map(([, quoted, index, plain]) => (index !== undefined ? Number(index) : quoted ?? plain));
  let node = object as Record<string | number, unknown>;
  for (const key of keys.slice(0, -1)) {
    node[key] ??= {};
    node = node[key] as Record<string | number, unknown>;
  }
  const last = keys[keys.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
  return object;
}

const POD = 'spec.template.spec';
const APP = `${POD}.containers[0]`;
const deployment = (at: string, value: unknown) => setPath(base('apps/Deployment', 'user-service'), at, value);

/**
 * One bad object per rule (and per kind of pod template): the rule that must report it, and where. Add a line to
 * cover a new rule or a new way to break one.
 */
const BAD_OBJECTS: ReadonlyArray<{ name: string; rule: string; object: () => Record<string, unknown>; path: string; alsoReported?: string[]; stack?: string }> = [
  { name: 'container allows root', rule: 'pod-run-as-non-root', object: () => deployment(`${APP}.securityContext.runAsNonRoot`, false), path: `${APP}.securityContext.runAsNonRoot` },
  { name: 'pod runs as UID 0', rule: 'pod-run-as-non-root', object: () => deployment(`${POD}.securityContext.runAsUser`, 0), path: `${POD}.securityContext.runAsUser` },
  { name: 'privilege escalation allowed', rule: 'pod-no-privilege-escalation', object: () => deployment(`${APP}.securityContext.allowPrivilegeEscalation`, true), path: `${APP}.securityContext.allowPrivilegeEscalation` },
  { name: 'capabilities not dropped', rule: 'pod-drop-all-capabilities', object: () => deployment(`${APP}.securityContext.capabilities.drop`, ['NET_RAW']), path: `${APP}.securityContext.capabilities.drop` },
  { name: 'SYS_ADMIN added', rule: 'pod-drop-all-capabilities', object: () => deployment(`${APP}.securityContext.capabilities.add`, ['NET_BIND_SERVICE', 'SYS_ADMIN']), path: `${APP}.securityContext.capabilities.add[1]` },
  { name: 'seccomp Unconfined', rule: 'pod-seccomp-profile', object: () => deployment(`${APP}.securityContext.seccompProfile`, { type: 'Unconfined' }), path: `${APP}.securityContext.seccompProfile.type` },
  {
    name: 'no seccomp profile anywhere',
    rule: 'pod-seccomp-profile',
    object: () => setPath(deployment(`${APP}.securityContext.seccompProfile`, undefined), `${POD}.securityContext.seccompProfile`, undefined),
    path: `${APP}.securityContext.seccompProfile.type`,
  },
  { name: 'hostPath volume', rule: 'pod-volume-types', object: () => deployment(`${POD}.volumes[1]`, { name: 'host', hostPath: { path: '/' } }), path: `${POD}.volumes[1].hostPath` },
  { name: 'hostNetwork', rule: 'pod-no-host-namespaces', object: () => deployment(`${POD}.hostNetwork`, true), path: `${POD}.hostNetwork` },
  { name: 'hostPID', rule: 'pod-no-host-namespaces', object: () => deployment(`${POD}.hostPID`, true), path: `${POD}.hostPID` },
  { name: 'hostIPC', rule: 'pod-no-host-namespaces', object: () => deployment(`${POD}.hostIPC`, true), path: `${POD}.hostIPC` },
  { name: 'privileged container', rule: 'pod-not-privileged', object: () => deployment(`${APP}.securityContext.privileged`, true), path: `${APP}.securityContext.privileged` },
  { name: 'no memory limit', rule: 'container-resources', object: () => deployment(`${APP}.resources.limits.memory`, undefined), path: `${APP}.resources.limits.memory` },
  { name: 'no cpu request', rule: 'container-resources', object: () => deployment(`${APP}.resources.requests.cpu`, undefined), path: `${APP}.resources.requests.cpu` },
  { name: 'image latest', rule: 'image-pinned', object: () => deployment(`${APP}.image`, 'career-copilot/user-service:latest'), path: `${APP}.image` },
  { name: 'image untagged', rule: 'image-pinned', object: () => deployment(`${APP}.image`, 'registry:5000/career-copilot/user-service'), path: `${APP}.image` },
  // In prod every image is pinned by digest; each of these objects is good elsewhere (the rows above have no stack).
  { name: 'prod: a Deployment image by tag alone', rule: 'image-digest-pinned', stack: 'prod', object: () => base('apps/Deployment', 'user-service'), path: `${APP}.image` },
  {
    name: "prod: a Deployment's sidecar by tag alone",
    rule: 'image-digest-pinned',
    stack: 'prod',
    object: () => setPath(base('apps/Deployment', 'api-gateway'), `${APP}.image`, `nginxinc/nginx-unprivileged:1.28.3-alpine@sha256:${'a'.repeat(64)}`),
    path: `${POD}.containers[1].image`,
  },
  { name: 'prod: a StatefulSet image by tag alone', rule: 'image-digest-pinned', stack: 'prod', object: () => base('apps/StatefulSet', 'cache'), path: `${APP}.image` },
  { name: 'prod: a Job image by tag alone', rule: 'image-digest-pinned', stack: 'prod', object: () => base('batch/Job', 'event-store-schema'), path: `${APP}.image` },
  {
    name: 'prod: a Rollout with its own template, by tag alone',
    rule: 'image-digest-pinned',
    stack: 'prod',
    object: () => setPath(base('argoproj.io/Rollout', 'auth-service'), 'spec.template', (base('apps/Deployment', 'auth-service') as any).spec.template), // eslint-disable-line @typescript-eslint/no-explicit-any
    path: `${APP}.image`,
  },
  { name: 'prod: the smoke test by tag alone', rule: 'image-digest-pinned', stack: 'prod', object: () => base('argoproj.io/AnalysisTemplate', 'auth-service-smoke-test'), path: `spec.metrics[0].provider.job.${APP}.image` },
  { name: 'writable root filesystem', rule: 'read-only-root-filesystem', object: () => deployment(`${APP}.securityContext.readOnlyRootFilesystem`, false), path: `${APP}.securityContext.readOnlyRootFilesystem` },
  { name: 'token mounted', rule: 'service-account-token-not-mounted', object: () => deployment(`${POD}.automountServiceAccountToken`, undefined), path: `${POD}.automountServiceAccountToken` },
  { name: 'Secret with data', rule: 'secret-no-literal-data', object: () => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'career-copilot' }, data: { password: 'c2VjcmV0' } }), path: 'data' },
  { name: 'Secret with stringData', rule: 'secret-no-literal-data', object: () => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'career-copilot' }, stringData: { password: 'x' } }), path: 'stringData' },
  { name: 'PERMISSIVE mTLS', rule: 'peer-authentication-strict', object: () => setPath(base('security.istio.io/PeerAuthentication', 'default'), 'spec.mtls.mode', 'PERMISSIVE'), path: 'spec.mtls.mode' },
  { name: 'mTLS disabled on a port', rule: 'peer-authentication-strict', object: () => setPath(base('security.istio.io/PeerAuthentication', 'default'), 'spec.portLevelMtls', { 8080: { mode: 'DISABLE' } }), path: 'spec.portLevelMtls["8080"].mode' },
  { name: 'namespace only baseline', rule: 'namespace-pod-security-restricted', object: () => setPath(base('Namespace', 'career-copilot'), 'metadata.labels["pod-security.kubernetes.io/enforce"]', 'baseline'), path: 'metadata.labels["pod-security.kubernetes.io/enforce"]' },
  // Every other kind of pod template.
  { name: 'StatefulSet privileged', rule: 'pod-not-privileged', object: () => setPath(base('apps/StatefulSet', 'cache'), `${APP}.securityContext.privileged`, true), path: `${APP}.securityContext.privileged` },
  { name: 'Job with hostPath', rule: 'pod-volume-types', object: () => setPath(base('batch/Job', 'event-store-schema'), `${POD}.volumes[0]`, { name: 'sql', hostPath: { path: '/etc' } }), path: `${POD}.volumes[0].hostPath` },
  { name: 'Pod with hostNetwork', rule: 'pod-no-host-namespaces', object: () => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'debug' }, spec: { ...(base('apps/Deployment', 'user-service') as any).spec.template.spec, hostNetwork: true } }), path: 'spec.hostNetwork' }, // eslint-disable-line @typescript-eslint/no-explicit-any
  {
    name: 'CronJob image latest',
    rule: 'image-pinned',
    object: () => ({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'nightly' }, spec: { schedule: '0 1 * * *', jobTemplate: { spec: (setPath(base('batch/Job', 'event-store-schema'), `${APP}.image`, 'postgres') as any).spec } } }), // eslint-disable-line @typescript-eslint/no-explicit-any
    path: `spec.jobTemplate.${APP}.image`,
  },
  {
    name: 'Rollout with its own template sharing the host PID namespace',
    rule: 'pod-no-host-namespaces',
    object: () => setPath(base('argoproj.io/Rollout', 'auth-service'), 'spec.template', setPath((base('apps/Deployment', 'auth-service') as any).spec.template, 'spec.hostPID', true)), // eslint-disable-line @typescript-eslint/no-explicit-any
    path: `${POD}.hostPID`,
  },
  {
    name: 'AnalysisTemplate smoke test with a writable root filesystem',
    rule: 'read-only-root-filesystem',
    object: () => setPath(base('argoproj.io/AnalysisTemplate', 'auth-service-smoke-test'), `spec.metrics[0].provider.job.${APP}.securityContext.readOnlyRootFilesystem`, false),
    path: `spec.metrics[0].provider.job.${APP}.securityContext.readOnlyRootFilesystem`,
  },
  { name: 'CloudNativePG writable root filesystem', rule: 'read-only-root-filesystem', object: () => setPath(base('postgresql.cnpg.io/Cluster', 'user-db'), 'spec.securityContext.readOnlyRootFilesystem', false), path: 'spec.securityContext.readOnlyRootFilesystem' },
  { name: 'CloudNativePG image latest', rule: 'image-pinned', object: () => setPath(base('postgresql.cnpg.io/Cluster', 'user-db'), 'spec.imageName', 'ghcr.io/cloudnative-pg/postgresql:latest'), path: 'spec.imageName' },
  { name: 'CloudNativePG without limits', rule: 'container-resources', object: () => setPath(base('postgresql.cnpg.io/Cluster', 'user-db'), 'spec.resources.limits', undefined), path: 'spec.resources.limits.cpu' },
  { name: 'CloudNativePG pod without seccomp', rule: 'pod-seccomp-profile', object: () => setPath(setPath(base('postgresql.cnpg.io/Cluster', 'user-db'), 'spec.podSecurityContext.seccompProfile', undefined), 'spec.securityContext.seccompProfile', undefined), path: 'spec.securityContext.seccompProfile.type' },
  {
    name: "MongoDB operator's agent container left to its defaults",
    rule: 'pod-no-privilege-escalation',
    object: () => {
      const mongo = base('mongodbcommunity.mongodb.com/MongoDBCommunity', 'analytics-db') as any; // eslint-disable-line @typescript-eslint/no-explicit-any
      mongo.spec.statefulSet.spec.template.spec.containers = mongo.spec.statefulSet.spec.template.spec.containers.filter((c: { name: string }) => c.name !== 'mongodb-agent');
      return mongo;
    },
    path: 'spec.statefulSet.spec.template.spec.containers[name=mongodb-agent].securityContext.allowPrivilegeEscalation',
    // Everything else the container needs is missing too.
    alsoReported: ['pod-drop-all-capabilities', 'container-resources', 'read-only-root-filesystem'],
  },
  { name: 'MongoDB version latest', rule: 'image-pinned', object: () => setPath(base('mongodbcommunity.mongodb.com/MongoDBCommunity', 'analytics-db'), 'spec.version', 'latest'), path: 'spec.version' },
  { name: 'MongoDB hostPath volume', rule: 'pod-volume-types', object: () => setPath(base('mongodbcommunity.mongodb.com/MongoDBCommunity', 'analytics-db'), 'spec.statefulSet.spec.template.spec.volumes', [{ name: 'h', hostPath: { path: '/' } }]), path: 'spec.statefulSet.spec.template.spec.volumes[0].hostPath' },
  { name: 'Kafka broker may escalate', rule: 'pod-no-privilege-escalation', object: () => setPath(base('kafka.strimzi.io/KafkaNodePool', 'event-bus-pool'), 'spec.template.kafkaContainer.securityContext.allowPrivilegeEscalation', true), path: 'spec.template.kafkaContainer.securityContext.allowPrivilegeEscalation' },
  { name: 'Kafka brokers without resources', rule: 'container-resources', object: () => setPath(base('kafka.strimzi.io/KafkaNodePool', 'event-bus-pool'), 'spec.resources', undefined), path: 'spec.resources.requests.cpu' },
  { name: 'Kafka broker pod may run as root', rule: 'pod-run-as-non-root', object: () => setPath(base('kafka.strimzi.io/KafkaNodePool', 'event-bus-pool'), 'spec.template.pod.securityContext.runAsUser', 0), path: 'spec.template.pod.securityContext.runAsUser' },
  { name: 'topic operator without a memory limit', rule: 'container-resources', object: () => setPath(base('kafka.strimzi.io/Kafka', 'event-bus'), 'spec.entityOperator.topicOperator.resources.limits.memory', undefined), path: 'spec.entityOperator.topicOperator.resources.limits.memory' },
  { name: 'user operator with a writable root filesystem', rule: 'read-only-root-filesystem', object: () => setPath(base('kafka.strimzi.io/Kafka', 'event-bus'), 'spec.entityOperator.template.userOperatorContainer.securityContext.readOnlyRootFilesystem', false), path: 'spec.entityOperator.template.userOperatorContainer.securityContext.readOnlyRootFilesystem' },
  { name: 'Kafka version latest', rule: 'image-pinned', object: () => setPath(base('kafka.strimzi.io/Kafka', 'event-bus'), 'spec.kafka.version', 'latest'), path: 'spec.kafka.version' },
];

describe('every phase is secure by the rules', () => {
  const cases = ENVIRONMENTS.flatMap(([name, environment]) => PHASES.map((phase) => [phase, name, environment] as const));

  test.each(cases)('phase %i, %s: zero violations', (phase, _name, environment) => {
    expect(checkManifests(phaseObjects(phase, environment)).map(formatViolation)).toEqual([]);
  });

  test('the rules see the pods of every kind that makes them in phase 4', () => {
    const withPods = new Set(PHASE_4.filter((o) => podTemplates(o).length > 0).map(kindKey));
    expect([...withPods].sort()).toEqual(
      ['apps/Deployment', 'apps/StatefulSet', 'batch/Job', 'argoproj.io/AnalysisTemplate', 'postgresql.cnpg.io/Cluster', 'mongodbcommunity.mongodb.com/MongoDBCommunity', 'kafka.strimzi.io/Kafka', 'kafka.strimzi.io/KafkaNodePool'].sort(),
    );
    const containers = PHASE_4.flatMap(podTemplates).flatMap((p) => p.containers);
    expect(containers.length).toBeGreaterThanOrEqual(30);
  });
});

describe('each rule reports a bad object with its id and path', () => {
  test.each(BAD_OBJECTS.map((c) => [c.name, c]))('%s', (_name, bad) => {
    const violations = checkObject(bad.object(), SECURITY_RULES, bad.stack);
    expect(violations.map((v) => ({ rule: v.ruleId, path: v.path }))).toContainEqual({ rule: bad.rule, path: bad.path });
    // One change breaks one rule (unless the row says otherwise), so each row pins its rule.
    expect([...new Set(violations.map((v) => v.ruleId))].sort()).toEqual([bad.rule, ...(bad.alsoReported ?? [])].sort());
  });

  test('every object rule has a bad object in the table', () => {
    const covered = new Set(BAD_OBJECTS.map((c) => c.rule));
    expect(SECURITY_RULES.map((r) => r.id).filter((id) => !covered.has(id))).toEqual([]);
  });

  test('a pod rule applies to every kind that makes pods', () => {
    expect(SECURITY_RULES.find((r) => r.id === 'pod-not-privileged')!.appliesTo).toEqual(POD_TEMPLATE_KINDS);
  });
});

describe('namespace rules', () => {
  const withoutDefaultDeny = PHASE_4.filter((o) => !(kindKey(o) === 'networking.k8s.io/NetworkPolicy' && (o.metadata as { name: string }).name === 'default-deny'));
  const withoutStrict = PHASE_4.filter((o) => kindKey(o) !== 'security.istio.io/PeerAuthentication');
  const NAMESPACE_CASES: ReadonlyArray<{ name: string; rule: string; objects: () => PlainObject[] }> = [
    { name: 'no default-deny NetworkPolicy', rule: 'namespace-default-deny', objects: () => withoutDefaultDeny },
    {
      name: 'a "default deny" that selects only some pods',
      rule: 'namespace-default-deny',
      objects: () => [...withoutDefaultDeny, { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny', namespace: 'career-copilot' }, spec: { podSelector: { matchLabels: { a: 'b' } }, policyTypes: ['Ingress', 'Egress'] } }],
    },
    {
      name: 'a default deny of ingress only',
      rule: 'namespace-default-deny',
      objects: () => [...withoutDefaultDeny, { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny', namespace: 'career-copilot' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } }],
    },
    { name: 'the mesh without a PeerAuthentication', rule: 'mesh-mtls-strict', objects: () => withoutStrict },
    {
      name: 'the mesh with STRICT only for one workload',
      rule: 'mesh-mtls-strict',
      objects: () => [...withoutStrict, { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'one', namespace: 'career-copilot' }, spec: { selector: { matchLabels: { app: 'x' } }, mtls: { mode: 'STRICT' } } }],
    },
  ];

  test.each(NAMESPACE_CASES.map((c) => [c.name, c]))('%s is reported for the namespace', (_name, bad) => {
    const violations = NAMESPACE_RULES.flatMap((r) => r.check(bad.objects()));
    expect(violations.map((v) => ({ rule: v.ruleId, object: v.object, path: v.path }))).toEqual([{ rule: bad.rule, object: 'Namespace career-copilot', path: '' }]);
  });

  test('every namespace rule has a bad case', () => {
    expect(NAMESPACE_RULES.map((r) => r.id).filter((id) => !NAMESPACE_CASES.some((c) => c.rule === id))).toEqual([]);
  });

  test('a mesh-wide STRICT PeerAuthentication in istio-system covers every namespace', () => {
    const meshWide = { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default', namespace: 'istio-system' }, spec: { mtls: { mode: 'STRICT' } } };
    expect(NAMESPACE_RULES.flatMap((r) => r.check([...withoutStrict, meshWide]))).toEqual([]);
  });

  test('before the mesh (phases 0-3) no PeerAuthentication is required', () => {
    expect(phaseObjects(3, {}).some((o) => kindKey(o).endsWith('istio.io/PeerAuthentication'))).toBe(false);
    expect(NAMESPACE_RULES.flatMap((r) => r.check(phaseObjects(3, {})))).toEqual([]);
  });
});

describe('image digests in prod', () => {
  const digest = `sha256:${'c'.repeat(64)}`;
  const digestViolations = (objects: PlainObject[], stack?: string) => checkManifests(objects, stack).filter((v) => v.ruleId === 'image-digest-pinned');

  test.each(PHASES.map((p) => [p]))('phase %i: prod refuses every image by tag alone, dev and staging run them', (phase) => {
    const objects = phaseObjects(phase, { inClusterData: false });
    const images = objects.flatMap(podTemplates).flatMap((p) => p.containers).filter((c) => c.image !== undefined);
    expect(digestViolations(objects, 'prod')).toHaveLength(images.length);
    expect(digestViolations(objects, 'prod')[0].message).toMatch(/ has no digest: this stack runs only images pinned by digest \(repository:version@sha256:<digest>\)/);
    for (const stack of ['dev', 'staging', undefined]) expect(digestViolations(objects, stack)).toEqual([]);
  });

  test('a phase with a digest for each workload and support image has no violation in prod', () => {
    const pinnedModel = structuredClone(model);
    for (const { workload } of allWorkloads(pinnedModel)) workload.image.digest = digest;
    const supportImages = Object.fromEntries(SUPPORT_IMAGE_NAMES.map((name) => [name, `${SUPPORT_IMAGES[name].image}@${digest}`]));
    for (const environment of [{}, { inClusterData: false }]) {
      for (const phase of PHASES) {
        const objects = synthesizePhase(selectPhase(pinnedModel, phase), { ...environment, supportImages }).map((m) => m.document as PlainObject);
        expect(digestViolations(objects, 'prod')).toEqual([]);
      }
    }
  });

  test('imageDigestProblem accepts repository:version@digest and repository@digest, nothing else', () => {
    expect(imageDigestProblem(`redis:7.2.5-alpine@${digest}`)).toBeUndefined();
    expect(imageDigestProblem(`registry:5000/redis@${digest}`)).toBeUndefined();
    for (const image of ['redis:7.2.5-alpine', 'redis@sha256:abc', `redis:${digest}`, undefined]) expect(imageDigestProblem(image)).toContain('has no digest');
  });
});

describe('image pinning', () => {
  test.each([
    ['career-copilot/user-service:1.0.0', undefined],
    [`career-copilot/user-service@sha256:${'a'.repeat(64)}`, undefined],
    ['registry:5000/redis:7.2.5-alpine', undefined],
    ['redis', 'untagged'],
    ['registry:5000/redis', 'untagged'],
    ['redis:latest', 'latest'],
    [`redis:sha256:${'a'.repeat(64)}`, 'after ":"'],
    ['redis@sha256:abc', 'malformed digest'],
  ])('%s', (image, problem) => {
    const found = imagePinProblem(image);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });

  test('a model image with a digest beside its tag becomes repository:tag@digest', () => {
    const input = structuredClone(model);
    const digest = `sha256:${'b'.repeat(64)}`;
    input.monolith.backend.image.digest = digest;
    const backend = synthesizePhase(selectPhase(input, 0)).find((m) => m.document.kind === 'Deployment' && m.document.metadata.name === 'backend')!;
    expect(JSON.stringify(backend.document)).toContain(`"image":"career-copilot/backend:2.4.1@${digest}"`);
    expect(imagePinProblem(`career-copilot/backend:2.4.1@${digest}`)).toBeUndefined();
  });

  test('a model image tag that is a digest becomes repository@digest', () => {
    const input = JSON.parse(JSON.stringify(model)) as typeof model;
    const digest = `sha256:${'b'.repeat(64)}`;
    (input.monolith.backend.image as { tag: string }).tag = digest;
    const backend = synthesizePhase(selectPhase(input, 0)).find((m) => m.document.kind === 'Deployment' && m.document.metadata.name === 'backend')!;
    expect(JSON.stringify(backend.document)).toContain(`"image":"career-copilot/backend@${digest}"`);
  });
});

/** Every object nested anywhere in `value` that is a Secret with literal data. */
function secretsWithData(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.flatMap(secretsWithData);
  if (!isRecord(value)) return [];
  const own = value.kind === 'Secret' && (isRecord(value.data) || isRecord(value.stringData)) ? [value] : [];
  return [...own, ...Object.values(value).flatMap(secretsWithData)];
}

/** jest's snapshot files and the components' reviewed YAML (test/synthesis/__component_snapshots__). */
function snapshotFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => (f.split(path.sep).includes('__snapshots__') && f.endsWith('.snap')) || (f.split(path.sep).includes('__component_snapshots__') && f.endsWith('.yaml')))
    .map((f) => path.join(dir, f));
}

/** The snapshots a file holds, by name: a .snap file is a CommonJS module of strings; a .yaml file is one. */
function snapshotsOf(file: string): Record<string, unknown> {
  if (file.endsWith('.yaml')) return { [path.basename(file)]: fs.readFileSync(file, 'utf8') };
  const exported: Record<string, unknown> = {};
  new Function('exports', fs.readFileSync(file, 'utf8'))(exported);
  return exported;
}

describe('no Secret with data in any manifest or snapshot', () => {
  test.each(ENVIRONMENTS.flatMap(([name, environment]) => PHASES.map((phase) => [phase, name, environment] as const)))('phase %i, %s manifests', (phase, _name, environment) => {
    expect(secretsWithData(phaseObjects(phase, environment))).toEqual([]);
  });

  const files = snapshotFiles(path.join(__dirname, '..'));
  test('there are snapshots to check', () => expect(files.length).toBeGreaterThan(0));

  test.each(files.map((f) => [path.relative(process.cwd(), f), f]))('%s', (_name, file) => {
    for (const [name, serialized] of Object.entries(snapshotsOf(file))) {
      const text = String(serialized).trim().replace(/^"|"$/g, '');
      const documents = parseAllDocuments(text);
      const parsed = Array.isArray(documents) && documents.every((d) => d.errors.length === 0);
      // A snapshot that is not YAML is checked as text: it must not mention a Secret at all.
      if (!parsed) expect({ name, mentionsSecret: /kind"?:\s*"?Secret\b/.test(text) }).toEqual({ name, mentionsSecret: false });
      else expect({ name, secrets: secretsWithData(documents.map((d) => d.toJS())) }).toEqual({ name, secrets: [] });
    }
  });
});
