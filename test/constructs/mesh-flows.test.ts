/**
 * Phase 4's flows, checked at both layers the way the cluster will enforce them: each flow the platform needs is
 * allowed by the callee's AuthorizationPolicy (the caller's SPIFFE principal) and by the NetworkPolicies (the
 * callee's ingress and the caller's egress, on the callee's port); a sample of flows nobody needs is denied by both.
 * The flows come from the model (the context map, the saga orchestrator, the config server, the edge), not from the
 * policies.
 */
import { synthesizePhase } from '../../synthesis/synthesize';
import { KubernetesObject } from '../../core/manifest';
import { careerCopilot, selectPhase } from '../../phases';

const plan = selectPhase(careerCopilot(), 4);
const objects: KubernetesObject[] = synthesizePhase(plan).map((m) => m.document);
const INGRESS_PRINCIPAL = 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account';
const principal = (workload: string) => `cluster.local/ns/${plan.namespace}/sa/${workload}`;
const podLabels = (workload: string) => ({ 'app.kubernetes.io/name': workload });
const portOf = (workload: string) => plan.workloads.find((w) => w.spec.name === workload)!.spec.port;

type Labels = Record<string, string>;
const selects = (selector: Labels | undefined, labels: Labels) => Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
const of = (kind: string) => objects.filter((o) => o.kind === kind) as Array<KubernetesObject & { spec: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface PeerRule {
  from?: Array<{ podSelector?: { matchLabels?: Labels }; namespaceSelector?: unknown }>;
  to?: Array<{ podSelector?: { matchLabels?: Labels }; namespaceSelector?: unknown }>;
  ports?: Array<{ port: number }>;
}
const peerMatches = (peers: PeerRule['from'], labels: Labels) => (peers ?? []).some((p) => !p.namespaceSelector && p.podSelector && selects(p.podSelector.matchLabels, labels));
const portMatches = (rule: PeerRule, port: number) => !rule.ports || rule.ports.some((p) => p.port === port);

/** Whether the NetworkPolicies let `from`'s pods open a connection to `to`'s pods on `port`. */
function networkAllows(from: string, to: string, port: number): boolean {
  const policies = of('NetworkPolicy');
  const ingress = policies
    .filter((p) => selects(p.spec.podSelector?.matchLabels, podLabels(to)))
    .some((p) => (p.spec.ingress ?? []).some((r: PeerRule) => peerMatches(r.from, podLabels(from)) && portMatches(r, port)));
  const egress = policies
    .filter((p) => selects(p.spec.podSelector?.matchLabels, podLabels(from)))
    .some((p) => (p.spec.egress ?? []).some((r: PeerRule) => peerMatches(r.to, podLabels(to)) && portMatches(r, port)));
  return ingress && egress;
}

/** Whether an ALLOW AuthorizationPolicy on `to`'s pods admits requests from `source` (a principal). */
function meshAllows(source: string, to: string): boolean {
  return of('AuthorizationPolicy')
    .filter((p) => p.spec.action === 'ALLOW' && p.spec.selector && selects(p.spec.selector.matchLabels, podLabels(to)))
    .some((p) => (p.spec.rules ?? []).some((r: { from?: Array<{ source: { principals?: string[] } }> }) => (r.from ?? []).some((f) => f.source.principals?.includes(source))));
}

/** The flows phase 4 needs between its workloads: each workload's synchronous calls (from the model). */
const REQUIRED = plan.workloads.flatMap((w) => w.calls.map((callee) => ({ from: w.spec.name, to: callee })));

describe("phase 4's mesh and network allow every flow the platform needs", () => {
  test('the flows include the context map, the gateway, the saga orchestrator and the config server', () => {
    const names = REQUIRED.map((f) => `${f.from} -> ${f.to}`);
    expect(names).toEqual(expect.arrayContaining([
      'frontend -> api-gateway',
      'api-gateway -> user-service',
      'applications-service -> jobs-service',
      'saga-orchestrator -> applications-service',
      'jobs-service -> config-server',
      'saga-orchestrator -> config-server',
    ]));
  });

  test.each(REQUIRED)('$from -> $to: allowed by the AuthorizationPolicy and the NetworkPolicies', ({ from, to }) => {
    expect({ mesh: meshAllows(principal(from), to), network: networkAllows(from, to, portOf(to)) }).toEqual({ mesh: true, network: true });
  });

  test.each(['api-gateway', 'frontend'])('the edge (Istio ingress gateway) reaches %s', (to) => {
    expect(meshAllows(INGRESS_PRINCIPAL, to)).toBe(true);
    const route = of('VirtualService').find((v) => v.metadata.name === 'career-copilot')!;
    expect(route.spec.http.map((h: { route: Array<{ destination: { host: string } }> }) => h.route[0].destination.host)).toContain(to);
  });

  test.each(plan.workloads.map((w) => w.spec.name))('Prometheus (monitoring namespace, over mTLS) scrapes %s at both layers', (workload) => {
    const port = workload === 'api-gateway' ? 3903 : portOf(workload);
    const rules = of('AuthorizationPolicy')
      .filter((p) => p.spec.action === 'ALLOW' && p.spec.selector && selects(p.spec.selector.matchLabels, podLabels(workload)))
      .flatMap((p) => p.spec.rules);
    expect(rules).toContainEqual({ from: [{ source: { namespaces: ['monitoring'] } }], to: [{ operation: { methods: ['GET'], paths: ['/metrics'], ports: [String(port)] } }] });
    const network = of('NetworkPolicy')
      .filter((p) => selects(p.spec.podSelector?.matchLabels, podLabels(workload)))
      .some((p) => (p.spec.ingress ?? []).some((r: PeerRule) => (r.from ?? []).some((f) => f.namespaceSelector) && portMatches(r, port)));
    expect(network).toBe(true);
    const monitor = of('ServiceMonitor').find((m) => m.metadata.name === workload)!;
    expect(monitor.spec.endpoints[0]).toMatchObject({ scheme: 'https', tlsConfig: { certFile: '/etc/prom-certs/cert-chain.pem' } });
  });

  test('every workload somebody calls is meshed and has an ALLOW policy; every store and Job stays out of the mesh', () => {
    const callees = new Set([...REQUIRED.map((f) => f.to), 'api-gateway', 'frontend']);
    for (const callee of callees) {
      const deployment = of('Deployment').find((d) => d.metadata.name === callee)!;
      expect({ callee, injected: deployment.spec.template.metadata.labels['sidecar.istio.io/inject'] }).toEqual({ callee, injected: undefined });
    }
    const outOfMesh = [
      ...of('Cluster').map((c) => c.spec.inheritedMetadata.labels),
      ...of('MongoDBCommunity').map((m) => m.spec.statefulSet.spec.template.metadata.labels),
      ...of('StatefulSet').map((s) => s.spec.template.metadata.labels),
      ...of('KafkaNodePool').map((k) => k.spec.template.pod.metadata.labels),
      ...of('Job').map((j) => j.spec.template.metadata.labels),
    ];
    expect(outOfMesh.length).toBeGreaterThan(10);
    for (const labels of outOfMesh) expect(labels['sidecar.istio.io/inject']).toBe('false');
  });
});

describe("phase 4's mesh and network deny flows nobody needs", () => {
  const FORBIDDEN = [
    { from: 'frontend', to: 'user-service' },
    { from: 'jobs-service', to: 'applications-service' },
    { from: 'config-server', to: 'auth-service' },
    { from: 'analytics-service', to: 'api-gateway' },
  ];

  test.each(FORBIDDEN)('$from -> $to: denied by both layers', ({ from, to }) => {
    expect(REQUIRED.some((f) => f.from === from && f.to === to)).toBe(false);
    expect({ mesh: meshAllows(principal(from), to), network: networkAllows(from, to, portOf(to)) }).toEqual({ mesh: false, network: false });
  });
});
