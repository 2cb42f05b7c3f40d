import { PHASES, PhaseNumber, isPhaseNumber } from './model/phase-spec';
import { notOneOf, ValidationError } from '../core/validation-error';

/**
 * A step of the migration, the one thing the stack, the review and `npm run local` all reason about: from the
 * phase an environment runs to the phase it is asked to run. Every rule about steps lives here, so the three say
 * the same thing in the same words.
 */

/**
 * A phase from a number or its canonical decimal spelling (`"3"`; never `"03"`, `"3.0"` or `" 3"`, which the
 * stack config refuses as well), among `allowed`.
 */
export function parsePhase(field: string, value: unknown, allowed: readonly PhaseNumber[] = PHASES): PhaseNumber {
  const number = typeof value === 'string' && /^(0|[1-9][0-9]*)$/.test(value) ? Number(value) : value;
  if (!isPhaseNumber(number) || !allowed.includes(number)) throw new ValidationError(field, notOneOf(value, allowed));
  return number;
}

/** How the caller of `checkPhaseStep` asks for a different phase, for the error's remedy. */
export interface StepRemedy {
  /** The field named in the error (`phase`, `to`). */
  readonly field: string;
  /** How to ask for `phase` instead (`set phase to 2`, `--to 2`). */
  readonly askFor: (phase: PhaseNumber) => string;
  /** How to allow the skip on purpose (`set allowPhaseSkip to true`). */
  readonly allowSkip: string;
}

/**
 * Refuses a step of more than one phase, up or down: one phase at a time is what the promotion plan reviews and
 * what the transition tests prove safe. `from` undefined (nothing deployed yet) allows any phase.
 */
export function checkPhaseStep(from: PhaseNumber | undefined, to: PhaseNumber, remedy: StepRemedy): void {
  if (from === undefined) return;
  const distance = Math.abs(to - from);
  if (distance <= 1) return;
  const next = (to > from ? from + 1 : from - 1) as PhaseNumber;
  throw new ValidationError(
    remedy.field,
    `${to} is ${distance} phases from the deployed phase ${from}; ${to > from ? 'promote' : 'roll back'} one phase at a time (${remedy.askFor(next)}), or ${remedy.allowSkip}`,
  );
}

/**
 * The phase whose data exists once an environment runs `phase`: the highest it has ever run, because no step
 * deletes data (a rollback keeps the stores, topics and event store of the phase it leaves).
 */
export function retainedPhase(phase: PhaseNumber, ...before: ReadonlyArray<PhaseNumber | undefined>): PhaseNumber {
  return Math.max(phase, ...before.filter((p): p is PhaseNumber => p !== undefined)) as PhaseNumber;
}

/**
 * The phases to deploy, in order, one per step: from `deployed` (undefined: nothing deployed yet, so phase 0
 * first) to `target`. Already at the target: the target once more, which applies whatever changed in the model
 * since and otherwise changes nothing.
 */
export function promotionPath(deployed: PhaseNumber | undefined, target: PhaseNumber): PhaseNumber[] {
  const from = deployed ?? -1;
  if (from === target) return [target];
  const step = target > from ? 1 : -1;
  const phases: PhaseNumber[] = [];
  for (let p = from + step; p !== target + step; p += step) phases.push(p as PhaseNumber);
  return phases;
}
