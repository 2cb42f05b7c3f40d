import { DataEngine, DataStoreSpec } from '../phases/model/data-store';
import { PhasePlan } from '../phases/phase-plan';
import { GATEWAY_METRICS_PORT } from '../constructs/api-gateway';
import { DATA_ENGINE_PROFILES, EngineNetwork } from './data-engines';
import { NetworkWorkload } from '../constructs/network-policies';

/** How a store's pods are reached: its engine's network rules (synthesis/data-engines.ts) and its port. */
interface StoreNetwork extends EngineNetwork {
  readonly port: number;
}

const engineNetwork = (engine: DataEngine): StoreNetwork => ({ port: DATA_ENGINE_PROFILES[engine].port, ...DATA_ENGINE_PROFILES[engine].network });

/** Strimzi labels every pod of a cluster (brokers, controllers, entity operator) with `strimzi.io/cluster`. */
const KAFKA: StoreNetwork = {
  port: 9093,
  // 9090 controller quorum, 9091 replication and the operators' connections, 9093 TLS clients.
  peerPorts: [9090, 9091, 9093],
  podSelector: (name) => ({ 'strimzi.io/cluster': name }),
  operator: { namespace: 'strimzi', podSelector: { name: 'strimzi-cluster-operator' }, ports: [9090, 9091] },
  apiServerEgress: true,
};

/** Options of `networkWorkloads`. */
export interface NetworkWorkloadsOptions {
  /** Data stores and Kafka run in the cluster; otherwise they are reached at `externalDataCidr`. */
  readonly inClusterData: boolean;
  /** Whether the Kafka cluster named `eventBusName` exists in the cluster. */
  readonly eventBus: boolean;
  readonly eventBusName: string;
  /** Names of the one-off Jobs and the data stores each connects to. */
  readonly jobs: ReadonlyArray<{ readonly name: string; readonly stores: readonly string[] }>;
  /** Where managed data services live (the cluster's VPC) when they are not in the cluster. @default '0.0.0.0/0' */
  readonly externalDataCidr?: string;
  /** Cross-store connections, e.g. the monolith database reading the auth store through postgres_fdw. @default [] */
  readonly storeLinks?: ReadonlyArray<{ readonly from: string; readonly to: string }>;
  /** The Prometheus that scrapes every workload's metrics. @default { namespace: 'monitoring', podSelector: { 'app.kubernetes.io/name': 'prometheus' } } */
  readonly monitoring?: { readonly namespace: string; readonly podSelector?: Record<string, string> };
}

/** Blue-green smoke tests run as pods of their own, named after the service (see ProgressiveRelease). */
export function smokeTestName(service: string): string {
  return `${service}-smoke-test`;
}

/**
 * Who may talk to whom in a phase, as NetworkPolicies workloads: the context map's calls, each workload's data
 * stores, the event bus clients, the one-off Jobs, and the operators that manage the stores. Every connection
 * is declared once, as an edge, and becomes the caller's egress and the callee's ingress.
 */
export function networkWorkloads(plan: PhasePlan, options: NetworkWorkloadsOptions): NetworkWorkload[] {
  const edges: Array<{ from: string; to: string; port: number }> = [];
  const port = new Map<string, number>();
  const workloads: NetworkWorkload[] = [];
  const hasGateway = plan.workloads.some((w) => w.role === 'gateway');

  for (const w of plan.workloads) port.set(w.spec.name, w.spec.port);
  const storeNetworks = new Map<string, StoreNetwork>();
  if (options.inClusterData) {
    for (const store of plan.dataStores) storeNetworks.set(store.name, engineNetwork(store.engine));
    if (options.eventBus) storeNetworks.set(options.eventBusName, KAFKA);
  }
  for (const [name, network] of storeNetworks) port.set(name, network.port);

  const externalPorts = (stores: readonly DataStoreSpec[], kafka: boolean) =>
    [...new Set([...stores.map((s) => DATA_ENGINE_PROFILES[s.engine].port), ...(kafka ? [9096] : [])])].sort((a, b) => a - b);

  for (const w of plan.workloads) {
    for (const callee of w.calls) edges.push({ from: w.spec.name, to: callee, port: port.get(callee)! });
    const kafkaClient = plan.eventClients.some((c) => c.service === w.spec.name);
    if (options.inClusterData) {
      for (const store of w.dataStores) if (storeNetworks.has(store.name)) edges.push({ from: w.spec.name, to: store.name, port: port.get(store.name)! });
      if (kafkaClient && options.eventBus) edges.push({ from: w.spec.name, to: options.eventBusName, port: KAFKA.port });
    }
    const external = options.inClusterData ? [] : externalPorts(w.dataStores, kafkaClient && plan.eventBus);
    const monitoring = options.monitoring ?? { namespace: 'monitoring', podSelector: { 'app.kubernetes.io/name': 'prometheus' } };
    workloads.push({
      name: w.spec.name,
      port: w.spec.port,
      // Prometheus scrapes the gateway's exporter; every other workload serves its metrics on its own port.
      ingressFromNamespaces: [{ ...monitoring, ports: w.role === 'gateway' ? [GATEWAY_METRICS_PORT] : [w.spec.port] }],
      // Public traffic enters at the gateway; before it exists, at the monolith and the frontend.
      externalIngress: w.role === 'gateway' || w.role === 'frontend' || (w.role === 'monolith' && !hasGateway),
      ...(external.length > 0 ? { externalEgress: [{ cidr: options.externalDataCidr ?? '0.0.0.0/0', ports: external }] } : {}),
    });
  }
  for (const w of plan.workloads.filter((w) => w.release === 'blue-green')) {
    // The pre-promotion smoke test calls the preview Service, which selects the same pods.
    workloads.push({ name: smokeTestName(w.spec.name), port: 8080 });
    edges.push({ from: smokeTestName(w.spec.name), to: w.spec.name, port: w.spec.port });
  }
  for (const job of options.jobs) {
    const stores = plan.dataStores.filter((s) => job.stores.includes(s.name));
    for (const store of stores) if (storeNetworks.has(store.name)) edges.push({ from: job.name, to: store.name, port: port.get(store.name)! });
    const external = options.inClusterData ? [] : externalPorts(stores, false);
    // A Job takes no connections: its port is never opened to anyone.
    workloads.push({ name: job.name, port: 8080, ...(external.length > 0 ? { externalEgress: [{ cidr: options.externalDataCidr ?? '0.0.0.0/0', ports: external }] } : {}) });
  }
  for (const link of options.storeLinks ?? []) {
    if (storeNetworks.has(link.from) && storeNetworks.has(link.to)) edges.push({ from: link.from, to: link.to, port: port.get(link.to)! });
  }
  for (const [name, network] of storeNetworks) {
    workloads.push({
      name,
      port: network.port,
      ...(network.podSelector ? { podSelector: network.podSelector(name) } : {}),
      ...(network.peerPorts.length > 0 ? { peerPorts: network.peerPorts } : {}),
      ...(network.operator ? { ingressFromNamespaces: [network.operator] } : {}),
      ...(network.apiServerEgress ? { apiServerEgress: true } : {}),
    });
  }

  return workloads.map((w) => {
    const ingressFrom = [...new Set(edges.filter((e) => e.to === w.name).map((e) => e.from))];
    const egressTo = uniqueBy(edges.filter((e) => e.from === w.name).map((e) => ({ name: e.to, port: e.port })), (c) => c.name);
    return { ...w, ...(ingressFrom.length > 0 ? { ingressFrom } : {}), ...(egressTo.length > 0 ? { egressTo } : {}) };
  });
}

function uniqueBy<T>(items: T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => (seen.has(key(item)) ? false : (seen.add(key(item)), true)));
}
