import { Chart, Testing } from 'cdk8s';
import { ApiGateway, ApiGatewayProps } from '../../constructs/api-gateway';
import { GatewayRoute, renderNginxConfig } from '../../constructs/nginx-gateway-config';
import { ValidationError } from '../../phases';
import { emitted, only } from '../support/synth';

const route = (path: string, status: GatewayRoute['status'], service: string, rateLimitPerMinute = 60): GatewayRoute => ({
  path,
  status,
  methods: ['GET', 'POST'],
  service,
  monolith: 'backend',
  rateLimitPerMinute,
});

const routes = [
  { ...route('/api/v1/auth/login', 'migrated', 'auth-service', 20), public: true },
  route('/api/v1/auth/register', 'hybrid', 'auth-service', 10),
  route('/api/v1/jobs', 'monolith', 'jobs-service'),
];
const props: ApiGatewayProps = {
  name: 'api-gateway',
  namespace: 'career-copilot',
  image: 'nginxinc/nginx-unprivileged:1.27.3-alpine',
  partOf: 'career-copilot',
  routes,
  upstreams: ['backend', 'auth-service'],
  unlistedRoute: { upstream: 'backend', rateLimitPerMinute: 300 },
  trustedProxyCidrs: ['10.0.0.0/16'],
  authentication: { upstream: 'auth-service', verifyPath: '/api/v1/auth/verify' },
};

/** The lines of the location block for `path` (the exact-match one), or of a named location `@name`. */
function location(config: string, path: string): string {
  const start = config.indexOf(path.startsWith('@') ? `location ${path} {` : `location = ${path} {`);
  expect(start).toBeGreaterThanOrEqual(0);
  return config.slice(start, config.indexOf('\n  }', start));
}

function upstream(config: string, name: string): string {
  const start = config.indexOf(`upstream ${name} {`);
  return config.slice(start, config.indexOf('\n}', start));
}

describe('ApiGateway', () => {
  const config = new ApiGateway(new Chart(Testing.app(), 'test'), 'api-gateway', props).nginxConfig;

  test('a migrated route goes to its service only, with no fallback', () => {
    expect(location(config, '/api/v1/auth/login')).toContain('proxy_pass http://auth_service;');
    expect(location(config, '/api/v1/auth/login')).toContain('proxy_next_upstream off;');
    expect(upstream(config, 'auth_service')).toBe(
      'upstream auth_service {\n  server auth-service.career-copilot.svc.cluster.local:80 resolve max_fails=0;\n  zone auth_service 64k;\n  keepalive 64;\n  keepalive_timeout 4s;',
    );
  });

  test('a monolith route goes to the monolith only', () => {
    expect(location(config, '/api/v1/jobs')).toContain('proxy_pass http://backend;');
    expect(config).not.toContain('jobs-service');
  });

  test('a hybrid route sends reads to the service, then to the fallback listener on error, timeout, 500, 502, 503 and 504', () => {
    const block = location(config, '/api/v1/auth/register');
    expect(block).toContain('proxy_pass http://auth_service_with_fallback;');
    expect(block).toContain('proxy_next_upstream error timeout http_500 http_502 http_503 http_504;');
    expect(block).not.toContain('non_idempotent');
    const servers = upstream(config, 'auth_service_with_fallback');
    expect(servers).toContain('server auth-service.career-copilot.svc.cluster.local:80 resolve max_fails=3 fail_timeout=30s;');
    expect(servers).toContain('server 127.0.0.1:8081 backup max_fails=0;');
  });

  test("a hybrid route's writes are never re-sent, and fall back only when the service was sent nothing", () => {
    expect(location(config, '/api/v1/auth/register')).toContain('if ($gateway_write) { return 418; }');
    expect(location(config, '/api/v1/auth/register')).toContain('error_page 418 = @write_auth_register;');
    const write = location(config, '@write_auth_register');
    expect(write).toContain('proxy_next_upstream off;');
    expect(write).toContain('limit_req zone=per_client_auth_register');
    expect(write).toContain('error_page 502 = @write_auth_register_502;');
    expect(write).not.toContain('error_page 502 = @error_502;');
    expect(location(config, '@write_auth_register_504')).toContain('if ($upstream_bytes_sent != 0) { return 504 \'{"detail":"Gateway Timeout"}\'; }');
    expect(location(config, '@write_auth_register_502')).toContain('proxy_pass http://gateway_fallback;');
  });

  test('the fallback listener passes requests to the monolith on loopback and marks its answers', () => {
    const listener = config.slice(config.indexOf('listen 127.0.0.1:8081;'));
    expect(listener).toContain('add_header X-Gateway-Fallback 1 always;');
    expect(listener).toContain('proxy_pass http://backend;');
    expect(config).toContain('proxy_hide_header X-Gateway-Fallback;');
  });

  test('believes X-Forwarded-For only from the trusted proxies', () => {
    expect(config).toContain('set_real_ip_from 10.0.0.0/16;');
    expect(config).toContain('real_ip_header X-Forwarded-For;');
    const untrusting = new ApiGateway(new Chart(Testing.app(), 'test'), 'api-gateway', { ...props, trustedProxyCidrs: undefined }).nginxConfig;
    expect(untrusting).not.toContain('real_ip_header');
  });

  test('limits each client per route, answering 429, and admits only the route\'s methods', () => {
    expect(config).toContain('limit_req_zone $binary_remote_addr zone=per_client_auth_login:10m rate=20r/m;');
    expect(config).toContain('limit_req_status 429;');
    expect(location(config, '/api/v1/auth/login')).toContain('limit_req zone=per_client_auth_login burst=2 nodelay;');
    expect(location(config, '/api/v1/auth/login')).toContain('if ($request_method !~ ^(GET|HEAD|OPTIONS|POST)$) { return 405; }');
    expect(location(config, '/api/v1/auth/login')).toContain('set $gateway_retry_after 3;');
  });

  test('matches a route and the paths below it, but not a longer sibling; every other path goes to the monolith', () => {
    expect(config).toContain('location = /api/v1/jobs {');
    expect(config).toContain('location /api/v1/jobs/ {');
    expect(config).not.toMatch(/location \/api\/v1\/jobs \{/);
    const unlisted = config.slice(config.indexOf('  location / {'));
    expect(unlisted).toContain('limit_req zone=per_client_unlisted burst=30 nodelay;');
    expect(unlisted).toContain('proxy_pass http://backend;');
  });

  test('answers unlisted paths with a JSON 404 once the monolith is retired', () => {
    const retired = new ApiGateway(new Chart(Testing.app(), 'test'), 'api-gateway', { ...props, routes: [routes[0]], upstreams: ['auth-service'], unlistedRoute: undefined }).nginxConfig;
    expect(retired).toContain('location / { return 404 \'{"detail":"Not Found"}\'; }');
    expect(retired).not.toContain('backend');
  });

  test('serves its own /health and /ready, and never proxies /metrics', () => {
    expect(config).toContain("location = /health { access_log off; return 200");
    expect(config).toContain("location = /ready { access_log off; return 200");
    expect(config).toContain('location = /metrics { set $gateway_route internal; return 404');
  });

  test('mounts the configuration into the unprivileged NGINX, and the metrics program into the mtail sidecar', () => {
    const objects = emitted((scope) => new ApiGateway(scope, 'api-gateway', props));
    const files = only(objects, 'ConfigMap', 'api-gateway-files').data;
    expect(files['default.conf']).toBe(config);
    expect(files['gateway.mtail']).toContain('counter http_requests_total by route, method, status, upstream');
    const pod = only(objects, 'Deployment').spec.template.spec;
    const [app, metrics] = pod.containers;
    expect(app.volumeMounts).toEqual(expect.arrayContaining([{ name: 'files', mountPath: '/etc/nginx/conf.d', readOnly: true }]));
    expect(app.ports).toEqual([{ containerPort: 8080, name: 'http' }]);
    expect(app.lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '20'] } } });
    // The drain, then the slowest request (connect 2 s + read 5 s, twice with a fallback), then 5 s.
    expect(pod.terminationGracePeriodSeconds).toBe(39);
    expect(config).toContain('keepalive_time 10s;');
    expect(metrics).toMatchObject({
      name: 'metrics',
      image: 'ghcr.io/google/mtail:v3.2.26',
      args: expect.arrayContaining(['--progs=/etc/mtail', '--logs=udp://127.0.0.1:5140', '--port=3903']),
      ports: [{ containerPort: 3903, name: 'metrics' }],
      volumeMounts: [{ name: 'files', mountPath: '/etc/mtail', readOnly: true }],
      securityContext: { runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
    });
    expect(config).toContain('access_log syslog:server=127.0.0.1:5140,nohostname,tag=gateway gateway_metrics;');
    expect(only(objects, 'Service').spec.ports).toEqual([
      { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
      { name: 'metrics', port: 3903, targetPort: 3903, protocol: 'TCP', appProtocol: 'http' },
    ]);
  });

  test('the test hooks change upstream addresses, the bind address and where the logs go only', () => {
    const local = renderNginxConfig(routes, {
      listenPort: 8080,
      listenAddress: '127.0.0.1',
      upstreamAddress: (s) => `127.0.0.1:${s.length}`,
      unlistedRoute: props.unlistedRoute,
      trustedProxyCidrs: props.trustedProxyCidrs,
      fallbackPort: 8081,
      accessLogPath: '/tmp/access.log',
      metricsLogAddress: '127.0.0.1:5140',
      resolver: '127.0.0.1:5353',
      authentication: { ...props.authentication!, cachePath: '/tmp/tokens' },
    });
    const strip = (c: string) =>
      c.replace(/server [^ ;]+( resolve)?/g, 'server X').replace(/resolver [^ ]+ /, 'resolver X ').replace('listen 127.0.0.1:8080;', 'listen 8080;').replace('access_log /tmp/access.log', 'access_log /dev/stdout').replace('proxy_cache_path /tmp/tokens ', 'proxy_cache_path /var/cache/nginx-tokens ');
    expect(strip(local)).toBe(strip(config));
  });

  test('upstream names are resolved while NGINX runs, through the cluster DNS; the fallback listener\'s address is not', () => {
    expect(config).toContain('resolver kube-dns.kube-system.svc.cluster.local valid=10s ipv6=off;');
    const names = config.split('\n').filter((l) => /^ {2}server /.test(l));
    expect(names.filter((l) => l.includes('.svc.cluster.local:')).every((l) => l.includes(' resolve '))).toBe(true);
    expect(names.filter((l) => l.includes('127.0.0.1:')).some((l) => l.includes('resolve'))).toBe(false);
  });

  test('shares each upstream\'s failure count across workers and reloads, and drops idle connections before the service does', () => {
    expect(upstream(config, 'auth_service_with_fallback')).toContain('zone auth_service_with_fallback 64k;');
    expect(upstream(config, 'backend')).toContain('keepalive_timeout 4s;');
  });

  test.each<[string, Partial<ApiGatewayProps>, string]>([
    ['a route to a service that is not deployed', { upstreams: ['backend'] }, 'routes[0].service: /api/v1/auth/login routes to "auth-service", which is not deployed: "auth-service" is not one of backend'],
    ['a route to the monolith when it is retired', { upstreams: ['auth-service'] }, 'routes[1].monolith: /api/v1/auth/register routes to "backend", which is not deployed'],
    ['an unknown status', { routes: [{ ...routes[0], status: 'migrating' as never }] }, 'routes[0].status: "migrating" is not one of monolith, shadow, hybrid, migrated'],
    ['a duplicate route', { routes: [routes[0], routes[0]] }, 'routes[1].path: duplicate route "/api/v1/auth/login"'],
    ['a zero rate limit', { routes: [{ ...routes[0], rateLimitPerMinute: 0 }] }, 'routes[0].rateLimitPerMinute: 0 is not an integer of at least 1'],
    ['a route with no methods', { routes: [{ ...routes[0], methods: [] }] }, 'routes[0].methods: is empty'],
    ['an unpinned image', { image: 'nginx' }, 'image: "nginx" is not pinned'],
    ['an unpinned metrics exporter', { metricsExporterImage: 'ghcr.io/google/mtail' }, 'sidecars[0].image: "ghcr.io/google/mtail" is not pinned'],
    ['a route on the gateway\'s own path', { routes: [{ ...routes[0], path: '/metrics' }] }, 'routes[0].path: "/metrics" is the gateway\'s own; reserved: /health, /ready, /metrics'],
    ['a body limit of zero', { routes: [{ ...routes[0], maxRequestBodyKilobytes: 0 }] }, 'routes[0].maxRequestBodyKilobytes: 0 is not an integer'],
    ['unlisted paths sent to a service that is not deployed', { unlistedRoute: { upstream: 'legacy', rateLimitPerMinute: 60 } }, 'unlistedRoute.upstream: "legacy" is not deployed'],
    ['a trusted proxy range that is every address', { trustedProxyCidrs: ['0.0.0.0/0'] }, 'trustedProxyCidrs[0]: "0.0.0.0/0" would let any client choose its own address'],
    ['a trusted proxy range that is not a CIDR', { trustedProxyCidrs: ['10.0.0.300/8'] }, 'trustedProxyCidrs[0]: "10.0.0.300/8" is not an IPv4 CIDR block'],
    ['latency buckets out of order', { latencyBucketsSeconds: [0.1, 0.05] }, 'latencyBucketsSeconds[1]: 0.05 is not a positive number above the bucket before it'],
    ['a drain shorter than the keep-alive time', { drainSeconds: 10 }, 'drainSeconds: 10 is not more than the 10 s keep-alive time'],
    ['a container port the pod uses already', { containerPort: 8081 }, 'containerPort: 8081 is taken inside the pod'],
    ['a protected route without a token check', { authentication: undefined }, 'routes[1].public: /api/v1/auth/register needs a verified token, and the gateway has no authentication'],
    ['a token check by a backend that is not deployed', { authentication: { upstream: 'sso', verifyPath: '/verify' } }, 'authentication.upstream: "sso" is not deployed'],
    ['a token cache of an hour', { authentication: { upstream: 'auth-service', verifyPath: '/verify', cacheSeconds: 3600 } }, 'authentication.cacheSeconds: 3600 is not an integer'],
    ['a shadow route whose service is not deployed', { routes: [{ ...routes[2], status: 'shadow' }] }, 'routes[0].service: /api/v1/jobs routes to "jobs-service", which is not deployed'],
  ])('refuses %s', (_what, override, message) => {
    const build = () => emitted((scope) => new ApiGateway(scope, 'api-gateway', { ...props, ...override }));
    expect(build).toThrow(ValidationError);
    expect(build).toThrow(message);
  });

  test('a protected route is proxied only after its token check; a public one has none', () => {
    expect(location(config, '/api/v1/auth/register')).toContain('auth_request /_gateway/verify-token;');
    expect(location(config, '@write_auth_register')).toContain('auth_request /_gateway/verify-token;');
    expect(location(config, '/api/v1/auth/login')).not.toContain('auth_request');
    // The check asks the verifier with the client's token, no body, and caches only what it accepted.
    const verify = location(config, '/_gateway/verify-token');
    expect(verify).toContain('internal;');
    expect(verify).toContain('proxy_pass http://auth_service/api/v1/auth/verify;');
    expect(verify).toContain('proxy_pass_request_body off;');
    expect(verify).toContain('proxy_cache_valid 200 204 10s;');
    expect(config).toContain('proxy_cache_path /var/cache/nginx-tokens ');
  });

  test("the caller's identity comes from the verifier only: a client's own identity headers are dropped everywhere", () => {
    for (const header of ['X-User-Id', 'X-User-Roles']) {
      const variable = `$gateway_${header.toLowerCase().replace(/-/g, '_')}`;
      expect(config).toContain(`  proxy_set_header ${header} ${variable};`);
      expect(location(config, '/api/v1/auth/register')).toContain(`auth_request_set ${variable} $upstream_http_${header.toLowerCase().replace(/-/g, '_')};`);
    }
  });

  test('nothing is `set` at server level: a subrequest (token check, shadow copy) would run it again on the variables it shares', () => {
    const server = config.slice(config.indexOf('server {'), config.indexOf('  location '));
    expect(server).not.toMatch(/^ {2}set /m);
  });

  test('a shadow route is answered by the monolith, and copies its reads (never its writes) to the service', () => {
    const shadow = { ...props, routes: [...routes.slice(0, 2), { ...routes[2], status: 'shadow' as const }], upstreams: [...props.upstreams, 'jobs-service'] };
    const shadowConfig = new ApiGateway(new Chart(Testing.app(), 'shadow'), 'api-gateway', shadow).nginxConfig;
    const main = location(shadowConfig, '/api/v1/jobs');
    expect(main).toContain('proxy_pass http://backend;');
    expect(main).toContain('mirror /_gateway/shadow/jobs;');
    const copy = location(shadowConfig, '/_gateway/shadow/jobs');
    expect(copy).toContain('if ($gateway_write) { return 204; }');
    expect(copy).toContain('proxy_pass http://jobs_service$request_uri;');
    expect(copy).toContain('gateway_shadow_metrics if=$gateway_read;');
  });

  test('the token cache is a tmpfs, so that no token reaches a disk', () => {
    const manifests = emitted((scope) => new ApiGateway(scope, 'api-gateway', props));
    const deployment = only(manifests, 'Deployment') as unknown as { spec: { template: { spec: { volumes: Array<{ name: string; emptyDir?: { medium?: string } }>; containers: Array<{ volumeMounts: Array<{ name: string; mountPath: string }> }> } } } };
    const mount = deployment.spec.template.spec.containers[0].volumeMounts.find((m) => m.mountPath === '/var/cache/nginx-tokens')!;
    expect(deployment.spec.template.spec.volumes.find((v) => v.name === mount.name)?.emptyDir?.medium).toBe('Memory');
  });
});
