import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { Manifest } from '../core/manifest';

/**
 * The field manager of the handover patches, as it appears in the Deployments' managedFields: a reader of
 * `kubectl get deployment -o yaml --show-managed-fields` sees who set the replicas.
 */
export const HANDOVER_FIELD_MANAGER = 'career-copilot-rollout-handover';

/** A Deployment that a phase deployed through an Argo Rollout and this phase runs by itself. */
export interface RolloutHandover {
  readonly namespace: string;
  readonly deployment: string;
  /** The replicas to restore: the floor of its autoscaler in this phase, or its fixed replicas. */
  readonly replicas: number;
}

/**
 * The handovers a step needs. In a phase with Argo Rollouts (4), each Rollout references its service's Deployment
 * (`workloadRef`) and Argo Rollouts scales that Deployment to 0 once the Rollout is healthy. Going back to a
 * phase without the Rollout, the Deployment would stay at 0: the Rollout is deleted, and an autoscaler does not
 * scale up from 0. So every Deployment that `progressiveBefore` released through a Rollout and `manifests` run
 * without one gets its replicas back.
 *
 * `progressiveBefore` is what the highest phase the stack reached released progressively: the patch is kept in
 * every later step while the service exists (unchanged, so nothing is applied again), and goes, retained, when the
 * stack is promoted back to the Rollouts.
 */
export function rolloutHandovers(manifests: readonly Manifest[], progressiveBefore: ReadonlySet<string>): RolloutHandover[] {
  const documents = manifests.map((m) => m.document as Manifest['document'] & { spec?: Record<string, any> }); // eslint-disable-line @typescript-eslint/no-explicit-any
  const rolloutTargets = new Set(documents.filter((d) => d.kind === 'Rollout').map((d) => d.spec?.workloadRef?.name as string));
  return documents
    .filter((d) => d.kind === 'Deployment' && progressiveBefore.has(d.metadata.name) && !rolloutTargets.has(d.metadata.name))
    .map((deployment) => {
      const autoscaler = documents.find((d) => d.kind === 'HorizontalPodAutoscaler' && d.spec?.scaleTargetRef?.kind === 'Deployment' && d.spec.scaleTargetRef.name === deployment.metadata.name);
      const replicas = autoscaler?.spec?.minReplicas ?? deployment.spec?.replicas ?? 1;
      return { namespace: deployment.metadata.namespace ?? 'default', deployment: deployment.metadata.name, replicas };
    });
}

/**
 * Registers one handover: a server-side-apply patch of the Deployment's `spec.replicas`, forced (the field
 * belongs to Argo Rollouts' last update), which the provider awaits until the pods are ready. The engine deletes
 * what left the program only after every create and update, so the Rollout goes after its Deployment is back.
 * Retained on delete: removing the patch leaves the replicas as they are (the autoscaler's from then on).
 */
export function registerRolloutHandover(handover: RolloutHandover, opts: pulumi.CustomResourceOptions, skipAwait: boolean): k8s.apps.v1.DeploymentPatch {
  return new k8s.apps.v1.DeploymentPatch(
    `rollout-handover:${handover.namespace}/${handover.deployment}`,
    {
      metadata: {
        name: handover.deployment,
        namespace: handover.namespace,
        annotations: {
          'pulumi.com/patchForce': 'true',
          'pulumi.com/patchFieldManager': HANDOVER_FIELD_MANAGER,
          ...(skipAwait ? { 'pulumi.com/skipAwait': 'true' } : {}),
        },
      },
      spec: { replicas: handover.replicas },
    },
    { ...opts, retainOnDelete: true },
  );
}
