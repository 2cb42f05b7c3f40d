/**
 * Each context's data move (DataMoveJob) against real PostgreSQL: one server for the monolith's database, one for
 * the contexts' stores, with more than 10,000 rows in every moved table. The synthesized Job's scripts run as its
 * container would (test/integration/support/local-job.ts). What is proven: every row arrives and is verified; a run
 * killed half-way and run again ends where an uninterrupted run does; a re-run changes nothing; what the service
 * changed or deleted is never copied over (and a newer monolith row wins where the table has a version column); a
 * divergence planted in the service's database fails the verification and commits nothing of the table.
 */
import { DataMoveJob, dataMoveJobName } from '../../constructs/data-move-job';
import { careerCopilot, compatViewName, DataMovePlan, MonolithTableSpec, selectPhase, serviceTableName } from '../../phases';
import { MONOLITH_SEED } from '../../local/node/monolith-seed';
import { emitted, only } from '../support/synth';
import { JobResult, JobWorld, runJob, startJob } from './support/local-job';
import { LocalPostgres } from './support/local-postgres';
import { PostgresLogin, psqlQuery, PsqlSession } from './support/psql';
import { report } from './support/report';
import { REQUIRED_PROGRAMS, requireProgram } from './support/required-program';

[REQUIRED_PROGRAMS.postgres, REQUIRED_PROGRAMS.initdb, REQUIRED_PROGRAMS.psql].forEach(requireProgram);

const plan = selectPhase(careerCopilot(), 2);
const moves = plan.dataMoves;
const move = (context: string): DataMovePlan => moves.find((m) => m.context === context)!;
const monolithStore = moves[0].monolith;

/**
 * More rows on top of the seed's, with what breaks a careless copy: commas, quotes and newlines in text, NULLs,
 * JSON, gaps in the keys, and a sequence past the largest key (the last job was deleted).
 */
const BULK = `
INSERT INTO public.users (id, email, hashed_password, full_name, is_active, created_at, updated_at)
SELECT i, format('bulk%s@example.com', i), md5(i::text), CASE WHEN i % 7 = 0 THEN NULL ELSE format('Bulk, "User" %s' || E'\\n' || 'line two', i) END, true,
       timestamp '2024-01-01' + i * interval '1 minute', CASE WHEN i % 3 = 0 THEN NULL ELSE timestamp '2024-07-01' + i * interval '1 minute' END
FROM generate_series(2001, 12000) AS i;
SELECT setval('public.users_id_seq', 12000);
INSERT INTO public.user_preferences SELECT id, jsonb_build_object('remote', id % 2 = 0, 'note', 'it''s "quoted", with commas') FROM public.users WHERE id > 2000;
INSERT INTO public.jobs (title, company, created_at)
SELECT format('Role %s, "senior"', i), format('Company %s', i % 97), timestamp '2024-02-01' + i * interval '1 minute' FROM generate_series(1, 10000) AS i;
DELETE FROM public.jobs WHERE id = (SELECT max(id) FROM public.jobs);
INSERT INTO public.applications (user_id, job_id, status, created_at)
SELECT u.id, 1 + u.id % 10000, (ARRAY['applied', 'interview', 'offer', 'rejected'])[1 + u.id % 4], timestamp '2024-03-01' + u.id * interval '1 minute'
FROM public.users AS u WHERE u.id > 2000;
`;

const columns = (table: MonolithTableSpec) => table.columns.map((c) => `"${c.name}"`).join(', ');
/** Count and digest of rows, in key order: equal digests mean equal rows. */
const digestOf = (table: MonolithTableSpec, relation: string) =>
  `SELECT count(*) || ' rows, md5 ' || coalesce(md5(string_agg(r::text, E'\\n' ORDER BY r."${table.primaryKey}")), '-') FROM (SELECT ${columns(table)} FROM ${relation}) AS r;`;

let monolith: LocalPostgres;
let services: LocalPostgres;
let monolithApp: PostgresLogin;
const storeLogins = new Map<string, PostgresLogin>();
let world: JobWorld;

const objectsOf = (m: DataMovePlan) =>
  emitted((scope) => new DataMoveJob(scope, dataMoveJobName(m.context), { context: m.context, tables: m.tables, monolithStore: m.monolith.name, store: m.store.name, database: m.store.database, partOf: plan.product }));
const login = (m: DataMovePlan) => storeLogins.get(m.store.name)!;
const monolithRows = (table: MonolithTableSpec) => psqlQuery(monolithApp, digestOf(table, `public."${table.table}"`));
const serviceRows = (m: DataMovePlan, table: MonolithTableSpec) => psqlQuery(login(m), digestOf(table, `public."${serviceTableName(table)}"`));
const serviceCount = async (m: DataMovePlan, table: MonolithTableSpec) => Number(await psqlQuery(login(m), `SELECT count(*) FROM public."${serviceTableName(table)}";`));
/** Row versions: a row written again gets a new xmin, even with the same values. */
const rowVersions = (m: DataMovePlan, table: MonolithTableSpec) =>
  psqlQuery(login(m), `SELECT md5(string_agg("${table.primaryKey}"::text || ':' || xmin::text, ',' ORDER BY "${table.primaryKey}")) FROM public."${serviceTableName(table)}";`);
const verification = (m: DataMovePlan, table: MonolithTableSpec) =>
  psqlQuery(login(m), `SELECT monolith_rows || '/' || same_rows || '/' || service_rows FROM public.data_move_verifications WHERE table_name = '${serviceTableName(table)}';`);

/** Every monolith table's digest: the moves only ever read them. */
const MONOLITH_TABLES = ['users', 'user_preferences', 'jobs', 'applications'];
const monolithData = () =>
  Promise.all(MONOLITH_TABLES.map((t) => monolith.query(`SELECT count(*) || ':' || md5(coalesce(string_agg(r::text, ',' ORDER BY r::text), '')) FROM public.${t} AS r;`, monolithStore.database)));

function expectSucceeded(result: JobResult): void {
  if (result.code !== 0) throw new Error(`the Job failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
  expect(result.scratchFiles).toEqual([]);
}

beforeAll(async () => {
  [monolith, services] = await Promise.all([LocalPostgres.start(monolithStore.name), LocalPostgres.start('context-stores')]);
  monolithApp = await monolith.createOwnedDatabase(monolithStore.database, monolithStore.database);
  await psqlQuery(monolithApp, MONOLITH_SEED + BULK);
  for (const m of moves) storeLogins.set(m.store.name, await services.createOwnedDatabase(m.store.database, m.store.database));
  const appSecret = (l: PostgresLogin) => ({ username: l.user, password: l.password, dbname: l.database, host: l.host, port: String(l.port), uri: `postgresql://${l.user}:${l.password}@${l.host}:${l.port}/${l.database}` });
  const superuser = monolith.superuser();
  world = {
    secrets: {
      [`${monolithStore.name}-app`]: appSecret(monolithApp),
      [`${monolithStore.name}-superuser`]: { username: superuser.user, password: superuser.password },
      ...Object.fromEntries(moves.map((m) => [`${m.store.name}-app`, appSecret(login(m))])),
    },
  };
}, 180_000);

afterAll(async () => {
  await Promise.all([monolith?.stop(), services?.stop()]);
});

describe('the contexts\' data moves on real PostgreSQL', () => {
  test('phase 2 moves the user, jobs and applications contexts, each table with more than 10,000 rows', async () => {
    expect(moves.map((m) => m.context)).toEqual(['user', 'jobs', 'applications']);
    for (const m of moves) {
      for (const table of m.tables) expect(Number((await monolithRows(table)).split(' ')[0])).toBeGreaterThan(10_000);
    }
  });

  test('a run killed half-way (in its second table) fails with the first verified; the re-run ends as a whole run does', async () => {
    const user = move('user');
    const [profiles, preferences] = user.tables;
    const objects = objectsOf(user);
    // The service tables exist before the kill, so that the test can hold a lock on the second (the step is idempotent).
    await psqlQuery(login(user), only(objects, 'ConfigMap').data['service-schema.sql']);
    const blocker = new PsqlSession(services.superuser(user.store.database, 'integration-blocker'));
    await blocker.run(`BEGIN; LOCK TABLE public."${serviceTableName(preferences)}" IN SHARE MODE;`);
    const running = startJob(objects, world);
    let statement = '';
    try {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const row = await services.query(
          `SELECT pid || '|' || replace(query, E'\\n', ' ') FROM pg_stat_activity WHERE application_name = '${dataMoveJobName('user')}' AND wait_event_type = 'Lock' LIMIT 1;`,
        );
        if (row) {
          const [pid, ...rest] = row.split('|');
          statement = rest.join('|');
          await services.query(`SELECT pg_terminate_backend(${pid});`);
          break;
        }
        if (Date.now() > deadline) throw new Error('the Job never waited for the lock on user_preferences');
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      await blocker.run('ROLLBACK;');
      await blocker.close();
    }
    const killed = await running.done;
    expect(statement).toMatch(/LOCK TABLE public\."user_preferences"/);
    expect(killed.code).not.toBe(0);
    expect(killed.scratchFiles).toEqual([]);
    // The first table committed, verified; the second not at all.
    expect(await serviceRows(user, profiles)).toBe(await monolithRows(profiles));
    expect(await verification(user, profiles)).toMatch(/^11000\/11000\/0$/);
    expect(await serviceCount(user, preferences)).toBe(0);

    const rerun = await runJob(objects, world);
    expectSucceeded(rerun);
    for (const table of user.tables) {
      expect(await serviceRows(user, table)).toBe(await monolithRows(table));
      expect(await verification(user, table)).toBe('11000/11000/0');
    }
    report('user data move killed half-way, then run again', [
      `killed in: ${statement.slice(0, 90)}`,
      `after the kill: user_profiles ${await serviceRows(user, profiles)}, user_preferences 0 rows`,
      ...rerun.stdout.split('\n').filter((l) => l.includes('verified')),
    ]);
  }, 120_000);

  test.each(['jobs', 'applications'])('the %s move copies and verifies every row, with the monolith read only', async (context) => {
    const m = move(context);
    const before = await monolithData();
    const result = await runJob(objectsOf(m), world);
    expectSucceeded(result);
    for (const table of m.tables) {
      const rows = await monolithRows(table);
      const count = rows.split(' ')[0];
      expect(await serviceRows(m, table)).toBe(rows);
      expect(await verification(m, table)).toBe(`${count}/${count}/0`);
      expect(result.stdout).toContain(`${context} data move: ${serviceTableName(table)} verified: ${count} monolith rows, ${count} the same in the service, 0 the service's own since copied; checksum `);
      // The monolith reads the service's table through its compatibility view.
      expect(await psqlQuery(monolithApp, digestOf(table, `public."${compatViewName(table)}"`))).toBe(rows);
    }
    expect(await monolithData()).toEqual(before);
    report(`${context} data move`, [`${result.seconds.toFixed(1)} s`, ...result.stdout.split('\n').filter((l) => l.includes('verified'))]);
  }, 120_000);

  test('a generated key continues past every key the monolith handed out, a deleted one included', async () => {
    const jobs = move('jobs');
    const last = Number(await psqlQuery(monolithApp, "SELECT last_value FROM public.jobs_id_seq;"));
    const max = Number(await psqlQuery(monolithApp, 'SELECT max(id) FROM public.jobs;'));
    expect(last).toBe(max + 1);
    const id = Number(await psqlQuery(login(jobs), "INSERT INTO public.jobs (title, company, created_at) VALUES ('new', 'service', now()) RETURNING id;"));
    expect(id).toBe(last + 1);
    await psqlQuery(login(jobs), `DELETE FROM public.jobs WHERE id = ${id};`);
  });

  test('a re-run writes no row again and verifies the same counts', async () => {
    for (const m of moves) {
      const versions = await Promise.all(m.tables.map((t) => rowVersions(m, t)));
      expectSucceeded(await runJob(objectsOf(m), world));
      expect(await Promise.all(m.tables.map((t) => rowVersions(m, t)))).toEqual(versions);
    }
  }, 180_000);

  test('a rollback re-run never copies over the service\'s data: deleted stays deleted, changed stays changed, a newer monolith row wins', async () => {
    const user = move('user');
    const jobs = move('jobs');
    // The service owns its rows once copied: it deletes one user and one job, changes another of each.
    await psqlQuery(login(user), `DELETE FROM public.user_profiles WHERE id = 2001;
      UPDATE public.user_profiles SET full_name = 'Changed by the service', updated_at = timestamp '2025-06-01' WHERE id IN (2002, 2004);`);
    await psqlQuery(login(jobs), `DELETE FROM public.jobs WHERE id = 11; UPDATE public.jobs SET title = 'Changed by the service' WHERE id = 12;`);
    // Meanwhile the monolith (a dual write, a fallback) changes the same rows and one the service never touched:
    // 2002 with an older timestamp than the service's change, 2004 with a newer one.
    await psqlQuery(monolithApp, `UPDATE public.users SET full_name = 'Monolith, older', updated_at = timestamp '2025-01-01' WHERE id IN (2001, 2002);
      UPDATE public.users SET full_name = 'Monolith, newer', updated_at = timestamp '2025-12-01' WHERE id IN (2004, 2005);
      UPDATE public.jobs SET title = 'Monolith change' WHERE id IN (11, 12, 13);`);
    const userRun = await runJob(objectsOf(user), world);
    const jobsRun = await runJob(objectsOf(jobs), world);
    expectSucceeded(userRun);
    expectSucceeded(jobsRun);
    const profile = (id: number) => psqlQuery(login(user), `SELECT coalesce(full_name, '-') FROM public.user_profiles WHERE id = ${id};`);
    const job = (id: number) => psqlQuery(login(jobs), `SELECT title FROM public.jobs WHERE id = ${id};`);
    expect(await profile(2001)).toBe('');
    expect(await profile(2002)).toBe('Changed by the service');
    expect(await profile(2004)).toBe('Monolith, newer');
    expect(await profile(2005)).toBe('Monolith, newer');
    expect(await job(11)).toBe('');
    expect(await job(12)).toBe('Changed by the service');
    expect(await job(13)).toBe('Monolith change');
    // The verification counts the service's own rows, and passes.
    expect(await verification(user, user.tables[0])).toBe('11000/10998/2');
    expect(await verification(jobs, jobs.tables[0])).toBe('10199/10197/2');
    report('rollback re-run over rows the service owns', [...userRun.stdout.split('\n'), ...jobsRun.stdout.split('\n')].filter((l) => l.includes('verified')));
  }, 120_000);

  test('a divergence planted in the service\'s database fails the verification, naming the table, and commits nothing of it', async () => {
    const applications = move('applications');
    const [table] = applications.tables;
    // Schema drift in the service: a trigger that rewrites some rows as they are written.
    await psqlQuery(login(applications), `TRUNCATE public.applications; DELETE FROM public.data_move_rows WHERE table_name = 'applications';
      CREATE FUNCTION public.drift() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.id % 1000 = 0 THEN NEW.status := upper(NEW.status); END IF; RETURN NEW; END $$;
      CREATE TRIGGER drift BEFORE INSERT OR UPDATE ON public.applications FOR EACH ROW EXECUTE FUNCTION public.drift();`);
    const result = await runJob(objectsOf(applications), world);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/applications data move: 13 of 13000 rows of applications are not the monolith's \(checksum [0-9a-f]{32} in the monolith, [0-9a-f]{32} in the service\); nothing of this table was committed/);
    expect(await serviceCount(applications, table)).toBe(0);
    expect(result.scratchFiles).toEqual([]);
    // Without the drift, the same Job moves it.
    await psqlQuery(login(applications), 'DROP TRIGGER drift ON public.applications; DROP FUNCTION public.drift();');
    expectSucceeded(await runJob(objectsOf(applications), world));
    expect(await serviceRows(applications, table)).toBe(await monolithRows(table));
    report('planted divergence', [result.stderr.split('\n').find((l) => l.includes('not the monolith')) ?? result.stderr]);
  }, 120_000);

  test('a row the service created under a key the monolith holds fails the verification', async () => {
    const jobs = move('jobs');
    await psqlQuery(monolithApp, "INSERT INTO public.jobs (id, title, company, created_at) VALUES (20000, 'Monolith job', 'M', now());");
    await psqlQuery(login(jobs), "INSERT INTO public.jobs (id, title, company, created_at) VALUES (20000, 'Service job', 'S', now());");
    const result = await runJob(objectsOf(jobs), world);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/jobs data move: 1 of 10200 rows of jobs are not the monolith's/);
    expect(await psqlQuery(login(jobs), 'SELECT title FROM public.jobs WHERE id = 20000;')).toBe('Service job');
  }, 120_000);
});
