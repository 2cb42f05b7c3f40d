import { Static, Type } from '@sinclair/typebox';
import { DnsLabel } from './names';
import { StringEnum } from './string-enum';

/** Database engines the seed's polyglot persistence uses. */
export const DATA_ENGINES = ['postgresql', 'mongodb', 'redis'] as const;
export type DataEngine = (typeof DATA_ENGINES)[number];

/**
 * A data store: a database server that holds data. Data stores are never deleted by a promotion
 * or a rollback; once a phase has one, every later phase keeps it.
 */
export const DataStoreSpec = Type.Object(
  {
    /** Kubernetes name of the database cluster, e.g. `user-db`. */
    name: DnsLabel,
    engine: StringEnum(DATA_ENGINES),
    /** Logical database inside the server (the seed's `user_service`, `auth_service_db`). */
    database: Type.String({ pattern: '^[a-z_][a-z0-9_]*$', description: 'a lower-case SQL identifier' }),
    /** Persistent volume size per instance, in GiB. */
    storageGi: Type.Integer({ minimum: 1, maximum: 16384 }),
    /** Read replicas beside the primary (CQRS read side, the shared database's replicas). */
    readReplicas: Type.Integer({ minimum: 0, maximum: 15 }),
  },
  { additionalProperties: false },
);
export type DataStoreSpec = Static<typeof DataStoreSpec>;
