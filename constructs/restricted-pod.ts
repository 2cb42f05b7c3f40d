import * as kplus from 'cdk8s-plus-28';
import { ResourceRequirements } from '../phases/model/workload';
import { ValidationError } from '../core/validation-error';
import { cpuMillis, memoryMebibytes } from './quantities';

/**
 * Pieces shared by the constructs that write pod templates by hand (Jobs, StatefulSets, operator overrides): the
 * restricted Pod Security Standard's security contexts and checked resource requirements.
 */

/** A non-root user and group that an image's process runs as. */
export interface PodIdentity {
  readonly user: number;
  readonly group: number;
}

/** The restricted Pod Security Standard for a pod whose process runs as `identity`. */
export function restrictedPodSecurityContext(identity: PodIdentity): kplus.k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: identity.user,
    runAsGroup: identity.group,
    // Volumes (PVCs, emptyDirs) become writable by the pod's group.
    fsGroup: identity.group,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** The restricted Pod Security Standard for a container whose process runs as `identity`. */
export function restrictedContainerSecurityContext(identity: PodIdentity): kplus.k8s.SecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: identity.user,
    runAsGroup: identity.group,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    privileged: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Refuses malformed quantities and limits below requests, naming `field` (e.g. `resources`). */
export function checkResources(field: string, resources: ResourceRequirements): void {
  const { requests, limits } = resources;
  if (cpuMillis(`${field}.limits.cpu`, limits.cpu) < cpuMillis(`${field}.requests.cpu`, requests.cpu)) {
    throw new ValidationError(`${field}.limits.cpu`, `${limits.cpu} is below the request ${requests.cpu}`);
  }
  if (memoryMebibytes(`${field}.limits.memory`, limits.memory) < memoryMebibytes(`${field}.requests.memory`, requests.memory)) {
    throw new ValidationError(`${field}.limits.memory`, `${limits.memory} is below the request ${requests.memory}`);
  }
}

/** Checked requirements as plain quantity strings, for objects written without cdk8s-plus. */
export function resourceQuantities(resources: ResourceRequirements): {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
} {
  return {
    requests: { cpu: resources.requests.cpu, memory: resources.requests.memory },
    limits: { cpu: resources.limits.cpu, memory: resources.limits.memory },
  };
}

/** Checked requirements as the Kubernetes API's typed quantities. */
export function kubeResources(resources: ResourceRequirements): kplus.k8s.ResourceRequirements {
  const quantity = kplus.k8s.Quantity.fromString;
  return {
    requests: { cpu: quantity(resources.requests.cpu), memory: quantity(resources.requests.memory) },
    limits: { cpu: quantity(resources.limits.cpu), memory: quantity(resources.limits.memory) },
  };
}
