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
  route('/api/v1/auth/login', 'migrated', 'auth-service', 20),
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
};

/** The lines of the location block for `path` (the exact-match one). */
function location(config: string, path: string): string {
  const start = config.indexOf(`location = ${path} {`);
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
      'upstream auth_service {\n  server auth-service.career-copilot.svc.cluster.local:80 max_fails=0;\n  zone auth_service 64k;\n  keepalive 16;\n  keepalive_timeout 4s;',
    );
  });

  test('a monolith route goes to the monolith only', () => {
    expect(location(config, '/api/v1/jobs')).toContain('proxy_pass http://backend;');
    expect(config).not.toContain('jobs-service');
  });

  test('a hybrid route tries the service, then the monolith on error, timeout, 502, 503 and 504', () => {
    const block = location(config, '/api/v1/auth/register');
    expect(block).toContain('proxy_pass http://auth_service_with_fallback;');
    expect(block).toContain('proxy_next_upstream error timeout http_502 http_503 http_504 non_idempotent;');
    const servers = upstream(config, 'auth_service_with_fallback');
    expect(servers).toContain('server auth-service.career-copilot.svc.cluster.local:80 max_fails=3 fail_timeout=30s;');
    expect(servers).toContain('server backend.career-copilot.svc.cluster.local:80 backup;');
  });

  test('limits each client per route, answering 429, and admits only the route\'s methods', () => {
    expect(config).toContain('limit_req_zone $binary_remote_addr zone=per_client_auth_login:10m rate=20r/m;');
    expect(config).toContain('limit_req_status 429;');
    expect(location(config, '/api/v1/auth/login')).toContain('limit_req zone=per_client_auth_login burst=2 nodelay;');
    expect(location(config, '/api/v1/auth/login')).toContain("if ($request_method !~ ^(GET|POST)$) { return 405");
  });

  test('matches a route and the paths below it, but not a longer sibling, and answers 404 elsewhere', () => {
    expect(config).toContain('location = /api/v1/jobs {');
    expect(config).toContain('location /api/v1/jobs/ {');
    expect(config).not.toMatch(/location \/api\/v1\/jobs \{/);
    expect(config).toContain('location / { return 404');
  });

  test('serves its own /health and /ready', () => {
    expect(config).toContain("location = /health { access_log off; return 200");
    expect(config).toContain("location = /ready { access_log off; return 200");
  });

  test('mounts the configuration into the unprivileged NGINX as conf.d/default.conf', () => {
    const objects = emitted((scope) => new ApiGateway(scope, 'api-gateway', props));
    expect(only(objects, 'ConfigMap', 'api-gateway-files').data['default.conf']).toBe(config);
    const pod = only(objects, 'Deployment').spec.template.spec;
    expect(pod.containers[0].volumeMounts).toEqual(expect.arrayContaining([{ name: 'files', mountPath: '/etc/nginx/conf.d', readOnly: true }]));
    expect(pod.containers[0].ports).toEqual([{ containerPort: 8080, name: 'http' }]);
  });

  test('the test hook changes upstream addresses and the bind address only', () => {
    const local = renderNginxConfig(routes, { listenPort: 8080, listenAddress: '127.0.0.1', upstreamAddress: (s) => `127.0.0.1:${s.length}` });
    const strip = (c: string) => c.replace(/server [^ ;]+/g, 'server X').replace('listen 127.0.0.1:8080;', 'listen 8080;');
    expect(strip(local)).toBe(strip(config));
  });

  test('shares each upstream\'s failure count across workers and reloads, and drops idle connections before the service does', () => {
    expect(upstream(config, 'auth_service_with_fallback')).toContain('zone auth_service_with_fallback 64k;');
    expect(upstream(config, 'backend')).toContain('keepalive_timeout 4s;');
  });

  test.each<[string, Partial<ApiGatewayProps>, string]>([
    ['a route to a service that is not deployed', { upstreams: ['backend'] }, 'routes[0].service: /api/v1/auth/login routes to "auth-service", which is not deployed: "auth-service" is not one of backend'],
    ['a route to the monolith when it is retired', { upstreams: ['auth-service'] }, 'routes[1].monolith: /api/v1/auth/register routes to "backend", which is not deployed'],
    ['an unknown status', { routes: [{ ...routes[0], status: 'migrating' as never }] }, 'routes[0].status: "migrating" is not one of monolith, hybrid, migrated'],
    ['a duplicate route', { routes: [routes[0], routes[0]] }, 'routes[1].path: duplicate route "/api/v1/auth/login"'],
    ['a zero rate limit', { routes: [{ ...routes[0], rateLimitPerMinute: 0 }] }, 'routes[0].rateLimitPerMinute: 0 is not an integer of at least 1'],
    ['a route with no methods', { routes: [{ ...routes[0], methods: [] }] }, 'routes[0].methods: is empty'],
    ['an unpinned image', { image: 'nginx' }, 'image: "nginx" is not pinned'],
  ])('refuses %s', (_what, override, message) => {
    const build = () => emitted((scope) => new ApiGateway(scope, 'api-gateway', { ...props, ...override }));
    expect(build).toThrow(ValidationError);
    expect(build).toThrow(message);
  });
});

