import { parseArgs } from 'util';
import { isPhaseNumber, PhaseNumber, PlatformModel } from '../phases';
import { ValidationError } from '../phases/model/validation-error';

/** The arguments of `npm run local`. */
export interface LocalArguments {
  /** The phase to promote (or roll back) the local stack to. @default 4, the last phase */
  readonly to: PhaseNumber;
}

/** Parses `npm run local`'s arguments; refuses anything else, naming the argument and what is allowed. */
export function parseLocalArguments(argv: readonly string[], platform: PlatformModel): LocalArguments {
  const allowed = platform.phases.map((p) => p.phase);
  const last = String(Math.max(...allowed));
  let to: string;
  try {
    to = parseArgs({ args: [...argv], options: { to: { type: 'string', default: last } }, strict: true, allowPositionals: false }).values.to ?? last;
  } catch (error) {
    // Node's parseArgs messages start with their error code ("TypeError [ERR_PARSE_ARGS_UNKNOWN_OPTION]: ").
    const problem = (error instanceof Error ? error.message : String(error)).replace(/^\w+ \[ERR_\w+\]: /, '');
    throw new ValidationError('arguments', `${problem}; usage: npm run local [-- --to N], N one of ${allowed.join(', ')}`);
  }
  const phase = Number(to);
  if (!/^\d+$/.test(to) || !isPhaseNumber(phase) || !allowed.includes(phase)) {
    throw new ValidationError('--to', `${JSON.stringify(to)} is not a phase; allowed: ${allowed.join(', ')}`);
  }
  return { to: phase };
}

/**
 * The phases to deploy, in order, one phase per step (the stack refuses skips): from `deployed` (undefined: nothing
 * deployed yet, so phase 0 first) to `target`. Already at the target: the target once more, which applies whatever
 * changed in the model since and otherwise changes nothing.
 */
export function promotionPath(deployed: PhaseNumber | undefined, target: PhaseNumber): PhaseNumber[] {
  const from = deployed ?? -1;
  if (from === target) return [target];
  const step = target > from ? 1 : -1;
  const phases: PhaseNumber[] = [];
  for (let p = from + step; p !== target + step; p += step) phases.push(p as PhaseNumber);
  return phases;
}
