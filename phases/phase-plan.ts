import { AuthDataSplitScripts } from './model/auth-data-split';
import { DataStoreSpec } from './model/data-store';
import { HTTP_METHODS, RouteStatus } from './model/endpoint';
import { MonolithTableSpec } from './model/monolith-table';
import { ServiceObjectives } from './model/objectives';
import { SagaDefinition } from './model/saga';
import { PhaseNumber, PhaseSpec, PlatformComponents, ReleaseStrategy } from './model/phase-spec';
import { WorkloadSpec } from './model/workload';

/** What a workload is in the platform; becomes the `app.kubernetes.io/component` label. */
export const WORKLOAD_ROLES = ['monolith', 'frontend', 'gateway', 'context-service', 'saga-orchestrator', 'config-server'] as const;
export type WorkloadRole = (typeof WORKLOAD_ROLES)[number];

/** A workload that a phase deploys, with everything a construct needs to build it. */
export interface WorkloadPlan {
  readonly role: WorkloadRole;
  /** The bounded context a context service owns. */
  readonly context?: string;
  readonly spec: WorkloadSpec;
  readonly release: ReleaseStrategy;
  /** Data stores the workload reads and writes; credentials come from their Secrets. */
  readonly dataStores: readonly DataStoreSpec[];
  /** Names of the workloads it calls synchronously (the context map's dependencies). */
  readonly calls: readonly string[];
  /** Whether the workload also writes to the monolith's database while its context's data moves. */
  readonly dualWrite: boolean;
  /** The store whose read replica serves the workload's queries (a CQRS read model). @default - none */
  readonly readModel?: DataStoreSpec;
}

/** Where the gateway sends one endpoint in this phase. */
export interface RoutePlan {
  readonly path: string;
  readonly methods: ReadonlyArray<(typeof HTTP_METHODS)[number]>;
  readonly context: string;
  readonly status: RouteStatus;
  /** The context's service (for `hybrid` and `migrated`). */
  readonly service: string;
  /** The monolith's backend (for `monolith` and `hybrid`). */
  readonly monolith: string;
  readonly rateLimitPerMinute: number;
  /** Largest request body the gateway passes on. */
  readonly maxRequestBodyKilobytes: number;
  /** True when a stack override sent the route back to the monolith. */
  readonly overridden: boolean;
  /** Whether callers reach it without a verified token. */
  readonly public: boolean;
}

/** How the gateway verifies the tokens of protected routes in this phase. */
export interface EdgeAuthenticationPlan {
  /** The backend that verifies: the auth context's service once the phase deploys it, the monolith before. */
  readonly upstream: string;
  /** The monolith, which verifies when the auth service cannot, while it runs. */
  readonly fallback?: string;
  readonly verifyPath: string;
  /** Seconds a verified token's answer is reused. */
  readonly cacheSeconds: number;
  /** The tokens' issuer and the public endpoint of its signing keys, for the mesh's JWT validation. */
  readonly issuer: string;
  readonly jwksPath: string;
}

/** Paths no endpoint lists, while the monolith owns them. */
export interface UnlistedRoutePlan {
  /** The monolith's backend. */
  readonly upstream: string;
  readonly rateLimitPerMinute: number;
  readonly maxRequestBodyKilobytes: number;
}

/** A Kafka topic: one per domain event of a context the phase deploys. */
export interface TopicPlan {
  readonly event: string;
  readonly context: string;
  readonly partitions: number;
  readonly retentionHours: number;
  /** A data product: compacted, keeping each key's latest state. */
  readonly compacted: boolean;
}

/** What one workload may write to and read from the event bus. */
export interface EventClientPlan {
  readonly service: string;
  /** The context whose topics the service may write; none for platform workloads. */
  readonly context?: string;
  readonly produces: readonly string[];
  readonly consumes: readonly string[];
}

/** A feature flag's value in this phase, before any environment override. */
export interface FeatureFlagPlan {
  readonly name: string;
  readonly description: string;
  readonly enabled: boolean;
}

/**
 * One phase, resolved from the platform model: the flat list of what to deploy. Constructs build
 * Kubernetes objects from it; nothing downstream reads the raw model's per-phase columns again.
 */
export interface PhasePlan {
  readonly product: string;
  readonly namespace: string;
  readonly phase: PhaseNumber;
  readonly spec: PhaseSpec;
  readonly platform: PlatformComponents;
  readonly workloads: readonly WorkloadPlan[];
  readonly routes: readonly RoutePlan[];
  /** Where the gateway sends paths no route lists: the monolith while it runs; without it they get 404. */
  readonly unlistedRoute?: UnlistedRoutePlan;
  /** The gateway's token check, when the phase has a gateway. */
  readonly edgeAuthentication?: EdgeAuthenticationPlan;
  readonly dataStores: readonly DataStoreSpec[];
  readonly objectives: ServiceObjectives;
  readonly featureFlags: readonly FeatureFlagPlan[];
  /** Sagas the orchestrator runs in this phase; empty without it. */
  readonly sagas: readonly SagaDefinition[];
  /** Whether the Kafka cluster exists (in this phase, or kept from a later phase the environment ran). */
  readonly eventBus: boolean;
  /** Topics, and the clients of this phase's workloads; empty without the event bus. */
  readonly topics: readonly TopicPlan[];
  readonly eventClients: readonly EventClientPlan[];
  /** The event store's database, when the phase runs it. */
  readonly eventStore?: DataStoreSpec;
  /** The shared monolith database and auth store, when the phase splits auth data out of the monolith. */
  readonly authDataSplit?: {
    readonly monolith: DataStoreSpec;
    readonly auth: DataStoreSpec;
    readonly scripts: AuthDataSplitScripts;
    /** The auth context's routes in the phase, as `path=status`: the split runs again when they change (DataMovePlan.gates). */
    readonly gates: readonly string[];
  };
  /** The contexts whose monolith tables move into their stores in this phase (while the monolith and they run). */
  readonly dataMoves: readonly DataMovePlan[];
}

/**
 * A context's data move: its tables, from the monolith's database into its own store. It runs in every phase where
 * the monolith and the context's service both run (a catch-up after the first), before any route or writer changes.
 */
export interface DataMovePlan {
  readonly context: string;
  readonly service: string;
  readonly monolith: DataStoreSpec;
  readonly store: DataStoreSpec;
  readonly tables: readonly MonolithTableSpec[];
  /**
   * The context's routes in the phase, as `path=status`: what waits for the move. The move runs again when they
   * change, so a route becomes migrated only after a move verified at that step.
   */
  readonly gates: readonly string[];
}

/**
 * The stores whose superuser a step of the phase needs: the monolith's database while the auth split or a data
 * move runs (their compatibility views use postgres_fdw, which is not a trusted extension). Every other store is
 * reached by its own role only.
 */
export function superuserStores(plan: Pick<PhasePlan, 'authDataSplit' | 'dataMoves'>): string[] {
  return [...new Set([...(plan.authDataSplit ? [plan.authDataSplit.monolith.name] : []), ...plan.dataMoves.map((m) => m.monolith.name)])];
}
