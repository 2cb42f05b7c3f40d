import * as pulumi from '@pulumi/pulumi';
import { PhaseNumber, isPhaseNumber } from '../phases/model/phase-spec';
import { ValidationError } from '../phases/model/validation-error';

/** What the stack deployed last, read back from its own outputs. */
export interface DeploymentHistory {
  /** The phase of the last `pulumi up`; undefined before the first. */
  readonly lastPhase?: PhaseNumber;
  /** The highest phase ever deployed: its data stores and topics stay, even after a rollback. */
  readonly highestPhase?: PhaseNumber;
}

/** Reads the stack's own last outputs through a StackReference to itself. */
export async function readDeploymentHistory(): Promise<DeploymentHistory> {
  const self = new pulumi.StackReference('deployment-history', {
    name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`,
  });
  const [last, highest] = await Promise.all([self.getOutputValue('phase'), self.getOutputValue('highestPhase')]);
  return { lastPhase: isPhaseNumber(last) ? last : undefined, highestPhase: isPhaseNumber(highest) ? highest : undefined };
}

/**
 * Refuses a step of more than one phase (up or down) from the last deployed phase, unless `allowPhaseSkip`.
 * One phase at a time is what the promotion plan reviews and what the transition tests prove safe.
 */
export function checkPhaseStep(history: DeploymentHistory, phase: PhaseNumber, allowPhaseSkip: boolean): void {
  const last = history.lastPhase;
  if (last === undefined || allowPhaseSkip || Math.abs(phase - last) <= 1) return;
  const next = phase > last ? last + 1 : last - 1;
  throw new ValidationError(
    'phase',
    `${phase} is ${Math.abs(phase - last)} phases from the deployed phase ${last}; ${phase > last ? 'promote' : 'roll back'} one phase at a time (set phase to ${next}), or set allowPhaseSkip to true`,
  );
}
