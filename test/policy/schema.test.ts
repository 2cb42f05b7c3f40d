import { EnvironmentOptions } from '../../synthesis/phase-chart';
import { synthesizePhase } from '../../synthesis/synthesize';
import { Manifest } from '../../core/manifest';
import { careerCopilot, PHASES, PhaseNumber, selectPhase } from '../../phases';
import { loadSchemaCatalog } from '../../policy/kubernetes-schemas';
import { formatFinding, validateDocuments, validateManifests } from '../../policy/validate-manifests';

// Loading the schemas and compiling the big CRDs (Kafka, CloudNativePG, Rollout) takes a few seconds once.
jest.setTimeout(60_000);

const model = careerCopilot();
const catalog = loadSchemaCatalog();
const phase4 = synthesizePhase(selectPhase(model, 4));

/** A deep, loosely typed copy of the first phase-4 object of `kind` (and `name`), for a test to break. */
function copyOf(kind: string, name?: string): Record<string, any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const found = phase4.find((m) => m.document.kind === kind && (name === undefined || m.document.metadata.name === name));
  if (!found) throw new Error(`phase 4 has no ${kind}${name ? ` ${name}` : ''}`);
  return JSON.parse(JSON.stringify(found.document));
}

/** The findings of one document, as the lines `npm run validate` prints. */
function findingsOf(document: unknown): string[] {
  return validateDocuments([{ source: 'test', document }], catalog).map(formatFinding);
}

describe('every synthesized document validates against Kubernetes 1.28 and the CRDs', () => {
  const ENVIRONMENTS: ReadonlyArray<[string, EnvironmentOptions]> = [
    ['the model defaults', {}],
    ['dev (1 replica, 1 broker)', { replicas: 1, kafkaBrokers: 1 }],
    ['aws (managed data services)', { inClusterData: false, externalDataCidr: '10.0.0.0/16' }],
  ];
  const cases = PHASES.flatMap((phase) => ENVIRONMENTS.map(([label, environment]) => [phase, label, environment] as [PhaseNumber, string, EnvironmentOptions]));

  test.each(cases)('phase %i with %s: zero findings', (phase, _label, environment) => {
    const manifests: Manifest[] = synthesizePhase(selectPhase(model, phase), environment);
    expect(manifests.length).toBeGreaterThan(0);
    expect(validateManifests(manifests, catalog).map(formatFinding)).toEqual([]);
  });

  test('a finding names the component that emitted the object', () => {
    const [manifest] = phase4.filter((m) => m.document.kind === 'Deployment');
    const broken = { ...manifest, document: { ...manifest.document, spec: { ...(manifest.document.spec as object), replicaz: 1 } } };
    expect(validateManifests([broken], catalog)).toEqual([
      { source: manifest.component, kind: 'Deployment', name: manifest.document.metadata.name, path: 'spec.replicaz', message: 'unknown field' },
    ]);
  });
});

describe('broken documents fail with the path of the field', () => {
  // One line per way to break a document: what is broken, how, and the one finding it must produce.
  const BROKEN: ReadonlyArray<[string, () => unknown, string]> = [
    ['an unknown field in a Deployment container', () => {
      const d = copyOf('Deployment', 'user-service');
      d.spec.template.spec.containers[0].resourcez = { limits: {} };
      return d;
    }, 'Deployment/user-service spec.template.spec.containers[0].resourcez: unknown field'],
    ['a string where replicas is an integer', () => {
      const d = copyOf('Deployment', 'user-service');
      d.spec.replicas = '3';
      return d;
    }, 'Deployment/user-service spec.replicas: "3" is not of type integer'],
    ['a Deployment without its required selector', () => {
      const d = copyOf('Deployment', 'user-service');
      delete d.spec.selector;
      return d;
    }, 'Deployment/user-service spec.selector: required field missing'],
    ['a container without its required name', () => {
      const d = copyOf('Deployment', 'user-service');
      delete d.spec.template.spec.containers[0].name;
      return d;
    }, 'Deployment/user-service spec.template.spec.containers[0].name: required field missing'],
    ['a number as a label value', () => {
      const d = copyOf('Service', 'user-service');
      d.metadata.labels['app.kubernetes.io/version'] = 2;
      return d;
    }, 'Service/user-service metadata.labels["app.kubernetes.io/version"]: 2 is not of type string'],
    ['an object where an int-or-string port is expected', () => {
      const d = copyOf('Service', 'user-service');
      d.spec.ports[0].targetPort = { port: 8000 };
      return d;
    }, 'Service/user-service spec.ports[0].targetPort: {"port":8000} is not of type integer or string'],
    ['a CPU limit that is not a quantity', () => {
      const d = copyOf('Deployment', 'user-service');
      d.spec.template.spec.containers[0].resources.limits.cpu = '1 core';
      return d;
    }, 'Deployment/user-service spec.template.spec.containers[0].resources.limits.cpu: "1 core" is not a valid quantity'],
    ['an unknown field in a KafkaTopic spec', () => {
      const d = copyOf('KafkaTopic');
      d.spec.partitionz = 3;
      return d;
    }, `KafkaTopic/${copyOf('KafkaTopic').metadata.name} spec.partitionz: unknown field`],
    ['a Strimzi listener type outside its enum', () => {
      const d = copyOf('Kafka');
      d.spec.kafka.listeners[0].type = 'public';
      return d;
    }, 'Kafka/event-bus spec.kafka.listeners[0].type: "public" is not one of internal, route, tlsroute, loadbalancer, nodeport, ingress, cluster-ip'],
    ['an Istio mTLS mode outside its enum', () => {
      const d = copyOf('PeerAuthentication');
      d.spec.mtls.mode = 'STRICTEST';
      return d;
    }, `PeerAuthentication/${copyOf('PeerAuthentication').metadata.name} spec.mtls.mode: "STRICTEST" is not one of UNSET, DISABLE, PERMISSIVE, STRICT`],
    ['a DestinationRule without its required host', () => {
      const d = copyOf('DestinationRule', 'user-service');
      delete d.spec.host;
      return d;
    }, 'DestinationRule/user-service spec.host: required field missing'],
    ['two Istio load balancers that exclude each other', () => {
      const d = copyOf('DestinationRule', 'user-service');
      d.spec.trafficPolicy.loadBalancer = { simple: 'ROUND_ROBIN', consistentHash: { httpHeaderName: 'x-user' } };
      return d;
    }, 'DestinationRule/user-service spec.trafficPolicy.loadBalancer: at most one of simple, consistentHash may be set (found simple, consistentHash)'],
    ['a string where a CloudNativePG Cluster has an integer', () => {
      const d = copyOf('Cluster', 'monolith-db');
      d.spec.instances = 'two';
      return d;
    }, 'Cluster/monolith-db spec.instances: "two" is not of type integer'],
    ['an unknown field in the metadata of a custom resource, checked as ObjectMeta', () => {
      const d = copyOf('Rollout');
      d.metadata.label = { tier: 'web' };
      return d;
    }, `Rollout/${copyOf('Rollout').metadata.name} metadata.label: unknown field`],
    ['a ConfigMap without a name', () => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'career-copilot' }, data: {} }),
      'ConfigMap/(unnamed) metadata.name: required field missing'],
  ];

  test.each(BROKEN)('%s', (_what, build, expected) => {
    expect(findingsOf(build())).toEqual([`test: ${expected}`]);
  });

  test('every error of a document is reported, not only the first', () => {
    const d = copyOf('Deployment', 'user-service');
    d.spec.replicas = '3';
    d.spec.template.spec.containers[0].resourcez = {};
    expect(findingsOf(d)).toHaveLength(2);
  });
});

describe('documents no schema knows are findings', () => {
  test('a kind of an API group that is neither Kubernetes 1.28 nor a CRD of crds.json', () => {
    expect(findingsOf({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } })).toEqual([
      'test: Widget/w: no schema for example.com/v1 Widget (Kubernetes 1.28.15 and the CRDs of crds.json): no group version has a Widget',
    ]);
  });

  test('a known kind at a version that does not exist says which versions do', () => {
    expect(findingsOf({ apiVersion: 'kafka.strimzi.io/v1beta2', kind: 'KafkaTopic', metadata: { name: 't' } })).toEqual([
      'test: KafkaTopic/t: no schema for kafka.strimzi.io/v1beta2 KafkaTopic (Kubernetes 1.28.15 and the CRDs of crds.json): KafkaTopic is known as kafka.strimzi.io/v1',
    ]);
  });

  test('a built-in kind removed before 1.28', () => {
    expect(findingsOf({ apiVersion: 'policy/v1beta1', kind: 'PodDisruptionBudget', metadata: { name: 'p' } })[0]).toContain('no schema for policy/v1beta1 PodDisruptionBudget');
  });

  test.each([
    ['not an object', 'a string', 'test: (none)/(none): "a string" is not a Kubernetes object'],
    ['no apiVersion', { kind: 'ConfigMap', metadata: { name: 'c' } }, 'test: ConfigMap/c apiVersion: required field missing'],
    ['no kind', { apiVersion: 'v1', metadata: { name: 'c' } }, 'test: (none)/c kind: required field missing'],
  ])('a document with %s', (_what, document, expected) => {
    expect(findingsOf(document)).toEqual([expected]);
  });
});

describe('the schema catalog', () => {
  test('knows every kind the phases emit', () => {
    const emitted = new Set(PHASES.flatMap((p) => synthesizePhase(selectPhase(model, p)).map((m) => `${m.document.apiVersion}/${m.document.kind}`)));
    expect([...emitted].filter((k) => !catalog.knownKinds().includes(k))).toEqual([]);
  });

  test('is built once per process', () => {
    expect(loadSchemaCatalog()).toBe(catalog);
  });

  test('evaluates every pattern of the CRD schemas it compiled, Go inline flags included', () => {
    expect([...catalog.uncheckedPatterns]).toEqual([]);
  });

  test.each([
    ['WARN', []],
    ['abort', []],
    ['retry', ['spec.groups[0].partial_response_strategy: "retry" does not match ^(?i)(abort|warn)?$']],
  ])('reads a Go case-insensitive pattern (PrometheusRule partial_response_strategy %s)', (strategy, expected) => {
    const rule = copyOf('PrometheusRule', 'user-service-slo');
    rule.spec.groups[0].partial_response_strategy = strategy;
    expect(findingsOf(rule).map((f) => f.slice('test: PrometheusRule/user-service-slo '.length))).toEqual(expected);
  });
});
