import { AUTH_DATA_SPLIT_RUN, AUTH_PASSWORD_FILE, AuthDataSplitJob, AuthDataSplitJobProps, authDataSplitFiles, authDataSplitPasswords } from '../../constructs/auth-data-split-job';
import { AUTH_DATA_SPLIT_SQL } from '../../phases/career-copilot/auth-data-split';
import { passwordFileScript } from '../../constructs/psql-job';
import { ValidationError } from '../../phases';
import { emitted, only } from '../support/synth';

const base: AuthDataSplitJobProps = { scripts: AUTH_DATA_SPLIT_SQL, monolithStore: 'monolith-db', authStore: 'auth-db', partOf: 'career-copilot' };
const build = (props: Partial<AuthDataSplitJobProps> = {}) => emitted((scope) => new AuthDataSplitJob(scope, 'auth-data-split', { ...base, ...props }));
const oneLine = (sql: string) => sql.replace(/\s+/g, ' ');

describe('AuthDataSplitJob', () => {
  test('emits the Job and the ConfigMap of its scripts, and no Secret', () => {
    const objects = build();
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(['ConfigMap/auth-data-split-sql', 'Job/auth-data-split']);
    expect(only(objects, 'ConfigMap').data).toEqual({ ...authDataSplitFiles(AUTH_DATA_SPLIT_SQL), 'psql-passwords.sh': passwordFileScript(authDataSplitPasswords(base)) });
    expect(only(objects, 'Job').spec.template.spec.containers[0].command).toEqual(['sh', '/sql/psql-passwords.sh', '/sql/run.sh']);
  });

  test('reads every connection setting but the passwords from the CloudNativePG Secrets of both stores, never a value', () => {
    const env: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }> =
      only(build(), 'Job').spec.template.spec.containers[0].env;
    const refs = Object.fromEntries(env.filter((e) => e.valueFrom).map((e) => [e.name, `${e.valueFrom!.secretKeyRef.name}/${e.valueFrom!.secretKeyRef.key}`]));
    expect(refs).toEqual({
      AUTH_DB_HOST: 'auth-db-app/host',
      AUTH_DB_PORT: 'auth-db-app/port',
      AUTH_DB_NAME: 'auth-db-app/dbname',
      AUTH_DB_USERNAME: 'auth-db-app/username',
      MONOLITH_DB_HOST: 'monolith-db-app/host',
      MONOLITH_DB_PORT: 'monolith-db-app/port',
      MONOLITH_DB_NAME: 'monolith-db-app/dbname',
      MONOLITH_DB_USERNAME: 'monolith-db-app/username',
      MONOLITH_SUPERUSER_USERNAME: 'monolith-db-superuser/username',
    });
    expect(env.filter((e) => !e.valueFrom).map((e) => e.name)).toEqual(['HOME', 'PGAPPNAME', 'PGCONNECT_TIMEOUT', 'PGPASSFILE', 'DATA_MOVE_GATES']);
  });

  test('mounts each of the three passwords as a file, for the connection the environment names', () => {
    const pod = only(build(), 'Job').spec.template.spec;
    const secrets = pod.volumes.filter((v: { secret?: unknown }) => v.secret).map((v: { secret: { secretName: string; items: unknown; defaultMode: number } }) => v.secret);
    expect(secrets).toEqual(['auth-db-app', 'monolith-db-app', 'monolith-db-superuser'].map((secretName) => ({ secretName, items: [{ key: 'password', path: 'password' }], defaultMode: 0o440 })));
    expect(pod.containers[0].volumeMounts.map((m: { mountPath: string }) => m.mountPath)).toEqual(['/sql', '/tmp', '/secrets/auth', '/secrets/monolith', '/secrets/monolith-superuser']);
    const script = only(build(), 'ConfigMap').data['psql-passwords.sh'];
    expect(script).toContain('pgpass_line "$AUTH_DB_HOST" "$AUTH_DB_PORT" "$AUTH_DB_NAME" "$AUTH_DB_USERNAME" /secrets/auth/password');
    expect(script).toContain('pgpass_line "$MONOLITH_DB_HOST" "$MONOLITH_DB_PORT" "$MONOLITH_DB_NAME" "$MONOLITH_DB_USERNAME" /secrets/monolith/password');
    expect(script).toContain('pgpass_line "$MONOLITH_DB_HOST" "$MONOLITH_DB_PORT" "$MONOLITH_DB_NAME" "$MONOLITH_SUPERUSER_USERNAME" /secrets/monolith-superuser/password');
  });

  test('takes the superuser from another Secret when told', () => {
    const pod = only(build({ monolithSuperuserSecretName: 'monolith-admin' }), 'Job').spec.template.spec;
    const env: Array<{ name: string; valueFrom?: { secretKeyRef: { name: string } } }> = pod.containers[0].env;
    expect(env.find((e) => e.name === 'MONOLITH_SUPERUSER_USERNAME')!.valueFrom!.secretKeyRef.name).toBe('monolith-admin');
    expect(pod.volumes.map((v: { secret?: { secretName: string } }) => v.secret?.secretName).filter(Boolean)).toContain('monolith-admin');
  });

  test('keeps the Job after it finishes so that an unchanged re-apply does not rerun it', () => {
    const job = only(build(), 'Job');
    expect(job.spec.ttlSecondsAfterFinished).toBeUndefined();
    expect(job.spec).toMatchObject({ backoffLimit: 2, activeDeadlineSeconds: 600 });
    expect(job.metadata.annotations).toEqual({ 'pulumi.com/replaceUnready': 'true' });
  });

  test('runs restricted with requests and limits and no service-account token', () => {
    const pod = only(build(), 'Job').spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0].securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(Object.keys(pod.containers[0].resources).sort()).toEqual(['limits', 'requests']);
  });

  test('creates the auth table only if it does not exist, with the seed columns', () => {
    const sql = oneLine(AUTH_DATA_SPLIT_SQL.authSchema);
    expect(sql).toContain('CREATE TABLE IF NOT EXISTS public.users ( id SERIAL PRIMARY KEY, email VARCHAR(255) UNIQUE NOT NULL, hashed_password VARCHAR(255) NOT NULL,');
    expect(sql).not.toMatch(/CREATE DATABASE|DROP /i);
  });

  test('only reads the monolith: one export statement, no write to its tables', () => {
    expect(oneLine(AUTH_DATA_SPLIT_SQL.exportMonolithUsers)).toContain(
      '\\copy (SELECT id, email, hashed_password, is_active, created_at, updated_at FROM public.users ORDER BY id) TO PSTDOUT WITH (FORMAT csv)',
    );
    for (const sql of [AUTH_DATA_SPLIT_SQL.exportMonolithUsers, AUTH_DATA_SPLIT_SQL.monolithCompatView]) {
      expect(sql).not.toMatch(/\b(DROP|TRUNCATE|DELETE|UPDATE|INSERT)\b|ALTER TABLE|RENAME/i);
    }
  });

  test('upserts monolith users keeping their ids, checks every one arrived, and moves the sequence forward only', () => {
    const sql = oneLine(AUTH_DATA_SPLIT_SQL.importUsers);
    expect(sql).toContain('INSERT INTO public.users AS u (id, email, hashed_password, is_active, created_at, updated_at) SELECT m.id,');
    // A user copied before and deleted since by the auth service is not brought back (test/integration proves it).
    expect(sql).toContain('WHERE NOT EXISTS (SELECT 1 FROM public.auth_data_split_copied c WHERE c.id = m.id)');
    expect(sql).toContain('INSERT INTO public.auth_data_split_copied (id)');
    expect(sql).toContain('ON CONFLICT (id) DO UPDATE SET');
    expect(sql).toContain('WHERE u.created_at IS NOT DISTINCT FROM EXCLUDED.created_at');
    expect(sql).toContain('RAISE EXCEPTION');
    expect(sql).toContain("SELECT setval('public.users_id_seq', target)");
    expect(sql).toContain('GREATEST(COALESCE(max(id), 0), :monolith_last_id)');
    expect(sql).toContain('WHERE target > (SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM public.users_id_seq)');
  });

  test('adds a read-only compatibility view beside the monolith table, through postgres_fdw, idempotently', () => {
    const sql = oneLine(AUTH_DATA_SPLIT_SQL.monolithCompatView);
    expect(sql).toContain('CREATE EXTENSION IF NOT EXISTS postgres_fdw;');
    expect(sql).toContain('CREATE SERVER IF NOT EXISTS auth_service_db FOREIGN DATA WRAPPER postgres_fdw');
    expect(sql).toContain('CREATE USER MAPPING IF NOT EXISTS FOR CURRENT_USER SERVER auth_service_db');
    expect(sql).toContain('CREATE FOREIGN TABLE IF NOT EXISTS auth_service.users (');
    expect(sql).toContain('CREATE OR REPLACE VIEW public.users_compat AS SELECT id, email, hashed_password, is_active, created_at, updated_at FROM auth_service.users;');
    expect(sql).toContain('GRANT SELECT ON public.users_compat TO :"monolith_app_user";');
    // Credentials come from the mounted Secret at run time, never from the script or the environment.
    // The model's script reads the password where the construct mounts it.
    expect(sql).toContain(`\\set auth_password \`cat ${AUTH_PASSWORD_FILE}\``);
    expect(sql).not.toContain('AUTH_DB_PASSWORD');
  });

  test('runs each step in its own transaction, stops at the first error and removes the export', () => {
    expect(AUTH_DATA_SPLIT_RUN).toMatch(/^set -eu\n/);
    expect(AUTH_DATA_SPLIT_RUN).toContain('psql -X -q -v ON_ERROR_STOP=1');
    expect(AUTH_DATA_SPLIT_RUN).toContain('auth_psql --single-transaction -f /sql/auth-schema.sql\n');
    expect(AUTH_DATA_SPLIT_RUN).toContain('auth_psql --single-transaction -v monolith_last_id="$monolith_last_id" -f /sql/import-users.sql < /tmp/monolith-users.csv');
    expect(AUTH_DATA_SPLIT_RUN).toContain('monolith_superuser_psql --single-transaction -f /sql/monolith-compat-view.sql');
    // Connections by libpq's variables, passwords from the password file: none in a URI, an argument or a variable.
    expect(AUTH_DATA_SPLIT_RUN).not.toMatch(/PASSWORD|_URL|-d "/);
    expect(AUTH_DATA_SPLIT_RUN).toContain("trap 'rm -f /tmp/monolith-users.csv' EXIT");
  });

  test.each<[string, Partial<AuthDataSplitJobProps>, string]>([
    ['a monolith store that is not a DNS-1123 label', { monolithStore: 'Monolith' }, 'monolithStore: "Monolith" is not a DNS-1123 label'],
    ['an auth store that is not a DNS-1123 label', { authStore: 'auth_db' }, 'authStore: "auth_db" is not a DNS-1123 label'],
    ['the same store on both sides', { authStore: 'monolith-db' }, `authStore: "monolith-db" is the monolith's store; the split moves auth data to another store`],
    ['a bad superuser Secret name', { monolithSuperuserSecretName: 'Admin' }, 'monolithSuperuserSecretName: "Admin" is not a DNS-1123 label'],
    ['a Job name that is not a DNS-1123 label', { name: 'Auth Split' }, 'name: "Auth Split" is not a DNS-1123 label'],
    ['an image tagged latest', { image: 'postgres:latest' }, 'image: "postgres:latest" is not pinned'],
  ])('refuses %s', (_what, props, message) => {
    expect(() => build(props)).toThrow(ValidationError);
    expect(() => build(props)).toThrow(message);
  });
});
