import { execFileSync } from 'child_process';

/** kubectl against the local control plane (`env` from clusterEnvironment()), its output as text. */
export function kubectl(env: NodeJS.ProcessEnv, args: readonly string[], input?: string): string {
  return execFileSync('kubectl', args, { env, encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
}
