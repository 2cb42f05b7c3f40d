import { execFileSync } from 'child_process';
import * as path from 'path';

/** The repository root: the Pulumi project (Pulumi.yaml) that `npm run local` and the e2e tests deploy. */
export const REPO_ROOT = path.resolve(__dirname, '..');

/** scripts/cluster.sh: builds and runs the local control plane and the Pulumi engine. */
export const CLUSTER_SCRIPT = path.join(REPO_ROOT, 'scripts', 'cluster.sh');

/** What the control plane and the engine need of scripts/cluster.sh's parts (not the offline checkers). */
export const CONTROL_PLANE_PARTS = ['etcd', 'kubernetes', 'pulumi', 'provider', 'kwok', 'argo-rollouts'] as const;

/** Runs one subcommand of scripts/cluster.sh, its log going to this process's stderr. */
export function runClusterScript(subcommand: 'build' | 'up' | 'down' | 'status', ...args: string[]): void {
  execFileSync('bash', [CLUSTER_SCRIPT, subcommand, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
}

/** The path where scripts/cluster.sh builds one tool (`which`), whether it is built yet or not. */
export function builtToolPath(name: 'istio-analyze' | 'kubectl-argo-rollouts'): string {
  return execFileSync('bash', [CLUSTER_SCRIPT, 'which', name], { encoding: 'utf8' }).trim();
}

/** True when `bash SCRIPT ARGS...` exits with 0 (a script's `status`: what it started runs and is ready). */
export function scriptSucceeds(script: string, ...args: string[]): boolean {
  try {
    execFileSync('bash', [script, ...args], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** True when the control plane that scripts/cluster.sh starts is running and ready. */
export function clusterReady(): boolean {
  return scriptSucceeds(CLUSTER_SCRIPT, 'status');
}

/**
 * Brings up the local control plane unless it already runs: builds the binaries first (cached by version; about
 * 35 minutes on 2 cores the first time), then starts it (about 25 s). Returns true when this call started it, so
 * the caller can stop what it started (`runClusterScript('down')`) and leave a running one alone.
 */
export function ensureControlPlane(log: (line: string) => void): boolean {
  if (clusterReady()) {
    log('local control plane: running (scripts/cluster.sh status)');
    return false;
  }
  log('local control plane: building (cached by version; the first build takes about 35 minutes on 2 cores), then starting it');
  runClusterScript('build', ...CONTROL_PLANE_PARTS);
  runClusterScript('up');
  return true;
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

/**
 * The config of a stack of this project on the local control plane: in-cluster data stores, one replica, one Kafka
 * broker. Readiness is awaited: kwok's node runs every pod the scheduler binds to it (Ready at once, Job pods
 * complete), so the provider's waits for Deployments, StatefulSets, Jobs and Services are real.
 */
export const LOCAL_STACK_CONFIG: Readonly<Record<string, string>> = { target: 'local', kafkaBrokers: '1', replicas: '1' };

/**
 * The identity of the running control plane: the UID of its `kube-system` namespace, new with every
 * `scripts/cluster.sh up` (which starts from an empty etcd).
 */
export function clusterIdentity(env: NodeJS.ProcessEnv): string {
  return execFileSync('kubectl', ['get', 'namespace', 'kube-system', '-o', 'jsonpath={.metadata.uid}'], { env, encoding: 'utf8' }).trim();
}
