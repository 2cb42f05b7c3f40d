import { cpuMillis, memoryMebibytes } from '../constructs/quantities';
import { Manifest } from '../core/manifest';
import { DataEngine } from '../phases/model/data-store';

/** CPU and memory requested, the way a scheduler reserves it. */
export interface Requests {
  readonly cpuMillis: number;
  readonly memoryMebibytes: number;
}

/** The pods one object runs at rest, and what each requests. */
export interface PodGroup {
  /** `Deployment user-service`. */
  readonly object: string;
  readonly component: string;
  readonly pods: number;
  readonly perPod: Requests;
}

/** What a phase requests in total, and from which objects. */
export interface PhaseRequests {
  readonly groups: readonly PodGroup[];
  /** Pods that get the mesh's sidecar (all of them, when the namespace has sidecar injection). */
  readonly sidecars: number;
  readonly total: Requests;
}

/**
 * Requests of the mesh's sidecar per pod: Istio's default proxy requests (`global.proxy.resources.requests`,
 * 100m and 128Mi). The mesh is installed outside this project, so the figure is Istio's default, not ours.
 */
export const SIDECAR_REQUESTS: Requests = { cpuMillis: 100, memoryMebibytes: 128 };

interface Container {
  readonly resources?: { readonly requests?: { readonly cpu?: string; readonly memory?: string } };
}
interface PodSpec {
  readonly containers?: readonly Container[];
  readonly initContainers?: readonly Container[];
}
// Objects are JSON; these helpers read the few fields the counting rules need.
type Json = Record<string, unknown>;
const at = (value: unknown, ...path: string[]): unknown => path.reduce<unknown>((v, key) => (v && typeof v === 'object' ? (v as Json)[key] : undefined), value);

const ZERO: Requests = { cpuMillis: 0, memoryMebibytes: 0 };
const add = (a: Requests, b: Requests): Requests => ({ cpuMillis: a.cpuMillis + b.cpuMillis, memoryMebibytes: a.memoryMebibytes + b.memoryMebibytes });

function containerRequests(field: string, container: Container | undefined): Requests {
  const requests = container?.resources?.requests ?? {};
  return {
    cpuMillis: requests.cpu ? cpuMillis(`${field}.cpu`, requests.cpu) : 0,
    memoryMebibytes: requests.memory ? memoryMebibytes(`${field}.memory`, requests.memory) : 0,
  };
}

/**
 * A pod's effective request, as the scheduler computes it: the sum over its containers, or the largest init
 * container when that is larger (init containers run one at a time, before the others).
 */
export function podRequests(field: string, spec: PodSpec | undefined): Requests {
  const sum = (spec?.containers ?? []).map((c, i) => containerRequests(`${field}.containers[${i}]`, c)).reduce(add, ZERO);
  const init = (spec?.initContainers ?? []).map((c, i) => containerRequests(`${field}.initContainers[${i}]`, c));
  return {
    cpuMillis: Math.max(sum.cpuMillis, ...init.map((r) => r.cpuMillis)),
    memoryMebibytes: Math.max(sum.memoryMebibytes, ...init.map((r) => r.memoryMebibytes)),
  };
}

/** Replicas at rest of a scalable object: its autoscaler's floor when one targets it, else `spec.replicas`, else 1. */
function replicasAtRest(manifests: readonly Manifest[], kind: string, name: string, declared: unknown): number {
  const autoscaler = manifests.find(
    (m) => m.document.kind === 'HorizontalPodAutoscaler' && at(m.document, 'spec', 'scaleTargetRef', 'kind') === kind && at(m.document, 'spec', 'scaleTargetRef', 'name') === name,
  );
  const min = at(autoscaler?.document, 'spec', 'minReplicas');
  if (typeof min === 'number') return min;
  return typeof declared === 'number' ? declared : 1;
}

/** An Argo Rollout that runs a Deployment's pods through `workloadRef` (Argo then scales the Deployment to zero). */
function rolloutOf(manifests: readonly Manifest[], deployment: string): Manifest | undefined {
  return manifests.find((m) => m.document.kind === 'Rollout' && at(m.document, 'spec', 'workloadRef', 'kind') === 'Deployment' && at(m.document, 'spec', 'workloadRef', 'name') === deployment);
}

type Counter = (manifest: Manifest, manifests: readonly Manifest[]) => { pods: number; perPod: Requests; injectable: boolean } | undefined;

const notInjected = (template: unknown) =>
  at(template, 'metadata', 'labels', 'sidecar.istio.io/inject') === 'false' || at(template, 'metadata', 'annotations', 'sidecar.istio.io/inject') === 'false';

/**
 * The pods each data-store engine's custom resource runs, by its kind (none: the engine's own StatefulSet, counted
 * as one). Keyed by engine, so that the compiler names this table for a new engine.
 */
const ENGINE_POD_COUNTERS: Readonly<Record<DataEngine, Readonly<Record<string, Counter>>>> = {
  postgresql: {
    // CloudNativePG: one pod per instance (primary and replicas), each requesting `spec.resources`.
    'postgresql.cnpg.io/v1/Cluster': (m) => ({
      pods: (at(m.document, 'spec', 'instances') as number | undefined) ?? 1,
      perPod: podRequests(`${m.document.metadata.name}.spec`, { containers: [{ resources: at(m.document, 'spec', 'resources') as Container['resources'] }] }),
      // The operator copies `inheritedMetadata` onto the pods.
      injectable: !notInjected(at(m.document, 'spec', 'inheritedMetadata') === undefined ? undefined : { metadata: at(m.document, 'spec', 'inheritedMetadata') }),
    }),
  },
  mongodb: {
    // MongoDB community: one pod per member, with the containers of the StatefulSet override (mongod, agent).
    'mongodbcommunity.mongodb.com/v1/MongoDBCommunity': (m) => ({
      pods: (at(m.document, 'spec', 'members') as number | undefined) ?? 1,
      perPod: podRequests(`${m.document.metadata.name}.spec.statefulSet.spec.template.spec`, at(m.document, 'spec', 'statefulSet', 'spec', 'template', 'spec') as PodSpec),
      injectable: !notInjected(at(m.document, 'spec', 'statefulSet', 'spec', 'template')),
    }),
  },
  redis: {},
};

/**
 * How each kind runs pods at rest. Not counted: Jobs (they run once and finish) and Argo's smoke-test
 * analysis runs (only during a release). Operators' own pods run outside the namespace and are not counted.
 */
const POD_COUNTERS: Readonly<Record<string, Counter>> = {
  // HPA-managed: the autoscaler's floor. Under a Rollout, Argo runs the Deployment's template with the
  // Rollout's floor and scales the Deployment itself to zero, so its pods are counted once, here.
  'apps/v1/Deployment': (m, all) => {
    const rollout = rolloutOf(all, m.document.metadata.name);
    const pods = rollout
      ? replicasAtRest(all, 'Rollout', rollout.document.metadata.name, at(rollout.document, 'spec', 'replicas'))
      : replicasAtRest(all, 'Deployment', m.document.metadata.name, at(m.document, 'spec', 'replicas'));
    const template = at(m.document, 'spec', 'template');
    return { pods, perPod: podRequests(`${m.document.metadata.name}.spec.template.spec`, at(template, 'spec') as PodSpec), injectable: !notInjected(template) };
  },
  'apps/v1/StatefulSet': (m, all) => {
    const template = at(m.document, 'spec', 'template');
    return {
      pods: replicasAtRest(all, 'StatefulSet', m.document.metadata.name, at(m.document, 'spec', 'replicas')),
      perPod: podRequests(`${m.document.metadata.name}.spec.template.spec`, at(template, 'spec') as PodSpec),
      injectable: !notInjected(template),
    };
  },
  // A Rollout with its own template (not a workloadRef) runs its pods itself.
  'argoproj.io/v1alpha1/Rollout': (m, all) => {
    const template = at(m.document, 'spec', 'template');
    if (!template) return undefined;
    return {
      pods: replicasAtRest(all, 'Rollout', m.document.metadata.name, at(m.document, 'spec', 'replicas')),
      perPod: podRequests(`${m.document.metadata.name}.spec.template.spec`, at(template, 'spec') as PodSpec),
      injectable: !notInjected(template),
    };
  },
  ...Object.assign({}, ...Object.values(ENGINE_POD_COUNTERS)),
  // Strimzi: the brokers are the node pool's replicas.
  'kafka.strimzi.io/v1/KafkaNodePool': (m) => ({
    pods: (at(m.document, 'spec', 'replicas') as number | undefined) ?? 1,
    perPod: podRequests(`${m.document.metadata.name}.spec`, { containers: [{ resources: at(m.document, 'spec', 'resources') as Container['resources'] }] }),
    injectable: !notInjected(at(m.document, 'spec', 'template', 'pod')),
  }),
  // Strimzi's entity operator: one pod with the topic and user operators.
  'kafka.strimzi.io/v1/Kafka': (m) => {
    const operator = at(m.document, 'spec', 'entityOperator');
    if (!operator) return undefined;
    const containers = ['topicOperator', 'userOperator'].filter((c) => at(operator, c)).map((c) => ({ resources: at(operator, c, 'resources') as Container['resources'] }));
    return { pods: 1, perPod: podRequests(`${m.document.metadata.name}.spec.entityOperator`, { containers }), injectable: true };
  },
};

/**
 * Total CPU and memory a phase requests at rest: every pod-running object by the rules of `POD_COUNTERS`,
 * replicas at rest included, plus the mesh's sidecars (`SIDECAR_REQUESTS`) when the namespace injects them.
 */
export function phaseRequests(manifests: readonly Manifest[]): PhaseRequests {
  const injects = manifests.some((m) => m.document.kind === 'Namespace' && at(m.document, 'metadata', 'labels', 'istio-injection') === 'enabled');
  const groups: PodGroup[] = [];
  let sidecars = 0;
  for (const manifest of manifests) {
    const counted = POD_COUNTERS[`${manifest.document.apiVersion}/${manifest.document.kind}`]?.(manifest, manifests);
    if (!counted || counted.pods === 0) continue;
    groups.push({ object: `${manifest.document.kind} ${manifest.document.metadata.name}`, component: manifest.component, pods: counted.pods, perPod: counted.perPod });
    if (injects && counted.injectable) sidecars += counted.pods;
  }
  const workloads = groups.map((g) => ({ cpuMillis: g.perPod.cpuMillis * g.pods, memoryMebibytes: g.perPod.memoryMebibytes * g.pods })).reduce(add, ZERO);
  const mesh = { cpuMillis: SIDECAR_REQUESTS.cpuMillis * sidecars, memoryMebibytes: SIDECAR_REQUESTS.memoryMebibytes * sidecars };
  return { groups, sidecars, total: add(workloads, mesh) };
}
