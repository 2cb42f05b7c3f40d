import { Static, Type } from '@sinclair/typebox';
import { AuthDataSplitScripts } from './auth-data-split';
import { BoundedContextSpec } from './bounded-context';
import { DataStoreSpec } from './data-store';
import { EdgeAuthenticationSpec } from './edge-authentication';
import { EndpointSpec, UnlistedPathsSpec } from './endpoint';
import { FeatureFlagSpec } from './feature-flag';
import { DnsLabel } from './names';
import { ServiceObjectives } from './objectives';
import { SagaDefinition } from './saga';
import { PhaseSpec } from './phase-spec';
import { WorkloadSpec } from './workload';

/** The monolith as it runs today: FastAPI backend, Next.js frontend, PostgreSQL and Redis. */
export const MonolithSpec = Type.Object(
  {
    backend: WorkloadSpec,
    /** The Next.js frontend outlives the monolith's backend: it is the product's UI in every phase. */
    frontend: WorkloadSpec,
    /** The shared PostgreSQL database. */
    database: DataStoreSpec,
    /** The shared Redis cache. */
    cache: DataStoreSpec,
  },
  { additionalProperties: false },
);
export type MonolithSpec = Static<typeof MonolithSpec>;

/** Platform workloads that are not a bounded context's service. */
export const PlatformWorkloads = Type.Object(
  {
    gateway: WorkloadSpec,
    sagaOrchestrator: WorkloadSpec,
    configServer: WorkloadSpec,
  },
  { additionalProperties: false },
);
export type PlatformWorkloads = Static<typeof PlatformWorkloads>;

/** Everything the migration knows about Career Copilot. Loaded and validated by `loadPlatformModel`. */
export const PlatformModel = Type.Object(
  {
    /** Product name, used as the `app.kubernetes.io/part-of` label. */
    product: DnsLabel,
    /** Namespace the workloads run in. */
    namespace: DnsLabel,
    monolith: MonolithSpec,
    platform: PlatformWorkloads,
    /** The event store's PostgreSQL (the seed's `events` table); a data store like any other. */
    eventStore: DataStoreSpec,
    objectives: ServiceObjectives,
    featureFlags: Type.Array(FeatureFlagSpec),
    /** Distributed transactions the saga orchestrator runs. */
    sagas: Type.Array(SagaDefinition),
    contexts: Type.Array(BoundedContextSpec, { minItems: 1 }),
    endpoints: Type.Array(EndpointSpec, { minItems: 1 }),
    unlistedPaths: UnlistedPathsSpec,
    /**
     * How the gateway (and, in the mesh, its sidecar) checks the callers of protected endpoints. Its context owns
     * authentication: the phases that extract it split its data out of the monolith's database.
     */
    edgeAuthentication: EdgeAuthenticationSpec,
    /** The SQL of the split of the auth context's data out of the monolith's database (phases with the auth service and the monolith). */
    authDataSplit: AuthDataSplitScripts,
    /**
     * The context that reads every other context's data product once phases publish them (`platform.dataProducts`):
     * the seed's self-serve analytics.
     */
    dataProductConsumer: DnsLabel,
    phases: Type.Array(PhaseSpec, { minItems: 5, maxItems: 5 }),
  },
  { additionalProperties: false },
);
export type PlatformModel = Static<typeof PlatformModel>;
