/**
 * The least-privilege application role of a managed PostgreSQL store (DatabaseRoleJob, the aws target) on a real
 * PostgreSQL: the synthesized Job, run as an RDS-like master user (CREATEROLE and CREATEDB, not a superuser), makes
 * the role the owner of its database and nothing more; a second run changes nothing; a new password replaces the
 * old; tables the master created before are handed over, its views are not.
 */
import { randomBytes } from 'crypto';
import { DatabaseRoleJob } from '../../constructs/database-role-job';
import { careerCopilot, selectPhase } from '../../phases';
import { emitted } from '../support/synth';
import { JobResult, runJob } from './support/local-job';
import { LocalPostgres } from './support/local-postgres';
import { PostgresLogin, psqlQuery, runPsql } from './support/psql';
import { REQUIRED_PROGRAMS, requireProgram } from './support/required-program';

// Fails the suite at once, with the install command, when PostgreSQL is missing: never a skip.
[REQUIRED_PROGRAMS.postgres, REQUIRED_PROGRAMS.initdb, REQUIRED_PROGRAMS.psql].forEach(requireProgram);

const store = selectPhase(careerCopilot(), 1).dataStores.find((s) => s.name === 'user-db')!;
const MASTER = 'app';

let server: LocalPostgres;
let master: PostgresLogin;
let job: (rolePassword: string) => Promise<JobResult>;
const role = (password: string): PostgresLogin => ({ ...master, user: store.database, password });

beforeAll(async () => {
  server = await LocalPostgres.start(store.name);
  // As RDS makes its master user and the instance's database (`dbName`): CREATEROLE and CREATEDB, owner of it.
  const password = randomBytes(18).toString('hex');
  await server.query(`CREATE ROLE ${MASTER} LOGIN CREATEROLE CREATEDB PASSWORD '${password}';`);
  await server.query(`CREATE DATABASE ${store.database} OWNER ${MASTER};`);
  master = { host: '127.0.0.1', port: server.port, database: store.database, user: MASTER, password };
  const objects = emitted((scope) => new DatabaseRoleJob(scope, `${store.name}-role`, { store: store.name, database: store.database, partOf: 'career-copilot' }));
  job = (rolePassword) =>
    runJob(objects, {
      secrets: {
        [`${store.name}-superuser`]: { username: MASTER, password: master.password, host: '127.0.0.1', port: String(server.port) },
        [`${store.name}-app`]: { username: store.database, password: rolePassword, host: '127.0.0.1', port: String(server.port) },
      },
    });
  // What a service wrote while it connected as the master user, before this change: a table with a serial id, a
  // standalone sequence, and a view (as the auth split's compatibility view is).
  await psqlQuery(master, 'CREATE TABLE public.profiles (id serial PRIMARY KEY, name text); CREATE SEQUENCE public.invoice_numbers; CREATE VIEW public.profile_names AS SELECT name FROM public.profiles; INSERT INTO public.profiles (name) VALUES (\'ada\');');
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

const owners = () =>
  server.query(
    `SELECT string_agg(format('%s %s', c.relname, pg_get_userbyid(c.relowner)), ', ' ORDER BY c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public';`,
    store.database,
  );

describe(`the application role of ${store.name} (${store.database}) on real PostgreSQL, from an RDS-like master user`, () => {
  const first = randomBytes(12).toString('hex');

  test('the Job makes the role, which owns its database and public schema and may do nothing else', async () => {
    const result = await job(first);
    expect(result).toMatchObject({ code: 0, scratchFiles: [] });
    expect(await server.query(`SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = '${store.database}';`)).toBe('f|f|f|f|f|t');
    expect(await server.query(`SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '${store.database}';`)).toBe(store.database);
    expect(await server.query(`SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'public';`, store.database)).toBe(store.database);
    // The role works in its own database: the service's writes and schema changes.
    expect(await psqlQuery(role(first), 'CREATE TABLE public.sessions (id bigint PRIMARY KEY); INSERT INTO public.profiles (name) VALUES (\'grace\'); SELECT count(*) FROM public.profiles;')).toBe('2');
    // And nothing else: no new role, no new database, nothing of the master's that it was not given.
    for (const [sql, refusal] of [
      ['CREATE ROLE intruder LOGIN;', 'permission denied to create role'],
      ['CREATE DATABASE elsewhere;', 'permission denied to create database'],
      ['SELECT * FROM public.profile_names;', 'permission denied for view profile_names'],
      [`ALTER ROLE ${MASTER} PASSWORD 'taken';`, 'permission denied'],
    ] as const) {
      const refused = await runPsql(role(first), sql);
      expect({ sql, code: refused.code === 0 ? 0 : 'refused', refusal: refused.stderr.includes(refusal) }).toEqual({ sql, code: 'refused', refusal: true });
    }
  });

  test('what the master owned in public is the role\'s now (the serial\'s sequence with its table), but its view stays the master\'s', async () => {
    expect(await owners()).toBe(`invoice_numbers ${store.database}, profile_names ${MASTER}, profiles ${store.database}, profiles_id_seq ${store.database}, profiles_pkey ${store.database}, sessions ${store.database}, sessions_pkey ${store.database}`);
  });

  test('PUBLIC may no longer connect to the database', async () => {
    await server.query(`CREATE ROLE bystander LOGIN PASSWORD 'bystander';`);
    const refused = await runPsql({ ...master, user: 'bystander', password: 'bystander' }, 'SELECT 1;');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('permission denied for database');
  });

  test('a second run changes nothing; a new password replaces the old', async () => {
    const before = await owners();
    expect((await job(first)).code).toBe(0);
    expect(await owners()).toBe(before);
    const second = randomBytes(12).toString('hex');
    expect((await job(second)).code).toBe(0);
    expect(await psqlQuery(role(second), 'SELECT count(*) FROM public.profiles;')).toBe('2');
    const old = await runPsql(role(first), 'SELECT 1;');
    expect(old.code).not.toBe(0);
    expect(old.stderr).toContain(`password authentication failed for user "${store.database}"`);
  });
});
