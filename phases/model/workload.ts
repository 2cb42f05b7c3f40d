import { Static, Type } from '@sinclair/typebox';
import { ImageRef } from './image-ref';
import { DnsLabel } from './names';

/** Kubernetes CPU quantity in millicores or cores (`250m`, `1`). */
const CpuQuantity = Type.String({ pattern: '^([0-9]+m|[0-9]+(\\.[0-9]+)?)$', description: 'a CPU quantity such as 250m or 1' });
/** Kubernetes memory quantity in binary units (`256Mi`, `1Gi`). */
const MemoryQuantity = Type.String({ pattern: '^[0-9]+(Mi|Gi)$', description: 'a memory quantity such as 256Mi or 1Gi' });

export const ResourceAmount = Type.Object({ cpu: CpuQuantity, memory: MemoryQuantity }, { additionalProperties: false });
export type ResourceAmount = Static<typeof ResourceAmount>;

export const ResourceRequirements = Type.Object(
  { requests: ResourceAmount, limits: ResourceAmount },
  { additionalProperties: false },
);
export type ResourceRequirements = Static<typeof ResourceRequirements>;

/** Horizontal autoscaling from the workload's `replicas` up to `maxReplicas`, aiming at a CPU utilisation. */
export const AutoscalingSpec = Type.Object(
  {
    /** Bounded to catch a typo (100,000 replicas), not to size: raise it when a real service needs more. */
    maxReplicas: Type.Integer({ minimum: 1, maximum: 200 }),
    targetCpuUtilizationPercent: Type.Integer({ minimum: 1, maximum: 100 }),
  },
  { additionalProperties: false },
);
export type AutoscalingSpec = Static<typeof AutoscalingSpec>;

/** One deployable HTTP workload: a context's service, the monolith, the frontend or a platform component. */
export const WorkloadSpec = Type.Object(
  {
    /** Kubernetes name of the Deployment, Service and ServiceAccount; stable across phases. */
    name: DnsLabel,
    /** What the workload is, in a few words, for README tables and diagrams. */
    description: Type.String({ minLength: 1 }),
    image: ImageRef,
    /** The container's HTTP port; probes use /health and /ready on it. */
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    /** Replicas at rest: the autoscaler's floor. */
    replicas: Type.Integer({ minimum: 1, maximum: 100 }),
    resources: ResourceRequirements,
    autoscaling: AutoscalingSpec,
  },
  { additionalProperties: false },
);
export type WorkloadSpec = Static<typeof WorkloadSpec>;
