import { Static, Type } from '@sinclair/typebox';

/** A lower-case SQL identifier, as the generated SQL writes it unquoted. */
const SqlIdentifier = Type.String({ pattern: '^[a-z_][a-z0-9_]{0,62}$', description: 'a lower-case SQL identifier of at most 63 characters' });

/**
 * The PostgreSQL types a moved column may have: the generated SQL writes them as given, so only these spellings
 * are accepted.
 */
export const COLUMN_TYPE_RULE = 'smallint, integer, bigint, boolean, text, varchar(N), numeric, numeric(P[,S]), date, timestamp, timestamptz, uuid, json or jsonb';
const ColumnType = Type.String({
  pattern: '^(smallint|integer|bigint|boolean|text|varchar\\([1-9][0-9]{0,4}\\)|numeric|numeric\\([1-9][0-9]{0,2}(,[0-9]{1,3})?\\)|date|timestamp|timestamptz|uuid|json|jsonb)$',
  description: COLUMN_TYPE_RULE,
});

/** A column of a monolith table that a context owns, with its type in both databases. */
export const MonolithColumnSpec = Type.Object({ name: SqlIdentifier, type: ColumnType }, { additionalProperties: false });
export type MonolithColumnSpec = Static<typeof MonolithColumnSpec>;

/**
 * A table of the monolith's database (schema `public`) whose rows, or some of whose columns, a context owns once
 * its service is extracted: the context's data move copies them into the service's database
 * (constructs/data-move-job.ts says how, and what it verifies).
 */
export const MonolithTableSpec = Type.Object(
  {
    /** The monolith's table. */
    table: SqlIdentifier,
    /** The columns the context owns, the primary key among them; another context may own the table's other columns. */
    columns: Type.Array(MonolithColumnSpec, { minItems: 1 }),
    /** The primary key: one column of `columns`. */
    primaryKey: SqlIdentifier,
    /**
     * Whether the service's database hands out new keys itself (an identity column, set past every key the
     * monolith ever handed out). @default false (the service writes keys it is given)
     */
    generatedKey: Type.Optional(Type.Boolean()),
    /**
     * A column of `columns` that every writer advances on change (`updated_at`): a monolith row older than the
     * service's copy never overwrites it. @default - none (a copy the service changed is never overwritten either)
     */
    versionColumn: Type.Optional(SqlIdentifier),
    /** The table in the service's database. @default - the monolith's name */
    serviceTable: Type.Optional(SqlIdentifier),
    /** The monolith's read-only view of the service's table, while the monolith still reads it. @default - `<table>_compat` */
    compatView: Type.Optional(SqlIdentifier),
  },
  { additionalProperties: false },
);
export type MonolithTableSpec = Static<typeof MonolithTableSpec>;

/** The service's name for a moved table, and the monolith's view of it (their defaults in one place). */
export function serviceTableName(table: { table: string; serviceTable?: string }): string {
  return table.serviceTable ?? table.table;
}
export function compatViewName(table: { table: string; compatView?: string }): string {
  return table.compatView ?? `${table.table}_compat`;
}
