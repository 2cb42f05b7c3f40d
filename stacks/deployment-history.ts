import * as pulumi from '@pulumi/pulumi';
import { PhaseNumber, isPhaseNumber } from '../phases/model/phase-spec';
import { checkPhaseStep } from '../phases/phase-step';
import { ValidationError } from '../core/validation-error';

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
 * Refuses a step of more than one phase (up or down) from the last deployed phase, unless `allowPhaseSkip`
 * (phases/phase-step.ts), and a history that cannot be read.
 */
export function checkDeployedStep(history: DeploymentHistory, phase: PhaseNumber, allowPhaseSkip: boolean): void {
  if (allowPhaseSkip) return;
  // Fail closed: a history that cannot be read could hide any step, a skip or a rollback past the data's phase.
  if (history.unreadable) {
    const shown = Object.entries(history.unreadable).map(([key, value]) => `${key} ${JSON.stringify(value)}`).join(' and ');
    throw new ValidationError('phase', `cannot be checked against the stack's history: its last outputs record ${shown}, which is not a phase 0-4; set allowPhaseSkip to true to deploy phase ${phase} anyway`);
  }
  checkPhaseStep(history.lastPhase, phase, { field: 'phase', askFor: (next) => `set phase to ${next}`, allowSkip: 'set allowPhaseSkip to true' });
}
