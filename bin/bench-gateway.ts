/**
 * `npm run bench:gateway` (and part of `npm run bench`): what the strangler-fig gateway costs a request. The real
 * NGINX runs phase 3's generated configuration in front of a second NGINX that answers every request at once (so
 * that the upstream is never the bottleneck), and mtail counts every request as in the pod; hey (rakyll/hey, Debian's
 * package) sends GETs to a migrated route through the gateway and
 * straight to the upstream, at 1, 10 and 50 connections, one after the other in one run; the table gives the
 * requests per second, p50/p95/p99 latency and their ratios, against the goals: p50 overhead at most 1 ms at 10
 * connections, and at least 60% of the direct throughput at 50 connections.
 *
 * All requests come from one address, so the route's per-client limit is raised for the run (the limit is still
 * checked on every request, as in production). The route needs a token, as most do: each request carries one,
 * which the upstream (standing in for the auth service too) accepts; the gateway asks about it once per 10 s.
 */
import { execFile } from 'child_process';
import { chmodSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { parseArgs, promisify } from 'util';
import { DEFAULT_LATENCY_BUCKETS_SECONDS, renderGatewayMetricsProgram } from '../constructs/gateway-metrics-program';
import { renderNginxConfig } from '../constructs/nginx-gateway-config';
import { careerCopilot, selectPhase } from '../phases';
import { freePort } from '../test/integration/support/free-port';
import { LocalMtail } from '../test/integration/support/local-mtail';
import { LocalNginx } from '../test/integration/support/local-nginx';
import { requireProgram } from '../test/integration/support/required-program';

const HEY = { name: 'hey', folders: ['/usr/bin'], debianPackage: 'hey' };
const run = promisify(execFile);

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' } } });
const SECONDS = Number(values.seconds);
const CONNECTIONS = [1, 10, 50] as const;
const GOALS = { p50OverheadMsAt10: 1, throughputRatioAt50: 0.6 };

interface Run {
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly non2xx: number;
}

/** The upstream: NGINX answering every request itself, with keep-alive. */
function upstreamConfig(port: number): string {
  return [
    'server {',
    `  listen 127.0.0.1:${port};`,
    '  access_log off;',
    '  keepalive_requests 100000;',
    '  default_type application/json;',
    `  location / { return 200 '{"upstream":"bench"}'; }`,
    '}',
    '',
  ].join('\n');
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** One hey run; every request's time from its CSV, so that each percentile is exact. */
async function load(url: string, connections: number, seconds: number): Promise<Run> {
  const args = ['-z', `${seconds}s`, '-c', String(connections), '-H', 'Authorization: Bearer bench-token', '-o', 'csv', url];
  const { stdout } = await run(requireProgram(HEY), args, { maxBuffer: 256 * 1024 * 1024 });
  // response-time,DNS+dialup,DNS,Request-write,Response-delay,Response-read,status-code,offset
  const rows = stdout.trim().split('\n').slice(1).map((line) => line.split(','));
  const latencies = rows.map((r) => Number(r[0]) * 1000).sort((a, b) => a - b);
  const non2xx = rows.filter((r) => !/^2\d\d$/.test(r[6])).length;
  return { requestsPerSecond: rows.length / seconds, p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), non2xx };
}

async function main(): Promise<void> {
  const plan = selectPhase(careerCopilot(), 3);
  const route = plan.routes.find((r) => r.status === 'migrated' && !r.public && r.methods.includes('GET'))!;
  const auth = plan.edgeAuthentication!;
  const [gatewayPort, upstreamPort, fallbackPort, metricsPort, metricsHttpPort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  const mtail = await LocalMtail.start(renderGatewayMetricsProgram({ latencyBucketsSeconds: DEFAULT_LATENCY_BUCKETS_SECONDS }), metricsPort, metricsHttpPort);
  const logs = mkdtempSync(path.join(tmpdir(), 'bench-gateway-'));
  chmodSync(logs, 0o777);
  const routes = plan.routes.map((r) => ({ ...r, rateLimitPerMinute: 60_000_000 }));
  const gatewayConfig = renderNginxConfig(routes, {
    listenPort: gatewayPort,
    listenAddress: '127.0.0.1',
    upstreamAddress: () => `127.0.0.1:${upstreamPort}`,
    unlistedRoute: plan.unlistedRoute,
    fallbackPort,
    accessLogPath: '/dev/null',
    metricsLogAddress: `127.0.0.1:${metricsPort}`,
    authentication: { ...auth, cachePath: logs },
  });
  const upstream = await LocalNginx.start(upstreamPort, upstreamConfig(upstreamPort));
  const gateway = await LocalNginx.start(gatewayPort, gatewayConfig);
  try {
    const rows: Array<{ connections: number; direct: Run; gateway: Run }> = [];
    for (const connections of CONNECTIONS) {
      // A short warm-up fills both keep-alive pools.
      await load(`http://127.0.0.1:${gatewayPort}${route.path}`, connections, 1);
      const direct = await load(`http://127.0.0.1:${upstreamPort}${route.path}`, connections, SECONDS);
      const through = await load(`http://127.0.0.1:${gatewayPort}${route.path}`, connections, SECONDS);
      rows.push({ connections, direct, gateway: through });
    }
    const ms = (v: number) => v.toFixed(2);
    console.log(`Gateway overhead: GET ${route.path} (migrated, token checked) through phase 3's generated NGINX configuration, against the same upstream directly; ${SECONDS} s per run, one NGINX worker each, one client address.\n`);
    console.log('| connections | direct req/s | gateway req/s | throughput ratio | direct p50/p95/p99 ms | gateway p50/p95/p99 ms | p50 overhead ms | gateway non-2xx |');
    console.log('|---:|---:|---:|---:|---|---|---:|---:|');
    for (const { connections, direct, gateway: g } of rows) {
      console.log(
        `| ${connections} | ${direct.requestsPerSecond.toFixed(0)} | ${g.requestsPerSecond.toFixed(0)} | ${(g.requestsPerSecond / direct.requestsPerSecond).toFixed(2)} | ` +
          `${ms(direct.p50)}/${ms(direct.p95)}/${ms(direct.p99)} | ${ms(g.p50)}/${ms(g.p95)}/${ms(g.p99)} | ${ms(g.p50 - direct.p50)} | ${g.non2xx} |`,
      );
    }
    const at10 = rows.find((r) => r.connections === 10)!;
    const at50 = rows.find((r) => r.connections === 50)!;
    const overhead = at10.gateway.p50 - at10.direct.p50;
    const ratio = at50.gateway.requestsPerSecond / at50.direct.requestsPerSecond;
    console.log('');
    console.log(`goal p50 overhead at 10 connections <= ${GOALS.p50OverheadMsAt10} ms: ${ms(overhead)} ms, ${overhead <= GOALS.p50OverheadMsAt10 ? 'met' : 'missed'}`);
    console.log(`goal throughput at 50 connections >= ${GOALS.throughputRatioAt50 * 100}% of direct: ${(ratio * 100).toFixed(0)}%, ${ratio >= GOALS.throughputRatioAt50 ? 'met' : 'missed'}`);
  } finally {
    await gateway.stop();
    await upstream.stop();
    await mtail.stop();
    rmSync(logs, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
