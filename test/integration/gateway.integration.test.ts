/**
 * The strangler-fig gateway against the real NGINX and the real mtail: each phase's generated configuration
 * (renderNginxConfig, as the ApiGateway construct renders it, with only the documented test hooks: upstream
 * addresses on loopback stubs, the bind address, the fallback listener's port and where the logs go) routes real
 * requests, and its metrics program counts them; then a route changes status under load with a graceful reload.
 */
import { Agent } from 'http';
import { connect } from 'net';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { DEFAULT_CLUSTER_DNS, DEFAULT_DRAIN_SECONDS } from '../../constructs/api-gateway';
import { renderGatewayMetricsProgram } from '../../constructs/gateway-metrics-program';
import { allowedMethods, burstOf, DEFAULT_KEEPALIVE_TIME_SECONDS, NginxConfigOptions, renderNginxConfig, retryAfterSeconds } from '../../constructs/nginx-gateway-config';
import { synthesizePhase } from '../../synthesis/synthesize';
import { careerCopilot, PhasePlan, RoutePlan, selectPhase } from '../../phases';
import { freePort } from './support/free-port';
import { GatewayAnswer, GatewayRequest, newClientAddress, send } from './support/gateway-client';
import { LocalMtail } from './support/local-mtail';
import { LocalNginx } from './support/local-nginx';
import { report } from './support/report';
import { REQUIRED_PROGRAMS, requireProgram } from './support/required-program';
import { StubUpstream } from './support/stub-upstream';
import { expiredToken, forgedToken, TEST_USER, validToken } from './support/test-tokens';

// Fails the suite at once, with the install command, when a server is missing: never a skip.
requireProgram(REQUIRED_PROGRAMS.nginx);
requireProgram(REQUIRED_PROGRAMS.mtail);

const model = careerCopilot();
const MONOLITH = model.monolith.backend.name;
const PHASES = [1, 2, 3, 4] as const;
/** renderNginxConfig's defaults, which the ApiGateway construct keeps: the seed's 5 s and its circuit breaker. */
const READ_TIMEOUT_MS = 5_000;
const MAX_FAILS = 3;
/** The proxies in front of the gateway in these tests: loopback addresses no client address falls in. */
const TRUSTED_PROXIES = '127.0.9.0/24';
const TRUSTED_PROXY = '127.0.9.1';
const LATENCY_BUCKETS = [0.005, 0.05, 0.2, 1, 5, 10];

const stubs = new Map<string, StubUpstream>();
const stub = (name: string) => {
  const found = stubs.get(name);
  if (!found) throw new Error(`no stub for upstream ${name}`);
  return found;
};
/** The documented test hook: each Service name -> its stub on 127.0.0.1. */
const upstreamAddress = (service: string) => `127.0.0.1:${stub(service).port}`;

/** Where one gateway's logs, fallback listener and metrics exporter are, for the test hooks. */
interface GatewayHooks {
  readonly fallbackPort: number;
  readonly accessLogPath: string;
  readonly metricsLogAddress?: string;
}
/** The phase's token check, as the ApiGateway construct configures it; the cache in a folder of the test's. */
const authenticationOf = (plan: PhasePlan, cachePath?: string): NginxConfigOptions['authentication'] => {
  return { ...plan.edgeAuthentication!, ...(cachePath ? { cachePath } : {}) };
};
const render = (plan: PhasePlan, port: number, hooks: GatewayHooks) =>
  renderNginxConfig(plan.routes, {
    listenPort: port,
    listenAddress: '127.0.0.1',
    upstreamAddress,
    unlistedRoute: plan.unlistedRoute,
    trustedProxyCidrs: [TRUSTED_PROXIES],
    upstreamHost: plan.platform.mesh ? 'service' : 'client',
    authentication: authenticationOf(plan, tokenCacheFolder(port)),
    ...hooks,
  });

const tokenCaches = new Map<number, string>();
/**
 * The folder of one gateway's cache of verified tokens (a tmpfs in the pod), writable by NGINX's workers: the same
 * across its reloads, as in the pod (NGINX refuses a reload that moves a cache).
 */
function tokenCacheFolder(port: number): string {
  if (!tokenCaches.has(port)) {
    const folder = mkdtempSync(path.join(tmpdir(), 'integration-gateway-tokens-'));
    chmodSync(folder, 0o777);
    tokenCaches.set(port, folder);
  }
  return tokenCaches.get(port)!;
}

/** A folder for a gateway's access log, writable by NGINX's workers. */
function logFolder(): string {
  const folder = mkdtempSync(path.join(tmpdir(), 'integration-gateway-log-'));
  chmodSync(folder, 0o755);
  return folder;
}

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
    return [
      `requests sent: ${this.sent}`,
      `answered: ${this.answered}`,
      `answered by fallback (monolith behind a hybrid route): ${this.byFallback}`,
      `5xx or network error (the failure cases provoke some on purpose): ${this.failed}`,
    ];
  }
}

const bodyMethods = new Set(['POST', 'PUT', 'PATCH']);
const methodOf = (route: RoutePlan): string => (route.methods.includes('GET') ? 'GET' : route.methods[0]);
const requestTo = (route: RoutePlan, method: string = methodOf(route), clientAddress = newClientAddress(), headers?: Record<string, string>): GatewayRequest => ({
  method,
  path: route.path,
  clientAddress,
  headers,
  body: bodyMethods.has(method) ? JSON.stringify({ probe: `${method} ${route.path}`, at: Date.now() }) : undefined,
});
/** The stubs that saw one request. */
const reachedBy = (answer: GatewayAnswer) => [...stubs.values()].filter((s) => s.saw(answer.testId)).map((s) => s.name).sort();
const echoed = (answer: GatewayAnswer) => JSON.parse(answer.body) as { upstream: string; method: string; path: string; body: string };
const jsonError = (answer: GatewayAnswer) => ({ status: answer.status, contentType: answer.headers['content-type'], body: JSON.parse(answer.body) as unknown });

/** A way for a hybrid route's service to fail. */
interface ServiceFailure {
  readonly name: string;
  /** Whether the request reached the service before the gateway gave up on it. */
  readonly reachesService: boolean;
  readonly inflict: (service: StubUpstream) => Promise<void> | void;
  /** What a write gets: the monolith's answer (never sent to the service), or this status alone. */
  readonly writeAnswer: 'fallback' | number;
}

const FAILURES: readonly ServiceFailure[] = [
  { name: 'is down (connection refused)', reachesService: false, inflict: (s) => s.down(), writeAnswer: 'fallback' },
  { name: 'answers 500', reachesService: true, inflict: (s) => void (s.behaviour = { kind: 'status', status: 500 }), writeAnswer: 500 },
  { name: 'answers 502', reachesService: true, inflict: (s) => void (s.behaviour = { kind: 'status', status: 502 }), writeAnswer: 502 },
  { name: 'answers 503', reachesService: true, inflict: (s) => void (s.behaviour = { kind: 'status', status: 503 }), writeAnswer: 503 },
  { name: 'answers 504', reachesService: true, inflict: (s) => void (s.behaviour = { kind: 'status', status: 504 }), writeAnswer: 504 },
  {
    name: `does not answer within the gateway's ${READ_TIMEOUT_MS / 1000} s read timeout`,
    reachesService: true,
    // Only these checks wait for the timeout; the stub answers a second after it (it committed the write).
    inflict: (s) => void (s.behaviour = { kind: 'slow', delayMs: READ_TIMEOUT_MS + 1_000 }),
    writeAnswer: 504,
  },
];

/** Paths no route owns: the monolith's own, endpoints not yet listed, near misses of a route's prefix. */
const UNLISTED_PATHS = ['/', '/docs', '/api/v1/users/42', '/api/v1/auth/me', '/api/v1/jobsearch', '/api/v2/jobs', '/api/v1/auth/loginx'];

async function resetStubs(): Promise<void> {
  for (const s of stubs.values()) {
    s.behaviour = { kind: 'answer' };
    if (!s.listening) await s.up();
  }
}

/** Polls until `check` passes (metrics and logs arrive over UDP and a file, a moment after the answer). */
async function eventually(check: () => Promise<void> | void, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

const started = Date.now();

beforeAll(async () => {
  const names = new Set([MONOLITH, ...model.contexts.map((c) => c.service.name)]);
  for (const name of names) stubs.set(name, await StubUpstream.start(name));
});

afterAll(async () => {
  await Promise.all([...stubs.values()].map((s) => s.stop()));
  for (const folder of tokenCaches.values()) rmSync(folder, { recursive: true, force: true });
  report('gateway: total', [`run time: ${((Date.now() - started) / 1000).toFixed(1)} s`]);
});

describe.each(PHASES)('gateway of phase %i on real NGINX', (phase) => {
  const plan = selectPhase(model, phase);
  const byStatus = (status: RoutePlan['status']) => plan.routes.filter((r) => r.status === status);
  const tally = new Tally();
  let nginx: LocalNginx;
  let mtail: LocalMtail;
  let config: string;
  let logs: string;

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
  const accessLog = () =>
    readFileSync(path.join(logs, 'access.log'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  beforeAll(async () => {
    const [port, fallbackPort, metricsUdpPort, metricsHttpPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    logs = logFolder();
    mtail = await LocalMtail.start(renderGatewayMetricsProgram({ latencyBucketsSeconds: LATENCY_BUCKETS }), metricsUdpPort, metricsHttpPort);
    config = render(plan, port, { fallbackPort, accessLogPath: path.join(logs, 'access.log'), metricsLogAddress: `127.0.0.1:${metricsUdpPort}` });
    nginx = await LocalNginx.start(port, config);
  });

  afterEach(resetStubs);

  afterAll(async () => {
    await nginx?.stop();
    await mtail?.stop();
    rmSync(logs, { recursive: true, force: true });
    report(`gateway phase ${phase} (${byStatus('migrated').length} migrated, ${byStatus('hybrid').length} hybrid, ${byStatus('monolith').length} monolith routes)`, tally.lines());
  });

  test('runs the configuration that the phase synthesizes, but for the test hooks', () => {
    const synthesized = synthesizePhase(plan).map((m) => (m.document as { data?: Record<string, string> }).data?.['default.conf']).filter((c): c is string => c !== undefined);
    const asDeployed: NginxConfigOptions = {
      listenPort: 8080,
      upstreamAddress: (s) => `${s}.${plan.namespace}.svc.cluster.local:80`,
      unlistedRoute: plan.unlistedRoute,
      fallbackPort: 8081,
      metricsLogAddress: '127.0.0.1:5140',
      upstreamHost: plan.platform.mesh ? 'service' : 'client',
      resolver: DEFAULT_CLUSTER_DNS,
      authentication: authenticationOf(plan),
    };
    expect(synthesized).toEqual([renderNginxConfig(plan.routes, asDeployed)]);
  });

  test('every migrated route reaches only its service, with every method it accepts, HEAD and OPTIONS', async () => {
    expect(byStatus('migrated').length).toBeGreaterThan(0);
    for (const route of byStatus('migrated')) {
      for (const method of allowedMethods(route.methods)) {
        const req = requestTo(route, method);
        const answer = await probe(req);
        expect({ path: route.path, method, status: answer.status, reachedBy: reachedBy(answer) }).toEqual({ path: route.path, method, status: 200, reachedBy: [route.service] });
        if (method !== 'HEAD') expect(echoed(answer)).toMatchObject({ method, path: route.path, body: req.body ?? '' });
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

  if (plan.unlistedRoute) {
    test.each(UNLISTED_PATHS)('an unlisted path (%s) still reaches the monolith, and only it', async (unlisted) => {
      for (const method of ['GET', 'POST', 'OPTIONS']) {
        const answer = await probe({ method, path: unlisted, clientAddress: newClientAddress(), body: method === 'POST' ? '{}' : undefined });
        expect({ method, status: answer.status, reachedBy: reachedBy(answer), path: echoed(answer).path }).toEqual({ method, status: 200, reachedBy: [MONOLITH], path: unlisted });
      }
    });
  } else {
    test.each(UNLISTED_PATHS)("an unlisted path (%s) gets the gateway's JSON 404 once the monolith is retired", async (unlisted) => {
      const answer = await probe({ method: 'GET', path: unlisted, clientAddress: newClientAddress() });
      expect({ ...jsonError(answer), reachedBy: reachedBy(answer) }).toEqual({ status: 404, contentType: 'application/json', body: { detail: 'Not Found' }, reachedBy: [] });
    });
  }

  test(plan.platform.mesh ? "each upstream gets its own Service name as Host (the mesh routes by it), the client's in X-Forwarded-Host" : "each upstream gets the client's Host", async () => {
    const routes = byStatus('migrated').slice(0, 2);
    expect(routes.length).toBeGreaterThan(0);
    for (const route of routes) {
      const answer = await probe(requestTo(route, methodOf(route), newClientAddress(), { host: 'api.example.test' }));
      const target = route.service;
      const seen = stub(target).received(answer.testId)!;
      expect({ host: seen.headers.host, forwardedHost: seen.headers['x-forwarded-host'] }).toEqual({
        host: plan.platform.mesh ? upstreamAddress(target) : 'api.example.test',
        forwardedHost: 'api.example.test',
      });
    }
  });

  test('/metrics is never proxied: the exporter serves it on its own port', async () => {
    const answer = await probe({ method: 'GET', path: '/metrics', clientAddress: newClientAddress() });
    expect({ ...jsonError(answer), reachedBy: reachedBy(answer) }).toEqual({ status: 404, contentType: 'application/json', body: { detail: 'Not Found' }, reachedBy: [] });
  });

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

    const readRoute = hybrid.find((r) => r.methods.includes('GET'));
    /** One hybrid route for each write method that some hybrid route of the phase accepts. */
    const writes = ['POST', 'PUT', 'PATCH', 'DELETE'].flatMap((method) => {
      const route = hybrid.find((r) => (r.methods as readonly string[]).includes(method));
      return route ? [{ route, method }] : [];
    });

    if (readRoute) {
      test.each(FAILURES)('a read on a hybrid route is answered by the monolith when its service $name', async (failure) => {
        // A new worker starts with the circuit breaker closed, so that this check sees the first failure.
        await nginx.reload(config);
        await failure.inflict(stub(readRoute.service));
        for (const method of ['GET', 'HEAD']) {
          const req = requestTo(readRoute, method);
          const answer = await probe(req);
          expect({ method, status: answer.status, upstream: answer.upstream, reachedBy: reachedBy(answer) }).toEqual({
            method,
            status: 200,
            upstream: MONOLITH,
            reachedBy: failure.reachesService ? [MONOLITH, readRoute.service].sort() : [MONOLITH],
          });
          if (method === 'GET') expect(echoed(answer)).toMatchObject({ method, path: readRoute.path });
        }
      });
    }

    test.each(FAILURES)('a write on a hybrid route reaches exactly one upstream when its service $name', async (failure) => {
      expect(writes.length).toBeGreaterThan(0);
      await nginx.reload(config);
      for (const service of new Set(writes.map((w) => w.route.service))) await failure.inflict(stub(service));
      const answers = await Promise.all(writes.map(({ route, method }) => probe(requestTo(route, method))));
      answers.forEach((answer, i) => {
        const { route, method } = writes[i];
        const outcome = { path: route.path, method, status: answer.status, reachedBy: reachedBy(answer) };
        if (failure.writeAnswer === 'fallback') {
          // The service never had the request: the monolith takes it, body included.
          expect(outcome).toEqual({ path: route.path, method, status: 200, reachedBy: [MONOLITH] });
          expect(echoed(answer)).toMatchObject({ method, path: route.path });
          expect(JSON.parse(echoed(answer).body || '{}')).toMatchObject(bodyMethods.has(method) ? { probe: `${method} ${route.path}` } : {});
        } else {
          // The service had it and may have applied it: its answer (or the gateway's timeout) is final.
          expect(outcome).toEqual({ path: route.path, method, status: failure.writeAnswer, reachedBy: [route.service] });
        }
      });
      expect(stub(MONOLITH).seen.filter((r) => answers.some((a) => a.testId === r.testId))).toHaveLength(failure.writeAnswer === 'fallback' ? writes.length : 0);
    });

    if (readRoute) {
      test(`after ${MAX_FAILS} failures the service is skipped and the monolith answers directly (the seed's circuit breaker)`, async () => {
        await nginx.reload(config);
        stub(readRoute.service).behaviour = { kind: 'status', status: 503 };
        for (let i = 0; i < MAX_FAILS; i++) {
          const answer = await probe(requestTo(readRoute));
          expect({ status: answer.status, reachedBy: reachedBy(answer) }).toEqual({ status: 200, reachedBy: [MONOLITH, readRoute.service].sort() });
        }
        // Open: the service, even healthy again, is not asked until the fail timeout has passed.
        stub(readRoute.service).behaviour = { kind: 'answer' };
        const skipped = await probe(requestTo(readRoute));
        expect({ status: skipped.status, reachedBy: reachedBy(skipped) }).toEqual({ status: 200, reachedBy: [MONOLITH] });
      });

      test('a fallback is logged and counted as such, with the request id both upstreams saw', async () => {
        await nginx.reload(config);
        const labels = { route: readRoute.path, method: 'GET', status: '200', upstream: 'fallback' };
        const before = await mtail.total('http_requests_total', labels);
        stub(readRoute.service).behaviour = { kind: 'status', status: 503 };
        const answer = await probe(requestTo(readRoute, 'GET', newClientAddress(), { 'x-request-id': `fallback-${phase}` }));
        expect({ status: answer.status, requestId: answer.headers['x-request-id'], reachedBy: reachedBy(answer) }).toEqual({
          status: 200,
          requestId: `fallback-${phase}`,
          reachedBy: [MONOLITH, readRoute.service].sort(),
        });
        expect([stub(MONOLITH), stub(readRoute.service)].map((s) => s.received(answer.testId)?.headers['x-request-id'])).toEqual([`fallback-${phase}`, `fallback-${phase}`]);
        expect(answer.headers['x-gateway-fallback']).toBeUndefined();
        await eventually(async () => expect(await mtail.total('http_requests_total', labels)).toBe(before + 1));
        await eventually(() =>
          expect(accessLog().find((l) => l.request_id === `fallback-${phase}`)).toMatchObject({ route: readRoute.path, route_status: 'hybrid', status: 200, upstream: 'fallback', fallback: true }),
        );
      });
    }
  }

  test('every route answers a JSON 429 with Retry-After to a client past its rate limit and burst, and still serves another client', async () => {
    const lines: string[] = [];
    for (const route of plan.routes) {
      const burst = burstOf(route.rateLimitPerMinute);
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
      expect({ path: route.path, ...jsonError(answer), retryAfter: answer.headers['retry-after'], reachedBy: reachedBy(answer) }).toEqual({
        path: route.path,
        status: 429,
        contentType: 'application/json',
        body: { detail: 'Too Many Requests' },
        retryAfter: String(retryAfterSeconds(route.rateLimitPerMinute)),
        reachedBy: [],
      });
      expect(accepted).toBeGreaterThanOrEqual(burst + 1);
      expect(accepted).toBeLessThanOrEqual(burst + 1 + refill);
      const other = await probe(requestTo(route));
      expect(other.status).toBe(200);
      lines.push(`${route.path}: ${route.rateLimitPerMinute}/min burst ${burst}: ${accepted} accepted, then 429`);
    }
    if (phase === 1) report('gateway rate limits (phase 1)', lines);
  });

  /** The route with the smallest burst, where a bucket empties fastest. */
  const tightest = [...plan.routes].sort((a, b) => a.rateLimitPerMinute - b.rateLimitPerMinute)[0];
  /** Sends the route's burst + 1 requests as `client` (with these headers) and returns the statuses. */
  const exhaust = async (clientAddress: string, headers: () => Record<string, string>) => {
    const statuses: number[] = [];
    for (let i = 0; i <= burstOf(tightest.rateLimitPerMinute); i++) statuses.push((await probe(requestTo(tightest, methodOf(tightest), clientAddress, headers()))).status);
    return statuses;
  };

  test('two clients behind one trusted proxy get separate buckets, named by X-Forwarded-For', async () => {
    expect(await exhaust(TRUSTED_PROXY, () => ({ 'x-forwarded-for': `203.0.113.${phase}` }))).not.toContain(429);
    const first = await probe(requestTo(tightest, methodOf(tightest), TRUSTED_PROXY, { 'x-forwarded-for': `203.0.113.${phase}` }));
    expect(first.status).toBe(429);
    const second = await probe(requestTo(tightest, methodOf(tightest), TRUSTED_PROXY, { 'x-forwarded-for': `198.51.100.7, 203.0.113.${100 + phase}` }));
    expect(second.status).toBe(200);
    // The upstream learns who the client is, and through which proxy the request came.
    const seen = [...stubs.values()].map((s) => s.received(second.testId)).find(Boolean)!;
    expect({ realIp: seen.headers['x-real-ip'], forwardedFor: seen.headers['x-forwarded-for'] }).toEqual({
      realIp: `203.0.113.${100 + phase}`,
      forwardedFor: `198.51.100.7, 203.0.113.${100 + phase}, ${TRUSTED_PROXY}`,
    });
  });

  test('X-Forwarded-For from an untrusted peer is ignored: the peer is the client', async () => {
    const client = newClientAddress();
    let n = 0;
    const statuses = await exhaust(client, () => ({ 'x-forwarded-for': `192.0.2.${++n}` }));
    expect(statuses).not.toContain(429);
    const next = await probe(requestTo(tightest, methodOf(tightest), client, { 'x-forwarded-for': '192.0.2.200' }));
    expect(next.status).toBe(429);
    const other = await probe(requestTo(tightest, methodOf(tightest), newClientAddress(), { 'x-forwarded-for': '192.0.2.201' }));
    const seen = [...stubs.values()].map((s) => s.received(other.testId)).find(Boolean)!;
    expect(seen.headers['x-real-ip']).toMatch(/^127\.0\./);
  });

  test("a client's request id is kept, returned and passed on; a missing or unusable one is replaced", async () => {
    const route = byStatus('migrated')[0];
    const kept = await probe(requestTo(route, methodOf(route), newClientAddress(), { 'x-request-id': 'client-abc.123' }));
    expect({ returned: kept.headers['x-request-id'], upstream: stub(route.service).received(kept.testId)?.headers['x-request-id'] }).toEqual({
      returned: 'client-abc.123',
      upstream: 'client-abc.123',
    });
    for (const headers of [undefined, { 'x-request-id': 'x'.repeat(200) }, { 'x-request-id': 'has space' }]) {
      const fresh = await probe(requestTo(route, methodOf(route), newClientAddress(), headers));
      expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
      expect(stub(route.service).received(fresh.testId)?.headers['x-request-id']).toBe(fresh.headers['x-request-id']);
    }
    // Answers the gateway gives itself carry one too.
    const notFound = await probe({ method: 'GET', path: '/metrics', clientAddress: newClientAddress(), headers: { 'x-request-id': 'mine-404' } });
    expect(notFound.headers['x-request-id']).toBe('mine-404');
  });

  test("a body over the route's limit gets a JSON 413 and reaches no upstream; one under it passes", async () => {
    const route = [...plan.routes].filter((r) => r.methods.includes('POST')).sort((a, b) => a.maxRequestBodyKilobytes - b.maxRequestBodyKilobytes)[0];
    const body = (kilobytes: number) => JSON.stringify({ padding: 'x'.repeat(kilobytes * 1024 - 20) });
    const over = await probe({ method: 'POST', path: route.path, clientAddress: newClientAddress(), body: body(route.maxRequestBodyKilobytes + 1) });
    expect({ ...jsonError(over), reachedBy: reachedBy(over) }).toEqual({ status: 413, contentType: 'application/json', body: { detail: 'Request Entity Too Large' }, reachedBy: [] });
    const under = await probe({ method: 'POST', path: route.path, clientAddress: newClientAddress(), body: body(route.maxRequestBodyKilobytes - 1) });
    expect(under.status).toBe(200);
  });

  test('a method the endpoint does not accept gets a JSON 405 and reaches no upstream', async () => {
    const route = plan.routes.find((r) => !r.methods.includes('DELETE'))!;
    const answer = await probe({ method: 'DELETE', path: route.path, clientAddress: newClientAddress() });
    expect({ ...jsonError(answer), reachedBy: reachedBy(answer) }).toEqual({ status: 405, contentType: 'application/json', body: { detail: 'Method Not Allowed' }, reachedBy: [] });
  });

  test('an unreachable service of a migrated route gets a JSON 502 from the gateway, counted under its route', async () => {
    const route = byStatus('migrated')[0];
    const labels = { route: route.path, status: '502', upstream: 'service' };
    const before = await mtail.total('http_requests_total', labels);
    await nginx.reload(config);
    await stub(route.service).down();
    const answer = await probe(requestTo(route));
    expect({ ...jsonError(answer), reachedBy: reachedBy(answer) }).toEqual({ status: 502, contentType: 'application/json', body: { detail: 'Bad Gateway' }, reachedBy: [] });
    await eventually(async () => expect(await mtail.total('http_requests_total', labels)).toBe(before + 1));
  });

  const protectedRoute = plan.routes.find((r) => !r.public && r.methods.includes('GET'))!;
  const publicRoutes = plan.routes.filter((r) => r.public);
  const targetOf = (route: RoutePlan) => (route.status === 'monolith' || route.status === 'shadow' ? MONOLITH : route.service);
  /** Every token check any stub answered for this token. */
  const verificationsOf = (token: string) => [...stubs.values()].flatMap((s) => s.verifications.filter((v) => v.headers.authorization === `Bearer ${token}`).map(() => s.name));

  const refusedTokens: ReadonlyArray<readonly [string, () => Promise<string | null>]> = [
    ['no token', () => Promise.resolve(null)],
    ['an expired token', expiredToken],
    ['a forged token (signed with another key)', forgedToken],
    ['a token that is not a bearer token', () => Promise.resolve('not a jwt')],
  ];
  test.each(refusedTokens)('a protected route refuses a request with %s: a JSON 401 with a Bearer challenge, and no upstream sees it', async (_what, token) => {
    const detail = 'Not authenticated';
    const answer = await probe({ ...requestTo(protectedRoute), token: await token() });
    expect({ ...jsonError(answer), challenge: answer.headers['www-authenticate'], reachedBy: reachedBy(answer) }).toEqual({
      status: 401,
      contentType: 'application/json',
      body: { detail },
      challenge: 'Bearer',
      reachedBy: [],
    });
  });

  test('a write without a token is refused on every protected route, whatever its status (a hybrid write takes a location of its own)', async () => {
    const writes = plan.routes.filter((r) => !r.public && r.methods.some((m) => m !== 'GET'));
    expect(writes.length).toBeGreaterThan(0);
    for (const route of writes) {
      const method = route.methods.find((m) => m !== 'GET')!;
      const answer = await probe({ ...requestTo(route, method), token: null });
      expect({ path: route.path, status: route.status, answer: answer.status, reachedBy: reachedBy(answer) }).toEqual({ path: route.path, status: route.status, answer: 401, reachedBy: [] });
    }
  });

  test("a valid token passes: the upstream gets the verified identity, never the client's own identity headers", async () => {
    const user = { id: `user-${phase}-valid`, roles: ['member', 'beta'] };
    const spoofed = { 'x-user-id': 'admin', 'x-user-roles': 'admin' };
    const answer = await probe({ ...requestTo(protectedRoute, 'GET', newClientAddress(), spoofed), token: await validToken(user) });
    expect({ status: answer.status, reachedBy: reachedBy(answer) }).toEqual({ status: 200, reachedBy: [targetOf(protectedRoute)] });
    const seen = stub(targetOf(protectedRoute)).received(answer.testId)!;
    expect({ id: seen.headers['x-user-id'], roles: seen.headers['x-user-roles'] }).toEqual({ id: user.id, roles: 'member,beta' });
    // The token itself travels on: the services may read its claims.
    expect(seen.headers.authorization).toMatch(/^Bearer /);
  });

  test.each(publicRoutes.map((r) => [r.path, r] as const))('the public route %s is open without a token, and a spoofed identity is dropped', async (_path, route) => {
    const answer = await probe({ ...requestTo(route, methodOf(route), newClientAddress(), { 'x-user-id': 'admin' }), token: null });
    expect({ status: answer.status, reachedBy: reachedBy(answer) }).toEqual({ status: 200, reachedBy: [targetOf(route)] });
    expect(stub(targetOf(route)).received(answer.testId)!.headers['x-user-id']).toBeUndefined();
  });

  test('a CORS preflight (OPTIONS, which carries no token) reaches a protected route', async () => {
    const answer = await probe({ ...requestTo(protectedRoute, 'OPTIONS'), token: null });
    expect({ status: answer.status, reachedBy: reachedBy(answer) }).toEqual({ status: 200, reachedBy: [targetOf(protectedRoute)] });
  });

  test(`a verified token is asked about once within the cache time (${plan.edgeAuthentication!.cacheSeconds} s), a refused one every time`, async () => {
    const token = await validToken({ id: `user-${phase}-cached`, roles: TEST_USER.roles });
    for (let i = 0; i < 4; i++) expect((await probe({ ...requestTo(protectedRoute), token })).status).toBe(200);
    expect(verificationsOf(token)).toHaveLength(1);
    const forged = await forgedToken();
    for (let i = 0; i < 3; i++) expect((await probe({ ...requestTo(protectedRoute), token: forged })).status).toBe(401);
    expect(verificationsOf(forged)).toHaveLength(3);
  });

  const verifier = plan.edgeAuthentication!.upstream;
  if (plan.edgeAuthentication!.fallback) {
    test(`while ${verifier} is down the monolith verifies tokens: protected routes stay up, forged tokens stay out`, async () => {
      await nginx.reload(config);
      await stub(verifier).down();
      const token = await validToken({ id: `user-${phase}-fallback`, roles: TEST_USER.roles });
      const monolithRoute = plan.routes.find((r) => !r.public && r.status !== 'migrated' && r.methods.includes('GET')) ?? protectedRoute;
      const answer = await probe({ ...requestTo(monolithRoute), token });
      expect({ status: answer.status, verifiedBy: verificationsOf(token) }).toEqual({ status: 200, verifiedBy: [MONOLITH] });
      expect((await probe({ ...requestTo(monolithRoute), token: await forgedToken() })).status).toBe(401);
    });
  } else {
    test(`while ${verifier} is down protected routes fail closed (a JSON 500, no upstream reached); public ones of other services stay open`, async () => {
      await nginx.reload(config);
      await stub(verifier).down();
      const answer = await probe({ ...requestTo(protectedRoute), token: await validToken({ id: `user-${phase}-closed`, roles: [] }) });
      expect({ ...jsonError(answer), reachedBy: reachedBy(answer) }).toEqual({ status: 500, contentType: 'application/json', body: { detail: 'Internal Server Error' }, reachedBy: [] });
    });
  }

  const shadow = byStatus('shadow');
  if (shadow.length > 0) {
    const shadowLabels = (route: RoutePlan, status: string) => ({ route: route.path, method: 'GET', status });
    test.each(shadow.map((r) => [r.path, r] as const))('the shadow route %s is answered by the monolith; its service gets a copy of the read, query included', async (_path, route) => {
      const answer = await probe({ ...requestTo(route, 'GET', newClientAddress(), { 'x-request-id': `shadow-${phase}-${route.context}` }), path: `${route.path}?page=2` });
      expect({ status: answer.status, upstream: answer.upstream, routeStatus: answer.routeStatus }).toEqual({ status: 200, upstream: MONOLITH, routeStatus: 'shadow' });
      await eventually(() => expect(stub(route.service).received(answer.testId)).toBeDefined());
      const copy = stub(route.service).received(answer.testId)!;
      expect({ method: copy.method, path: copy.path, requestId: copy.headers['x-request-id'], user: copy.headers['x-user-id'] }).toEqual({
        method: 'GET',
        path: `${route.path}?page=2`,
        requestId: `shadow-${phase}-${route.context}`,
        user: TEST_USER.id,
      });
    });

    test('a write on a shadow route reaches the monolith only: never its service', async () => {
      const route = shadow.find((r) => r.methods.some((m) => m !== 'GET')) ?? shadow[0];
      const method = route.methods.find((m) => m !== 'GET') ?? 'POST';
      const answer = await probe(requestTo(route, method));
      expect({ status: answer.status, upstream: answer.upstream }).toEqual({ status: method === 'POST' && !route.methods.includes('POST') ? 405 : 200, upstream: answer.status === 405 ? undefined : MONOLITH });
      // A copy would have arrived within this time (the reads' copies take milliseconds).
      await new Promise((r) => setTimeout(r, 300));
      expect(stub(route.service).saw(answer.testId)).toBe(false);
    });

    test("the copies' failures are counted per route in the metrics, and no client sees them", async () => {
      const route = shadow[0];
      const before = { failed: await mtail.total('gateway_shadow_requests_total', shadowLabels(route, '503')), refused: await mtail.total('gateway_shadow_requests_total', shadowLabels(route, '502')) };
      const latencyBefore = await mtail.total('gateway_shadow_request_duration_seconds_count', { route: route.path });
      stub(route.service).behaviour = { kind: 'status', status: 503 };
      for (let i = 0; i < 3; i++) expect((await probe(requestTo(route, 'GET'))).status).toBe(200);
      // A copy may still be on its way after the client's answer: let the three arrive before the service goes.
      await eventually(async () => expect(await mtail.total('gateway_shadow_requests_total', shadowLabels(route, '503'))).toBe(before.failed + 3));
      await stub(route.service).down();
      for (let i = 0; i < 2; i++) expect((await probe(requestTo(route, 'GET'))).status).toBe(200);
      await eventually(async () => {
        expect(await mtail.total('gateway_shadow_requests_total', shadowLabels(route, '503'))).toBe(before.failed + 3);
        expect(await mtail.total('gateway_shadow_requests_total', shadowLabels(route, '502'))).toBe(before.refused + 2);
        expect(await mtail.total('gateway_shadow_request_duration_seconds_count', { route: route.path })).toBe(latencyBefore + 5);
      });
      // The clients' own series count the monolith's answers only.
      for (const status of ['502', '503']) expect(await mtail.total('http_requests_total', { route: route.path, status })).toBe(0);
    });
  }

  test('the metrics count every route by method, status and upstream, with a latency histogram', async () => {
    const route = byStatus('migrated')[0];
    const before = await mtail.total('http_requests_total', { route: route.path, status: '200', upstream: 'service' });
    const histogramBefore = await mtail.total('http_request_duration_seconds_count', { route: route.path, upstream: 'service' });
    for (let i = 0; i < 3; i++) expect((await probe(requestTo(route))).status).toBe(200);
    await eventually(async () => {
      expect(await mtail.total('http_requests_total', { route: route.path, status: '200', upstream: 'service' })).toBe(before + 3);
      expect(await mtail.total('http_request_duration_seconds_count', { route: route.path, upstream: 'service' })).toBe(histogramBefore + 3);
    });
    // The latency objective (200 ms) is a bucket boundary; the gateway's own answers are counted with no upstream.
    const buckets = (await mtail.series('http_request_duration_seconds_bucket')).filter((s) => s.labels.route === route.path && s.labels.upstream === 'service');
    expect(buckets.map((b) => b.labels.le)).toEqual([...LATENCY_BUCKETS.map(String), '+Inf']);
    expect(await mtail.total('http_requests_total', { status: '429', upstream: 'none' })).toBeGreaterThan(0);
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
    const hooks: GatewayHooks = { fallbackPort: await freePort(), accessLogPath: '/dev/null' };
    const nginx = await LocalNginx.start(port, render(STEPS[0].plan, port, hooks));
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
          await nginx.reload(render(step.plan, port, hooks));
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

describe('a rolling update of the gateway under load from keep-alive clients that never retry', () => {
  const WRITE_ROUTE = '/api/v1/applications';
  const READ_ROUTE = '/api/v1/jobs';
  // Under each route's per-client limit: applications 120/min, jobs 300/min.
  const CLIENTS = [
    ...Array.from({ length: 8 }, () => ({ method: 'POST', path: WRITE_ROUTE, intervalMs: 600 })),
    ...Array.from({ length: 8 }, () => ({ method: 'GET', path: READ_ROUTE, intervalMs: 250 })),
  ];

  test(`phase 2's pods replaced by phase 3's as Kubernetes does it (a ${DEFAULT_DRAIN_SECONDS} s preStop drain, then SIGQUIT): no request fails`, async () => {
    const [plan2, plan3] = [selectPhase(model, 2), selectPhase(model, 3)];
    const pods: LocalNginx[] = [];
    const logs = logFolder();
    const startPod = async (plan: PhasePlan) => {
      const port = await freePort();
      const pod = await LocalNginx.start(port, render(plan, port, { fallbackPort: await freePort(), accessLogPath: path.join(logs, `access-${port}.log`) }));
      pods.push(pod);
      return pod;
    };
    /**
     * The Service, as kube-proxy makes it: each new connection goes to one of the ready endpoints (round robin);
     * a connection stays with its pod until one side closes it, even after the pod has left the endpoints.
     */
    let endpoints: LocalNginx[] = [];
    let next = 0;
    const serviceConnection = (options: { localAddress?: string }) => connect({ host: '127.0.0.1', port: endpoints[next++ % endpoints.length].port, localAddress: options.localAddress });

    const outcomes: Array<{ method: string; answer?: GatewayAnswer; error?: string; sentAt: number }> = [];
    let running = true;
    const client = async (spec: (typeof CLIENTS)[number]) => {
      const clientAddress = newClientAddress();
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      (agent as unknown as { createConnection: typeof serviceConnection }).createConnection = serviceConnection;
      while (running) {
        const sentAt = Date.now();
        const req: GatewayRequest = { method: spec.method, path: spec.path, clientAddress, body: spec.method === 'POST' ? JSON.stringify({ at: sentAt }) : undefined };
        try {
          outcomes.push({ method: spec.method, sentAt, answer: await send(0, req, { keepAliveAgent: agent, retryOnStaleConnection: false }) });
        } catch (error) {
          outcomes.push({ method: spec.method, sentAt, error: String(error) });
        }
        await new Promise((r) => setTimeout(r, Math.max(0, spec.intervalMs - (Date.now() - sentAt))));
      }
      agent.destroy();
    };

    const timeline: string[] = [];
    let drainStart = 0;
    let sigquit = 0;
    const at = (what: string) => timeline.push(`${((Date.now() - begin) / 1000).toFixed(1)} s: ${what}`);
    const begin = Date.now();
    try {
      const old = await startPod(plan2);
      endpoints = [old];
      const load = Promise.all(CLIENTS.map(client));
      await new Promise((r) => setTimeout(r, 2_000));
      // maxSurge 1: the new pod starts and becomes ready; then the old one terminates: it leaves the endpoints and
      // its preStop sleeps while NGINX still serves the connections clients hold; then the kubelet sends SIGQUIT.
      const fresh = await startPod(plan3);
      endpoints = [old, fresh];
      at('new pod ready');
      await new Promise((r) => setTimeout(r, 1_000));
      endpoints = [fresh];
      drainStart = Date.now();
      at('old pod terminating: out of the endpoints, preStop drain');
      await new Promise((r) => setTimeout(r, DEFAULT_DRAIN_SECONDS * 1_000));
      at('old pod: SIGQUIT');
      sigquit = Date.now();
      await old.stop();
      await new Promise((r) => setTimeout(r, 2_000));
      running = false;
      await load;
      at('load stopped');
    } finally {
      running = false;
      for (const pod of pods) await pod.stop();
      rmSync(logs, { recursive: true, force: true });
    }

    const failed = outcomes.filter((o) => !o.answer || o.answer.status !== 200);
    const byMethod = (method: string) => outcomes.filter((o) => o.method === method);
    report(`gateway rolling update (${CLIENTS.length} keep-alive clients that never retry, ${DEFAULT_DRAIN_SECONDS} s drain)`, [
      ...timeline,
      `POST sent: ${byMethod('POST').length}, GET sent: ${byMethod('GET').length}`,
      `answered while ${WRITE_ROUTE} was hybrid (old pod): ${outcomes.filter((o) => o.answer?.routeStatus === 'hybrid').length}, migrated (new pod): ${outcomes.filter((o) => o.answer?.routeStatus === 'migrated').length}`,
      `failed: ${failed.length}${failed.length ? ` (${failed.slice(0, 3).map((f) => `${f.method} ${f.error ?? f.answer?.status}`).join('; ')})` : ''}`,
    ]);
    expect(failed).toEqual([]);
    expect(byMethod('POST').length).toBeGreaterThan(100);
    // Every client left the old pod within the keep-alive time (plus a request interval) of the drain's start, so
    // none was still connected when it stopped: the old pod answered nothing sent later.
    const lastOld = Math.max(...outcomes.filter((o) => o.answer?.routeStatus === 'hybrid').map((o) => o.sentAt));
    expect((lastOld - drainStart) / 1000).toBeLessThan(DEFAULT_KEEPALIVE_TIME_SECONDS + 1);
    expect(outcomes.filter((o) => o.sentAt > sigquit - 5_000).every((o) => o.answer?.routeStatus === 'migrated')).toBe(true);
  });
});
