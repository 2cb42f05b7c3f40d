/**
 * The gateway resolves its upstreams' names while it runs, as in a cluster: the real NGINX (the image's version)
 * asks the real dnsmasq, standing in for the cluster's DNS, with the configuration renderNginxConfig gives the
 * ApiGateway construct; only the DNS server's address, the upstream port and the bind address are test hooks.
 * The first incidents this prevents: a gateway pod that crash-loops because one Service does not exist yet, and
 * a gateway that keeps sending to the old address of a Service created again.
 */
import { chmodSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { renderNginxConfig } from '../../constructs/nginx-gateway-config';
import { careerCopilot, selectPhase } from '../../phases';
import { freePort } from './support/free-port';
import { GatewayAnswer, newClientAddress, send } from './support/gateway-client';
import { LocalDnsmasq } from './support/local-dnsmasq';
import { LocalNginx } from './support/local-nginx';
import { report } from './support/report';
import { REQUIRED_PROGRAMS, requireProgram } from './support/required-program';
import { StubUpstream } from './support/stub-upstream';

requireProgram(REQUIRED_PROGRAMS.nginx);
requireProgram(REQUIRED_PROGRAMS.dnsmasq);

/** Phase 2: a migrated route (auth-service), hybrid reads and writes (jobs, applications), the monolith. */
const plan = selectPhase(careerCopilot(), 2);
const MONOLITH = plan.unlistedRoute!.upstream;
const name = (service: string) => `${service}.${plan.namespace}.svc.cluster.local`;
/** How long NGINX keeps an answer: the shortest the construct allows, so that a change shows within seconds. */
const VALID_SECONDS = 1;

let dns: LocalDnsmasq;
let nginx: LocalNginx;
let servicePort: number;
let logs: string;
const stubs: StubUpstream[] = [];
let monolith: StubUpstream;

async function stub(service: string, host: string): Promise<StubUpstream> {
  const started = await StubUpstream.start(service, { host, port: servicePort });
  stubs.push(started);
  return started;
}

/** Sends `request` every 200 ms until `done` holds for its answer; returns the answer and the seconds it took. */
async function until(request: () => Promise<GatewayAnswer>, done: (a: GatewayAnswer) => boolean, timeoutMs = 15_000): Promise<{ answer: GatewayAnswer; seconds: number }> {
  const started = Date.now();
  for (;;) {
    const answer = await request();
    if (done(answer)) return { answer, seconds: (Date.now() - started) / 1000 };
    if (Date.now() - started > timeoutMs) throw new Error(`no change within ${timeoutMs / 1000} s; last answer ${answer.status} from ${answer.upstream ?? 'the gateway'}: ${answer.body}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const login = () => send(nginx.port, { method: 'POST', path: '/api/v1/auth/login', body: '{}', clientAddress: newClientAddress() });

beforeAll(async () => {
  servicePort = await freePort();
  // Only the monolith's Service exists when the gateway starts.
  monolith = await stub(MONOLITH, '127.0.0.2');
  dns = await LocalDnsmasq.start(await freePort(), { [name(MONOLITH)]: '127.0.0.2' });
  logs = mkdtempSync(path.join(tmpdir(), 'integration-gateway-dns-'));
  chmodSync(logs, 0o755);
  const port = await freePort();
  const config = renderNginxConfig(plan.routes, {
    listenPort: port,
    listenAddress: '127.0.0.1',
    upstreamAddress: (service) => `${name(service)}:${servicePort}`,
    unlistedRoute: plan.unlistedRoute,
    fallbackPort: await freePort(),
    accessLogPath: path.join(logs, 'access.log'),
    resolver: `127.0.0.1:${dns.port}`,
    resolverValidSeconds: VALID_SECONDS,
    // The auth service's name resolves no better than the others': the monolith verifies tokens until it does.
    authentication: { ...plan.edgeAuthentication!, cacheSeconds: 0 },
  });
  nginx = await LocalNginx.start(port, config);
}, 60_000);

afterAll(async () => {
  await nginx?.stop();
  await dns?.stop();
  await Promise.all(stubs.map((s) => s.stop()));
  if (logs) rmSync(logs, { recursive: true, force: true });
});

describe('the gateway resolves Service names while it runs (NGINX resolve, a real DNS server)', () => {
  test('it starts while no context service\'s name resolves, and the monolith answers what it owns', async () => {
    expect(await dns.lookup(name('auth-service'))).toEqual([]);
    const answer = await send(nginx.port, { method: 'GET', path: '/api/v1/users/42', clientAddress: newClientAddress() });
    expect({ status: answer.status, upstream: answer.upstream }).toEqual({ status: 200, upstream: MONOLITH });
  });

  test('a migrated route whose Service does not exist yet gets the gateway\'s JSON 502, reaching nothing', async () => {
    const answer = await login();
    expect(answer.status).toBe(502);
    expect(JSON.parse(answer.body)).toEqual({ detail: 'Bad Gateway' });
    expect(monolith.saw(answer.testId)).toBe(false);
  });

  test('a hybrid route whose Service does not exist yet falls back to the monolith, reads and writes alike (the service got nothing)', async () => {
    const read = await send(nginx.port, { method: 'GET', path: '/api/v1/jobs', clientAddress: newClientAddress() });
    const write = await send(nginx.port, { method: 'POST', path: '/api/v1/applications', body: '{"job":1}', clientAddress: newClientAddress() });
    expect([read, write].map((a) => ({ status: a.status, upstream: a.upstream }))).toEqual([{ status: 200, upstream: MONOLITH }, { status: 200, upstream: MONOLITH }]);
    expect(monolith.seen.filter((r) => r.testId === write.testId)).toHaveLength(1);
  });

  test('once the Service exists, its route reaches it without a reload or a restart', async () => {
    const first = await stub('auth-service', '127.0.0.3');
    dns.setHosts({ [name(MONOLITH)]: '127.0.0.2', [name('auth-service')]: '127.0.0.3' });
    const { answer, seconds } = await until(login, (a) => a.status === 200);
    expect(first.saw(answer.testId)).toBe(true);
    report('gateway and DNS', [`a Service created after the gateway started: reached in ${seconds.toFixed(1)} s (answers kept ${VALID_SECONDS} s)`]);
  });

  test('a Service created again with a new address: the gateway follows it, and then sends nothing to the old one', async () => {
    const [first] = stubs.filter((s) => s.name === 'auth-service');
    const second = await stub('auth-service', '127.0.0.4');
    dns.setHosts({ [name(MONOLITH)]: '127.0.0.2', [name('auth-service')]: '127.0.0.4' });
    await first.down();
    const { seconds } = await until(login, (a) => a.status === 200 && second.saw(a.testId));
    const after = await Promise.all(Array.from({ length: 20 }, () => login()));
    expect(after.map((a) => a.status)).toEqual(after.map(() => 200));
    expect(after.every((a) => second.saw(a.testId))).toBe(true);
    report('gateway and DNS', [`a Service created again at a new address: followed in ${seconds.toFixed(1)} s; 20 of 20 requests after it reached the new one`]);
  });
});
