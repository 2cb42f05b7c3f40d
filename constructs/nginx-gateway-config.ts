import { DEFAULT_TOKEN_CACHE_SECONDS } from '../phases/model/edge-authentication';
import { DEFAULT_MAX_REQUEST_BODY_KILOBYTES, RouteStatus } from '../phases/model/endpoint';
import { ValidationError } from '../core/validation-error';

/** One endpoint as the gateway routes it. */
export interface GatewayRoute {
  /** Path prefix, e.g. `/api/v1/auth/login`; matches the path itself and everything below it. */
  readonly path: string;
  readonly status: RouteStatus;
  /**
   * HTTP methods the endpoint accepts; HEAD comes with GET and OPTIONS (CORS preflight) with every route, both
   * answered by the route's upstream. Others get a JSON 405.
   */
  readonly methods: readonly string[];
  /** Upstream service for `shadow` (the mirror), `hybrid` and `migrated` (a Kubernetes Service name). */
  readonly service: string;
  /** The monolith's Service name, for `monolith`, `shadow` and `hybrid`. */
  readonly monolith: string;
  /** Per-client requests per minute, on each gateway replica. */
  readonly rateLimitPerMinute: number;
  /** Largest request body the route accepts; a larger one gets a JSON 413. @default 1024 */
  readonly maxRequestBodyKilobytes?: number;
  /**
   * Whether callers reach it without a verified token. @default false: the gateway verifies the bearer token first
   * (see `NginxConfigOptions.authentication`)
   */
  readonly public?: boolean;
}

/** How the gateway verifies the bearer token of a protected route before it proxies the request. */
export interface GatewayAuthentication {
  /** The Service that verifies: the auth service, or the monolith before it is extracted. */
  readonly upstream: string;
  /**
   * Its verification path: it gets a GET with the client's `Authorization` header (and `X-Original-Method`,
   * `X-Original-URI`), answers 2xx with the caller's identity in the `IDENTITY_HEADERS`, 401 or 403 otherwise.
   */
  readonly verifyPath: string;
  /**
   * The monolith's Service, which verifies when `upstream` is unreachable, times out or answers 5xx (a token check
   * is a read: asking again is safe), through the fallback listener. While the monolith still runs, the new auth
   * service is then no single point of failure for every protected route. @default - no fallback
   */
  readonly fallback?: string;
  /** Seconds a 2xx answer is reused for the same token, per replica; 0 verifies every request. @default 10 */
  readonly cacheSeconds?: number;
  /** Folder of that cache: in memory (tmpfs), as it holds the tokens. @default TOKEN_CACHE_PATH */
  readonly cachePath?: string;
}

/** Every path that no route lists. While the monolith runs it still owns them: they go to it. */
export interface GatewayUnlistedRoute {
  /** The Service that answers them (the monolith's). */
  readonly upstream: string;
  /** Per-client requests per minute, on each gateway replica. */
  readonly rateLimitPerMinute: number;
  /** @default 1024 */
  readonly maxRequestBodyKilobytes?: number;
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
   * that maps each Service to a loopback port (the one documented test hook for upstreams).
   */
  readonly upstreamAddress: (service: string) => string;
  readonly timeouts?: GatewayTimeouts;
  /** Where paths that no route lists go. @default - a JSON 404 (the monolith is retired) */
  readonly unlistedRoute?: GatewayUnlistedRoute;
  /**
   * Address ranges of the proxies in front of the gateway (ingress controller, load balancer, the frontend's
   * server). Only from them is `X-Forwarded-For` believed: the client is then its last address that is not a
   * trusted proxy, and rate limits key on it. @default [] (the peer is the client)
   */
  readonly trustedProxyCidrs?: readonly string[];
  /**
   * Port on 127.0.0.1 of the gateway's fallback listener: the backup of every hybrid route, which passes the
   * request to the monolith and marks the answer as a fallback for the log and the metrics. @default 8081
   */
  readonly fallbackPort?: number;
  /** File of the JSON access log, one object per request. @default '/dev/stdout' */
  readonly accessLogPath?: string;
  /**
   * `host:port` to which NGINX sends, over syslog/UDP, one line per request for the metrics exporter (see
   * `renderGatewayMetricsProgram`). UDP so that a slow or absent exporter never holds a request.
   * @default - no metrics log
   */
  readonly metricsLogAddress?: string;
  /** Idle keep-alive connections each NGINX worker keeps to each upstream. @default 64 */
  readonly upstreamKeepalive?: number;
  /**
   * Age after which a client's keep-alive connection is closed, gracefully: the response to its next request says
   * `Connection: close`. A pod that has stopped receiving new connections (terminating, in its preStop drain) so
   * has none left when NGINX stops, and no client sends a request on a connection NGINX is closing.
   * @default DEFAULT_KEEPALIVE_TIME_SECONDS
   */
  readonly keepaliveTimeSeconds?: number;
  /**
   * The `Host` each upstream receives: the client's, or the upstream Service's own name (`upstreamAddress`), which
   * a service mesh routes by (an Istio sidecar matches a VirtualService on it). The client's host then travels in
   * `X-Forwarded-Host`. Upstreams that build absolute URLs from `Host` need the client's. @default 'client'
   */
  readonly upstreamHost?: 'client' | 'service';
  /**
   * The DNS server NGINX asks at run time (`host` or `host:port`; a name is looked up once, at start). With it,
   * upstream names are resolved while NGINX runs (`resolve`, NGINX 1.27.3 and later), again as their answers
   * expire: NGINX starts before its upstreams' Services exist (their routes answer 502 until they do), and follows
   * a Service deleted and created again with a new address. @default - names resolved once, at start: NGINX
   * refuses to start while one does not resolve
   */
  readonly resolver?: string;
  /** How long NGINX keeps a resolved address, whatever the answer's TTL. @default 10 */
  readonly resolverValidSeconds?: number;
  /** How the tokens of protected routes are verified. @default - none, and then every route must be public */
  readonly authentication?: GatewayAuthentication;
}

/** The gateway's timeouts and circuit breaker when `NginxConfigOptions.timeouts` sets none. */
export const DEFAULT_GATEWAY_TIMEOUTS: Required<GatewayTimeouts> = { connectTimeoutSeconds: 2, readTimeoutSeconds: 5, maxFails: 3, failTimeoutSeconds: 30 };
/** See `NginxConfigOptions.fallbackPort`. */
export const DEFAULT_FALLBACK_PORT = 8081;
/** See `NginxConfigOptions.keepaliveTimeSeconds`. */
export const DEFAULT_KEEPALIVE_TIME_SECONDS = 10;
/** See `GatewayAuthentication.cachePath`. */
export const TOKEN_CACHE_PATH = '/var/cache/nginx-tokens';
/**
 * The verified caller, as upstreams receive it on a protected route: from the verifier's answer, never from the
 * client (a client's own headers of these names are dropped on every route).
 */
export const IDENTITY_HEADERS = ['X-User-Id', 'X-User-Roles'] as const;
/** Where a shadow copy that the gateway itself failed (refused, timed out) is logged. */
const SHADOW_FAILED_LOCATION = '@shadow_failed';
/** The internal location of the token check (`auth_request`); no client reaches it. */
const VERIFY_LOCATION = '/_gateway/verify-token';

/** Paths the gateway answers itself, which no route may take: its probes, and the metrics path kept private. */
export const GATEWAY_RESERVED_PATHS = ['/health', '/ready', '/metrics'] as const;
/** The response header by which the fallback listener marks a monolith answer behind a hybrid route. */
const FALLBACK_HEADER = 'X-Gateway-Fallback';
/** The upstream of the fallback listener alone, for writes the service never received. */
const FALLBACK_UPSTREAM = 'gateway_fallback';

/** The hybrid routes' fallback rule in words, for the README and the promotion plan. */
export const HYBRID_FALLBACK_RULE =
  'a read (GET, HEAD, OPTIONS) goes to the monolith when the service is unreachable, times out or answers 500, 502, 503 or 504, as the seed\'s router falls back on any exception; ' +
  'a write (POST, PUT, PATCH, DELETE) goes to the monolith only when the gateway sent the service nothing (connection refused, connect timeout, no address for its name): ' +
  'once the service has a write it may have applied it, so its answer (a 500 or 503 included) or the gateway\'s 502 or 504 reaches the client and the write is never applied twice; ' +
  `after ${DEFAULT_GATEWAY_TIMEOUTS.maxFails} failures in a row the service is skipped for ${DEFAULT_GATEWAY_TIMEOUTS.failTimeoutSeconds} s (the seed's circuit breaker)`;

/** Statuses the gateway may answer itself; each gets a JSON body instead of NGINX's HTML page. */
const GATEWAY_ERRORS: ReadonlyMap<number, string> = new Map([
  [400, 'Bad Request'],
  [401, 'Not authenticated'],
  [403, 'Forbidden'],
  [404, 'Not Found'],
  [405, 'Method Not Allowed'],
  [413, 'Request Entity Too Large'],
  [429, 'Too Many Requests'],
  [500, 'Internal Server Error'],
  [502, 'Bad Gateway'],
  [503, 'Service Unavailable'],
  [504, 'Gateway Timeout'],
]);
/** Methods with a label of their own in the metrics; any other is counted as `other`. */
const METRIC_METHODS = ['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

const snake = (s: string) => s.replace(/[^a-z0-9]+/gi, '_').replace(/^_|_$/g, '').toLowerCase();
const json = (detail: string) => `'{"detail":"${detail}"}'`;

/**
 * The NGINX configuration (an `http`-level include, as the unprivileged image's `conf.d/` expects) that
 * implements strangler-fig routing:
 * - migrated: the service only;
 * - monolith: the monolith only; and every path no route lists, while the monolith runs;
 * - hybrid: the service first. A read (GET, HEAD, OPTIONS) goes to the monolith when the service is unreachable,
 *   times out or answers 500, 502, 503 or 504, as the seed's router does on any exception. A write goes to the
 *   monolith only when the gateway sent the service nothing (connection refused or connect timeout): once the
 *   service has the request it may have applied it, so its answer (500 and 503 included), or the gateway's 502 or
 *   504, is final. A write is never applied in both databases by the gateway. After `maxFails`
 *   failures the service is skipped for `failTimeoutSeconds`: the seed's circuit breaker.
 * plus per-client rate limiting (JSON 429 with `Retry-After`), request ids, JSON errors and a JSON access log.
 */
export function renderNginxConfig(routes: readonly GatewayRoute[], options: NginxConfigOptions): string {
  const t = { ...DEFAULT_GATEWAY_TIMEOUTS, ...options.timeouts };
  const keepalive = options.upstreamKeepalive ?? 64;
  const fallbackPort = options.fallbackPort ?? DEFAULT_FALLBACK_PORT;
  const hybrid = routes.filter((r) => r.status === 'hybrid');
  const auth = options.authentication;
  const protectedRoutes = routes.filter((r) => !r.public);
  if (protectedRoutes.length > 0 && !auth) {
    throw new ValidationError('authentication', `is not set, and ${protectedRoutes.map((r) => r.path).join(', ')} need a verified token; set it, or mark the routes public`);
  }
  const tokenCacheSeconds = auth?.cacheSeconds ?? DEFAULT_TOKEN_CACHE_SECONDS;
  const verifying = auth !== undefined && protectedRoutes.length > 0;
  // One fallback listener serves the hybrid routes and the token check's fallback: both go to the monolith.
  const fallbackMonolith = hybrid[0]?.monolith ?? (verifying ? auth.fallback : undefined);
  const lines: string[] = ['# Generated from the platform model: strangler-fig routing. Do not edit.', ''];

  // Rate limits: one zone per route, keyed on the client (after trusted proxies, see set_real_ip_from below).
  for (const route of routes) lines.push(`limit_req_zone $binary_remote_addr zone=${zone(route.path)}:10m rate=${route.rateLimitPerMinute}r/m;`);
  if (options.unlistedRoute) lines.push(`limit_req_zone $binary_remote_addr zone=${zone('unlisted')}:10m rate=${options.unlistedRoute.rateLimitPerMinute}r/m;`);
  lines.push('limit_req_status 429;', '');

  lines.push(
    "# The client's request id when it sends a usable one, a new one otherwise: returned, logged and passed upstream.",
    'map $http_x_request_id $gateway_request_id {',
    '  default $request_id;',
    '  "~^[A-Za-z0-9._:-]{1,128}$" $http_x_request_id;',
    '}',
    '# A write (anything but GET, HEAD and OPTIONS) on a hybrid route is never re-sent once the service has it.',
    'map $request_method $gateway_write {',
    '  default 1;',
    '  GET 0;',
    '  HEAD 0;',
    '  OPTIONS 0;',
    '}',
    // Each route's location sets its names with `set`. None is set at server level: a subrequest (the token check,
    // a shadow copy) runs the server's `set`s again, on variables it shares with its request.
    '# What a request that no route location took is logged as.',
    'map $gateway_route $gateway_route_name {',
    '  "" unlisted;',
    '  default $gateway_route;',
    '}',
    'map $gateway_route_status $gateway_route_status_name {',
    '  "" none;',
    '  default $gateway_route_status;',
    '}',
    'map $gateway_target $gateway_target_name {',
    '  "" none;',
    '  default $gateway_target;',
    '}',
    '# Who answered: the route\'s target, the monolith behind a hybrid route (fallback), or the gateway itself (none).',
    `map "$upstream_http_${snake(FALLBACK_HEADER)}:$upstream_addr" $gateway_upstream {`,
    '  "~^1:" fallback;',
    '  ":" none;',
    '  default $gateway_target_name;',
    '}',
    '# A read, which a shadow route copies to its service.',
    'map $gateway_write $gateway_read {',
    '  0 1;',
    '  default 0;',
    '}',
    'map $gateway_upstream $gateway_fallback {',
    '  fallback true;',
    '  default false;',
    '}',
    'map $request_method $gateway_method {',
    ...METRIC_METHODS.map((m) => `  ${m} ${m};`),
    '  default other;',
    '}',
    '# X-Forwarded-For as received, plus the peer that sent it.',
    'map $http_x_forwarded_for $gateway_forwarded_for {',
    '  "" $realip_remote_addr;',
    '  default "$http_x_forwarded_for, $realip_remote_addr";',
    '}',
    'log_format gateway_json escape=json',
    `  '{"time":"$time_iso8601","request_id":"$gateway_request_id","client":"$remote_addr","peer":"$realip_remote_addr",'`,
    `  '"method":"$request_method","path":"$uri","route":"$gateway_route_name","route_status":"$gateway_route_status_name",'`,
    `  '"status":$status,"upstream":"$gateway_upstream","fallback":$gateway_fallback,"upstream_addr":"$upstream_addr",'`,
    `  '"upstream_status":"$upstream_status","duration_seconds":$request_time,"request_bytes":$request_length,"response_bytes":$bytes_sent}';`,
    // One line per request for the metrics exporter; the trailing newline ends the line in its UDP reader.
    "log_format gateway_metrics 'route=$gateway_route_name method=$gateway_method status=$status upstream=$gateway_upstream seconds=$request_time\\n';",
    // A shadow route's copy: its own status and time (a subrequest's), never the client's.
    "log_format gateway_shadow_metrics 'shadow=$gateway_route_name method=$gateway_method status=$status seconds=$request_time\\n';",
    '',
  );
  if (auth && tokenCacheSeconds > 0) {
    // Keys are the tokens themselves: the folder is in memory (see TOKEN_CACHE_PATH), and only 2xx answers stay.
    lines.push(
      '# Verified tokens, reused for a short while so that not every request waits for the verifier.',
      `proxy_cache_path ${auth.cachePath ?? TOKEN_CACHE_PATH} levels=1 keys_zone=gateway_tokens:1m max_size=8m inactive=${tokenCacheSeconds}s use_temp_path=off;`,
      '',
    );
  }

  const upstreams = new Map<string, string[]>();
  // `zone`: failure counts (the circuit breaker) are shared by every worker, and survive a reload.
  // `keepalive_timeout` below uvicorn's 5 s, so NGINX never reuses a connection the service is closing.
  const pool = (name: string) => [`zone ${name} 64k;`, `keepalive ${keepalive};`, 'keepalive_timeout 4s;'];
  // A name is resolved at run time when there is a resolver; an address needs no resolving.
  const server = (service: string) => {
    const address = options.upstreamAddress(service);
    return `server ${address}${options.resolver && !isIpAddress(address) ? ' resolve' : ''}`;
  };
  const single = (service: string) => [`${server(service)} max_fails=0;`, ...pool(upstreamName(service))];
  for (const route of routes) {
    if (route.status === 'shadow') {
      upstreams.set(upstreamName(route.monolith), single(route.monolith));
      upstreams.set(upstreamName(route.service), single(route.service));
    } else if (route.status !== 'hybrid') {
      const target = route.status === 'migrated' ? route.service : route.monolith;
      upstreams.set(upstreamName(target), single(target));
    } else {
      upstreams.set(hybridUpstreamName(route), [
        `${server(route.service)} max_fails=${t.maxFails} fail_timeout=${t.failTimeoutSeconds}s;`,
        // The fallback listener is never marked down: the monolith's own failures are its answers.
        `server 127.0.0.1:${fallbackPort} backup max_fails=0;`,
        ...pool(hybridUpstreamName(route)),
      ]);
      upstreams.set(upstreamName(route.monolith), single(route.monolith));
    }
  }
  if (hybrid.length > 0) upstreams.set(FALLBACK_UPSTREAM, [`server 127.0.0.1:${fallbackPort} max_fails=0;`, ...pool(FALLBACK_UPSTREAM)]);
  if (verifying && auth.fallback) {
    upstreams.set(verifierUpstreamName(auth), [
      `${server(auth.upstream)} max_fails=${t.maxFails} fail_timeout=${t.failTimeoutSeconds}s;`,
      `server 127.0.0.1:${fallbackPort} backup max_fails=0;`,
      ...pool(verifierUpstreamName(auth)),
    ]);
  } else if (verifying) {
    upstreams.set(upstreamName(auth.upstream), single(auth.upstream));
  }
  if (options.unlistedRoute) upstreams.set(upstreamName(options.unlistedRoute.upstream), single(options.unlistedRoute.upstream));
  if (options.resolver) {
    // ipv6=off: Services have IPv4 addresses here, and an AAAA query per name would only add a wait.
    lines.push(`resolver ${options.resolver} valid=${options.resolverValidSeconds ?? 10}s ipv6=off;`, 'resolver_timeout 2s;', '');
  }
  for (const [name, body] of [...upstreams].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`upstream ${name} {`, ...body.map((l) => `  ${l}`), '}', '');
  }

  const trusted = options.trustedProxyCidrs ?? [];
  const serviceHost = options.upstreamHost === 'service';
  /** The Host an upstream receives in `service` mode: its address, without the default port. */
  const hostOf = (service: string) => (serviceHost ? options.upstreamAddress(service).replace(/:80$/, '') : undefined);
  lines.push(
    'server {',
    `  listen ${options.listenAddress ? `${options.listenAddress}:` : ''}${options.listenPort};`,
    '  server_tokens off;',
    '  default_type application/json;',
    `  keepalive_time ${options.keepaliveTimeSeconds ?? DEFAULT_KEEPALIVE_TIME_SECONDS}s;`,
    // Errors raised while a hybrid write is handled in its own location get the JSON pages too.
    '  recursive_error_pages on;',
    ...trusted.map((cidr) => `  set_real_ip_from ${cidr};`),
    ...(trusted.length > 0 ? ['  real_ip_header X-Forwarded-For;', '  real_ip_recursive on;'] : []),
    `  access_log ${options.accessLogPath ?? '/dev/stdout'} gateway_json;`,
    ...(options.metricsLogAddress ? [`  access_log syslog:server=${options.metricsLogAddress},nohostname,tag=gateway gateway_metrics;`] : []),
    // The names above are empty until a location sets them, by design: no warning for each such request.
    '  uninitialized_variable_warn off;',
    '  proxy_http_version 1.1;',
    ...proxyHeaders(serviceHost ? '$gateway_upstream_host' : '$host', verifying).map((l) => `  ${l}`),
    `  proxy_hide_header ${FALLBACK_HEADER};`,
    `  proxy_connect_timeout ${t.connectTimeoutSeconds}s;`,
    `  proxy_read_timeout ${t.readTimeoutSeconds}s;`,
    `  proxy_send_timeout ${t.readTimeoutSeconds}s;`,
    `  client_max_body_size ${DEFAULT_MAX_REQUEST_BODY_KILOBYTES}k;`,
    '  add_header X-Request-ID $gateway_request_id always;',
    ...errorPages().map((l) => `  ${l}`),
    '',
    '  location = /health { access_log off; return 200 \'{"status":"ok"}\'; }',
    '  location = /ready { access_log off; return 200 \'{"status":"ready"}\'; }',
    '  # Metrics are served by the exporter on its own port, never to the public.',
    `  location = /metrics { set $gateway_route internal; return 404 ${json('Not Found')}; }`,
    '',
  );
  for (const [status, detail] of GATEWAY_ERRORS) {
    const retryAfter = status === 429 ? ' add_header Retry-After $gateway_retry_after always;' : '';
    const challenge = status === 401 ? ' add_header WWW-Authenticate Bearer always;' : '';
    lines.push(`  location @error_${status} { add_header X-Request-ID $gateway_request_id always;${retryAfter}${challenge} return ${status} ${json(detail)}; }`);
  }
  lines.push('');
  if (verifying) lines.push(...verifyLocation(auth, tokenCacheSeconds, hostOf(auth.upstream)), '');

  const shadowLog = options.metricsLogAddress ? `access_log syslog:server=${options.metricsLogAddress},nohostname,tag=gateway gateway_shadow_metrics if=$gateway_read;` : 'access_log off;';
  for (const route of routes) lines.push(...routeLocations(route, hostOf, shadowLog, verifying), '');
  if (routes.some((r) => r.status === 'shadow')) {
    // Without `=`, the copy keeps its error status for the log; nobody reads its answer.
    lines.push(`  location ${SHADOW_FAILED_LOCATION} { log_subrequest on; ${shadowLog} return 204; }`, '');
  }
  if (options.unlistedRoute) {
    const unlisted = options.unlistedRoute;
    lines.push(
      `  # Paths no route lists: still the monolith's (${unlisted.upstream}).`,
      '  location / {',
      ...settings({ route: 'unlisted', status: 'monolith', target: 'monolith', zone: zone('unlisted'), host: hostOf(unlisted.upstream), ...limits(unlisted.rateLimitPerMinute, unlisted.maxRequestBodyKilobytes) }),
      '    proxy_next_upstream off;',
      `    proxy_pass http://${upstreamName(unlisted.upstream)};`,
      '  }',
    );
  } else {
    lines.push(`  location / { return 404 ${json('Not Found')}; }`);
  }
  lines.push('}', '');

  if (fallbackMonolith) {
    const largestBody = Math.max(DEFAULT_MAX_REQUEST_BODY_KILOBYTES, ...hybrid.map((r) => r.maxRequestBodyKilobytes ?? DEFAULT_MAX_REQUEST_BODY_KILOBYTES));
    lines.push(...fallbackListener(fallbackMonolith, fallbackPort, hostOf(fallbackMonolith), largestBody));
  }
  return lines.join('\n');
}

/**
 * The monolith behind hybrid routes (and the token check), on loopback: passes the request on unchanged and marks
 * the answer.
 */
function fallbackListener(monolith: string, port: number, monolithHost: string | undefined, largestBody: number): string[] {
  return [
    `# The fallback listener: the backup of every hybrid route. It passes the request to ${monolith} as the client sent`,
    `# it to the gateway and marks the answer with ${FALLBACK_HEADER}, which the gateway logs, counts and strips.`,
    'server {',
    `  listen 127.0.0.1:${port};`,
    '  server_tokens off;',
    '  default_type application/json;',
    '  access_log off;',
    `  client_max_body_size ${largestBody}k;`,
    '  location / {',
    '    proxy_http_version 1.1;',
    '    proxy_set_header Connection "";',
    `    proxy_set_header Host ${monolithHost ?? '$host'};`,
    '    proxy_set_header X-Request-ID $http_x_request_id;',
    '    proxy_set_header X-Real-IP $http_x_real_ip;',
    '    proxy_set_header X-Forwarded-For $http_x_forwarded_for;',
    '    proxy_set_header X-Forwarded-Host $http_x_forwarded_host;',
    '    proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;',
    '    proxy_next_upstream off;',
    `    add_header ${FALLBACK_HEADER} 1 always;`,
    `    proxy_pass http://${upstreamName(monolith)};`,
    '  }',
    '}',
    '',
  ];
}

/**
 * The exact-path and sub-path locations of one route; for a hybrid route the location its writes take, for a
 * shadow route the one its copies take.
 */
function routeLocations(route: GatewayRoute, hostOf: (service: string) => string | undefined, shadowLog: string, verifying: boolean): string[] {
  const methods = allowedMethods(route.methods);
  const answeredByMonolith = route.status === 'monolith' || route.status === 'shadow';
  const target = answeredByMonolith ? 'monolith' : 'service';
  // A hybrid route's first try is the service; its fallback listener sets the monolith's host itself.
  const host = hostOf(answeredByMonolith ? route.monolith : route.service);
  const commonSettings = { route: route.path, status: route.status, target, zone: zone(route.path), host, protect: !route.public, ...limits(route.rateLimitPerMinute, route.maxRequestBodyKilobytes) };
  const common = settings(commonSettings);
  const methodCheck = `    if ($request_method !~ ^(${methods.join('|')})$) { return 405; }`;
  const access = route.public ? 'public' : 'token verified';
  const comment = {
    hybrid: `  # ${route.path}: hybrid (reads fall back on failure; writes only when the service never received them); ${access}`,
    shadow: `  # ${route.path}: shadow (the monolith answers; ${route.service} gets a copy of each read); ${access}`,
  }[route.status as string] ?? `  # ${route.path}: ${route.status}; ${access}`;
  let entry: string[];
  const extra: string[] = [];
  if (route.status === 'shadow') {
    const mirror = shadowLocationName(route);
    entry = [
      ...common,
      methodCheck,
      `    mirror ${mirror};`,
      // Reads have no body to copy; a write is never copied, so it need not wait for one either.
      '    mirror_request_body off;',
      '    proxy_next_upstream off;',
      `    proxy_pass http://${upstreamName(route.monolith)};`,
    ];
    // The copy is a subrequest: it shares the request's variables, so it sets none of its own (the Host included).
    extra.push(
      `  location = ${mirror} {`,
      '    internal;',
      '    log_subrequest on;',
      `    ${shadowLog}`,
      '    if ($gateway_write) { return 204; }',
      // The gateway's own errors (refused, timed out) would take the JSON pages, whose log is the clients'.
      `    error_page 500 502 503 504 ${SHADOW_FAILED_LOCATION};`,
      ...proxyHeaders(hostOf(route.service) ?? '$host', !route.public && verifying).map((l) => `    ${l}`),
      '    proxy_next_upstream off;',
      `    proxy_pass http://${upstreamName(route.service)}$request_uri;`,
      '  }',
    );
  } else if (route.status === 'hybrid') {
    const write = writeLocationName(route);
    entry = [
      ...common,
      `    error_page 418 = ${write};`,
      methodCheck,
      '    if ($gateway_write) { return 418; }',
      '    proxy_next_upstream error timeout http_500 http_502 http_503 http_504;',
      '    proxy_next_upstream_tries 2;',
      `    proxy_pass http://${hybridUpstreamName(route)};`,
    ];
    // A write is never re-sent by NGINX (PUT and DELETE would be: NGINX counts them idempotent). When the gateway
    // itself answers 502 or 504 and sent the service nothing (refused, connect timeout), the request goes to the
    // fallback listener; otherwise the service may have applied it, and the client gets the error.
    const unsent = (status: 502 | 504) => `${write}_${status}`;
    // A named location runs the access phase again: it checks the token itself.
    const writeSettings = settings({ ...commonSettings, errorPagesExcept: [502, 504] });
    extra.push(
      `  location ${write} {`,
      ...writeSettings,
      `    error_page 502 = ${unsent(502)};`,
      `    error_page 504 = ${unsent(504)};`,
      '    proxy_next_upstream off;',
      `    proxy_pass http://${hybridUpstreamName(route)};`,
      '  }',
      ...([502, 504] as const).flatMap((status) => [
        `  location ${unsent(status)} {`,
        '    add_header X-Request-ID $gateway_request_id always;',
        '    add_header X-Route-Status hybrid always;',
        `    if ($upstream_bytes_sent != 0) { return ${status} ${json(GATEWAY_ERRORS.get(status)!)}; }`,
        '    proxy_next_upstream off;',
        `    proxy_pass http://${FALLBACK_UPSTREAM};`,
        '  }',
      ]),
    );
  } else {
    entry = [...common, methodCheck, '    proxy_next_upstream off;', `    proxy_pass http://${upstreamName(route.status === 'migrated' ? route.service : route.monolith)};`];
  }
  // Exact path and everything below it, but not /api/v1/jobsearch for /api/v1/jobs.
  return [comment, `  location = ${route.path} {`, ...entry, '  }', `  location ${route.path}/ {`, ...entry, '  }', ...extra];
}

/** The methods a route answers: the model's, HEAD with GET, and OPTIONS (CORS preflight) everywhere. */
export function allowedMethods(methods: readonly string[]): string[] {
  return [...new Set([...methods, ...(methods.includes('GET') ? ['HEAD'] : []), 'OPTIONS'])].sort();
}

/** The burst a route admits at once, a tenth of its per-minute limit. */
export function burstOf(rateLimitPerMinute: number): number {
  return Math.max(1, Math.floor(rateLimitPerMinute / 10));
}

/** Seconds until a rate-limited client may try again: one request's worth of the limit. */
export function retryAfterSeconds(rateLimitPerMinute: number): number {
  return Math.max(1, Math.ceil(60 / rateLimitPerMinute));
}

function limits(rateLimitPerMinute: number, maxRequestBodyKilobytes = DEFAULT_MAX_REQUEST_BODY_KILOBYTES) {
  return { burst: burstOf(rateLimitPerMinute), retryAfter: retryAfterSeconds(rateLimitPerMinute), maxBody: maxRequestBodyKilobytes };
}

/** What every location of a route sets: its names for the log and metrics, its limits, headers and error pages. */
function settings(s: {
  route: string;
  status: string;
  target: string;
  zone: string;
  burst: number;
  retryAfter: number;
  maxBody: number;
  /** The Host header the upstream gets, in `service` mode. */
  host?: string;
  /** Whether the request needs a verified token. */
  protect?: boolean;
  errorPagesExcept?: readonly number[];
}): string[] {
  return [
    `    set $gateway_route ${s.route};`,
    ...(s.host ? [`    set $gateway_upstream_host ${s.host};`] : []),
    `    set $gateway_route_status ${s.status};`,
    `    set $gateway_target ${s.target};`,
    `    set $gateway_retry_after ${s.retryAfter};`,
    `    limit_req zone=${s.zone} burst=${s.burst} nodelay;`,
    `    client_max_body_size ${s.maxBody}k;`,
    // add_header and error_page are inherited only by a block that sets none of its own: repeat them here.
    '    add_header X-Request-ID $gateway_request_id always;',
    `    add_header X-Route-Status ${s.status} always;`,
    ...errorPages(s.errorPagesExcept).map((l) => `    ${l}`),
    ...(s.protect
      ? [`    auth_request ${VERIFY_LOCATION};`, ...IDENTITY_HEADERS.map((h) => `    auth_request_set ${identityVariable(h)} $upstream_http_${snake(h)};`)]
      : []),
  ];
}

/**
 * The headers every proxied request carries; a location that sets one of its own must repeat them all. The
 * identity headers are the token check's (empty, and so not sent, on a public route), or dropped when nothing
 * verifies.
 */
function proxyHeaders(host: string, verifying: boolean): string[] {
  return [
    'proxy_set_header Connection "";',
    `proxy_set_header Host ${host};`,
    'proxy_set_header X-Request-ID $gateway_request_id;',
    'proxy_set_header X-Real-IP $remote_addr;',
    'proxy_set_header X-Forwarded-For $gateway_forwarded_for;',
    'proxy_set_header X-Forwarded-Host $host;',
    'proxy_set_header X-Forwarded-Proto $scheme;',
    ...IDENTITY_HEADERS.map((h) => `proxy_set_header ${h} ${verifying ? identityVariable(h) : '""'};`),
  ];
}

/**
 * The token check of protected routes (`auth_request`): a GET of the verifier with the client's `Authorization`
 * and no body. 2xx passes (its identity headers go upstream), 401 and 403 are the client's answer, and anything
 * else (the verifier down or failing) a 500: a request is never let through unverified.
 */
function verifyLocation(auth: GatewayAuthentication, cacheSeconds: number, host: string | undefined): string[] {
  return [
    `  # Token check of every protected route, by ${auth.upstream}${auth.verifyPath}.`,
    `  location = ${VERIFY_LOCATION} {`,
    '    internal;',
    // The subrequest shares the request's method: a CORS preflight carries no token, and its route answers it.
    '    if ($request_method = OPTIONS) { return 204; }',
    '    if ($http_authorization !~ "^Bearer [A-Za-z0-9._~+/=-]+$") { return 401; }',
    '    proxy_method GET;',
    '    proxy_pass_request_body off;',
    '    proxy_set_header Content-Length "";',
    '    proxy_set_header Connection "";',
    `    proxy_set_header Host ${host ?? '$host'};`,
    '    proxy_set_header X-Request-ID $gateway_request_id;',
    '    proxy_set_header X-Forwarded-For $gateway_forwarded_for;',
    '    proxy_set_header X-Original-Method $request_method;',
    '    proxy_set_header X-Original-URI $request_uri;',
    ...(cacheSeconds > 0
      ? [
          '    proxy_cache gateway_tokens;',
          '    proxy_cache_key $http_authorization;',
          // The subrequest keeps the client's method: a POST's check is cached too (PUT, PATCH, DELETE cannot be).
          '    proxy_cache_methods GET HEAD POST;',
          `    proxy_cache_valid 200 204 ${cacheSeconds}s;`,
          '    proxy_cache_valid any 0s;',
        ]
      : []),
    ...(auth.fallback
      ? ['    proxy_next_upstream error timeout http_500 http_502 http_503 http_504;', '    proxy_next_upstream_tries 2;', `    proxy_pass http://${verifierUpstreamName(auth)}${auth.verifyPath};`]
      : ['    proxy_next_upstream off;', `    proxy_pass http://${upstreamName(auth.upstream)}${auth.verifyPath};`]),
    '  }',
  ];
}

/** `X-User-Id` -> `$gateway_x_user_id`. */
function identityVariable(header: string): string {
  return `$gateway_${snake(header)}`;
}

function errorPages(except: readonly number[] = []): string[] {
  return [...GATEWAY_ERRORS.keys()].filter((status) => !except.includes(status)).map((status) => `error_page ${status} = @error_${status};`);
}

function zone(path: string): string {
  return `per_client_${snake(path.replace(/^\/api\/v1/, ''))}`;
}

function upstreamName(service: string): string {
  return snake(service);
}

function hybridUpstreamName(route: GatewayRoute): string {
  return `${upstreamName(route.service)}_with_fallback`;
}

function verifierUpstreamName(auth: GatewayAuthentication): string {
  return `${upstreamName(auth.upstream)}_verify`;
}

function shadowLocationName(route: GatewayRoute): string {
  return `/_gateway/shadow/${snake(route.path.replace(/^\/api\/v1/, ''))}`;
}

function writeLocationName(route: GatewayRoute): string {
  return `@write_${snake(route.path.replace(/^\/api\/v1/, ''))}`;
}

/** True when `address` (`host:port`) names an IPv4 or bracketed IPv6 address rather than a host name. */
function isIpAddress(address: string): boolean {
  return /^(\d{1,3}\.){3}\d{1,3}(:\d+)?$/.test(address) || address.startsWith('[');
}
