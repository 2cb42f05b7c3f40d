import { execFileSync } from 'child_process';
import * as path from 'path';
import { CONTROL_PLANE_PARTS, ensureControlPlane, REPO_ROOT, runClusterScript } from '../../local/cluster';

/** Set when this run started the control plane or the node, so that teardown stops only what setup started. */
export const STARTED_BY_LIVE = '__careerCopilotStartedByLive';

/** Set by this setup for the test files: they run only under jest.live.config.js. */
export const LIVE_NODE_READY = 'CAREER_COPILOT_LIVE_NODE_READY';

export const NODE_SCRIPT = path.join(REPO_ROOT, 'scripts', 'node.sh');
export const IMAGES_SCRIPT = path.join(REPO_ROOT, 'scripts', 'images.sh');

const log = (line: string) => process.stderr.write(`[live] ${line}\n`);

function nodeReady(): boolean {
  try {
    execFileSync('bash', [NODE_SCRIPT, 'status'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * The local control plane with a real node in place of kwok's: the node's programs and images built (cached), the
 * control plane started unless it runs, then the node. Runs as root: the node manages namespaces, mounts and rules.
 */
export default function globalSetup(): void {
  if (process.getuid?.() !== 0) throw new Error('npm run test:live runs as root: the node (scripts/node.sh) manages network namespaces, mounts and nf_tables rules');
  runClusterScript('build', ...CONTROL_PLANE_PARTS, 'node');
  execFileSync('bash', [IMAGES_SCRIPT, 'build'], { stdio: ['ignore', 'inherit', 'inherit'] });
  const started: string[] = [];
  if (ensureControlPlane(log)) started.push('cluster');
  if (nodeReady()) {
    log('node: running (scripts/node.sh status); importing the images, in case they were rebuilt');
    execFileSync('bash', [IMAGES_SCRIPT, 'import'], { stdio: ['ignore', 'inherit', 'inherit'] });
  } else {
    execFileSync('bash', [NODE_SCRIPT, 'up'], { stdio: ['ignore', 'inherit', 'inherit'] });
    started.push('node');
  }
  (globalThis as Record<string, unknown>)[STARTED_BY_LIVE] = started;
  process.env[LIVE_NODE_READY] = 'true';
}
