import { execFile } from 'child_process';
import { promisify } from 'util';
import { DataEngine, DataStoreSpec } from '../../../phases/model/data-store';
import { PhasePlan } from '../../../phases/phase-plan';
import { kubectl, NAMESPACE } from './live-cluster';

const execFileAsync = promisify(execFile);

/** One TCP connection a pod of `from` opens (or must not open) to a Service of the namespace, on its first port. */
export interface Flow {
  readonly from: string;
  readonly service: string;
  /** What the flow is, for a failure's message: `api-gateway -> user-service`. */
  readonly label: string;
}

/** The Service each engine's clients connect to (the operators' names, and the stand-ins' on the live node). */
const STORE_HOST: Readonly<Record<DataEngine, (name: string) => string>> = {
  postgresql: (name) => `${name}-rw`,
  mongodb: (name) => `${name}-svc`,
  redis: (name) => name,
};

const storeFlow = (from: string, store: DataStoreSpec): Flow => ({ from, service: STORE_HOST[store.engine](store.name), label: `${from} -> ${store.name}` });

/**
 * The connections the phase needs (from the model, not from the policies): each workload's synchronous calls and
 * its data stores.
 */
export function requiredFlows(plan: PhasePlan): Flow[] {
  return plan.workloads.flatMap((w) => [
    ...w.calls.map((callee) => ({ from: w.spec.name, service: callee, label: `${w.spec.name} -> ${callee}` })),
    ...w.dataStores.map((store) => storeFlow(w.spec.name, store)),
  ]);
}

/**
 * Connections nobody needs, each to a target that another workload reaches (so a refusal is the policy's, not a
 * wrong address): every workload to each store it does not use, and to the first workload it does not call.
 */
export function deniedFlows(plan: PhasePlan): Flow[] {
  const used = new Map<string, DataStoreSpec>();
  for (const w of plan.workloads) for (const store of w.dataStores) used.set(store.name, store);
  const called = new Set(plan.workloads.flatMap((w) => w.calls));
  return plan.workloads.flatMap((w) => {
    const stores = [...used.values()].filter((store) => !w.dataStores.some((own) => own.name === store.name)).map((store) => storeFlow(w.spec.name, store));
    const callee = plan.workloads.find((other) => other !== w && called.has(other.spec.name) && !w.calls.includes(other.spec.name));
    return callee ? [...stores, { from: w.spec.name, service: callee.spec.name, label: `${w.spec.name} -> ${callee.spec.name}` }] : stores;
  });
}

/** What became of a connection: opened, refused or timed out, or its name not resolved. */
export type FlowOutcome = 'open' | 'closed' | 'unresolved';

/** The exit status the probe gives a name that cluster DNS did not resolve. */
const UNRESOLVED = 90;

/** The first port of a Service of the namespace (the one its clients use: 80 for a workload's, 5432 for a store's). */
function servicePort(env: NodeJS.ProcessEnv, service: string): number {
  return Number(kubectl(env, ['get', 'service', service, '-n', NAMESPACE, '-o', 'jsonpath={.spec.ports[0].port}']));
}

/**
 * Tries `flow` from a running pod of its workload: the Service's name resolved by cluster DNS (getent, as the
 * service's own resolver would), then bash's /dev/tcp in the pod's own container to its port, given
 * `timeoutSeconds` to connect. A name that does not resolve is told apart from a connection refused, so a DNS
 * failure never passes for a policy's refusal.
 */
export async function tryFlow(env: NodeJS.ProcessEnv, pod: string, flow: Flow, timeoutSeconds = 3): Promise<FlowOutcome> {
  const name = `${flow.service}.${NAMESPACE}.svc.cluster.local`;
  const script = `address=$(getent hosts ${name}) || exit ${UNRESOLVED}; exec timeout ${timeoutSeconds} bash -c "exec 3<>/dev/tcp/\${address%% *}/${servicePort(env, flow.service)}"`;
  try {
    await execFileAsync('kubectl', ['exec', '-n', NAMESPACE, pod, '-c', 'app', '--', 'bash', '-c', script], { env });
    return 'open';
  } catch (error) {
    return (error as { code?: number }).code === UNRESOLVED ? 'unresolved' : 'closed';
  }
}

/** Runs `check` over `items`, `width` at a time, keeping their order. */
export async function inBatches<T, R>(items: readonly T[], width: number, check: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += width) results.push(...(await Promise.all(items.slice(i, i + width).map(check))));
  return results;
}
