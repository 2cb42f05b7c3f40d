import { execFileSync } from 'child_process';

/** kubectl against the local control plane (`env` from clusterEnvironment()), its output as text. */
export function kubectl(env: NodeJS.ProcessEnv, args: readonly string[], input?: string): string {
  return execFileSync('kubectl', args, { env, encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
}

/** Where this host reaches a Service: its cluster address and first port, through kube-proxy's rules on the node. */
export function hostUrl(env: NodeJS.ProcessEnv, namespace: string, service: string): string {
  const spec = JSON.parse(kubectl(env, ['get', 'service', service, '-n', namespace, '-o', 'json'])) as { spec: { clusterIP: string; ports: Array<{ port: number }> } };
  return `http://${spec.spec.clusterIP}:${spec.spec.ports[0].port}`;
}
