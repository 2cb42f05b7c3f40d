import { clusterReady, runClusterScript } from './support/cluster';

/** Set when this run started the control plane, so that teardown stops only what setup started. */
export const STARTED_BY_E2E = '__careerCopilotClusterStartedByE2e';

/** Set by this setup for the test files: they run only under jest.e2e.config.js, never in `npm test`. */
export const E2E_CLUSTER_READY = 'CAREER_COPILOT_E2E_CLUSTER_READY';

/**
 * Brings up the local control plane unless one is already running (`npm run cluster:up`): builds the binaries
 * first (cached by version; about 30 minutes on 2 cores the first time), then starts it (about 20 s).
 */
export default function globalSetup(): void {
  if (clusterReady()) {
    process.stderr.write('[e2e] using the running local control plane (scripts/cluster.sh status)\n');
  } else {
    process.stderr.write('[e2e] no local control plane: scripts/cluster.sh build && scripts/cluster.sh up\n');
    runClusterScript('build');
    runClusterScript('up');
    (globalThis as Record<string, unknown>)[STARTED_BY_E2E] = true;
  }
  process.env[E2E_CLUSTER_READY] = 'true';
}
