import { execFileSync } from 'child_process';
import * as path from 'path';

/** The repository root: the Pulumi project (Pulumi.yaml) the e2e tests deploy. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/** scripts/cluster.sh: builds and runs the local control plane and the Pulumi engine. */
export const CLUSTER_SCRIPT = path.join(REPO_ROOT, 'scripts', 'cluster.sh');

/** Runs one subcommand of scripts/cluster.sh, its log going to this process's stderr. */
export function runClusterScript(subcommand: 'build' | 'up' | 'down' | 'status'): void {
  execFileSync('bash', [CLUSTER_SCRIPT, subcommand], { stdio: ['ignore', 'inherit', 'inherit'] });
}

/** True when the control plane that scripts/cluster.sh starts is running and ready. */
export function clusterReady(): boolean {
  try {
    execFileSync('bash', [CLUSTER_SCRIPT, 'status'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * This process's environment with `scripts/cluster.sh env` applied: the built pulumi, provider and kubectl first on
 * PATH, KUBECONFIG of the local control plane, no plugin downloads, no update check. Read through bash so the
 * script stays the one place that says what the environment is.
 */
export function clusterEnvironment(): NodeJS.ProcessEnv {
  const dump = execFileSync('bash', ['-c', `eval "$(bash "$1" env)" && env -0`, 'cluster-env', CLUSTER_SCRIPT], { encoding: 'utf8' });
  const env: NodeJS.ProcessEnv = {};
  for (const entry of dump.split('\0')) {
    const at = entry.indexOf('=');
    if (at > 0) env[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return env;
}
