import { NetworkPolicies, NetworkPoliciesProps, NetworkWorkload } from '../../constructs/network-policies';
import { ValidationError } from '../../phases';
import { emitted, only } from '../support/synth';

const workloads: NetworkWorkload[] = [
  { name: 'frontend', port: 3000, externalIngress: true, egressTo: [{ name: 'api-gateway', port: 8080 }] },
  {
    name: 'api-gateway',
    port: 8080,
    externalIngress: true,
    ingressFrom: ['frontend'],
    egressTo: [{ name: 'applications-service', port: 8000 }, { name: 'user-service', port: 8000 }],
  },
  { name: 'user-service', port: 8000, ingressFrom: ['api-gateway', 'applications-service'], egressTo: [{ name: 'user-db', port: 5432 }] },
  {
    name: 'applications-service',
    port: 8000,
    ingressFrom: ['api-gateway'],
    egressTo: [{ name: 'user-service', port: 8000 }, { name: 'applications-db', port: 5432 }],
  },
  { name: 'user-db', port: 5432, ingressFrom: ['user-service'] },
  {
    name: 'applications-db',
    port: 5432,
    ingressFrom: ['applications-service'],
    podSelector: { 'cnpg.io/cluster': 'applications-db' },
    ingressFromNamespaces: [{ namespace: 'cnpg-system', podSelector: { 'app.kubernetes.io/name': 'cloudnative-pg' }, ports: [8000, 5432] }],
  },
];
const base: NetworkPoliciesProps = { workloads };
const build = (props: Partial<NetworkPoliciesProps> = {}) => emitted((scope) => new NetworkPolicies(scope, 'network', { ...base, ...props }));
const withWorkload = (index: number, change: Partial<NetworkWorkload>) => ({ workloads: workloads.map((w, i) => (i === index ? { ...w, ...change } : w)) });
const app = (name: string) => ({ podSelector: { matchLabels: { 'app.kubernetes.io/name': name } } });
const tcp = (port: number) => ({ protocol: 'TCP', port });

describe('NetworkPolicies', () => {
  test('emits a default deny, DNS egress and one policy per workload, all plain networking.k8s.io/v1', () => {
    const objects = build();
    expect(objects.map((o) => `${o.apiVersion} ${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'networking.k8s.io/v1 NetworkPolicy/allow-dns',
      'networking.k8s.io/v1 NetworkPolicy/api-gateway-traffic',
      'networking.k8s.io/v1 NetworkPolicy/applications-db-traffic',
      'networking.k8s.io/v1 NetworkPolicy/applications-service-traffic',
      'networking.k8s.io/v1 NetworkPolicy/default-deny',
      'networking.k8s.io/v1 NetworkPolicy/frontend-traffic',
      'networking.k8s.io/v1 NetworkPolicy/user-db-traffic',
      'networking.k8s.io/v1 NetworkPolicy/user-service-traffic',
    ]);
  });

  test('denies all ingress and egress of every pod by default', () => {
    const deny = only(build(), 'NetworkPolicy', 'default-deny');
    expect(deny.metadata.namespace).toBe('career-copilot');
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  });

  test('lets every pod resolve names with kube-dns over UDP and TCP 53', () => {
    expect(only(build(), 'NetworkPolicy', 'allow-dns').spec).toEqual({
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [{ protocol: 'UDP', port: 53 }, tcp(53)],
      }],
    });
  });

  test('admits exactly its callers on its port and reaches exactly its callees on theirs', () => {
    expect(only(build(), 'NetworkPolicy', 'user-service-traffic').spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'user-service' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [app('api-gateway'), app('applications-service')], ports: [tcp(8000)] }],
      egress: [{ to: [app('user-db')], ports: [tcp(5432)] }],
    });
  });

  test('a data store accepts its service and nothing else, and starts no connection', () => {
    expect(only(build(), 'NetworkPolicy', 'user-db-traffic').spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'user-db' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [app('user-service')], ports: [tcp(5432)] }],
      egress: [],
    });
  });

  test('selects operator-labelled pods by their own selector, and admits the operator namespace on its ports', () => {
    const objects = build();
    const store = only(objects, 'NetworkPolicy', 'applications-db-traffic').spec;
    expect(store.podSelector).toEqual({ matchLabels: { 'cnpg.io/cluster': 'applications-db' } });
    expect(store.ingress).toEqual([
      { from: [app('applications-service')], ports: [tcp(5432)] },
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'cnpg-system' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'cloudnative-pg' } } }],
        ports: [tcp(8000), tcp(5432)],
      },
    ]);
    expect(only(objects, 'NetworkPolicy', 'applications-service-traffic').spec.egress).toContainEqual({ to: [{ podSelector: { matchLabels: { 'cnpg.io/cluster': 'applications-db' } } }], ports: [tcp(5432)] });
  });

  test('without the mesh, admits public traffic from ingress-nginx to the workloads that take it', () => {
    const ingress = only(build(), 'NetworkPolicy', 'api-gateway-traffic').spec.ingress;
    expect(ingress).toEqual([
      { from: [app('frontend')], ports: [tcp(8080)] },
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } } }], ports: [tcp(8080)] },
    ]);
    expect(only(build(), 'NetworkPolicy', 'frontend-traffic').spec.ingress).toHaveLength(1);
    expect(only(build(), 'NetworkPolicy', 'user-service-traffic').spec.ingress).toHaveLength(1);
  });

  test('with the mesh, admits public traffic from the Istio ingress gateway and lets every sidecar reach istiod on 15012', () => {
    const objects = build({ mesh: true });
    expect(only(objects, 'NetworkPolicy', 'frontend-traffic').spec.ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } }, podSelector: { matchLabels: { istio: 'ingressgateway' } } }], ports: [tcp(3000)] },
    ]);
    expect(only(objects, 'NetworkPolicy', 'allow-istio-control-plane').spec).toEqual({
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } }, podSelector: { matchLabels: { app: 'istiod' } } }], ports: [tcp(15012)] }],
    });
    expect(build().some((o) => o.metadata.name === 'allow-istio-control-plane')).toBe(false);
  });

  test('takes the public traffic source and the istiod namespace from props', () => {
    const objects = build({ mesh: true, externalIngressFrom: { namespace: 'edge' }, istioNamespace: 'istio-control' });
    expect(only(objects, 'NetworkPolicy', 'frontend-traffic').spec.ingress[0].from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'edge' } } }]);
    expect(only(objects, 'NetworkPolicy', 'allow-istio-control-plane').spec.egress[0].to[0].namespaceSelector).toEqual({ matchLabels: { 'kubernetes.io/metadata.name': 'istio-control' } });
  });

  test('exposes the names of its policies', () => {
    let policies: NetworkPolicies | undefined;
    emitted((scope) => { policies = new NetworkPolicies(scope, 'network', { ...base, mesh: true }); });
    expect(policies!.defaultDenyPolicyName).toBe('default-deny');
    expect(policies!.dnsPolicyName).toBe('allow-dns');
    expect(policies!.istioPolicyName).toBe('allow-istio-control-plane');
    expect(policies!.workloadPolicyNames.get('user-db')).toBe('user-db-traffic');
  });

  test.each<[string, Partial<NetworkPoliciesProps>, string]>([
    ['a workload listed twice', { workloads: [...workloads, { name: 'user-db', port: 5432 }] }, 'workloads[6].name: "user-db" is listed twice'],
    ['a bad workload name', withWorkload(4, { name: 'User-DB' }), 'workloads[4].name: "User-DB" is not a DNS-1123 label'],
    ['a port out of range', withWorkload(4, { port: 65536 }), 'workloads[4].port: 65536 is not an integer from 1 to 65535'],
    ['a fractional port', withWorkload(0, { port: 80.5 }), 'workloads[0].port: 80.5 is not an integer from 1 to 65535'],
    ['ingress from an unknown workload', withWorkload(4, { ingressFrom: ['user-service', 'backend'] }),
      'workloads[4].ingressFrom[1]: unknown workload: "backend" is not one of frontend, api-gateway, user-service, applications-service, user-db, applications-db'],
    ['egress to an unknown workload', withWorkload(2, { egressTo: [{ name: 'cache', port: 6379 }] }),
      'workloads[2].egressTo[0].name: unknown workload: "cache" is not one of frontend, api-gateway, user-service, applications-service, user-db, applications-db'],
    ['egress on a port the callee does not listen on', withWorkload(2, { egressTo: [{ name: 'user-db', port: 5433 }] }),
      'workloads[2].egressTo[0].port: 5433 is not the port "user-db" listens on (5432)'],
    ['ingress from a workload that does not call it', withWorkload(4, { ingressFrom: ['user-service', 'frontend'] }),
      'workloads[4].ingressFrom[1]: "frontend" does not list "user-db" in its egressTo'],
    ['egress to a workload that does not admit it', withWorkload(3, { egressTo: [{ name: 'user-service', port: 8000 }, { name: 'user-db', port: 5432 }] }),
      'workloads[3].egressTo[1].name: "user-db" does not list "applications-service" in its ingressFrom'],
    ['a caller listed twice', withWorkload(4, { ingressFrom: ['user-service', 'user-service'] }), 'workloads[4].ingressFrom[1]: "user-service" is listed twice'],
    ['a callee listed twice', withWorkload(2, { egressTo: [{ name: 'user-db', port: 5432 }, { name: 'user-db', port: 5432 }] }),
      'workloads[2].egressTo[1].name: "user-db" is listed twice'],
    ['a namespace ingress without ports', withWorkload(5, { ingressFromNamespaces: [{ namespace: 'cnpg-system', ports: [] }] }),
      'workloads[5].ingressFromNamespaces[0].ports: is empty: give at least one port'],
    ['a namespace ingress on a bad port', withWorkload(5, { ingressFromNamespaces: [{ namespace: 'cnpg-system', ports: [0] }] }),
      'workloads[5].ingressFromNamespaces[0].ports[0]: 0 is not an integer from 1 to 65535'],
    ['a bad ingress namespace', { externalIngressFrom: { namespace: 'Ingress' } }, 'externalIngressFrom.namespace: "Ingress" is not a DNS-1123 label'],
    ['a bad istio namespace', { istioNamespace: 'istio_system' }, 'istioNamespace: "istio_system" is not a DNS-1123 label'],
  ])('refuses %s', (_what, props, message) => {
    expect(() => build(props)).toThrow(ValidationError);
    expect(() => build(props)).toThrow(message);
  });
});

describe('NetworkPolicies for operator-managed data stores', () => {
  const cnpg = { 'cnpg.io/cluster': 'applications-db' };

  test('peer ports let a store\'s own pods replicate to each other, in both directions', () => {
    const policy = only(build(withWorkload(5, { peerPorts: [5432, 8000] })), 'NetworkPolicy', 'applications-db-traffic');
    const self = [{ podSelector: { matchLabels: cnpg } }];
    expect(policy.spec.ingress).toContainEqual({ from: self, ports: [tcp(5432), tcp(8000)] });
    expect(policy.spec.egress).toContainEqual({ to: self, ports: [tcp(5432), tcp(8000)] });
  });

  test('API server egress reaches only the API ports, of the given CIDR when one is known', () => {
    const open = only(build(withWorkload(5, { apiServerEgress: true })), 'NetworkPolicy', 'applications-db-traffic');
    expect(open.spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [tcp(443), tcp(6443)] });
    const narrow = only(build({ ...withWorkload(5, { apiServerEgress: true }), apiServer: { cidr: '10.96.0.1/32', ports: [443] } }), 'NetworkPolicy', 'applications-db-traffic');
    expect(narrow.spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '10.96.0.1/32' } }], ports: [tcp(443)] });
    expect(only(build(), 'NetworkPolicy', 'user-service-traffic').spec.egress.some((r: { to: Array<{ ipBlock?: unknown }> }) => r.to.some((t) => t.ipBlock))).toBe(false);
  });
});
