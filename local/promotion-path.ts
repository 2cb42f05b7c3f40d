import { parseArgs } from 'util';
import { PhaseNumber, PlatformModel } from '../phases';
import { parsePhase } from '../phases/phase-step';
import { ValidationError } from '../core/validation-error';

/** The arguments of `npm run local`. */
export interface LocalArguments {
  /** The phase to promote (or roll back) the local stack to. @default 4, the last phase */
  readonly to: PhaseNumber;
}

/** Parses `npm run local`'s arguments; refuses anything else, naming the argument and what is allowed. */
export function parseLocalArguments(argv: readonly string[], platform: PlatformModel): LocalArguments {
  const allowed = platform.phases.map((p, i) => parsePhase(`phases[${i}].phase`, p.phase));
  const last = String(Math.max(...allowed));
  let to: string;
  try {
    to = parseArgs({ args: [...argv], options: { to: { type: 'string', default: last } }, strict: true, allowPositionals: false }).values.to ?? last;
  } catch (error) {
    // Node's parseArgs messages start with their error code ("TypeError [ERR_PARSE_ARGS_UNKNOWN_OPTION]: ").
    const problem = (error instanceof Error ? error.message : String(error)).replace(/^\w+ \[ERR_\w+\]: /, '');
    throw new ValidationError('arguments', `${problem}; usage: npm run local [-- --to N], N one of ${allowed.join(', ')}`);
  }
  return { to: parsePhase('--to', to, allowed) };
}
