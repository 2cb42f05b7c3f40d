import * as pulumi from '@pulumi/pulumi';
import { PhaseNumber, PHASES } from '../phases/model/phase-spec';
import { notOneOf, ValidationError } from '../phases/model/validation-error';

/** The stack's configuration, validated. Every key is declared in Pulumi.yaml. */
export interface StackConfig {
  readonly phase: PhaseNumber;
  /** Kubeconfig of the target cluster, kept secret (it holds credentials). @default - the ambient kubeconfig */
  readonly kubeconfig?: pulumi.Output<string>;
}

/** Reads and validates the stack's config; errors name the key. */
export function readStackConfig(config: pulumi.Config): StackConfig {
  const rawPhase = config.get('phase') ?? '0';
  const phase = /^-?[0-9]+$/.test(rawPhase) ? Number(rawPhase) : rawPhase;
  if (!(PHASES as readonly unknown[]).includes(phase)) throw new ValidationError('phase', notOneOf(phase, PHASES));
  const kubeconfig = config.get('kubeconfig') ? config.requireSecret('kubeconfig') : undefined;
  return { phase: phase as PhaseNumber, kubeconfig };
}
