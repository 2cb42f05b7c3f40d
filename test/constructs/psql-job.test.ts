import { PsqlJob, PsqlJobProps } from '../../constructs/psql-job';
import { ValidationError } from '../../phases';
import { emitted, only } from '../support/synth';

const base: PsqlJobProps = {
  name: 'schema-job',
  partOf: 'career-copilot',
  files: { 'schema.sql': 'CREATE TABLE IF NOT EXISTS t (id int);\n', 'run.sh': 'psql -f /sql/schema.sql\n' },
  entrypoint: 'run.sh',
  secretEnv: [{ env: 'PGPASSWORD', secretName: 'user-db-app', key: 'password' }],
  env: { PGHOST: 'user-db-rw' },
};
const build = (props: Partial<PsqlJobProps> = {}) => emitted((scope) => new PsqlJob(scope, 'schema-job', { ...base, ...props }));

describe('PsqlJob', () => {
  test('emits a Job and the ConfigMap of its files, and no Secret', () => {
    const objects = build();
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(['ConfigMap/schema-job-sql', 'Job/schema-job']);
    expect(only(objects, 'ConfigMap').data).toEqual(base.files);
  });

  test('runs the entrypoint with sh from the read-only ConfigMap mount, with a writable /tmp', () => {
    const pod = only(build(), 'Job').spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.containers[0].command).toEqual(['sh', '/sql/run.sh']);
    expect(pod.containers[0].image).toBe('postgres:16.4-alpine');
    expect(pod.containers[0].volumeMounts).toEqual([
      { name: 'sql', mountPath: '/sql', readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
    ]);
    expect(pod.volumes).toEqual([
      { name: 'sql', configMap: { name: 'schema-job-sql' } },
      { name: 'tmp', emptyDir: { sizeLimit: '512Mi' } },
    ]);
  });

  test('takes credentials from Secret references and only non-secret settings as values', () => {
    const env = only(build(), 'Job').spec.template.spec.containers[0].env;
    expect(env).toEqual([
      { name: 'HOME', value: '/tmp' },
      { name: 'PGAPPNAME', value: 'schema-job' },
      { name: 'PGCONNECT_TIMEOUT', value: '10' },
      { name: 'PGHOST', value: 'user-db-rw' },
      { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: 'user-db-app', key: 'password' } } },
    ]);
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
    ['a secret env also in env', { env: { PGPASSWORD: 'x' } }, 'secretEnv[0].env: PGPASSWORD is also set in env'],
    ['a bad secret name', { secretEnv: [{ env: 'PGPASSWORD', secretName: 'User DB', key: 'password' }] }, 'secretEnv[0].secretName: "User DB" is not a DNS-1123 label'],
    ['an image tagged latest', { image: 'postgres:latest' }, 'image: "postgres:latest" is not pinned'],
    ['a negative backoff limit', { backoffLimit: -1 }, 'backoffLimit: -1 is not an integer from 0 to 10'],
    ['a deadline too short to connect', { activeDeadlineSeconds: 5 }, 'activeDeadlineSeconds: 5 is not an integer of at least 30'],
  ])('refuses %s', (_what, props, message) => {
    expect(() => build(props)).toThrow(ValidationError);
    expect(() => build(props)).toThrow(message);
  });
});
