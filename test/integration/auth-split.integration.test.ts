/**
 * The phase-1 auth data split (AuthDataSplitJob) against two real PostgreSQL servers standing in for the
 * monolith's store and the auth store: the synthesized Job's scripts run as its container would, with psql, the
 * environment its Secret references give it and the password files it mounts (psql reads its passwords from the
 * password file the Job writes from them, never from its arguments or environment).
 */
import * as path from 'path';
import { AuthDataSplitJob } from '../../constructs/auth-data-split-job';
import { careerCopilot, selectPhase } from '../../phases';
import { MONOLITH_SEED, MONOLITH_SEED_USERS as USERS } from '../../local/node/monolith-seed';
import { emitted, only } from '../support/synth';
import { JobProcess, JobResult, JobWorld, runJob, startJob } from './support/local-job';
import { LocalPostgres } from './support/local-postgres';
import { PostgresLogin, psqlQuery, PsqlSession } from './support/psql';
import { report } from './support/report';
import { REQUIRED_PROGRAMS, requireProgram } from './support/required-program';

// Fails the suite at once, with the install command, when PostgreSQL is missing: never a skip.
[REQUIRED_PROGRAMS.postgres, REQUIRED_PROGRAMS.initdb, REQUIRED_PROGRAMS.psql].forEach(requireProgram);

const plan = selectPhase(careerCopilot(), 1);
const split = plan.authDataSplit!;
const JOB_NAME = 'auth-data-split';


/** Count and digest of a query's rows, in id order: equal digests mean equal rows. */
const digestOf = (rows: string) => `SELECT count(*) || ' rows, md5 ' || coalesce(md5(string_agg(r::text, E'\\n' ORDER BY r.id)), '-') FROM (${rows}) AS r;`;
const AUTH_COLUMNS = 'SELECT id, email, hashed_password, is_active, created_at, updated_at FROM';
const MONOLITH_TABLES = ['users', 'user_preferences', 'jobs', 'applications'] as const;

let monolith: LocalPostgres;
let auth: LocalPostgres;
let monolithApp: PostgresLogin;
let authApp: PostgresLogin;
let world: JobWorld;
let monolithBefore: Record<string, string>;
const objects = emitted((scope) => new AuthDataSplitJob(scope, JOB_NAME, { scripts: split.scripts, monolithStore: split.monolith.name, authStore: split.auth.name, partOf: plan.product }));

/** Every monolith table's count and digest: the monolith's data, which the split must only ever read. */
async function monolithData(): Promise<Record<string, string>> {
  const superuser = monolith.superuser(split.monolith.database);
  const digests = await Promise.all(
    MONOLITH_TABLES.map((table) => psqlQuery(superuser, digestOf(table === 'user_preferences' ? `SELECT user_id AS id, * FROM public.${table}` : `SELECT * FROM public.${table}`))),
  );
  return Object.fromEntries(MONOLITH_TABLES.map((table, i) => [table, digests[i]]));
}

const monolithUsers = () => psqlQuery(monolithApp, digestOf(`${AUTH_COLUMNS} public.users`));
const authUsers = () => psqlQuery(authApp, digestOf(`${AUTH_COLUMNS} public.users`));
const authUserCount = async () => Number(await psqlQuery(authApp, 'SELECT count(*) FROM public.users;'));
/** Row versions: a row that was written again gets a new xmin, even with the same values. */
const authRowVersions = () => psqlQuery(authApp, digestOf('SELECT id, xmin::text AS version FROM public.users'));
const compatViewExists = async () => (await monolith.query("SELECT to_regclass('public.users_compat') IS NOT NULL;", split.monolith.database)) === 't';

/** CloudNativePG's Secrets of both stores: the keys `authDataSplitEnv` reads, with the loopback servers' values. */
function cloudNativePgSecrets(): JobWorld {
  const appSecret = (login: PostgresLogin) => ({
    username: login.user,
    password: login.password,
    dbname: login.database,
    host: login.host,
    port: String(login.port),
    uri: `postgresql://${login.user}:${login.password}@${login.host}:${login.port}/${login.database}`,
  });
  const superuser = monolith.superuser();
  return {
    secrets: {
      [`${split.monolith.name}-app`]: appSecret(monolithApp),
      [`${split.auth.name}-app`]: appSecret(authApp),
      [`${split.monolith.name}-superuser`]: { username: superuser.user, password: superuser.password },
    },
  };
}

/** Waits until the Job's backend on `server` waits for a lock, and returns its pid and the statement it waits in. */
async function blockedJobBackend(server: LocalPostgres): Promise<{ pid: number; statement: string }> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const row = await server.query(
      `SELECT pid || '|' || replace(query, E'\n', ' ') FROM pg_stat_activity WHERE application_name = '${JOB_NAME}' AND wait_event_type = 'Lock' LIMIT 1;`,
    );
    if (row) {
      const [pid, ...statement] = row.split('|');
      return { pid: Number(pid), statement: statement.join('|') };
    }
    if (Date.now() > deadline) throw new Error(`the ${JOB_NAME} Job never waited for the test's lock on ${server.name}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Where a run is killed, deterministically: a session of the test holds a lock that the Job's statement needs, the
 * Job's backend waits for it, and the test terminates that backend (the connection is killed, as by a failover).
 */
interface KillPoint {
  readonly name: string;
  readonly server: () => LocalPostgres;
  readonly database: string;
  /** Taken in an open transaction before the run. */
  readonly lock: string;
  /** The Job's statement that must be the one waiting, so the kill lands where the name says. */
  readonly waitingStatement: RegExp;
}

const KILL_POINTS: readonly KillPoint[] = [
  {
    // After the copy and the upsert of every row, before the commit: the sequence is the import's last statement.
    name: 'in the import transaction, after every row was copied and upserted, before its commit',
    server: () => auth,
    database: split.auth.database,
    lock: 'ALTER SEQUENCE public.users_id_seq CACHE 1;',
    waitingStatement: /setval\('public\.users_id_seq'/,
  },
  {
    name: 'while exporting the monolith users',
    server: () => monolith,
    database: split.monolith.database,
    lock: 'LOCK TABLE public.users IN ACCESS EXCLUSIVE MODE;',
    waitingStatement: /FROM public\.users ORDER BY id/,
  },
];

/** Fails with the Job's own output when it did not succeed. */
function expectSucceeded(result: JobResult): void {
  if (result.code !== 0) throw new Error(`the ${JOB_NAME} Job failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
  expect(result.scratchFiles).toEqual([]);
}

/** Runs the Job until it waits at `point`, reads its process list there, then kills its connection. */
async function runKilled(point: KillPoint): Promise<{ result: JobResult; statement: string; processes: JobProcess[] }> {
  const blocker = new PsqlSession(point.server().superuser(point.database, 'integration-blocker'));
  await blocker.run(`BEGIN; ${point.lock}`);
  const running = startJob(objects, world);
  let statement = '';
  let processes: JobProcess[] = [];
  try {
    const backend = await blockedJobBackend(point.server());
    statement = backend.statement;
    // psql is connected and waiting: what the node's process list shows of the container right now.
    processes = running.processes();
    await point.server().query(`SELECT pg_terminate_backend(${backend.pid});`);
  } finally {
    await blocker.run('ROLLBACK;');
    await blocker.close();
  }
  return { result: await running.done, statement, processes };
}

/** The passwords of the test world's Secrets: none may be in an argument or the environment of the Job's processes. */
const passwords = () => Object.values(world.secrets).map((secret) => secret.password).filter((p): p is string => p !== undefined);

beforeAll(async () => {
  [monolith, auth] = await Promise.all([LocalPostgres.start(split.monolith.name), LocalPostgres.start(split.auth.name)]);
  monolithApp = await monolith.createOwnedDatabase(split.monolith.database, split.monolith.database);
  authApp = await auth.createOwnedDatabase(split.auth.database, split.auth.database);
  await psqlQuery(monolithApp, MONOLITH_SEED);
  world = cloudNativePgSecrets();
  monolithBefore = await monolithData();
  // The auth tables exist before the first kill, so that the kill can wait on their sequence; step 1 is idempotent.
  await psqlQuery(authApp, only(objects, 'ConfigMap').data['auth-schema.sql']);
}, 120_000);

afterAll(async () => {
  await Promise.all([monolith?.stop(), auth?.stop()]);
});

describe(`auth data split (${split.monolith.name} -> ${split.auth.name}) on real PostgreSQL`, () => {
  test.each(KILL_POINTS)('a run killed $name fails, commits nothing and leaves the monolith intact', async (point) => {
    const { result, statement, processes } = await runKilled(point);
    expect(statement).toMatch(point.waitingStatement);
    // psql ran (connected with a password from the password file), and no password is in the process list.
    expect(processes.some((p) => path.basename(p.argv[0]) === 'psql')).toBe(true);
    expect(processes.flatMap((p) => [...p.argv, ...p.environ]).filter((text) => passwords().some((password) => text.includes(password)))).toEqual([]);
    expect(processes.flatMap((p) => p.environ).filter((variable) => /^PGPASSWORD=/.test(variable))).toEqual([]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/terminating connection due to administrator command|server closed the connection/);
    expect(await authUserCount()).toBe(0);
    expect(await monolithData()).toEqual(monolithBefore);
    expect(await compatViewExists()).toBe(false);
    // The export holds password hashes: the script's trap removes it on failure too.
    expect(result.scratchFiles).toEqual([]);
    report(`auth split killed ${point.name}`, [
      `killed in: ${statement.slice(0, 100)}`,
      `its processes then (no password in any argument or environment): ${processes.map((p) => p.argv.map((a) => path.basename(a)).join(' ')).join('; ')}`,
      `exit code ${result.code}; auth_service_db users before 0, after ${await authUserCount()}`,
      `monolith users table before: ${monolithBefore.users}`,
      `monolith users table after:  ${(await monolithData()).users}`,
    ]);
  });

  test('the re-run after those failures copies every monolith user into auth_service_db, keeping ids', async () => {
    const before = { monolith: await monolithUsers(), auth: await authUsers() };
    const result = await runJob(objects, world);
    expectSucceeded(result);
    expect(result.stdout).toContain('auth data split: done');
    const after = await authUsers();
    expect(after).toBe(before.monolith);
    expect(after).toMatch(new RegExp(`^${USERS} rows`));
    // New auth users get ids after the largest copied one and after every id the monolith handed out (1020 was a
    // user since deleted): no new user takes an id something may still refer to.
    expect(await psqlQuery(authApp, "SELECT nextval('public.users_id_seq') > GREATEST((SELECT max(id) FROM public.users), 1020);")).toBe('t');
    expect(await monolithData()).toEqual(monolithBefore);
    report('auth split, first complete run', [
      `monolith users (auth columns): ${before.monolith}`,
      `auth_service_db users before:  ${before.auth}`,
      `auth_service_db users after:   ${after}`,
      `run time: ${result.seconds.toFixed(2)} s`,
    ]);
  });

  test("the backward-compatible view gives the monolith's application role the same rows as the old table", async () => {
    const view = await psqlQuery(monolithApp, digestOf(`${AUTH_COLUMNS} public.users_compat`));
    expect(view).toBe(await monolithUsers());
    // The view is read-only to the application role, and the monolith's own table is still a table.
    const write = await psqlQuery(monolithApp, "SELECT has_table_privilege('public.users_compat', 'INSERT'), has_table_privilege('public.users_compat', 'SELECT');");
    expect(write).toBe('f|t');
    expect(await monolith.query("SELECT relkind FROM pg_class WHERE oid = 'public.users'::regclass;", split.monolith.database)).toBe('r');
  });

  test('a second run changes nothing: same rows, no row written again', async () => {
    const before = { rows: await authUsers(), versions: await authRowVersions(), view: await psqlQuery(monolithApp, digestOf(`${AUTH_COLUMNS} public.users_compat`)) };
    const result = await runJob(objects, world);
    expectSucceeded(result);
    const after = { rows: await authUsers(), versions: await authRowVersions(), view: await psqlQuery(monolithApp, digestOf(`${AUTH_COLUMNS} public.users_compat`)) };
    expect(after).toEqual(before);
    expect(await monolithData()).toEqual(monolithBefore);
    report('auth split, second run', [`auth_service_db users before: ${before.rows}`, `auth_service_db users after:  ${after.rows}`, `row versions unchanged: ${after.versions === before.versions}`]);
  });

  test('a later run carries a monolith change made since (dual-write catch-up) and rewrites only that row', async () => {
    const versionsBefore = await psqlQuery(authApp, 'SELECT id, xmin::text FROM public.users ORDER BY id;');
    await psqlQuery(monolithApp, "UPDATE public.users SET hashed_password = '$2b$12$changed', updated_at = timestamp '2025-01-01' WHERE id = 42;");
    const result = await runJob(objects, world);
    expectSucceeded(result);
    expect(await authUsers()).toBe(await monolithUsers());
    const versionsAfter = await psqlQuery(authApp, 'SELECT id, xmin::text FROM public.users ORDER BY id;');
    const changed = versionsAfter.split('\n').filter((line, i) => line !== versionsBefore.split('\n')[i]);
    expect(changed.map((line) => line.split('|')[0])).toEqual(['42']);
  });

  test('a user the auth service deleted after the split is not copied back by a later run (a rollback re-adds the Job)', async () => {
    await psqlQuery(authApp, 'DELETE FROM public.users WHERE id = 7;');
    await psqlQuery(authApp, "UPDATE public.users SET is_active = false, updated_at = timestamp '2030-01-01' WHERE id = 8;");
    const before = await authUsers();
    const result = await runJob(objects, world);
    expectSucceeded(result);
    expect(await psqlQuery(authApp, 'SELECT count(*) FROM public.users WHERE id = 7;')).toBe('0');
    // A newer change made by the auth service is not overwritten by the monolith's older row either.
    expect(await psqlQuery(authApp, 'SELECT is_active FROM public.users WHERE id = 8;')).toBe('f');
    expect(await authUsers()).toBe(before);
  });
});
