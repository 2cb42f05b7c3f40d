import { ensureControlPlane } from '../../local/cluster';

/** Set when this run started the control plane, so that teardown stops only what setup started. */
export const STARTED_BY_E2E = '__careerCopilotClusterStartedByE2e';

/** Set by this setup for the test files: they run only under jest.e2e.config.js, never in `npm test`. */
export const E2E_CLUSTER_READY = 'CAREER_COPILOT_E2E_CLUSTER_READY';

/** Brings up the local control plane unless one is already running (`npm run cluster:up`), see ensureControlPlane. */
export default function globalSetup(): void {
  if (ensureControlPlane((line) => process.stderr.write(`[e2e] ${line}\n`))) (globalThis as Record<string, unknown>)[STARTED_BY_E2E] = true;
  process.env[E2E_CLUSTER_READY] = 'true';
}
