import { parseArgs } from 'util';
import { PhaseNumber, PlatformModel, selectPhase } from '../phases';
import { parsePhase } from '../phases/phase-step';
import { ValidationError } from '../core/validation-error';
import { nodeBlockers } from './node/real-node';

/** The arguments of `npm run local`. */
export interface LocalArguments {
  /** The phase to promote (or roll back) the local stack to. @default 4, the last phase (with --node, the last the node runs) */
  readonly to: PhaseNumber;
  /** Run on the real node (scripts/node.sh) instead of kwok's simulated one: containers really run. @default false */
  readonly node: boolean;
}

const USAGE = 'usage: npm run local [-- [--node] --to N]';

/** Parses `npm run local`'s arguments; refuses anything else, naming the argument and what is allowed. */
export function parseLocalArguments(argv: readonly string[], platform: PlatformModel): LocalArguments {
  const allowed = platform.phases.map((p, i) => parsePhase(`phases[${i}].phase`, p.phase));
  let values: { to?: string; node?: boolean };
  try {
    values = parseArgs({ args: [...argv], options: { to: { type: 'string' }, node: { type: 'boolean', default: false } }, strict: true, allowPositionals: false }).values;
  } catch (error) {
    // Node's parseArgs messages start with their error code ("TypeError [ERR_PARSE_ARGS_UNKNOWN_OPTION]: ").
    const problem = (error instanceof Error ? error.message : String(error)).replace(/^\w+ \[ERR_\w+\]: /, '');
    throw new ValidationError('arguments', `${problem}; ${USAGE}, N one of ${allowed.join(', ')}`);
  }
  const node = values.node === true;
  if (!node) return { to: parsePhase('--to', values.to ?? String(Math.max(...allowed)), allowed), node };
  // On the node, only the phases whose every part can run there.
  const onNode = allowed.filter((phase) => nodeBlockers(selectPhase(platform, phase)).length === 0);
  if (values.to === undefined) return { to: Math.max(...onNode) as PhaseNumber, node };
  const to = parsePhase('--to', values.to, allowed);
  const blockers = nodeBlockers(selectPhase(platform, to));
  if (blockers.length > 0) {
    throw new ValidationError('--to', `phase ${to} needs ${blockers.join(' and ')}, which cannot run on the real node; with --node, N is one of ${onNode.join(', ')}`);
  }
  return { to, node };
}
