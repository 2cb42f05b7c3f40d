import { EVENT_STORE_RUN, EVENT_STORE_SQL, EventStoreSchemaJob, EventStoreSchemaJobProps } from '../../constructs/event-store-schema-job';
import { passwordFileScript } from '../../constructs/psql-job';
import { ValidationError } from '../../phases';
import { emitted, only } from '../support/synth';

const base: EventStoreSchemaJobProps = { store: 'applications-db', database: 'applications_service', partOf: 'career-copilot' };
const build = (props: Partial<EventStoreSchemaJobProps> = {}) => emitted((scope) => new EventStoreSchemaJob(scope, 'event-store-schema', { ...base, ...props }));
const oneLine = (sql: string) => sql.replace(/\s+/g, ' ');
const envOf = (props: Partial<EventStoreSchemaJobProps> = {}) => only(build(props), 'Job').spec.template.spec.containers[0].env;

describe('EventStoreSchemaJob', () => {
  test('emits the Job and the ConfigMap of its script, and no Secret', () => {
    const objects = build();
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(['ConfigMap/event-store-schema-sql', 'Job/event-store-schema']);
    const password = { name: 'owner', secretName: 'applications-db-app', hostEnv: 'PGHOST', portEnv: 'PGPORT', databaseEnv: 'PGDATABASE', userEnv: 'PGUSER' };
    expect(only(objects, 'ConfigMap').data).toEqual({ 'event-store.sql': EVENT_STORE_SQL, 'run.sh': EVENT_STORE_RUN, 'psql-passwords.sh': passwordFileScript([password]) });
  });

  test("connects to the host and port of the store's app Secret (CloudNativePG's read-write Service), with its credentials", () => {
    expect(envOf()).toEqual(
      expect.arrayContaining([
        { name: 'PGHOST', valueFrom: { secretKeyRef: { name: 'applications-db-app', key: 'host' } } },
        { name: 'PGPORT', valueFrom: { secretKeyRef: { name: 'applications-db-app', key: 'port' } } },
        { name: 'PGDATABASE', value: 'applications_service' },
        { name: 'PGUSER', valueFrom: { secretKeyRef: { name: 'applications-db-app', key: 'username' } } },
        { name: 'PGPASSFILE', value: '/tmp/pgpass' },
      ]),
    );
    // The password is the Secret's key mounted as a file, never a variable.
    expect(envOf().map((e: { name: string }) => e.name)).not.toContain('PGPASSWORD');
    expect(only(build(), 'Job').spec.template.spec.volumes).toContainEqual({ name: 'password-0', secret: { secretName: 'applications-db-app', items: [{ key: 'password', path: 'password' }], defaultMode: 0o440 } });
  });

  test('connects elsewhere when told', () => {
    expect(envOf({ host: 'event-store-rw', port: 6432, database: 'event_store', credentialsSecretName: 'event-store-app' })).toEqual(
      expect.arrayContaining([
        { name: 'PGHOST', value: 'event-store-rw' },
        { name: 'PGPORT', value: '6432' },
        { name: 'PGDATABASE', value: 'event_store' },
        { name: 'PGUSER', valueFrom: { secretKeyRef: { name: 'event-store-app', key: 'username' } } },
      ]),
    );
    expect(only(build({ credentialsSecretName: 'event-store-app' }), 'Job').spec.template.spec.volumes).toContainEqual(expect.objectContaining({ secret: expect.objectContaining({ secretName: 'event-store-app' }) }));
  });

  test('keeps the Job after it finishes and runs restricted', () => {
    const job = only(build(), 'Job');
    expect(job.spec.ttlSecondsAfterFinished).toBeUndefined();
    const pod = job.spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0].securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  });

  test("creates the seed's events table, its uniqueness and its indexes only if they do not exist", () => {
    const sql = oneLine(EVENT_STORE_SQL);
    expect(sql).toContain('CREATE TABLE IF NOT EXISTS public.events ( event_id UUID PRIMARY KEY,');
    for (const column of ['event_type VARCHAR(255) NOT NULL', 'aggregate_id VARCHAR(255) NOT NULL', 'aggregate_type VARCHAR(255) NOT NULL', 'event_data JSONB NOT NULL', 'metadata JSONB NOT NULL', '"timestamp" TIMESTAMPTZ NOT NULL DEFAULT now()', 'version INTEGER NOT NULL']) {
      expect(sql).toContain(column);
    }
    expect(sql).toContain('UNIQUE (aggregate_id, version)');
    expect(sql).toContain('CREATE INDEX IF NOT EXISTS events_aggregate_idx ON public.events (aggregate_id, aggregate_type);');
    expect(sql).toContain('CREATE INDEX IF NOT EXISTS events_event_type_idx ON public.events (event_type);');
    expect(sql).toContain('CREATE OR REPLACE TRIGGER events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON public.events');
    expect(sql).not.toMatch(/\bDROP\b/);
  });

  test('applies the schema in one transaction and stops at the first error', () => {
    expect(EVENT_STORE_RUN).toContain('psql -X -q -v ON_ERROR_STOP=1 --single-transaction -f /sql/event-store.sql');
  });

  test.each<[string, Partial<EventStoreSchemaJobProps>, string]>([
    ['a store that is not a DNS-1123 label', { store: 'Applications' }, 'store: "Applications" is not a DNS-1123 label'],
    ['a database that is not an SQL identifier', { database: 'event-store' }, 'database: "event-store" is not a lower-case SQL identifier'],
    ['a host that is not a DNS name', { host: 'db host' }, 'host: "db host" is not a DNS name'],
    ['a port out of range', { port: 70000 }, 'port: 70000 is not an integer from 1 to 65535'],
    ['a bad credentials Secret name', { credentialsSecretName: 'App Secret' }, 'credentialsSecretName: "App Secret" is not a DNS-1123 label'],
    ['an untagged image', { image: 'postgres' }, 'image: "postgres" is not pinned'],
  ])('refuses %s', (_what, props, message) => {
    expect(() => build(props)).toThrow(ValidationError);
    expect(() => build(props)).toThrow(message);
  });
});
