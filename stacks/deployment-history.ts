import * as pulumi from '@pulumi/pulumi';
import { PhaseNumber, isPhaseNumber } from '../phases/model/phase-spec';
import { ValidationError } from '../phases/model/validation-error';

/** What the stack deployed last, read back from its own outputs. */
export interface DeploymentHistory {
  /** The phase of the last `pulumi up`; undefined before the first. */
  readonly lastPhase?: PhaseNumber;
  /** The highest phase ever deployed: its data stores and topics stay, even after a rollback. */
  readonly highestPhase?: PhaseNumber;
  /** Recorded values that are not phases (a damaged or foreign state): the step cannot be checked. */
  readonly unreadable?: { readonly phase?: unknown; readonly highestPhase?: unknown };
}

/** Reads the stack's own last outputs through a StackReference to itself. */
export async function readDeploymentHistory(): Promise<DeploymentHistory> {
  const self = new pulumi.StackReference('deployment-history', {
    name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`,
  });
  const [last, highest] = await Promise.all([self.getOutputValue('phase'), self.getOutputValue('highestPhase')]);
  const unreadable = {
    ...(last !== undefined && !isPhaseNumber(last) ? { phase: last } : {}),
    ...(highest !== undefined && !isPhaseNumber(highest) ? { highestPhase: highest } : {}),
  };
  return {
    lastPhase: isPhaseNumber(last) ? last : undefined,
    highestPhase: isPhaseNumber(highest) ? highest : undefined,
    ...(Object.keys(unreadable).length > 0 ? { unreadable } : {}),
  };
}

/**
 * Refuses a step of more than one phase (up or down) from the last deployed phase, unless `allowPhaseSkip`.
 * One phase at a time is what the promotion plan reviews and what the transition tests prove safe.
 */
export function checkPhaseStep(history: DeploymentHistory, phase: PhaseNumber, allowPhaseSkip: boolean): void {
  // Fail closed: a history that cannot be read could hide any step, a skip or a rollback past the data's phase.
  if (history.unreadable && !allowPhaseSkip) {
    const shown = Object.entries(history.unreadable).map(([key, value]) => `${key} ${JSON.stringify(value)}`).join(' and ');
    throw new ValidationError('phase', `cannot be checked against the stack's history: its last outputs record ${shown}, which is not a phase 0-4; set allowPhaseSkip to true to deploy phase ${phase} anyway`);
  }
  const last = history.lastPhase;
  if (last === undefined || allowPhaseSkip || Math.abs(phase - last) <= 1) return;
  const next = phase > last ? last + 1 : last - 1;
  throw new ValidationError(
    'phase',
    `${phase} is ${Math.abs(phase - last)} phases from the deployed phase ${last}; ${phase > last ? 'promote' : 'roll back'} one phase at a time (set phase to ${next}), or set allowPhaseSkip to true`,
  );
}
