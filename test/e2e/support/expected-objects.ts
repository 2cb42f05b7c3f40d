import { connectionSecretName } from '../../../constructs/store-secrets';
import { synthesizePhase } from '../../../synthesis/synthesize';
import { KubernetesObject } from '../../../core/manifest';
import { careerCopilot, PhaseNumber, selectPhase } from '../../../phases';
import { PhasePlan } from '../../../phases/phase-plan';
import { environmentOf, parseStackConfig, phaseSelectionOf } from '../../../stacks/stack-config';
import { ObjectIdentity } from '../../../local/object-key';

/** What a stack at one phase should have on the cluster. */
export interface ExpectedDeployment {
  readonly plan: PhasePlan;
  /** The phase's objects: every one carries the managed-by label. */
  readonly objects: readonly ObjectIdentity[];
  /** The Secrets the stack's GeneratedCredentials add (Pulumi-made, unlabelled). */
  readonly credentialSecrets: readonly ObjectIdentity[];
  /**
   * Names of the volume claims the StatefulSet controller makes from the phase's StatefulSets' claim templates
   * (`<template>-<statefulset>-<ordinal>`): they carry our labels but no owner reference, since the claims are
   * retained (`persistentVolumeClaimRetentionPolicy: Retain`).
   */
  readonly statefulSetClaims: RegExp;
}

interface StatefulSetDocument {
  readonly metadata: { readonly name: string };
  readonly spec?: { readonly volumeClaimTemplates?: ReadonlyArray<{ readonly metadata?: { readonly name?: string } }> };
}

function statefulSetClaims(objects: readonly KubernetesObject[]): RegExp {
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const prefixes = objects
    .filter((o) => o.apiVersion === 'apps/v1' && o.kind === 'StatefulSet')
    .flatMap((o) => {
      const set = o as unknown as StatefulSetDocument;
      return (set.spec?.volumeClaimTemplates ?? []).map((t) => `${escape(t.metadata?.name ?? '')}-${escape(set.metadata.name)}`);
    });
  return prefixes.length > 0 ? new RegExp(`^(${prefixes.join('|')})-[0-9]+$`) : /$^/;
}

/**
 * What the stack should have deployed at `phase`, having run up to `highestPhase`: the phase's objects with the
 * data of the highest phase retained, synthesized with the same environment the stack program derives from its
 * config (stacks/index.ts). `config` is the stack's raw config, as `pulumi config set` stores it.
 */
export function expectedDeployment(config: Record<string, string>, phase: PhaseNumber, highestPhase: PhaseNumber): ExpectedDeployment {
  const values = parseStackConfig({ ...config, phase: String(phase) });
  const environment = environmentOf(values);
  const plan = selectPhase(careerCopilot(), phase, { ...phaseSelectionOf(values), retainDataOfPhase: highestPhase });
  // As stacks/local/generated-credentials.ts: CloudNativePG makes PostgreSQL's secret itself; Redis reads
  // `<store>-app`, the MongoDB operator `<store>-password`.
  const credentialSecrets =
    values.target === 'local'
      ? plan.dataStores
          .filter((store) => store.engine !== 'postgresql')
          .map((store) => ({
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: { name: store.engine === 'redis' ? connectionSecretName(store) : `${store.name}-password`, namespace: plan.namespace },
          }))
      : [];
  const objects = synthesizePhase(plan, environment).map((m) => m.document);
  return { plan, objects, credentialSecrets, statefulSetClaims: statefulSetClaims(objects) };
}
