import { DataMoveJob, DataMoveJobProps } from '../../constructs/data-move-job';
import { careerCopilot, selectPhase, ValidationError } from '../../phases';
import { emitted, only } from '../support/synth';

const jobs = selectPhase(careerCopilot(), 2).dataMoves.find((m) => m.context === 'jobs')!;
const base: DataMoveJobProps = { context: 'jobs', tables: jobs.tables, monolithStore: 'monolith-db', store: 'jobs-db', database: 'jobs_service', partOf: 'career-copilot' };
const build = (props: Partial<DataMoveJobProps> = {}) => emitted((scope) => new DataMoveJob(scope, 'jobs-data-move', { ...base, ...props }));
const thrown = (props: Partial<DataMoveJobProps>) => {
  try {
    build(props);
  } catch (error) {
    return error;
  }
  return undefined;
};

describe('DataMoveJob', () => {
  test("emits the Job and its scripts' ConfigMap, named after the context, and no Secret", () => {
    const objects = build();
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(['ConfigMap/jobs-data-move-sql', 'Job/jobs-data-move']);
    expect(Object.keys(only(objects, 'ConfigMap').data).sort()).toEqual(['compat-views.sql', 'import-jobs.sql', 'monolith-export.sql', 'psql-passwords.sh', 'run.sh', 'service-schema.sql']);
  });

  test("reads the two stores' connections and the monolith's superuser from their Secrets, passwords as files only", () => {
    const pod = only(build(), 'Job').spec.template.spec;
    const env: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }> = pod.containers[0].env;
    const refs = env.filter((e) => e.valueFrom).map((e) => `${e.name}=${e.valueFrom!.secretKeyRef.name}/${e.valueFrom!.secretKeyRef.key}`);
    expect(refs).toContain('STORE_DB_USERNAME=jobs-db-app/username');
    expect(refs).toContain('MONOLITH_SUPERUSER_USERNAME=monolith-db-superuser/username');
    expect(refs.filter((r) => /\/(password|uri)$/.test(r))).toEqual([]);
    const secrets = pod.volumes.filter((v: { secret?: unknown }) => v.secret).map((v: { secret: { secretName: string; items: Array<{ key: string }> } }) => `${v.secret.secretName}:${v.secret.items.map((i) => i.key).join()}`);
    expect(secrets).toEqual(['jobs-db-app:password', 'monolith-db-app:password', 'monolith-db-superuser:password']);
  });

  test('its routes are in the pod template, so the Job changes (and runs again) exactly when they change', () => {
    const template = (gates: string[]) => JSON.stringify(only(build({ gates }), 'Job').spec.template);
    expect(template(['/api/v1/jobs=hybrid'])).toBe(template(['/api/v1/jobs=hybrid']));
    expect(template(['/api/v1/jobs=hybrid'])).not.toBe(template(['/api/v1/jobs=migrated']));
    const env: Array<{ name: string; value?: string }> = only(build({ gates: ['/api/v1/jobs=hybrid', '/api/v1/jobs/search=hybrid'] }), 'Job').spec.template.spec.containers[0].env;
    expect(env.find((e) => e.name === 'DATA_MOVE_GATES')?.value).toBe('/api/v1/jobs=hybrid /api/v1/jobs/search=hybrid');
  });

  test.each([
    [{ store: 'monolith-db' }, 'store: "monolith-db" is the monolith\'s store; a data move copies into another store'],
    [{ tables: [] }, 'tables: is empty: a data move copies at least one table'],
  ])('refuses %j, naming the field', (props, message) => {
    const error = thrown(props as Partial<DataMoveJobProps>);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toBe(message);
  });
});
