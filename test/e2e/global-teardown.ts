import { STARTED_BY_E2E } from './global-setup';
import { runClusterScript } from '../../local/cluster';

/** Stops the control plane if global setup started it; one started by `npm run cluster:up` keeps running. */
export default function globalTeardown(): void {
  if ((globalThis as Record<string, unknown>)[STARTED_BY_E2E]) runClusterScript('down');
}
