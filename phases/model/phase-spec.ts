import { Static, Type } from '@sinclair/typebox';
import { DnsLabel } from './names';
import { StringEnum } from './string-enum';

/** The five phases: 0 is today's monolith, 4 the seed's end state. */
export const PHASES = [0, 1, 2, 3, 4] as const;
export type PhaseNumber = (typeof PHASES)[number];

export function isPhaseNumber(value: unknown): value is PhaseNumber {
  return typeof value === 'number' && (PHASES as readonly number[]).includes(value);
}

/** How a service's new versions reach users. */
export const RELEASE_STRATEGIES = ['rolling', 'blue-green', 'canary'] as const;
export type ReleaseStrategy = (typeof RELEASE_STRATEGIES)[number];

/** Platform building blocks that a phase switches on; each exists in a phase only when its flag is true. */
export const PlatformComponents = Type.Object(
  {
    /** The strangler-fig API gateway in front of the monolith and the services. */
    gateway: Type.Boolean(),
    /** Kafka, with a topic per domain event. */
    eventBus: Type.Boolean(),
    /** The append-only events table for event sourcing. */
    eventStore: Type.Boolean(),
    /** The saga orchestrator for distributed transactions. */
    sagaOrchestrator: Type.Boolean(),
    /** Istio: mTLS, authorization, retries, timeouts, outlier detection. */
    mesh: Type.Boolean(),
    /** The config server that serves configuration and feature flags. */
    configServer: Type.Boolean(),
    /**
     * The seed's data mesh: each context publishes its current state as a data product (a compacted topic) that
     * analytics reads, instead of reading other contexts' databases. Needs the event bus.
     */
    dataProducts: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type PlatformComponents = Static<typeof PlatformComponents>;

/** What exists in one phase. Declarative: no code decides anything per phase. */
export const PhaseSpec = Type.Object(
  {
    phase: Type.Integer(),
    /** Short title (`strangler-fig`), used in README tables and diagrams, never in object names. */
    title: Type.String({ minLength: 1 }),
    summary: Type.String({ minLength: 1 }),
    /** Whether the monolith's backend still runs. Phase 4 retires it. */
    monolith: Type.Boolean(),
    /** Bounded contexts whose service is deployed. */
    services: Type.Array(DnsLabel),
    /** Data stores that exist, by name; a data store, once present, stays in every later phase. */
    dataStores: Type.Array(DnsLabel),
    platform: PlatformComponents,
    /** Contexts whose service writes to both its own store and the monolith's while data moves. */
    dualWrite: Type.Array(DnsLabel),
    /**
     * Contexts that keep a CQRS read model: their service gets a read-only URL of its store's streaming replica
     * (`<STORE>_READ_URL`) for its queries. Each names a PostgreSQL store with a read replica.
     */
    readModels: Type.Array(DnsLabel),
    /** Release strategy per context service; a service not named here rolls. */
    releases: Type.Record(Type.String(), StringEnum(RELEASE_STRATEGIES)),
  },
  { additionalProperties: false },
);
export type PhaseSpec = Static<typeof PhaseSpec>;
