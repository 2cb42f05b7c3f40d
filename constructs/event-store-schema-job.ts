import { Construct } from 'constructs';
import { ResourceRequirements } from '../phases/model/workload';
import { showValue, ValidationError } from '../core/validation-error';
import { SecretEnvRef } from './microservice';
import { checkDnsLabel, checkInteger, checkSqlIdentifier } from './prop-checks';
import { PsqlJob } from './psql-job';

/**
 * The seed's event store (`PostgresEventStore`): one append-only `events` table. Idempotent: every statement
 * creates only what is missing. `UNIQUE (aggregate_id, version)` is the optimistic-concurrency check (two writers
 * cannot both append version N of an aggregate); the indexes serve `get_events` (by aggregate) and projections
 * (by event type). A trigger refuses UPDATE, DELETE and TRUNCATE, since events are facts that are never changed
 * (a deliberate erasure disables it explicitly: `ALTER TABLE events DISABLE TRIGGER events_append_only`).
 */
export const EVENT_STORE_SQL = `-- The event store (seed, phase 3). Run in one transaction; creates only what is missing.
CREATE TABLE IF NOT EXISTS public.events (
    event_id UUID PRIMARY KEY,
    event_type VARCHAR(255) NOT NULL,
    aggregate_id VARCHAR(255) NOT NULL,
    aggregate_type VARCHAR(255) NOT NULL,
    event_data JSONB NOT NULL,
    metadata JSONB NOT NULL DEFAULT '{}'::jsonb,
    "timestamp" TIMESTAMPTZ NOT NULL DEFAULT now(),
    version INTEGER NOT NULL CHECK (version >= 1),
    CONSTRAINT events_aggregate_id_version_key UNIQUE (aggregate_id, version)
);

CREATE INDEX IF NOT EXISTS events_aggregate_idx ON public.events (aggregate_id, aggregate_type);
CREATE INDEX IF NOT EXISTS events_event_type_idx ON public.events (event_type);

CREATE OR REPLACE FUNCTION public.events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the events table is append-only: % is not allowed', TG_OP;
END
$$;
CREATE OR REPLACE TRIGGER events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON public.events
    FOR EACH STATEMENT EXECUTE FUNCTION public.events_append_only();
`;

/**
 * The shell script of the Job: the schema in one transaction, on the database that libpq's PG* variables name,
 * with the password from libpq's password file.
 */
export const EVENT_STORE_RUN = `set -eu
echo "event store: schema"
psql -X -q -v ON_ERROR_STOP=1 --single-transaction -f /sql/event-store.sql
echo "event store: done"
`;

/** Props of `EventStoreSchemaJob`. */
export interface EventStoreSchemaJobProps {
  /** The PostgreSQL store (CloudNativePG Cluster name) that holds the event store, e.g. `applications-db`. */
  readonly store: string;
  /** The database of `store` that gets the `events` table; it must exist, e.g. the store's application database. */
  readonly database: string;
  /** The `app.kubernetes.io/part-of` label. */
  readonly partOf: string;
  /** Name of the Job. @default 'event-store-schema' */
  readonly name?: string;
  /**
   * Host to connect to. @default - the `host` key of the credentials Secret: CloudNativePG's read-write Service
   * (`<store>-rw`), or the managed database's endpoint that the aws target writes there
   */
  readonly host?: string;
  /** @default - the `port` key of the credentials Secret */
  readonly port?: number;
  /**
   * Secret with the `username`, `password`, `host` and `port` of a role that may create tables in `database`.
   * @default - `<store>-app`, the owner of the store's application database
   */
  readonly credentialsSecretName?: string;
  /** Pinned PostgreSQL client image. @default DEFAULT_PSQL_IMAGE */
  readonly image?: string;
  /** @default requests 50m CPU / 64Mi, limits 500m CPU / 256Mi */
  readonly resources?: ResourceRequirements;
}

/**
 * A Job that creates the event store's `events` table (`EVENT_STORE_SQL`) in `database` on a PostgreSQL store.
 * The database is a plain setting; host, port (unless given) and the role's name come from Secret references, its
 * password from the Secret mounted as a file, through psql's password file.
 * See `PsqlJob` for how the Job behaves under Pulumi.
 */
export class EventStoreSchemaJob extends Construct {
  public readonly name: string;
  public readonly job: PsqlJob;

  constructor(scope: Construct, id: string, props: EventStoreSchemaJobProps) {
    super(scope, id);
    const credentials = props.credentialsSecretName ?? `${props.store}-app`;
    checkDnsLabel('store', props.store);
    checkSqlIdentifier('database', props.database);
    if (props.host !== undefined && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(props.host)) throw new ValidationError('host', `${showValue(props.host)} is not a DNS name`);
    if (props.port !== undefined) checkInteger('port', props.port, 1, 65535);
    checkDnsLabel('credentialsSecretName', credentials);

    this.name = props.name ?? 'event-store-schema';
    // Where the store answers: given, or from the Secret, which knows it on every target.
    const env: Record<string, string> = { PGDATABASE: props.database };
    const secretEnv: SecretEnvRef[] = [{ env: 'PGUSER', secretName: credentials, key: 'username' }];
    if (props.host !== undefined) env.PGHOST = props.host;
    else secretEnv.push({ env: 'PGHOST', secretName: credentials, key: 'host' });
    if (props.port !== undefined) env.PGPORT = String(props.port);
    else secretEnv.push({ env: 'PGPORT', secretName: credentials, key: 'port' });
    this.job = new PsqlJob(this, 'Job', {
      name: this.name,
      partOf: props.partOf,
      files: { 'event-store.sql': EVENT_STORE_SQL, 'run.sh': EVENT_STORE_RUN },
      entrypoint: 'run.sh',
      env,
      secretEnv,
      // psql finds the password in its password file, for the connection its PG* variables name.
      passwords: [{ name: 'owner', secretName: credentials, hostEnv: 'PGHOST', portEnv: 'PGPORT', databaseEnv: 'PGDATABASE', userEnv: 'PGUSER' }],
      image: props.image,
      resources: props.resources,
    });
  }
}
