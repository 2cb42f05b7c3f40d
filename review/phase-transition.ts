import { EnvironmentOptions } from '../synthesis/phase-chart';
import { synthesizePhase } from '../synthesis/synthesize';
import { Manifest } from '../core/manifest';
import { PhaseNumber } from '../phases/model/phase-spec';
import { PlatformModel } from '../phases/model/platform-model';
import { PhasePlan } from '../phases/phase-plan';
import { checkPhaseStep, parsePhase, retainedPhase } from '../phases/phase-step';
import { PhaseSelection, selectPhase } from '../phases/select-phase';
import { diffManifests, ManifestDiff } from './manifest-diff';

/** One side of a step: the resolved phase and the objects it deploys. */
export interface PhaseState {
  readonly plan: PhasePlan;
  readonly manifests: readonly Manifest[];
}

/** A promotion or rollback, built offline from the model: both sides, their difference, and phase 0 for cost. */
export interface PhaseTransition {
  readonly from: PhaseNumber;
  readonly to: PhaseNumber;
  readonly direction: 'promotion' | 'rollback' | 'none';
  /** The phase whose data exists after the step (see `TransitionOptions.highestPhase`). */
  readonly retainDataOfPhase: PhaseNumber;
  readonly before: PhaseState;
  readonly after: PhaseState;
  /** Phase 0 in the same environment: the monolith's baseline that the cost objective compares with. */
  readonly baseline: PhaseState;
  readonly diff: ManifestDiff;
  /** The environment both phases are synthesized for (`TransitionOptions.environment`). */
  readonly environment: EnvironmentOptions;
}

/** Options of `planTransition`. */
export interface TransitionOptions {
  /** The product's model, validated (`careerCopilot()` for Career Copilot). */
  readonly model: PlatformModel;
  /** @default - the model's sizes, the flags' phase values, data in the cluster */
  readonly environment?: EnvironmentOptions;
  /** What the stack chooses about every phase (routes sent back to the monolith, images). @default - nothing */
  readonly selection?: PhaseSelection;
  /**
   * The highest phase the environment has run before this step. The data of the highest of it, `from` and `to`
   * stays after the step, as the stack does (`highestPhase`).
   * @default - `from`: the environment has never been past where it is
   */
  readonly highestPhase?: PhaseNumber;
  /** Allow a step of more than one phase, which the stack also refuses unless `allowPhaseSkip`. @default false */
  readonly allowSkip?: boolean;
}

function state(model: PlatformModel, phase: PhaseNumber, retainDataOfPhase: PhaseNumber, options: TransitionOptions): PhaseState {
  const plan = selectPhase(model, phase, { ...options.selection, retainDataOfPhase });
  return { plan, manifests: synthesizePhase(plan, options.environment ?? {}) };
}

/**
 * Builds the step `from` -> `to` as the stack would deploy it. Refuses a step of more than one phase unless
 * `allowSkip`, in the stack's words (phases/phase-step.ts).
 */
export function planTransition(from: PhaseNumber, to: PhaseNumber, options: TransitionOptions): PhaseTransition {
  parsePhase('from', from);
  parsePhase('to', to);
  if (!options.allowSkip) checkPhaseStep(from, to, { field: 'to', askFor: (next) => `--to ${next}`, allowSkip: 'pass --allow-skip to review the skip on purpose' });
  const { model } = options;
  const highest = retainedPhase(from, options.highestPhase);
  const retainDataOfPhase = retainedPhase(to, highest);
  const before = state(model, from, highest, options);
  const after = state(model, to, retainDataOfPhase, options);
  const baseline = from === 0 && highest === 0 ? before : state(model, 0, 0, options);
  return {
    from,
    to,
    direction: to > from ? 'promotion' : to < from ? 'rollback' : 'none',
    retainDataOfPhase,
    before,
    after,
    baseline,
    diff: diffManifests(before.manifests, after.manifests),
    environment: options.environment ?? {},
  };
}
