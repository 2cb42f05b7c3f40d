import { execFileSync } from 'child_process';
import { builtToolPath } from '../../../local/cluster';
import { getObject } from '../../../local/live-objects';

/** One HTTP route of a VirtualService: its name and the weight of each destination host. */
export interface RouteWeights {
  readonly name: string;
  readonly weights: Readonly<Record<string, number>>;
}

/** What the e2e reads of a Rollout's status (Argo Rollouts v1alpha1). */
export interface RolloutStatus {
  readonly phase?: string;
  readonly currentStepIndex?: number;
  /** `CanaryPauseStep`, `BlueGreenPause`, ... while the Rollout waits. */
  readonly pauseReasons: readonly string[];
  /** The pod template hash of the ReplicaSet that serves users, and of the newest one. */
  readonly stableHash?: string;
  readonly currentHash?: string;
  readonly activeSelector?: string;
  readonly previewSelector?: string;
  readonly message?: string;
}

interface RolloutObject {
  spec: { strategy: { canary?: { steps?: Array<{ setWeight?: number; pause?: unknown }> } } };
  status?: {
    phase?: string;
    currentStepIndex?: number;
    pauseConditions?: Array<{ reason: string }>;
    stableRS?: string;
    currentPodHash?: string;
    blueGreen?: { activeSelector?: string; previewSelector?: string };
    message?: string;
  };
}

function rollout(env: NodeJS.ProcessEnv, namespace: string, name: string): RolloutObject {
  const object = getObject(env, { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name, namespace } });
  if (!object) throw new Error(`Rollout ${namespace}/${name} does not exist`);
  return object as unknown as RolloutObject;
}

export function rolloutStatus(env: NodeJS.ProcessEnv, namespace: string, name: string): RolloutStatus {
  const status = rollout(env, namespace, name).status ?? {};
  return {
    phase: status.phase,
    currentStepIndex: status.currentStepIndex,
    pauseReasons: (status.pauseConditions ?? []).map((c) => c.reason),
    stableHash: status.stableRS,
    currentHash: status.currentPodHash,
    activeSelector: status.blueGreen?.activeSelector,
    previewSelector: status.blueGreen?.previewSelector,
    message: status.message,
  };
}

/** Each `pause` step of the Rollout, in order, with the canary weight set before it. */
export function canaryPauseWeights(env: NodeJS.ProcessEnv, namespace: string, name: string): Array<{ stepIndex: number; weight: number }> {
  const steps = rollout(env, namespace, name).spec.strategy.canary?.steps ?? [];
  let weight = 0;
  return steps.flatMap((step, i) => {
    weight = step.setWeight ?? weight;
    return step.pause !== undefined ? [{ stepIndex: i, weight }] : [];
  });
}

/** The HTTP routes of a VirtualService, in order, with their destinations' weights (an unweighted one is 100). */
export function virtualServiceRoutes(env: NodeJS.ProcessEnv, namespace: string, name: string): RouteWeights[] {
  const object = getObject(env, { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace } }) as unknown as
    | { spec: { http?: Array<{ name?: string; route?: Array<{ destination: { host: string }; weight?: number }> }> } }
    | undefined;
  if (!object) throw new Error(`VirtualService ${namespace}/${name} does not exist`);
  return (object.spec.http ?? []).map((route) => ({
    name: route.name ?? '',
    weights: Object.fromEntries((route.route ?? []).map((d) => [d.destination.host.split('.')[0], d.weight ?? 100])),
  }));
}

/** The selector of a Service (Argo Rollouts adds `rollouts-pod-template-hash` to the ones it switches). */
export function serviceSelector(env: NodeJS.ProcessEnv, namespace: string, name: string): Record<string, string> {
  const object = getObject(env, { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace } }) as unknown as { spec: { selector?: Record<string, string> } } | undefined;
  if (!object) throw new Error(`Service ${namespace}/${name} does not exist`);
  return object.spec.selector ?? {};
}

/** `kubectl argo rollouts promote`: ends the current pause (canary: goes on to the next step; blue-green: switches). */
export function promote(env: NodeJS.ProcessEnv, namespace: string, name: string): void {
  execFileSync(builtToolPath('kubectl-argo-rollouts'), ['promote', name, '-n', namespace], { env, encoding: 'utf8' });
}

/** Polls `read` every second until `done` holds; throws with the last value read after `timeoutMs`. */
export async function waitUntil<T>(what: string, read: () => T, done: (value: T) => boolean, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}; last seen: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** The phase of each AnalysisRun that the Rollout `name` started (`Successful`, `Failed`, `Running`, ...). */
export function analysisRunPhases(env: NodeJS.ProcessEnv, namespace: string, name: string): string[] {
  const list = JSON.parse(execFileSync('kubectl', ['get', 'analysisruns.argoproj.io', '-n', namespace, '-o', 'json'], { env, encoding: 'utf8' })) as {
    items: Array<{ metadata: { ownerReferences?: Array<{ kind: string; name: string }> }; status?: { phase?: string } }>;
  };
  return list.items.filter((run) => run.metadata.ownerReferences?.some((o) => o.kind === 'Rollout' && o.name === name)).map((run) => run.status?.phase ?? 'Pending');
}
