/**
 * The strangler fig promoted while it serves: `pulumi up` of a throwaway stack 0 -> 1 -> 2 -> 1 -> 0 on the real
 * node of scripts/node.sh, with steady reads and writes from vegeta during every step. Each workload runs the
 * reference service (scripts/images.sh), which really queries its own database and records every write it applies,
 * so the test can count where each write landed. Run by `npm run test:live` (as root), never by `npm test`.
 */
import { get } from 'http';
import { careerCopilot, compatViewName, PhaseNumber, selectPhase, serviceTableName } from '../../phases';
import { clusterEnvironment, LOCAL_STACK_CONFIG } from '../../local/cluster';
import { NODE_BRIDGE_CIDR, nodeImages } from '../../local/node/real-node';
import { NodeStandIns } from '../../local/node/stand-ins';
import { PulumiStack } from '../../local/pulumi-stack';
import { waitUntil } from '../e2e/support/release-status';
import { throwawayStack } from '../e2e/support/throwaway-stack';
import { MONOLITH_SEED_USERS } from '../../local/node/monolith-seed';
import { LIVE_NODE_READY } from './global-setup';
import { kubectl, NAMESPACE, pods, serviceUrl, unreadyPods } from './support/live-cluster';
import { deniedFlows, inBatches, requiredFlows, tryFlow } from './support/network-flows';
import { Traffic, TrafficReport, TrafficRequest } from './support/traffic';

const describeOnNode = process.env[LIVE_NODE_READY] === 'true' ? describe : describe.skip;

const model = careerCopilot();
/**
 * The mix: reads and writes on a route of each status the steps pass through (users: monolith -> hybrid ->
 * migrated; jobs and applications: monolith -> hybrid; an endpoint nobody listed stays the monolith's).
 */
const MIX: readonly TrafficRequest[] = [
  { method: 'GET', path: '/api/v1/users/profile' },
  { method: 'PUT', path: '/api/v1/users/profile' },
  { method: 'GET', path: '/api/v1/jobs' },
  { method: 'POST', path: '/api/v1/applications' },
  { method: 'GET', path: '/api/v1/applications' },
  { method: 'GET', path: '/api/v1/dashboard/summary' },
];
const TRAFFIC = { rate: 40, connections: 8, clients: 50, headers: { authorization: 'Bearer live-test-token' } };

let env: NodeJS.ProcessEnv;
let stack: PulumiStack | undefined;
let standIns: NodeStandIns;
const reports: Array<{ step: string; report: TrafficReport; seconds: number }> = [];

/** `pulumi up` to `phase` with the stand-in reconciling beside it, then every pod Ready. */
async function upTo(phase: number): Promise<number> {
  const start = Date.now();
  await stack!.setConfig('phase', String(phase));
  await standIns.during(() => stack!.up());
  await waitUntil(`every pod Ready at phase ${phase}`, () => unreadyPods(env), (unready) => unready.length === 0, 180_000);
  return (Date.now() - start) / 1000;
}

/** One step under traffic to `front` (the monolith's or the gateway's Service), recorded for the report. */
async function stepUnderTraffic(label: string, front: () => string, phase: number): Promise<TrafficReport> {
  const traffic = Traffic.start(front(), MIX, TRAFFIC);
  let seconds = 0;
  try {
    seconds = await upTo(phase);
    // A few seconds more on the new phase: what the step left behind must serve too.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    // Every gateway pod routes as the new phase says (none started on the previous phase's configuration).
    if (selectPhase(model, phase as PhaseNumber).workloads.some((w) => w.role === 'gateway')) expect(await routeStatusesSeen()).toEqual(routeStatusesOf(phase));
  } finally {
    const report = await traffic.stop();
    reports.push({ step: label, report, seconds });
    if (report.failed > 0 && front === gateway) gatewayLogOfFailures(report);
  }
  landings();
  return reports[reports.length - 1].report;
}

/** The gateway's access-log lines of a step's failed requests (its pods still running): which location, which upstream. */
function gatewayLogOfFailures(report: TrafficReport): void {
  const ids = report.failedRequestIds;
  let log = '';
  try {
    log = kubectl(env, ['logs', '-n', NAMESPACE, '-l', `app.kubernetes.io/name=${model.platform.gateway.name}`, '-c', 'app', '--prefix', '--tail=-1']);
  } catch {
    // the pods that served them may be gone
  }
  const lines = log.split('\n').filter((line) => ids.some((id) => line.includes(id)));
  process.stdout.write(`gateway log of ${ids.length} failed requests:\n${lines.join('\n') || '(none found)'}\n`);
}

/** The status the phase gives each path of the mix: its endpoint's, or the monolith's for a path no endpoint lists. */
function routeStatusesOf(phase: number): Record<string, string[]> {
  const routes = selectPhase(model, phase as PhaseNumber).routes;
  const statusOf = (path: string) => routes.find((r) => path === r.path || path.startsWith(`${r.path}/`))?.status ?? 'monolith';
  return Object.fromEntries([...new Set(MIX.map((r) => r.path))].map((path) => [path, [statusOf(path)]]));
}

/**
 * The route status (`X-Route-Status`) the gateway answers each path of the mix with, over a new connection per
 * request so that every replica is asked: a pod on another phase's configuration shows as a second status.
 */
async function routeStatusesSeen(requestsPerPath = 12): Promise<Record<string, string[]>> {
  // Each request as a client of its own (the gateway believes X-Forwarded-For from the bridge; the traffic's
  // clients are 198.51.100.x): a probe never meets a rate limit, whose 429 carries no route status.
  const statusOnce = (path: string, client: number) =>
    new Promise<string>((resolve, reject) => {
      const headers = { ...TRAFFIC.headers, 'x-forwarded-for': `203.0.113.${client}` };
      const request = get(`${gateway()}${path}`, { agent: false, headers }, (response) => {
        response.resume();
        resolve(String(response.headers['x-route-status'] ?? 'none'));
      });
      request.on('error', reject);
    });
  const seen: Record<string, string[]> = {};
  for (const path of new Set(MIX.map((r) => r.path))) {
    const statuses = new Set<string>();
    for (let i = 0; i < requestsPerPath; i++) statuses.add(await statusOnce(path, i + 1));
    seen[path] = [...statuses].sort();
  }
  return seen;
}

/**
 * The phase's NetworkPolicies as the node's kube-router enforces them: from a running pod of each workload, every
 * connection the model needs opens (its calls and its stores, each name resolved through the allow-dns policy), and
 * every sampled connection nobody needs is refused.
 */
async function expectFlowsEnforced(phase: PhaseNumber): Promise<void> {
  const plan = selectPhase(model, phase);
  const running = pods(env).filter((p) => p.phase === 'Running' && p.ready && !p.deleting);
  const check = async (flow: ReturnType<typeof requiredFlows>[number]) => {
    const pod = running.find((p) => p.app === flow.from);
    return { flow: flow.label, outcome: pod ? await tryFlow(env, pod.name, flow) : `no running pod of ${flow.from}` };
  };
  const required = await inBatches(requiredFlows(plan), 4, check);
  const denied = await inBatches(deniedFlows(plan), 4, check);
  process.stdout.write(`phase ${phase} flows: ${required.filter((r) => r.outcome === 'open').length} of ${required.length} required open (${required.map((r) => r.flow).join(', ')}); ${denied.filter((r) => r.outcome === 'closed').length} of ${denied.length} denied refused\n`);
  expect(required.length).toBeGreaterThan(0);
  expect(denied.length).toBeGreaterThan(0);
  expect(required.filter((r) => r.outcome !== 'open')).toEqual([]);
  expect(denied.filter((r) => r.outcome !== 'closed')).toEqual([]);
}

/**
 * The contexts' data moves ran in real pods against the stand-in servers: every seeded row of each moved table is in
 * its service's store as the same row (the Job's verification, recorded there), and the monolith's database reads
 * it back through its compatibility view: from the monolith's store pod to the service's, through the policies the
 * node enforces.
 */
function expectDataMoved(phase: PhaseNumber): void {
  const moves = selectPhase(model, phase).dataMoves;
  expect(moves.length).toBeGreaterThan(0);
  for (const move of moves) {
    for (const table of move.tables) {
      const [rows] = standIns.postgres.psql(move.monolith.name, move.monolith.database, `SELECT count(*) FROM public."${table.table}";`);
      const verified = standIns.postgres.psql(move.store.name, move.store.database, `SELECT monolith_rows || '/' || same_rows || '/' || service_rows FROM public.data_move_verifications WHERE table_name = '${serviceTableName(table)}';`);
      expect({ table: table.table, verified }).toEqual({ table: table.table, verified: [`${rows}/${rows}/0`] });
      expect({ view: compatViewName(table), rows: standIns.postgres.psql(move.monolith.name, move.monolith.database, `SELECT count(*) FROM public."${compatViewName(table)}";`) }).toEqual({ view: compatViewName(table), rows: [rows] });
      process.stdout.write(`phase ${phase}: ${move.context} data move verified ${table.table} -> ${move.store.name} ${serviceTableName(table)}: ${rows} rows; the monolith reads ${rows} through ${compatViewName(table)}\n`);
    }
  }
}

const monolith = () => serviceUrl(env, model.monolith.backend.name);
const gateway = () => serviceUrl(env, model.platform.gateway.name);

/** The phases the run passes through. */
const PHASES: readonly PhaseNumber[] = [0, 1, 2];

/** The Redis stores of the phases the run passes through: their pods are `<name>-0`. */
const REDIS_STORES = [...new Set(PHASES.flatMap((phase) => selectPhase(model, phase).dataStores.filter((d) => d.engine === 'redis').map((d) => d.name)))];

/** Each store's writes as last read, by request id: a store a rollback removed keeps what it held. */
const writesByStore = new Map<string, Map<string, number>>();

/**
 * Reads every running store's writes (the reference services' `reference_writes`: rows in PostgreSQL, list entries
 * in Redis), then returns each write's landings over every store seen so far, by request id.
 */
function landings(): Map<string, number> {
  const running = new Set(pods(env).filter((p) => p.phase === 'Running' && p.ready).map((p) => p.name));
  for (const [cluster, database] of standIns.postgres.stoodIn()) {
    if (!running.has(`${cluster}-1`)) continue;
    const counts = new Map<string, number>();
    // Only the databases a reference service has written to have the table.
    if (standIns.postgres.psql(cluster, database, "SELECT to_regclass('public.reference_writes') IS NOT NULL;")[0] === 't') {
      for (const row of standIns.postgres.psql(cluster, database, 'SELECT request_id, count(*) FROM public.reference_writes GROUP BY 1;')) {
        const [id, n] = row.split('|');
        counts.set(id, Number(n));
      }
    }
    writesByStore.set(cluster, counts);
  }
  for (const store of REDIS_STORES) {
    if (!running.has(`${store}-0`)) continue;
    // redis-cli reads the password from REDISCLI_AUTH, which the store's container has.
    const entries = kubectl(env, ['exec', '-n', NAMESPACE, `${store}-0`, '-c', 'redis', '--', 'redis-cli', '--raw', 'LRANGE', 'reference_writes', '0', '-1']);
    const counts = new Map<string, number>();
    for (const line of entries.split('\n').filter((l) => l.startsWith('{'))) {
      const { requestId } = JSON.parse(line) as { requestId: string };
      counts.set(requestId, (counts.get(requestId) ?? 0) + 1);
    }
    writesByStore.set(store, counts);
  }
  // MongoDB stores have no client in their image: a pod of a workload that uses the store (a reference service, with
  // pymongo, which the NetworkPolicies let through) reads them.
  for (const [server, database] of standIns.mongo.stoodIn()) {
    const users = new Set(PHASES.flatMap((phase) => selectPhase(model, phase).workloads.filter((w) => w.dataStores.some((d) => d.name === server)).map((w) => w.spec.name)));
    const reader = pods(env).find((p) => users.has(p.app) && p.phase === 'Running' && p.ready && !p.deleting);
    if (!running.has(`${server}-0`) || !reader) continue;
    const script = `import json, pymongo\nc = pymongo.MongoClient("mongodb://${server}-svc.${NAMESPACE}.svc.cluster.local:27017/", serverSelectionTimeoutMS=5000)\nfor d in c["${database}"]["reference_writes"].find({}, {"requestId": 1}): print(d["requestId"])\n`;
    const counts = new Map<string, number>();
    for (const id of kubectl(env, ['exec', '-i', '-n', NAMESPACE, reader.name, '-c', 'app', '--', 'python3', '-'], script).split('\n').filter((l) => l.length > 0)) {
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    writesByStore.set(server, counts);
  }
  const total = new Map<string, number>();
  for (const counts of writesByStore.values()) for (const [id, n] of counts) total.set(id, (total.get(id) ?? 0) + n);
  return total;
}

describeOnNode('live promotion on a real node under traffic', () => {
  beforeAll(async () => {
    env = clusterEnvironment();
    standIns = new NodeStandIns(NAMESPACE, env);
    stack = await throwawayStack({ ...LOCAL_STACK_CONFIG, phase: '0' }, { env, stackName: 'live' });
    for (const [i, entry] of nodeImages(model).entries()) await stack.setConfig(`images[${i}]`, entry, { path: true });
    // vegeta stands for the load balancer in front of the gateway: the node's bridge address is where its
    // connections come from, and the clients it names in X-Forwarded-For are the ones the rate limits count.
    await stack.setConfig('trustedProxyCidrs[0]', NODE_BRIDGE_CIDR, { path: true });
  });

  afterAll(async () => {
    if (reports.length > 0) {
      const lines = reports.map(({ step, report: r, seconds }) => `${step}: ${r.sent} requests, ${r.failed} failed, p95 ${r.p95Ms} ms, up ${seconds.toFixed(0)} s, statuses ${JSON.stringify(r.byStatus)}${Object.keys(r.errors).length ? `, errors ${JSON.stringify(r.errors)}` : ''}`);
      process.stdout.write(`\nlive steps:\n${lines.join('\n')}\n`);
    }
    // LIVE_KEEP_STACK=1 leaves the stack and its pods for inspection (the next run starts from a new stack).
    if (stack && process.env.LIVE_KEEP_STACK !== '1') {
      await stack.destroy().catch(() => undefined);
      await stack.remove();
    }
  });

  test('phase 0: the monolith runs on real pods and its database takes the seed', async () => {
    const seconds = await upTo(0);
    const running = pods(env).filter((p) => p.phase === 'Running' && p.ready).map((p) => p.app);
    expect(running).toEqual(expect.arrayContaining([model.monolith.backend.name, model.monolith.frontend.name, 'monolith-db']));
    expect(standIns.seedMonolith(model.monolith.database)).toBe(true);
    expect(standIns.postgres.psql('monolith-db', 'career_copilot', 'SELECT count(*) FROM public.users;')).toEqual([String(MONOLITH_SEED_USERS)]);
    const answer = (await fetch(`${monolith()}/api/v1/users/profile`, { headers: { 'x-request-id': 'live-phase-0' } }).then((r) => r.json())) as Record<string, unknown>;
    expect(answer).toMatchObject({ service: model.monolith.backend.name, requestId: 'live-phase-0' });
    process.stdout.write(`phase 0 up in ${seconds.toFixed(0)} s\n`);
    await expectFlowsEnforced(0);
  });

  test('0 -> 1 under traffic to the monolith: no request fails', async () => {
    const report = await stepUnderTraffic('0 -> 1 (to the monolith)', monolith, 1);
    expect(report.failures).toEqual([]);
    expect(report.sent).toBeGreaterThan(100);
    // The auth data split ran on the real databases: every user's auth columns are in auth-db.
    expect(standIns.postgres.psql('auth-db', 'auth_service_db', 'SELECT count(*) FROM users;')).toEqual([String(MONOLITH_SEED_USERS)]);
    expectDataMoved(1);
    await expectFlowsEnforced(1);
  });

  test('1 -> 2 under traffic through the gateway: no request fails', async () => {
    const report = await stepUnderTraffic('1 -> 2 (through the gateway)', gateway, 2);
    expect(report.failures).toEqual([]);
    expect(report.sent).toBeGreaterThan(100);
    // The applications context keeps a read model from phase 2: its service reads through the replicas' URL that the
    // kubelet composed from its store's Secret (a URL left with its $(...) references would never be ready).
    const service = model.contexts.find((c) => c.name === 'applications')!.service.name;
    const read = await fetch(`${gateway()}/api/v1/applications`, { headers: { ...TRAFFIC.headers, 'x-request-id': 'live-read-model', 'x-forwarded-for': '203.0.113.200' } });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ service, requestId: 'live-read-model', readsFrom: 'read-model' });
    expectDataMoved(2);
    await expectFlowsEnforced(2);
  });

  test("phase 2: a hybrid route's service pod deleted, then the service down, under load: the monolith answers, nothing fails", async () => {
    const service = model.contexts.find((c) => c.name === 'applications')!.service.name;
    const traffic = Traffic.start(gateway(), MIX, TRAFFIC);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    kubectl(env, ['delete', 'pod', '-n', NAMESPACE, '-l', `app.kubernetes.io/name=${service}`, '--wait=false']);
    await waitUntil(`${service} replaced`, () => unreadyPods(env), (unready) => unready.length === 0);
    // Then no pod at all for 10 s (a crash loop, a bad release): the hybrid route's fallback is all there is.
    kubectl(env, ['scale', 'deployment', service, '-n', NAMESPACE, '--replicas=0']);
    await waitUntil(`${service} gone`, () => pods(env).filter((p) => p.app === service).map((p) => p.name), (left) => left.length === 0, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    kubectl(env, ['scale', 'deployment', service, '-n', NAMESPACE, '--replicas=1']);
    await waitUntil(`${service} back`, () => ({ ready: pods(env).some((p) => p.app === service && p.ready), unready: unreadyPods(env) }), (s) => s.ready && s.unready.length === 0);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const report = await traffic.stop();
    reports.push({ step: `phase 2, ${service} pod deleted, then scaled to 0 for 10 s`, report, seconds: 0 });
    landings();
    expect(report.failures).toEqual([]);
    // While the service was down, the monolith answered its writes (and no other service did).
    const writers = report.servedBy['POST /api/v1/applications'] ?? {};
    process.stdout.write(`applications answered by: POST ${JSON.stringify(writers)}, GET ${JSON.stringify(report.servedBy['GET /api/v1/applications'] ?? {})}\n`);
    expect(writers[model.monolith.backend.name]).toBeGreaterThan(0);
    expect(Object.keys(writers).filter((name) => name !== model.monolith.backend.name && name !== service)).toEqual([]);
  });

  test('2 -> 1 through the gateway and 1 -> 0 to the monolith: no request fails', async () => {
    expect((await stepUnderTraffic('2 -> 1 (through the gateway)', gateway, 1)).failures).toEqual([]);
    expect((await stepUnderTraffic('1 -> 0 (to the monolith)', monolith, 0)).failures).toEqual([]);
  });

  test('every write answered landed exactly once, none twice; the data survived every step', () => {
    const landed = landings();
    const accepted = reports.flatMap((r) => r.report.acceptedWrites);
    const unanswered = reports.flatMap((r) => r.report.unansweredWrites);
    expect(accepted.length).toBeGreaterThan(100);
    expect(accepted.filter((id) => landed.get(id) !== 1)).toEqual([]);
    expect(unanswered.filter((id) => (landed.get(id) ?? 0) > 1)).toEqual([]);
    expect([...landed.values()].filter((n) => n > 1)).toEqual([]);
    expect(standIns.postgres.psql('monolith-db', 'career_copilot', 'SELECT count(*) FROM public.users;')).toEqual([String(MONOLITH_SEED_USERS)]);
    expect(standIns.postgres.psql('auth-db', 'auth_service_db', 'SELECT count(*) FROM users;')).toEqual([String(MONOLITH_SEED_USERS)]);
  });
});
