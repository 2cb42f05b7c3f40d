import { execFile } from 'child_process';
import { promisify } from 'util';
import { CLUSTER_SCRIPT } from '../../../local/cluster';
import { Resumption, resumeInterruptedUpdate } from '../../../local/interrupted-update';
import { orphanedPlugins } from '../../../local/orphaned-plugins';
import { CHANGE_OPS, PulumiStack } from '../../../local/pulumi-stack';

/**
 * How a step is interrupted: the engine killed with SIGKILL after its first, middle or last resource operation (a CI
 * runner that times out, a laptop that sleeps), or the API server stopped for a while and started again mid-step.
 */
export type Interruption = 'kill-early' | 'kill-mid' | 'kill-last' | 'restart-apiserver';

/** Seconds the API server stays down in a `restart-apiserver` interruption. */
const APISERVER_DOWN_SECONDS = 8;

/** What an interrupted `pulumi up` got through before it stopped, and what resuming it found. */
export interface InterruptedStep {
  readonly line: string;
  readonly resumption: Resumption;
}

function summary(r: Resumption): string {
  return `${r.staleLocks} stale lock(s) removed, ${r.stoppedPlugins.length} orphaned plugin(s) stopped, ${r.tornFiles.length} torn file(s) removed, ${r.imported.length} pending create(s) adopted (${r.handedOver.length} handed over from the killed provider's field manager), ${r.cleared.length} dropped, ${r.refreshed.length} read back`;
}

/**
 * Runs `pulumi up` of the phase already set in the stack's config and interrupts it as `how` says, then resumes the
 * stack as `npm run local` does before a step (resumeInterruptedUpdate). The caller then runs the step again.
 */
export async function interruptStep(stack: PulumiStack, env: NodeJS.ProcessEnv, how: Interruption, log: (line: string) => void): Promise<InterruptedStep> {
  const planned = (await stack.preview()).changes;
  const expected = planned.create + planned.update + planned.replace + planned.delete;
  let finished = 0;
  let line: string;
  if (how === 'restart-apiserver') {
    // A third of the way through, the API server goes away while operations are in flight, then comes back.
    let restart: Promise<unknown> | undefined;
    const outcome = await stack
      .up({
        onStep: (step) => {
          if (CHANGE_OPS.includes(step.op) && ++finished === Math.max(1, Math.floor(expected / 3)) && !restart) {
            restart = promisify(execFile)('bash', [CLUSTER_SCRIPT, 'restart-apiserver', String(APISERVER_DOWN_SECONDS)]);
          }
        },
      })
      .then(
        () => 'finished anyway (the provider retried)',
        (error: Error) => `failed: ${error.message.split('\n').find((l) => l.startsWith('error:'))?.slice(0, 160) ?? error.message.split('\n')[0]}`,
      );
    if (!restart) throw new Error(`the API server was never restarted: the up finished after ${finished} of ${expected} operations`);
    await restart;
    line = `API server down ${APISERVER_DOWN_SECONDS} s after ${Math.max(1, Math.floor(expected / 3))} of ${expected} operations; that up ${outcome}`;
  } else {
    const killAt = { 'kill-early': 1, 'kill-mid': Math.ceil(expected / 2), 'kill-last': expected }[how];
    const controller = new AbortController();
    const killed = await stack
      .up({
        onStep: (step) => {
          if (CHANGE_OPS.includes(step.op) && ++finished === killAt) controller.abort();
        },
        signal: controller.signal,
      })
      .then(
        () => false,
        () => controller.signal.aborted,
      );
    if (!killed) throw new Error(`the engine was not killed: the up ended after ${finished} of ${expected} operations, before the kill point ${killAt}`);
    line = `engine killed (SIGKILL) after ${killAt} of ${expected} operations`;
  }
  const resumption = await resumeInterruptedUpdate(stack, env, log);
  if (how !== 'restart-apiserver') {
    // The killed CLI's plugins outlive it; resuming must have stopped them, and found its lock.
    if (resumption.staleLocks !== 1 || resumption.stoppedPlugins.length === 0) throw new Error(`resuming after the kill found ${resumption.staleLocks} stale lock(s) and stopped ${resumption.stoppedPlugins.length} plugin(s)`);
    const left = orphanedPlugins();
    if (left.length > 0) throw new Error(`plugins of the killed engine still run: ${left.map((p) => `${p.program} (pid ${p.pid})`).join(', ')}`);
  }
  return { line: `${line}; resumed: ${summary(resumption)}`, resumption };
}
