import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { KubernetesObject } from '../core/manifest';

// `never`: each class takes its own typed args; the object is passed through as the provider expects it.
type ResourceConstructor = new (name: string, args: never, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource;

/**
 * The typed @pulumi/kubernetes class for each built-in kind we emit, so that every object is registered with
 * its real type token (`kubernetes:apps/v1:Deployment`) and gets the provider's kind-aware diff. Custom
 * resources (CRDs) fall back to `CustomResource`.
 */
const BUILT_IN: Record<string, ResourceConstructor> = {
  'v1/Namespace': k8s.core.v1.Namespace,
  'v1/ConfigMap': k8s.core.v1.ConfigMap,
  'v1/Secret': k8s.core.v1.Secret,
  'v1/Service': k8s.core.v1.Service,
  'v1/ServiceAccount': k8s.core.v1.ServiceAccount,
  'v1/PersistentVolumeClaim': k8s.core.v1.PersistentVolumeClaim,
  'apps/v1/Deployment': k8s.apps.v1.Deployment,
  'apps/v1/StatefulSet': k8s.apps.v1.StatefulSet,
  'batch/v1/Job': k8s.batch.v1.Job,
  'policy/v1/PodDisruptionBudget': k8s.policy.v1.PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': k8s.autoscaling.v2.HorizontalPodAutoscaler,
  'networking.k8s.io/v1/NetworkPolicy': k8s.networking.v1.NetworkPolicy,
  'rbac.authorization.k8s.io/v1/Role': k8s.rbac.v1.Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': k8s.rbac.v1.RoleBinding,
};

/** Logical name of an object: kind and name, never the phase, so the URN is the same in every phase. */
export function logicalName(object: KubernetesObject): string {
  const namespace = object.metadata.namespace ? `${object.metadata.namespace}/` : '';
  return `${object.kind.toLowerCase()}:${namespace}${object.metadata.name}`;
}

/** Options of `kubernetesResource`. */
export interface KubernetesResourceOptions {
  /**
   * Tell the provider not to wait for readiness (`pulumi.com/skipAwait`), for API servers without kubelets.
   * @default false
   */
  readonly skipAwait?: boolean;
}

/** Registers one synthesized object as a Pulumi resource of its own type. */
export function kubernetesResource(object: KubernetesObject, opts: pulumi.CustomResourceOptions, options: KubernetesResourceOptions = {}): pulumi.CustomResource {
  const args = options.skipAwait
    ? { ...object, metadata: { ...object.metadata, annotations: { ...((object.metadata.annotations as Record<string, string>) ?? {}), 'pulumi.com/skipAwait': 'true' } } }
    : object;
  const Resource = BUILT_IN[`${object.apiVersion}/${object.kind}`];
  if (Resource) return new Resource(logicalName(object), args as never, opts);
  return new k8s.apiextensions.CustomResource(logicalName(object), args as k8s.apiextensions.CustomResourceArgs, opts);
}
