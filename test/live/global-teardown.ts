import { execFileSync } from 'child_process';
import { runClusterScript } from '../../local/cluster';
import { NODE_SCRIPT } from '../../local/node/real-node';
import { STARTED_BY_LIVE } from './global-setup';

/** Stops the node and the control plane if global setup started them; what ran before keeps running. */
export default function globalTeardown(): void {
  const started = ((globalThis as Record<string, unknown>)[STARTED_BY_LIVE] as string[] | undefined) ?? [];
  if (started.includes('node')) execFileSync('bash', [NODE_SCRIPT, 'down'], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (started.includes('cluster')) runClusterScript('down');
}
