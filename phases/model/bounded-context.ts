import { Static, Type } from '@sinclair/typebox';
import { DataStoreSpec } from './data-store';
import { MonolithTableSpec } from './monolith-table';
import { DnsLabel, EventName } from './names';
import { WorkloadSpec } from './workload';

/** A domain event a context publishes, with the retention of its Kafka topic. */
export const DomainEventSpec = Type.Object(
  {
    name: EventName,
    /** Kafka partitions of the event's topic. */
    partitions: Type.Integer({ minimum: 1, maximum: 1000 }),
    /** How long the topic keeps the event, in hours. */
    /** At most a year (8,760 hours): longer history belongs in the event store, not in a topic. */
    retentionHours: Type.Integer({ minimum: 1, maximum: 8760 }),
  },
  { additionalProperties: false },
);
export type DomainEventSpec = Static<typeof DomainEventSpec>;

/** A bounded context of the seed's domain-driven design: its model, its data, its events, its neighbours. */
export const BoundedContextSpec = Type.Object(
  {
    /** Short name; the service is `<name>-service` unless the service says otherwise. */
    name: DnsLabel,
    /** The seed's name for the context ("User Management"). */
    title: Type.String({ minLength: 1 }),
    entities: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    valueObjects: Type.Array(Type.String({ minLength: 1 })),
    /** The microservice that owns the context once extracted. */
    service: WorkloadSpec,
    /** The context's own database (database per service). */
    dataStore: DataStoreSpec,
    /**
     * The monolith's tables whose data the context owns: they move into `dataStore` (a PostgreSQL store) when its
     * service is extracted, and its routes leave the monolith only once the move is verified. Empty for a context
     * that takes no data from the monolith (say why beside it).
     */
    monolithTables: Type.Array(MonolithTableSpec),
    /** Domain events this context publishes; each becomes a topic on the event bus. */
    publishes: Type.Array(DomainEventSpec),
    /** Events of other contexts this context reacts to. */
    consumes: Type.Array(EventName),
    /** Upstream contexts this context calls synchronously; must form no cycle. */
    dependsOn: Type.Array(DnsLabel),
  },
  { additionalProperties: false },
);
export type BoundedContextSpec = Static<typeof BoundedContextSpec>;
