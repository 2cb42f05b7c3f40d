/**
 * The strangler-fig gateway against the real NGINX: each phase's generated configuration (renderNginxConfig, as the
 * ApiGateway construct renders it, with only the documented `upstreamAddress` hook pointing every Service at a
 * loopback stub) routes real requests; then a route changes status under load with a graceful reload.
 */
import { Agent } from 'http';
import { renderNginxConfig } from '../../constructs/nginx-gateway-config';
import { synthesizePhase } from '../../constructs/synthesize';
import { careerCopilot, PhasePlan, RoutePlan, selectPhase } from '../../phases';
import { freePort } from './support/free-port';
import { GatewayAnswer, GatewayRequest, newClientAddress, send } from './support/gateway-client';
import { LocalNginx } from './support/local-nginx';
import { report } from './support/report';
import { REQUIRED_PROGRAMS, requireProgram } from './support/required-program';
import { StubUpstream } from './support/stub-upstream';

// Fails the suite at once, with the install command, when NGINX is missing: never a skip.
requireProgram(REQUIRED_PROGRAMS.nginx);

const model = careerCopilot();
const MONOLITH = model.monolith.backend.name;
const PHASES = [1, 2, 3, 4] as const;
/** renderNginxConfig's defaults, which the ApiGateway construct keeps: the seed's 5 s and its circuit breaker. */
const READ_TIMEOUT_MS = 5_000;
const MAX_FAILS = 3;

const stubs = new Map<string, StubUpstream>();
const stub = (name: string) => {
  const found = stubs.get(name);
  if (!found) throw new Error(`no stub for upstream ${name}`);
  return found;
};
/** The documented test hook: each Service name -> its stub on 127.0.0.1. */
const upstreamAddress = (service: string) => `127.0.0.1:${stub(service).port}`;
const render = (plan: PhasePlan, port: number) => renderNginxConfig(plan.routes, { listenPort: port, listenAddress: '127.0.0.1', upstreamAddress });

/** What the gateway did with the requests of one block of tests, for the printed counts. */
class Tally {
  sent = 0;
  answered = 0;
  byFallback = 0;
  failed = 0;

  record(answer: GatewayAnswer | undefined): void {
    this.sent += 1;
    if (!answer || answer.status >= 500) this.failed += 1;
    if (answer) this.answered += 1;
    if (answer?.routeStatus === 'hybrid' && answer.upstream === MONOLITH) this.byFallback += 1;
  }

  lines(): string[] {
    return [`requests sent: ${this.sent}`, `answered: ${this.answered}`, `answered by fallback (monolith behind a hybrid route): ${this.byFallback}`, `failed (network error or 5xx): ${this.failed}`];
  }
}

const bodyMethods = new Set(['POST', 'PUT', 'PATCH']);
const methodOf = (route: RoutePlan): string => (route.methods.includes('GET') ? 'GET' : route.methods[0]);
const requestTo = (route: RoutePlan, method: string = methodOf(route), clientAddress = newClientAddress()): GatewayRequest => ({
  method,
  path: route.path,
  clientAddress,
  body: bodyMethods.has(method) ? JSON.stringify({ probe: `${method} ${route.path}`, at: Date.now() }) : undefined,
});
/** The stubs that saw one request. */
const reachedBy = (answer: GatewayAnswer) => [...stubs.values()].filter((s) => s.saw(answer.testId)).map((s) => s.name).sort();
const echoed = (answer: GatewayAnswer) => JSON.parse(answer.body) as { upstream: string; method: string; path: string; body: string };

/** A way for a hybrid route's service to fail, after which the gateway must answer from the monolith. */
interface ServiceFailure {
  readonly name: string;
  /** Whether the request reached the service before the gateway gave up on it. */
  readonly reachesService: boolean;
  readonly inflict: (service: StubUpstream) => Promise<void> | void;
}

const FAILURES: readonly ServiceFailure[] = [
  { name: 'is down (connection refused)', reachesService: false, inflict: (s) => s.down() },
  { name: 'answers 502', reachesService: true, inflict: (s) => void (s.behaviour = { kind: 'status', status: 502 }) },
  { name: 'answers 503', reachesService: true, inflict: (s) => void (s.behaviour = { kind: 'status', status: 503 }) },
  { name: 'answers 504', reachesService: true, inflict: (s) => void (s.behaviour = { kind: 'status', status: 504 }) },
  {
    name: `does not answer within the gateway's ${READ_TIMEOUT_MS / 1000} s read timeout`,
    reachesService: true,
    // Only this check waits for the timeout; the stub answers a second after it.
    inflict: (s) => void (s.behaviour = { kind: 'slow', delayMs: READ_TIMEOUT_MS + 1_000 }),
  },
];

/** Paths no route owns, including a near miss of a route's prefix. */
const UNKNOWN_PATHS = ['/', '/api/v1/unknown', '/api/v1/jobsearch', '/api/v2/jobs', '/api/v1/auth/loginx'];

async function resetStubs(): Promise<void> {
  for (const s of stubs.values()) {
    s.behaviour = { kind: 'answer' };
    if (!s.listening) await s.up();
  }
}

const started = Date.now();

beforeAll(async () => {
  const names = new Set([MONOLITH, ...model.contexts.map((c) => c.service.name)]);
  for (const name of names) stubs.set(name, await StubUpstream.start(name));
});

afterAll(async () => {
  await Promise.all([...stubs.values()].map((s) => s.stop()));
  report('gateway: total', [`run time: ${((Date.now() - started) / 1000).toFixed(1)} s`]);
});

describe.each(PHASES)('gateway of phase %i on real NGINX', (phase) => {
  const plan = selectPhase(model, phase);
  const byStatus = (status: RoutePlan['status']) => plan.routes.filter((r) => r.status === status);
  const tally = new Tally();
  let nginx: LocalNginx;
  let config: string;

  const probe = async (req: GatewayRequest): Promise<GatewayAnswer> => {
    try {
      const answer = await send(nginx.port, req);
      tally.record(answer);
      return answer;
    } catch (error) {
      tally.record(undefined);
      throw error;
    }
  };

  beforeAll(async () => {
    const port = await freePort();
    config = render(plan, port);
    nginx = await LocalNginx.start(port, config);
  });

  afterEach(resetStubs);

  afterAll(async () => {
    await nginx?.stop();
    report(`gateway phase ${phase} (${byStatus('migrated').length} migrated, ${byStatus('hybrid').length} hybrid, ${byStatus('monolith').length} monolith routes)`, tally.lines());
  });

  test('runs the configuration that the phase synthesizes, but for the upstream addresses', () => {
    const gatewayConfig = synthesizePhase(plan)
      .map((m) => (m.document as { data?: Record<string, string> }).data?.['default.conf'])
      .filter((c): c is string => c !== undefined);
    expect(gatewayConfig).toEqual([renderNginxConfig(plan.routes, { listenPort: 8080, upstreamAddress: (s) => `${s}.${plan.namespace}.svc.cluster.local:80` })]);
  });

  test('every migrated route reaches only its service, with every method it accepts', async () => {
    expect(byStatus('migrated').length).toBeGreaterThan(0);
    for (const route of byStatus('migrated')) {
      for (const method of route.methods) {
        const req = requestTo(route, method);
        const answer = await probe(req);
        expect({ path: route.path, method, status: answer.status, reachedBy: reachedBy(answer) }).toEqual({ path: route.path, method, status: 200, reachedBy: [route.service] });
        expect(echoed(answer)).toMatchObject({ method, path: route.path, body: req.body ?? '' });
      }
    }
  });

  if (byStatus('monolith').length > 0) {
    test('every monolith route reaches only the monolith', async () => {
      for (const route of byStatus('monolith')) {
        const answer = await probe(requestTo(route));
        expect({ path: route.path, status: answer.status, reachedBy: reachedBy(answer), routeStatus: answer.routeStatus }).toEqual({
          path: route.path,
          status: 200,
          reachedBy: [MONOLITH],
          routeStatus: 'monolith',
        });
      }
    });
  }

  const hybrid = byStatus('hybrid');
  if (hybrid.length > 0) {
    test('every hybrid route reaches only its service while the service is up', async () => {
      for (const route of hybrid) {
        const answer = await probe(requestTo(route));
        expect({ path: route.path, status: answer.status, reachedBy: reachedBy(answer), routeStatus: answer.routeStatus }).toEqual({
          path: route.path,
          status: 200,
          reachedBy: [route.service],
          routeStatus: 'hybrid',
        });
      }
    });

    // One read-only and one writing request (POST is not idempotent, and still falls back, as in the seed's router).
    const readRoute = hybrid.find((r) => r.methods.includes('GET'));
    const writeRoute = hybrid.find((r) => r.methods.includes('POST'));
    const checked = [
      ...(readRoute ? [{ route: readRoute, method: 'GET' }] : []),
      ...(writeRoute ? [{ route: writeRoute, method: 'POST' }] : []),
    ];

    test.each(FAILURES)('a hybrid route is answered by the monolith when its service $name', async (failure) => {
      // A new worker starts with the circuit breaker closed, so that this check sees the first failure.
      await nginx.reload(config);
      for (const service of new Set(checked.map((c) => c.route.service))) await failure.inflict(stub(service));
      const requests = checked.map(({ route, method }) => ({ route, req: requestTo(route, method) }));
      const answers = await Promise.all(requests.map(({ req }) => probe(req)));
      answers.forEach((answer, i) => {
        const { route, req } = requests[i];
        expect({ path: route.path, method: req.method, status: answer.status, upstream: answer.upstream, reachedBy: reachedBy(answer) }).toEqual({
          path: route.path,
          method: req.method,
          status: 200,
          upstream: MONOLITH,
          reachedBy: failure.reachesService ? [MONOLITH, route.service].sort() : [MONOLITH],
        });
        // The same request, body included, is what the monolith received.
        expect(echoed(answer)).toMatchObject({ method: req.method, path: route.path, body: req.body ?? '' });
      });
    });

    test(`after ${MAX_FAILS} failures the service is skipped and the monolith answers directly (the seed's circuit breaker)`, async () => {
      await nginx.reload(config);
      const route = hybrid[0];
      stub(route.service).behaviour = { kind: 'status', status: 503 };
      for (let i = 0; i < MAX_FAILS; i++) {
        const answer = await probe(requestTo(route));
        expect({ status: answer.status, reachedBy: reachedBy(answer) }).toEqual({ status: 200, reachedBy: [MONOLITH, route.service].sort() });
      }
      // Open: the service, even healthy again, is not asked until the fail timeout has passed.
      stub(route.service).behaviour = { kind: 'answer' };
      const skipped = await probe(requestTo(route));
      expect({ status: skipped.status, reachedBy: reachedBy(skipped) }).toEqual({ status: 200, reachedBy: [MONOLITH] });
    });
  }

  test('every route answers 429 to a client past its rate limit and burst, and still serves another client', async () => {
    const lines: string[] = [];
    for (const route of plan.routes) {
      const burst = Math.max(1, Math.floor(route.rateLimitPerMinute / 10));
      const client = newClientAddress();
      const begin = Date.now();
      let accepted = 0;
      let answer = await probe(requestTo(route, methodOf(route), client));
      while (answer.status !== 429 && accepted < burst + 50) {
        expect(answer.status).toBe(200);
        accepted += 1;
        answer = await probe(requestTo(route, methodOf(route), client));
      }
      // The limit refills while the burst is sent: allow what the rate gives in that time, plus one.
      const refill = Math.ceil(((Date.now() - begin) / 60_000) * route.rateLimitPerMinute) + 1;
      expect({ path: route.path, status: answer.status, reachedBy: reachedBy(answer) }).toEqual({ path: route.path, status: 429, reachedBy: [] });
      expect(accepted).toBeGreaterThanOrEqual(burst + 1);
      expect(accepted).toBeLessThanOrEqual(burst + 1 + refill);
      const other = await probe(requestTo(route));
      expect(other.status).toBe(200);
      lines.push(`${route.path}: ${route.rateLimitPerMinute}/min burst ${burst}: ${accepted} accepted, then 429`);
    }
    if (phase === 1) report('gateway rate limits (phase 1)', lines);
  });

  test.each(UNKNOWN_PATHS)("an unknown path (%s) gets the gateway's JSON 404 and reaches no upstream", async (path) => {
    const answer = await probe({ method: 'GET', path, clientAddress: newClientAddress() });
    expect({ status: answer.status, contentType: answer.headers['content-type'], body: JSON.parse(answer.body), reachedBy: reachedBy(answer) }).toEqual({
      status: 404,
      contentType: 'application/json',
      body: { detail: 'Not Found' },
      reachedBy: [],
    });
  });

  test('a method the endpoint does not accept gets 405 and reaches no upstream', async () => {
    const route = plan.routes.find((r) => !r.methods.includes('DELETE'))!;
    const answer = await probe({ method: 'DELETE', path: route.path, clientAddress: newClientAddress() });
    expect({ status: answer.status, body: JSON.parse(answer.body), reachedBy: reachedBy(answer) }).toEqual({ status: 405, body: { detail: 'Method Not Allowed' }, reachedBy: [] });
  });
});

describe('a route changes status under load, with a graceful reload', () => {
  const ROUTE = '/api/v1/jobs';
  const LOAD = { clients: 20, seconds: 6, intervalMs: 250 };
  /** The configurations in turn: the rollout (hybrid -> migrated), then the rollback of one route. */
  const STEPS = [
    { atMs: 0, label: `phase 2 (${ROUTE} hybrid, its service failing one request in 4)`, plan: selectPhase(model, 2) },
    { atMs: 2_000, label: `phase 3 (${ROUTE} migrated)`, plan: selectPhase(model, 3) },
    { atMs: 4_000, label: `phase 3 with ${ROUTE} sent back to the monolith`, plan: selectPhase(model, 3, { routesToMonolith: [ROUTE] }) },
  ];
  const service = STEPS[0].plan.routes.find((r) => r.path === ROUTE)!.service;

  test(`${LOAD.clients} clients (half on keep-alive connections) for ${LOAD.seconds} s: no request is lost or fails across two reloads`, async () => {
    expect(STEPS.map((s) => s.plan.routes.find((r) => r.path === ROUTE)!.status)).toEqual(['hybrid', 'migrated', 'monolith']);
    const port = await freePort();
    const nginx = await LocalNginx.start(port, render(STEPS[0].plan, port));
    stub(service).behaviour = { kind: 'flaky', every: 4 };
    const outcomes: Array<{ answer?: GatewayAnswer; error?: string }> = [];
    const begin = Date.now();
    const until = begin + LOAD.seconds * 1000;
    try {
      const client = async (i: number) => {
        // Each client has its own address, as real clients do, and stays under the route's per-client rate. Half
        // keep their connection open, as browsers and the frontend do; half open one per request.
        const clientAddress = newClientAddress();
        const keepAliveAgent = i % 2 === 0 ? new Agent({ keepAlive: true, maxSockets: 1 }) : undefined;
        while (Date.now() < until) {
          const sentAt = Date.now();
          try {
            outcomes.push({ answer: await send(port, { method: 'GET', path: i % 4 < 2 ? ROUTE : `${ROUTE}/${i}`, clientAddress }, { keepAliveAgent }) });
          } catch (error) {
            outcomes.push({ error: String(error) });
          }
          await new Promise((r) => setTimeout(r, Math.max(0, LOAD.intervalMs - (Date.now() - sentAt))));
        }
        keepAliveAgent?.destroy();
      };
      const reloads = (async () => {
        for (const step of STEPS.slice(1)) {
          await new Promise((r) => setTimeout(r, Math.max(0, begin + step.atMs - Date.now())));
          // The service heals before the route stops falling back for it.
          stub(service).behaviour = { kind: 'answer' };
          await nginx.reload(render(step.plan, port));
        }
      })();
      await Promise.all([...Array.from({ length: LOAD.clients }, (_, i) => client(i)), reloads]);
    } finally {
      await nginx.stop();
    }

    const answers = outcomes.flatMap((o) => (o.answer ? [o.answer] : []));
    const failed = outcomes.filter((o) => !o.answer || o.answer.status !== 200);
    const count = (routeStatus: string, upstream: string) => answers.filter((a) => a.routeStatus === routeStatus && a.upstream === upstream).length;
    const lines = [
      `requests sent: ${outcomes.length}`,
      `answered: ${answers.length}`,
      `  by ${service} while hybrid: ${count('hybrid', service)}`,
      `  answered by fallback (monolith while hybrid: the service failed, or its circuit was open): ${count('hybrid', MONOLITH)}`,
      `  by ${service} while migrated: ${count('migrated', service)}`,
      `  by the monolith after the rollback: ${count('monolith', MONOLITH)}`,
      `  retried by a keep-alive client on a new connection (idle connection closed by the reload): ${answers.filter((a) => a.retriedOnStaleConnection).length}`,
      `failed: ${failed.length}${failed.length ? ` (${failed.slice(0, 3).map((f) => f.error ?? f.answer?.status).join('; ')})` : ''}`,
    ];
    report(`gateway under load (${LOAD.clients} clients, ${LOAD.seconds} s, reloads: ${STEPS.map((s) => s.label).join(' -> ')})`, lines);

    expect(failed).toEqual([]);
    expect(answers).toHaveLength(outcomes.length);
    // Every answer came from where its configuration sends the route, and each configuration served some.
    const where = { hybrid: [service, MONOLITH], migrated: [service], monolith: [MONOLITH] } as Record<string, string[]>;
    for (const a of answers) expect(where[a.routeStatus ?? '']).toContain(a.upstream);
    expect(count('hybrid', MONOLITH)).toBeGreaterThan(0);
    expect(count('migrated', service)).toBeGreaterThan(0);
    expect(count('monolith', MONOLITH)).toBeGreaterThan(0);
  });
});
