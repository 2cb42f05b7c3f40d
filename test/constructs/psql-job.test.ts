import { passwordFileScript, PsqlJob, PsqlJobProps } from '../../constructs/psql-job';
import { ValidationError } from '../../phases';
import { emitted, only } from '../support/synth';

const base: PsqlJobProps = {
  name: 'schema-job',
  partOf: 'career-copilot',
  files: { 'schema.sql': 'CREATE TABLE IF NOT EXISTS t (id int);\n', 'run.sh': 'psql -f /sql/schema.sql\n' },
  entrypoint: 'run.sh',
  secretEnv: [{ env: 'PGUSER', secretName: 'user-db-app', key: 'username' }],
  env: { PGHOST: 'user-db-rw', PGPORT: '5432', PGDATABASE: 'app' },
  passwords: [{ name: 'app', secretName: 'user-db-app', hostEnv: 'PGHOST', portEnv: 'PGPORT', databaseEnv: 'PGDATABASE', userEnv: 'PGUSER' }],
};
const build = (props: Partial<PsqlJobProps> = {}) => emitted((scope) => new PsqlJob(scope, 'schema-job', { ...base, ...props }));

describe('PsqlJob', () => {
  test('emits a Job and the ConfigMap of its files, and no Secret', () => {
    const objects = build();
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(['ConfigMap/schema-job-sql', 'Job/schema-job']);
    expect(only(objects, 'ConfigMap').data).toEqual({ ...base.files, 'psql-passwords.sh': passwordFileScript(base.passwords!) });
  });

  test('writes the password file first, then runs the entrypoint with sh from the read-only ConfigMap mount, with a writable /tmp', () => {
    const pod = only(build(), 'Job').spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.containers[0].command).toEqual(['sh', '/sql/psql-passwords.sh', '/sql/run.sh']);
    expect(pod.containers[0].image).toBe('postgres:16.4-alpine');
    expect(pod.containers[0].volumeMounts).toEqual([
      { name: 'sql', mountPath: '/sql', readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'password-0', mountPath: '/secrets/app', readOnly: true },
    ]);
    expect(pod.volumes).toEqual([
      { name: 'sql', configMap: { name: 'schema-job-sql' } },
      { name: 'tmp', emptyDir: { sizeLimit: '512Mi' } },
      // The password key alone, readable by the Job's group (fsGroup 10001) only.
      { name: 'password-0', secret: { secretName: 'user-db-app', items: [{ key: 'password', path: 'password' }], defaultMode: 0o440 } },
    ]);
  });

  test('takes settings from Secret references and values, and no password from either: psql reads the password file', () => {
    const env = only(build(), 'Job').spec.template.spec.containers[0].env;
    expect(env).toEqual([
      { name: 'HOME', value: '/tmp' },
      { name: 'PGAPPNAME', value: 'schema-job' },
      { name: 'PGCONNECT_TIMEOUT', value: '10' },
      { name: 'PGPASSFILE', value: '/tmp/pgpass' },
      { name: 'PGHOST', value: 'user-db-rw' },
      { name: 'PGPORT', value: '5432' },
      { name: 'PGDATABASE', value: 'app' },
      { name: 'PGUSER', valueFrom: { secretKeyRef: { name: 'user-db-app', key: 'username' } } },
    ]);
  });

  test("the first step writes one pgpass line per password from the connection's variables, waits for each server, runs the script and removes the file", () => {
    const script = passwordFileScript(base.passwords!);
    expect(script).toMatch(/^# Written by PsqlJob/);
    expect(script).toContain('set -eu\numask 077\n');
    expect(script).toContain('pgpass_line "$PGHOST" "$PGPORT" "$PGDATABASE" "$PGUSER" /secrets/app/password >> "$PGPASSFILE"\n');
    expect(script).toContain(`trap 'rm -f "$PGPASSFILE"' EXIT`);
    // Then it waits for the server (created in the same step, it may still be bootstrapping), once per server.
    expect(script).toContain('wait_ready "$PGHOST" "$PGPORT" "$PGDATABASE" "$PGUSER"\nsh "$1"\n');
    expect(passwordFileScript([base.passwords![0], { ...base.passwords![0], name: 'other' }]).match(/^wait_ready /gm)).toHaveLength(1);
    expect(script).toMatch(/\nsh "\$1"\n$/);
    // No password is ever a program's argument: it is read by head and escaped by sed from a pipe.
    expect(script).toContain('"$(head -n 1 "$5" | escape)"');
    expect(passwordFileScript([])).not.toContain('pgpass_line "');
  });

  test('stays after it finishes, retries a few times within a deadline, and is replaced by Pulumi when it failed', () => {
    const job = only(build(), 'Job');
    expect(job.spec.ttlSecondsAfterFinished).toBeUndefined();
    expect(job.spec).toMatchObject({ backoffLimit: 2, activeDeadlineSeconds: 600 });
    expect(job.metadata.annotations).toEqual({ 'pulumi.com/replaceUnready': 'true' });
    expect(only(build({ backoffLimit: 0, activeDeadlineSeconds: 1200 }), 'Job').spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 1200 });
  });

  test('changes its pod template when a file or the image changes, so that Pulumi replaces and reruns it', () => {
    const checksum = (props: Partial<PsqlJobProps>) => only(build(props), 'Job').spec.template.metadata.annotations['checksum/files'];
    expect(checksum({})).toBe(checksum({}));
    expect(checksum({})).not.toBe(checksum({ files: { ...base.files, 'schema.sql': 'CREATE TABLE IF NOT EXISTS u (id int);\n' } }));
    expect(checksum({})).not.toBe(checksum({ image: 'postgres:16.5-alpine' }));
  });

  test('runs restricted, outside the mesh, with requests and limits and no service-account token', () => {
    const template = only(build(), 'Job').spec.template;
    expect(template.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': 'schema-job', 'sidecar.istio.io/inject': 'false' });
    expect(template.spec.automountServiceAccountToken).toBe(false);
    expect(template.spec.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } });
    expect(template.spec.containers[0].securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(template.spec.containers[0].resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
  });

  test.each<[string, Partial<PsqlJobProps>, string]>([
    ['a name that is not a DNS-1123 label', { name: 'Schema' }, 'name: "Schema" is not a DNS-1123 label'],
    ['a name too long for its ConfigMap', { name: 'j'.repeat(60) }, `name: "${'j'.repeat(60)}" is longer than 59 characters`],
    ['a file name with a path', { files: { '../run.sh': 'x' }, entrypoint: '../run.sh' }, 'files["../run.sh"]: "../run.sh" is not a plain file name'],
    ['an entrypoint that is not a file', { entrypoint: 'main.sh' }, 'entrypoint: "main.sh" is not one of the files: schema.sql, run.sh'],
    ['a bad env name', { env: { 'pg-host': 'x' } }, 'env.pg-host: "pg-host" is not an environment variable name'],
    ['a secret env also in env', { env: { PGUSER: 'x', PGHOST: 'h', PGPORT: '1', PGDATABASE: 'd' } }, 'secretEnv[0].env: PGUSER is also set in env'],
    ['a bad secret name', { secretEnv: [{ env: 'PGUSER', secretName: 'User DB', key: 'username' }] }, 'secretEnv[0].secretName: "User DB" is not a DNS-1123 label'],
    [
      'a password in the environment',
      { secretEnv: [...base.secretEnv, { env: 'PGPASSWORD', secretName: 'user-db-app', key: 'password' }] },
      'secretEnv[1].key: "password" of user-db-app holds a password: give it in passwords, which psql reads from a file, never from the environment',
    ],
    [
      'a connection URI in the environment',
      { secretEnv: [...base.secretEnv, { env: 'DB_URL', secretName: 'user-db-app', key: 'uri' }] },
      'secretEnv[1].key: "uri" of user-db-app holds a password: give it in passwords',
    ],
    [
      'a password for a connection variable the container does not have',
      { passwords: [{ ...base.passwords![0], userEnv: 'DB_USER' }] },
      'passwords[0].userEnv: "DB_USER" is not one of PGHOST, PGPORT, PGDATABASE, PGUSER: the pgpass line is built from the container\'s own variables',
    ],
    ['two passwords in one folder', { passwords: [base.passwords![0], base.passwords![0]] }, 'passwords[1].name: "app" is also passwords[0].name; each password has its own folder'],
    ['a password folder that is not a DNS-1123 label', { passwords: [{ ...base.passwords![0], name: 'App' }] }, 'passwords[0].name: "App" is not a DNS-1123 label'],
    ['a file named like the first step', { files: { ...base.files, 'psql-passwords.sh': 'x' } }, 'files["psql-passwords.sh"]: is the name of the Job\'s own first step'],
    ['an image tagged latest', { image: 'postgres:latest' }, 'image: "postgres:latest" is not pinned'],
    ['a negative backoff limit', { backoffLimit: -1 }, 'backoffLimit: -1 is not an integer from 0 to 10'],
    ['a deadline too short to connect', { activeDeadlineSeconds: 5 }, 'activeDeadlineSeconds: 5 is not an integer of at least 30'],
  ])('refuses %s', (_what, props, message) => {
    expect(() => build(props)).toThrow(ValidationError);
    expect(() => build(props)).toThrow(message);
  });
});
