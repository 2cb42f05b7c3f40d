import { hostUrl, kubectl } from '../../../local/node/kubectl';

export { kubectl };

/** The namespace the platform deploys to. */
export const NAMESPACE = 'career-copilot';

/** A pod as the live test reads it. */
export interface LivePod {
  readonly name: string;
  readonly app: string;
  readonly phase: string;
  readonly ready: boolean;
  readonly deleting: boolean;
}

/** The namespace's pods, or none while it does not exist. */
export function pods(env: NodeJS.ProcessEnv): LivePod[] {
  const list = JSON.parse(kubectl(env, ['get', 'pods', '-n', NAMESPACE, '-o', 'json'])) as {
    items: Array<{
      metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string };
      status: { phase: string; conditions?: Array<{ type: string; status: string }> };
    }>;
  };
  return list.items.map((p) => ({
    name: p.metadata.name,
    app: p.metadata.labels?.['app.kubernetes.io/name'] ?? p.metadata.labels?.['cnpg.io/cluster'] ?? p.metadata.name,
    phase: p.status.phase,
    ready: (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
    deleting: p.metadata.deletionTimestamp !== undefined,
  }));
}

/** The pods that are neither Ready nor a finished Job's, as `name (phase)`. */
export function unreadyPods(env: NodeJS.ProcessEnv): string[] {
  return pods(env)
    .filter((p) => p.phase !== 'Succeeded' && !(p.phase === 'Running' && p.ready))
    .map((p) => `${p.name} (${p.phase}${p.deleting ? ', terminating' : ''})`);
}

/** The address of a Service's first port from this host, through kube-proxy's rules. */
export function serviceUrl(env: NodeJS.ProcessEnv, service: string): string {
  return hostUrl(env, NAMESPACE, service);
}
