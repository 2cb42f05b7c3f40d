/**
 * The event store's schema (EventStoreSchemaJob) on a real PostgreSQL: the synthesized Job creates it, a second
 * run changes nothing, and concurrent appends of the same (aggregate_id, version) let exactly one writer win.
 */
import { EventStoreSchemaJob } from '../../constructs/event-store-schema-job';
import { careerCopilot, selectPhase } from '../../phases';
import { emitted } from '../support/synth';
import { JobResult, runJob } from './support/local-job';
import { LocalPostgres } from './support/local-postgres';
import { PostgresLogin, psqlQuery, PsqlSession, runPsql } from './support/psql';
import { report } from './support/report';
import { REQUIRED_PROGRAMS, requireProgram } from './support/required-program';

// Fails the suite at once, with the install command, when PostgreSQL is missing: never a skip.
[REQUIRED_PROGRAMS.postgres, REQUIRED_PROGRAMS.initdb, REQUIRED_PROGRAMS.psql].forEach(requireProgram);

const plan = selectPhase(careerCopilot(), 3);
const store = plan.eventStore!;
const WRITERS = 16;
const APPEND_APP = 'integration-append';

let server: LocalPostgres;
let owner: PostgresLogin;
let job: (password?: string) => Promise<JobResult>;

/** One append as the seed's `PostgresEventStore.append_events` writes it. */
const appendSql = (aggregateId: string, version: number, writer: number) => `
INSERT INTO public.events (event_id, event_type, aggregate_id, aggregate_type, event_data, version)
VALUES (gen_random_uuid(), 'ApplicationSubmitted', '${aggregateId}', 'Application', '{"writer": ${writer}}', ${version});`;

const schema = () =>
  psqlQuery(
    owner,
    `SELECT string_agg(format('%s %s %s', attname, format_type(atttypid, atttypmod), attnotnull), ', ' ORDER BY attnum) FROM pg_attribute
     WHERE attrelid = 'public.events'::regclass AND attnum > 0 AND NOT attisdropped
     UNION ALL SELECT string_agg(indexdef, '; ' ORDER BY indexname) FROM pg_indexes WHERE tablename = 'events'
     UNION ALL SELECT string_agg(tgname, ', ' ORDER BY tgname) FROM pg_trigger WHERE tgrelid = 'public.events'::regclass AND NOT tgisinternal;`,
  );

beforeAll(async () => {
  server = await LocalPostgres.start(store.name);
  owner = await server.createOwnedDatabase(store.database, store.database);
  const objects = emitted((scope) => new EventStoreSchemaJob(scope, 'event-store-schema', { store: store.name, database: store.database, partOf: plan.product }));
  // Host and port come from the Secret, as CloudNativePG (its `-rw` Service) and the aws target (the RDS endpoint)
  // write them; its password key is mounted as a file, which the Job's first step puts in psql's password file.
  job = (password = owner.password) =>
    runJob(objects, { secrets: { [`${store.name}-app`]: { username: owner.user, password, host: '127.0.0.1', port: String(server.port) } } });
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe(`event store schema (${store.name}/${store.database}) on real PostgreSQL`, () => {
  test('the Job creates the events table, and a second run changes nothing', async () => {
    const first = await job();
    expect(first).toMatchObject({ code: 0, stderr: '' });
    // The password file is removed when the script ends.
    expect(first.scratchFiles).toEqual([]);
    const created = await schema();
    expect(created).toContain('UNIQUE INDEX events_aggregate_id_version_key ON public.events USING btree (aggregate_id, version)');
    await psqlQuery(owner, appendSql('application-1', 1, 0));
    const second = await job();
    expect(second.code).toBe(0);
    // Only "already exists, skipping" notices: every statement found its object.
    expect(second.stderr.trim().split('\n').filter((line) => !/NOTICE: .* already exists, skipping$/.test(line))).toEqual([]);
    expect(await schema()).toBe(created);
    expect(await psqlQuery(owner, 'SELECT count(*) FROM public.events;')).toBe('1');
  });

  test('a password with ":" and "\\" reaches psql through its password file (escaped), and a wrong one is refused', async () => {
    const password = 'p:a\\ss:word\\';
    await server.query(`ALTER ROLE ${owner.user} PASSWORD '${password}';`);
    try {
      expect(await job(password)).toMatchObject({ code: 0, scratchFiles: [] });
      // The server really checks it: the Job's old password is refused now.
      const refused = await job(owner.password);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain(`password authentication failed for user "${owner.user}"`);
    } finally {
      await server.query(`ALTER ROLE ${owner.user} PASSWORD '${owner.password}';`);
    }
  });

  test(`of ${WRITERS} concurrent appends of the same (aggregate_id, version), exactly one wins`, async () => {
    const aggregateId = 'application-42';
    const rowsBefore = await psqlQuery(owner, 'SELECT count(*) FROM public.events;');
    // A barrier: every writer's INSERT waits for this lock, so all of them reach the unique check together.
    const barrier = new PsqlSession({ ...owner, applicationName: 'integration-barrier' });
    await barrier.run('BEGIN; LOCK TABLE public.events IN SHARE MODE;');
    const writers = Array.from({ length: WRITERS }, (_, writer) => runPsql({ ...owner, applicationName: APPEND_APP }, appendSql(aggregateId, 1, writer)));
    const deadline = Date.now() + 20_000;
    let waiting = 0;
    while (waiting < WRITERS) {
      if (Date.now() > deadline) throw new Error(`only ${waiting} of ${WRITERS} writers reached the barrier`);
      await new Promise((r) => setTimeout(r, 20));
      waiting = Number(await server.query(`SELECT count(*) FROM pg_stat_activity WHERE application_name = '${APPEND_APP}' AND wait_event_type = 'Lock';`));
    }
    await barrier.run('COMMIT;');
    await barrier.close();
    const results = await Promise.all(writers);

    const winners = results.filter((r) => r.code === 0);
    const losers = results.filter((r) => r.code !== 0);
    expect(winners).toHaveLength(1);
    for (const loser of losers) expect(loser.stderr).toContain('duplicate key value violates unique constraint "events_aggregate_id_version_key"');
    expect(await psqlQuery(owner, `SELECT count(*) FROM public.events WHERE aggregate_id = '${aggregateId}';`)).toBe('1');
    // The winner's next version appends; the events table refuses to change what was written.
    await psqlQuery(owner, appendSql(aggregateId, 2, 0));
    const update = await runPsql(owner, `UPDATE public.events SET version = 3 WHERE aggregate_id = '${aggregateId}';`);
    expect(update.stderr).toContain('the events table is append-only: UPDATE is not allowed');
    const rowsAfter = await psqlQuery(owner, 'SELECT count(*) FROM public.events;');
    expect(Number(rowsAfter)).toBe(Number(rowsBefore) + 2);
    report('event store: concurrent appends of one (aggregate_id, version)', [
      `writers: ${WRITERS}, all waiting at the barrier: ${waiting}`,
      `committed: ${winners.length}, refused (unique violation): ${losers.length}`,
      `events rows before: ${rowsBefore}, after (the winner and version 2): ${rowsAfter}`,
    ]);
  });
});
