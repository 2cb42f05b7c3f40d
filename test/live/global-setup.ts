import { ensureControlPlane } from '../../local/cluster';
import { ensureNode } from '../../local/node/real-node';

/** Set when this run started the control plane or the node, so that teardown stops only what setup started. */
export const STARTED_BY_LIVE = '__careerCopilotStartedByLive';

/** Set by this setup for the test files: they run only under jest.live.config.js. */
export const LIVE_NODE_READY = 'CAREER_COPILOT_LIVE_NODE_READY';

const log = (line: string) => process.stderr.write(`[live] ${line}\n`);

/**
 * The local control plane with a real node in place of kwok's: the control plane started unless it runs, then the
 * node (its programs and images built and cached). Runs as root: the node manages namespaces, mounts and rules.
 */
export default function globalSetup(): void {
  if (process.getuid?.() !== 0) throw new Error('npm run test:live runs as root: the node (scripts/node.sh) manages network namespaces, mounts and firewall rules');
  const started: string[] = [];
  if (ensureControlPlane(log)) started.push('cluster');
  if (ensureNode(log)) started.push('node');
  (globalThis as Record<string, unknown>)[STARTED_BY_LIVE] = started;
  process.env[LIVE_NODE_READY] = 'true';
}
