import { RouteStatus } from '../phases/model/endpoint';

/** One endpoint as the gateway routes it. */
export interface GatewayRoute {
  /** Path prefix, e.g. `/api/v1/auth/login`; matches the path itself and everything below it. */
  readonly path: string;
  readonly status: RouteStatus;
  /** HTTP methods the endpoint accepts; others get 405. */
  readonly methods: readonly string[];
  /** Upstream service for `hybrid` and `migrated` (a Kubernetes Service name). */
  readonly service: string;
  /** The monolith's Service name, for `monolith` and `hybrid`. */
  readonly monolith: string;
  /** Per-client requests per minute. */
  readonly rateLimitPerMinute: number;
}

/** Timeouts and the circuit breaker of the gateway, after the seed's router and circuit breaker. */
export interface GatewayTimeouts {
  /** @default 2 */
  readonly connectTimeoutSeconds?: number;
  /** The seed's router gives a service 5 s (httpx timeout=5.0). @default 5 */
  readonly readTimeoutSeconds?: number;
  /** Failures before a hybrid route's service is skipped (the seed's failure_threshold=3). @default 3 */
  readonly maxFails?: number;
  /** How long a failed service is skipped before it is tried again (the seed's recovery_timeout=30). @default 30 */
  readonly failTimeoutSeconds?: number;
}

/** Options of `renderNginxConfig`. */
export interface NginxConfigOptions {
  readonly listenPort: number;
  /** Address to bind; the integration tests bind 127.0.0.1 only. @default - every address (`listen <port>`) */
  readonly listenAddress?: string;
  /**
   * Where a Service is reached. The manifests use the in-cluster DNS name; the integration tests pass a function
   * that maps each Service to a loopback port (the one documented test hook: nothing else in the config changes).
   */
  readonly upstreamAddress: (service: string) => string;
  readonly timeouts?: GatewayTimeouts;
}

const kebab = (s: string) => s.replace(/[^a-z0-9]+/gi, '_').replace(/^_|_$/g, '').toLowerCase();

/**
 * The NGINX configuration (an `http`-level include, as the unprivileged image's `conf.d/` expects) that
 * implements strangler-fig routing:
 * - migrated: the service only;
 * - monolith: the monolith only;
 * - hybrid: the service first; on connection error, timeout or 502/503/504 the same request goes to the monolith
 *   (an upstream with the monolith as `backup`); after `maxFails` failures the service is skipped for
 *   `failTimeoutSeconds`, which is the seed's circuit breaker;
 * plus per-client rate limiting (429 past the limit) and a JSON 404 for any other path.
 */
export function renderNginxConfig(routes: readonly GatewayRoute[], options: NginxConfigOptions): string {
  const t = { connectTimeoutSeconds: 2, readTimeoutSeconds: 5, maxFails: 3, failTimeoutSeconds: 30, ...options.timeouts };
  const lines: string[] = ['# Generated from the platform model: strangler-fig routing. Do not edit.', ''];

  for (const route of routes) {
    // 1 request per `60 / limit` seconds on average per client address, with a burst of a tenth of the minute.
    lines.push(`limit_req_zone $binary_remote_addr zone=${zone(route)}:10m rate=${route.rateLimitPerMinute}r/m;`);
  }
  lines.push('limit_req_status 429;', '');

  const upstreams = new Map<string, string[]>();
  // `zone`: failure counts (the circuit breaker) are shared by every worker, and survive a reload.
  // `keepalive_timeout` below uvicorn's 5 s, so NGINX never reuses a connection the service is closing.
  const pool = (name: string) => [`zone ${name} 64k;`, 'keepalive 16;', 'keepalive_timeout 4s;'];
  const single = (service: string) => [`server ${options.upstreamAddress(service)} max_fails=0;`, ...pool(upstreamName(service))];
  for (const route of routes) {
    if (route.status !== 'hybrid') {
      const target = route.status === 'migrated' ? route.service : route.monolith;
      upstreams.set(upstreamName(target), single(target));
    } else {
      upstreams.set(`${upstreamName(route.service)}_with_fallback`, [
        `server ${options.upstreamAddress(route.service)} max_fails=${t.maxFails} fail_timeout=${t.failTimeoutSeconds}s;`,
        `server ${options.upstreamAddress(route.monolith)} backup;`,
        ...pool(`${upstreamName(route.service)}_with_fallback`),
      ]);
    }
  }
  for (const [name, body] of [...upstreams].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`upstream ${name} {`, ...body.map((l) => `  ${l}`), '}', '');
  }

  lines.push(
    'server {',
    `  listen ${options.listenAddress ? `${options.listenAddress}:` : ''}${options.listenPort};`,
    '  server_tokens off;',
    '  default_type application/json;',
    '  proxy_http_version 1.1;',
    '  proxy_set_header Connection "";',
    '  proxy_set_header Host $host;',
    '  proxy_set_header X-Request-ID $request_id;',
    '  proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    '  proxy_set_header X-Forwarded-Proto $scheme;',
    `  proxy_connect_timeout ${t.connectTimeoutSeconds}s;`,
    `  proxy_read_timeout ${t.readTimeoutSeconds}s;`,
    `  proxy_send_timeout ${t.readTimeoutSeconds}s;`,
    '',
    '  location = /health { access_log off; return 200 \'{"status":"ok"}\'; }',
    '  location = /ready { access_log off; return 200 \'{"status":"ready"}\'; }',
    '',
  );
  for (const route of routes) {
    const body = locationBody(route);
    // Exact path and everything below it, but not /api/v1/jobsearch for /api/v1/jobs.
    lines.push(`  # ${route.path}: ${route.status}`, `  location = ${route.path} {`, ...body, '  }', `  location ${route.path}/ {`, ...body, '  }', '');
  }
  lines.push('  location / { return 404 \'{"detail":"Not Found"}\'; }', '}', '');
  return lines.join('\n');
}

function zone(route: GatewayRoute): string {
  return `per_client${kebab(route.path.replace(/^\/api\/v1/, ''))}`.replace(/^per_client_?/, 'per_client_');
}

function upstreamName(service: string): string {
  return kebab(service);
}

function locationBody(route: GatewayRoute): string[] {
  const burst = Math.max(1, Math.floor(route.rateLimitPerMinute / 10));
  const upstream =
    route.status === 'hybrid' ? `${upstreamName(route.service)}_with_fallback` : upstreamName(route.status === 'migrated' ? route.service : route.monolith);
  const body = [
    `    limit_req zone=${zone(route)} burst=${burst} nodelay;`,
    `    if ($request_method !~ ^(${[...route.methods].sort().join('|')})$) { return 405 '{"detail":"Method Not Allowed"}'; }`,
    `    add_header X-Route-Status ${route.status} always;`,
  ];
  if (route.status === 'hybrid') {
    // The seed's router falls back for every method, POST included: a failed service call is retried once on
    // the monolith, which is also where the data still lives while the context dual-writes.
    body.push('    proxy_next_upstream error timeout http_502 http_503 http_504 non_idempotent;', '    proxy_next_upstream_tries 2;');
  } else {
    body.push('    proxy_next_upstream off;');
  }
  body.push(`    proxy_pass http://${upstream};`);
  return body;
}
