import { KubernetesObject, Manifest } from '../core/manifest';
import { PhasePlan } from '../phases/phase-plan';

/** One rate limit as a client meets it: per gateway replica, and across the replicas the phase may run. */
export interface EffectiveRateLimit {
  /** An endpoint path, or `unlisted paths`. */
  readonly path: string;
  readonly perReplicaPerMinute: number;
  /** With the fewest and the most gateway replicas: NGINX counts per replica, and clients are spread over all. */
  readonly clusterMinPerMinute: number;
  readonly clusterMaxPerMinute: number;
}

/** What the gateway of a phase does with paths and limits, for a reviewer. */
export interface GatewayLimits {
  readonly gateway: string;
  readonly replicas: { readonly min: number; readonly max: number };
  /** Where unlisted paths go: the monolith's name, or undefined for a JSON 404. */
  readonly unlistedTo?: string;
  readonly limits: readonly EffectiveRateLimit[];
  /** Who checks the tokens of protected routes, and which routes need none. */
  readonly authentication: {
    readonly verifier: string;
    /** The monolith, when it verifies while the verifier cannot. */
    readonly fallback?: string;
    readonly cacheSeconds: number;
    readonly protectedPaths: readonly string[];
    readonly publicPaths: readonly string[];
    /** The mesh's edge validates the JWT too (phase 4): the issuer it accepts. */
    readonly meshIssuer?: string;
  };
}

interface ScaledSpec {
  readonly replicas?: number;
  readonly minReplicas?: number;
  readonly maxReplicas?: number;
}

/**
 * The gateway's effective rate limits in a phase, read from the manifests the step deploys (so a stack's replica
 * override counts): its autoscaler's range, or its Deployment's replicas. Undefined when the phase has no gateway.
 */
export function gatewayLimits(plan: PhasePlan, manifests: readonly Manifest[]): GatewayLimits | undefined {
  const gateway = plan.workloads.find((w) => w.role === 'gateway');
  if (!gateway) return undefined;
  const name = gateway.spec.name;
  const find = (kind: string): KubernetesObject | undefined => manifests.find((m) => m.document.kind === kind && m.document.metadata.name === name)?.document;
  const autoscaler = find('HorizontalPodAutoscaler')?.spec as ScaledSpec | undefined;
  const deployment = find('Deployment')?.spec as ScaledSpec | undefined;
  const min = autoscaler?.minReplicas ?? deployment?.replicas ?? 1;
  const max = autoscaler?.maxReplicas ?? min;
  const limit = (path: string, perReplicaPerMinute: number) => ({ path, perReplicaPerMinute, clusterMinPerMinute: perReplicaPerMinute * min, clusterMaxPerMinute: perReplicaPerMinute * max });
  return {
    gateway: name,
    replicas: { min, max },
    unlistedTo: plan.unlistedRoute?.upstream,
    authentication: {
      verifier: plan.edgeAuthentication!.upstream,
      fallback: plan.edgeAuthentication!.fallback,
      cacheSeconds: plan.edgeAuthentication!.cacheSeconds,
      protectedPaths: plan.routes.filter((r) => !r.public).map((r) => r.path),
      publicPaths: plan.routes.filter((r) => r.public).map((r) => r.path),
      meshIssuer: plan.platform.mesh ? plan.edgeAuthentication!.issuer : undefined,
    },
    limits: [
      ...plan.routes.map((r) => limit(r.path, r.rateLimitPerMinute)),
      ...(plan.unlistedRoute ? [limit('unlisted paths', plan.unlistedRoute.rateLimitPerMinute)] : []),
    ],
  };
}
