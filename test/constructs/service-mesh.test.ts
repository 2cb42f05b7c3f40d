import { ServiceMesh, ServiceMeshProps } from '../../constructs/service-mesh';
import { ValidationError } from '../../phases';
import { emitted, only } from '../support/synth';

const base: ServiceMeshProps = {
  namespace: 'career-copilot',
  ingress: { name: 'career-copilot-gateway', hosts: ['api.careercopilot.com'], credentialName: 'career-copilot-tls', service: 'api-gateway' },
  services: [
    { name: 'api-gateway', port: 80, callers: ['frontend'] },
    {
      name: 'applications-service',
      port: 80,
      callers: ['api-gateway', 'analytics-service', 'notifications-service'],
      paths: ['/api/v1/applications', '/api/v1/applications/*'],
      methods: ['GET', 'POST', 'PUT', 'DELETE'],
    },
    { name: 'analytics-service', port: 80, callers: ['api-gateway'] },
    { name: 'notifications-service', port: 80, callers: [] },
  ],
};
const build = (props: Partial<ServiceMeshProps> = {}) => emitted((scope) => new ServiceMesh(scope, 'mesh', { ...base, ...props }));
const withService = (index: number, change: object) => ({ services: base.services.map((s, i) => (i === index ? { ...s, ...change } : s)) });

describe('ServiceMesh', () => {
  describe('JWT validation at the edge', () => {
    const jwt = { issuer: 'https://auth.example.com', jwksUri: 'https://api.careercopilot.com/api/v1/auth/jwks', protectedPaths: ['/api/v1/jobs', '/api/v1/users/profile'], port: 8080 };

    test("the API gateway's sidecar validates a present token against the issuer's keys, and keeps it for the gateway's own check", () => {
      const request = only(build({ jwt }), 'RequestAuthentication', 'api-gateway-jwt');
      expect(request.spec).toEqual({
        selector: { matchLabels: { 'app.kubernetes.io/name': 'api-gateway' } },
        jwtRules: [{ issuer: jwt.issuer, jwks_uri: jwt.jwksUri, forwardOriginalToken: true }],
      });
    });

    test('a request without a valid token is denied on the protected paths and below them, but a CORS preflight', () => {
      const policy = only(build({ jwt }), 'AuthorizationPolicy', 'api-gateway-require-jwt');
      expect(policy.spec).toEqual({
        selector: { matchLabels: { 'app.kubernetes.io/name': 'api-gateway' } },
        action: 'DENY',
        rules: [
          {
            from: [{ source: { notRequestPrincipals: ['*'] } }],
            // Its port only: a DENY of HTTP attributes alone would deny TCP on every other port (IST0133).
            to: [{ operation: { ports: ['8080'], paths: ['/api/v1/jobs', '/api/v1/jobs/*', '/api/v1/users/profile', '/api/v1/users/profile/*'], notMethods: ['OPTIONS'] } }],
          },
        ],
      });
    });

    test('without JWT validation, or with nothing to protect, neither object exists', () => {
      for (const props of [{}, { jwt: { ...jwt, protectedPaths: [] } }]) {
        expect(build(props).filter((o) => o.kind === 'RequestAuthentication' || o.metadata.name === 'api-gateway-require-jwt')).toEqual([]);
      }
    });

    test.each([
      ['signing keys fetched in the clear', { jwksUri: 'http://auth-service/jwks' }, 'jwt.jwksUri: "http://auth-service/jwks" is not an https:// URL'],
      ['a protected path with a trailing slash', { protectedPaths: ['/api/v1/jobs/'] }, 'jwt.protectedPaths[0]: "/api/v1/jobs/" is not an absolute path without a trailing slash'],
    ])('refuses %s', (_what, change, message) => {
      expect(() => build({ jwt: { ...jwt, ...change } })).toThrow(ValidationError);
      expect(() => build({ jwt: { ...jwt, ...change } })).toThrow(message);
    });
  });

  test('emits the gateway, its route, mTLS, deny-by-default and per-service routes, destination rules and policies', () => {
    const objects = build();
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'AuthorizationPolicy/analytics-service-policy',
      'AuthorizationPolicy/api-gateway-policy',
      'AuthorizationPolicy/applications-service-policy',
      'AuthorizationPolicy/deny-by-default',
      'DestinationRule/analytics-service',
      'DestinationRule/api-gateway',
      'DestinationRule/applications-service',
      'DestinationRule/notifications-service',
      'Gateway/career-copilot-gateway',
      'PeerAuthentication/default',
      'VirtualService/analytics-service',
      'VirtualService/api-gateway',
      'VirtualService/applications-service',
      'VirtualService/career-copilot-gateway',
      'VirtualService/notifications-service',
    ]);
    expect(new Set(objects.map((o) => o.apiVersion))).toEqual(new Set(['networking.istio.io/v1', 'security.istio.io/v1']));
  });

  test('serves HTTPS on 443 with the given certificate on the ingress gateway and routes it to the api gateway', () => {
    const objects = build();
    expect(only(objects, 'Gateway').spec).toEqual({
      selector: { istio: 'ingressgateway' },
      servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, tls: { mode: 'SIMPLE', credentialName: 'career-copilot-tls' }, hosts: ['api.careercopilot.com'] }],
    });
    expect(only(objects, 'VirtualService', 'career-copilot-gateway').spec).toEqual({
      hosts: ['api.careercopilot.com'],
      gateways: ['career-copilot/career-copilot-gateway'],
      http: [{ route: [{ destination: { host: 'api-gateway', port: { number: 80 }, subset: 'v1' } }], timeout: '30s' }],
    });
  });

  test('requires mutual TLS for the whole namespace', () => {
    const peer = only(build(), 'PeerAuthentication', 'default');
    expect(peer.metadata.namespace).toBe('career-copilot');
    expect(peer.spec).toEqual({ mtls: { mode: 'STRICT' } });
  });

  test('denies by default with an ALLOW policy that has no rules and selects every workload', () => {
    expect(only(build(), 'AuthorizationPolicy', 'deny-by-default').spec).toEqual({ action: 'ALLOW' });
  });

  test('routes each service to its v1 subset with a 30 s timeout; reads get 3 retries of 10 s, writes are retried only when they never arrived', () => {
    const route = [{ destination: { host: 'applications-service', port: { number: 80 }, subset: 'v1' } }];
    expect(only(build(), 'VirtualService', 'applications-service').spec).toEqual({
      hosts: ['applications-service'],
      http: [
        { name: 'reads', match: [{ method: { regex: 'GET|HEAD|OPTIONS' } }], route, timeout: '30s', retries: { attempts: 3, perTryTimeout: '10s', retryOn: '5xx,reset,connect-failure,refused-stream' } },
        { name: 'writes', route, timeout: '30s', retries: { attempts: 3, retryOn: 'connect-failure,refused-stream' } },
      ],
    });
    expect(() => build({ writeRetryOn: '5xx,connect-failure' })).toThrow('writeRetryOn: "5xx" may retry a write the service already applied');
  });

  test('balances round robin over the v1 subset (the only version pods carry), bounds the pool, ejects after 3 errors and uses Istio mTLS', () => {
    expect(only(build(), 'DestinationRule', 'applications-service').spec).toEqual({
      host: 'applications-service',
      subsets: [{ name: 'v1', labels: { version: 'v1' } }],
      trafficPolicy: {
        loadBalancer: { simple: 'ROUND_ROBIN' },
        connectionPool: { tcp: { maxConnections: 100 }, http: { http1MaxPendingRequests: 10, maxRequestsPerConnection: 10 } },
        outlierDetection: { consecutive5xxErrors: 3, interval: '30s', baseEjectionTime: '30s' },
        tls: { mode: 'ISTIO_MUTUAL' },
      },
    });
  });

  test("allows a service exactly its callers' service accounts, with its methods and paths", () => {
    expect(only(build(), 'AuthorizationPolicy', 'applications-service-policy').spec).toEqual({
      selector: { matchLabels: { 'app.kubernetes.io/name': 'applications-service' } },
      action: 'ALLOW',
      rules: [{
        from: [{
          source: {
            principals: [
              'cluster.local/ns/career-copilot/sa/api-gateway',
              'cluster.local/ns/career-copilot/sa/analytics-service',
              'cluster.local/ns/career-copilot/sa/notifications-service',
            ],
          },
        }],
        to: [{ operation: { methods: ['GET', 'POST', 'PUT', 'DELETE'], paths: ['/api/v1/applications', '/api/v1/applications/*'] } }],
      }],
    });
  });

  test('lets the ingress gateway call the api gateway, and allows every method and path when none are given', () => {
    const rule = only(build(), 'AuthorizationPolicy', 'api-gateway-policy').spec.rules[0];
    expect(rule.from[0].source.principals).toEqual([
      'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account',
      'cluster.local/ns/career-copilot/sa/frontend',
    ]);
    expect(rule.to).toEqual([{ operation: { methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] } }]);
  });

  test('leaves a service without callers under deny-by-default instead of matching every source', () => {
    const objects = build();
    expect(objects.some((o) => o.metadata.name === 'notifications-service-policy')).toBe(false);
  });

  test('exposes the names of what it emits', () => {
    let mesh: ServiceMesh | undefined;
    emitted((scope) => { mesh = new ServiceMesh(scope, 'mesh', base); });
    expect(mesh!.gatewayReference).toBe('career-copilot/career-copilot-gateway');
    expect(mesh!.peerAuthenticationName).toBe('default');
    expect(mesh!.denyByDefaultPolicyName).toBe('deny-by-default');
    expect(mesh!.virtualServiceNames.get('applications-service')).toBe('applications-service');
    expect(mesh!.destinationRuleNames.get('notifications-service')).toBe('notifications-service');
    expect([...mesh!.authorizationPolicyNames.keys()]).toEqual(['api-gateway', 'applications-service', 'analytics-service']);
  });

  test('with a frontend, the edge sends /api/ to the API gateway and every other path to the frontend, both admitting the ingress gateway', () => {
    const props = { services: [...base.services, { name: 'frontend', port: 80, callers: [] }], ingress: { ...base.ingress, frontendService: 'frontend' } };
    const objects = build(props);
    expect(only(objects, 'VirtualService', 'career-copilot-gateway').spec.http).toEqual([
      { name: 'api', match: [{ uri: { prefix: '/api/' } }], route: [{ destination: { host: 'api-gateway', port: { number: 80 }, subset: 'v1' } }], timeout: '30s' },
      { name: 'frontend', route: [{ destination: { host: 'frontend', port: { number: 80 }, subset: 'v1' } }], timeout: '30s' },
    ]);
    expect(only(objects, 'AuthorizationPolicy', 'frontend-policy').spec.rules[0].from[0].source.principals).toEqual(['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account']);
    expect(() => build({ ingress: { ...base.ingress, frontendService: 'web' } })).toThrow('ingress.frontendService: "web" is not one of');
  });

  test('lets the monitoring namespace GET the metrics path on the metrics port, also of a service nobody calls', () => {
    const objects = build({ services: [...base.services, { name: 'saga-orchestrator', port: 80, callers: [], metrics: { port: 8000 } }] });
    expect(only(objects, 'AuthorizationPolicy', 'saga-orchestrator-policy').spec.rules).toEqual([
      { from: [{ source: { namespaces: ['monitoring'] } }], to: [{ operation: { methods: ['GET'], paths: ['/metrics'], ports: ['8000'] } }] },
    ]);
    expect(() => build({ services: [{ ...base.services[0], metrics: { port: 0 } }] })).toThrow('services[0].metrics.port: 0 is not an integer from 1 to 65535');
  });

  test("issues the public certificate with cert-manager in the ingress gateway's namespace, when given an issuer", () => {
    expect(build().some((o) => o.kind === 'Certificate')).toBe(false);
    const objects = build({ ingress: { ...base.ingress, certificateIssuer: { name: 'letsencrypt' } } });
    expect(only(objects, 'Certificate')).toMatchObject({
      metadata: { name: 'career-copilot-tls', namespace: 'istio-system' },
      spec: { secretName: 'career-copilot-tls', dnsNames: ['api.careercopilot.com'], issuerRef: { name: 'letsencrypt', kind: 'ClusterIssuer', group: 'cert-manager.io' } },
    });
    expect(() => build({ ingress: { ...base.ingress, certificateIssuer: { name: 'Lets Encrypt' } } })).toThrow('ingress.certificateIssuer.name: "Lets Encrypt" is not a DNS-1123 label');
  });

  test('a self-signed issuer is created beside the certificate, in the same namespace', () => {
    const objects = build({ ingress: { ...base.ingress, certificateIssuer: { name: 'career-copilot-self-signed', kind: 'SelfSigned' } } });
    expect(only(objects, 'Issuer')).toMatchObject({ metadata: { name: 'career-copilot-self-signed', namespace: 'istio-system' }, spec: { selfSigned: {} } });
    expect(only(objects, 'Certificate').spec.issuerRef).toEqual({ name: 'career-copilot-self-signed', kind: 'Issuer', group: 'cert-manager.io' });
    expect(build({ ingress: { ...base.ingress, certificateIssuer: { name: 'letsencrypt' } } }).some((o) => o.kind === 'Issuer')).toBe(false);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    expect(() => build({ ingress: { ...base.ingress, certificateIssuer: { name: 'ca', kind: 'Vault' as any } } })).toThrow('ingress.certificateIssuer.kind: "Vault" is not one of ClusterIssuer, Issuer, SelfSigned');
  });

  test("a canary's stable and canary Services get the same pool, ejection and mTLS as the service", () => {
    const objects = build(withService(1, { canary: { routes: ['primary', 'primary-writes'], stableService: 'applications-service-stable', canaryService: 'applications-service-canary' } }));
    const service = only(objects, 'DestinationRule', 'applications-service').spec;
    for (const host of ['applications-service-stable', 'applications-service-canary']) {
      expect(only(objects, 'DestinationRule', host).spec).toEqual({ host, trafficPolicy: service.trafficPolicy });
    }
  });

  test('takes its timeouts, retries, pool, outlier detection, subset and trust domain from props', () => {
    const objects = build({
      timeoutSeconds: 20, retryAttempts: 2, perTryTimeoutSeconds: 5, retryOn: 'gateway-error,503',
      maxConnections: 50, http1MaxPendingRequests: 5, maxRequestsPerConnection: 1,
      consecutive5xxErrors: 5, outlierIntervalSeconds: 10, baseEjectionSeconds: 60, trustDomain: 'example.org',
    });
    const http = only(objects, 'VirtualService', 'analytics-service').spec.http[0];
    expect(http).toMatchObject({ timeout: '20s', retries: { attempts: 2, perTryTimeout: '5s', retryOn: 'gateway-error,503' } });
    expect(http.route[0].destination.subset).toBe('v1');
    expect(only(objects, 'DestinationRule', 'analytics-service').spec.trafficPolicy).toMatchObject({
      connectionPool: { tcp: { maxConnections: 50 }, http: { http1MaxPendingRequests: 5, maxRequestsPerConnection: 1 } },
      outlierDetection: { consecutive5xxErrors: 5, interval: '10s', baseEjectionTime: '60s' },
    });
    expect(only(objects, 'AuthorizationPolicy', 'analytics-service-policy').spec.rules[0].from[0].source.principals).toEqual(['example.org/ns/career-copilot/sa/api-gateway']);
  });

  test.each<[string, Partial<ServiceMeshProps>, string]>([
    ['a bad namespace', { namespace: 'Career' }, 'namespace: "Career" is not a DNS-1123 label'],
    ['no hosts', { ingress: { ...base.ingress, hosts: [] } }, 'ingress.hosts: is empty: give at least one host name'],
    ['a bad host', { ingress: { ...base.ingress, hosts: ['https://api.careercopilot.com'] } }, 'ingress.hosts[0]: "https://api.careercopilot.com" is not a host name'],
    ['a bad credential name', { ingress: { ...base.ingress, credentialName: 'TLS' } }, 'ingress.credentialName: "TLS" is not a DNS-1123 label'],
    ['an ingress to an unknown service', { ingress: { ...base.ingress, service: 'backend' } },
      'ingress.service: "backend" is not one of api-gateway, applications-service, analytics-service, notifications-service'],
    ['an ingress named like a service', { ingress: { ...base.ingress, name: 'analytics-service' } },
      'ingress.name: "analytics-service" is also a service; their VirtualServices would share the name'],
    ['a service listed twice', { services: [...base.services, { name: 'analytics-service', port: 80, callers: [] }] }, 'services[4].name: "analytics-service" is listed twice'],
    ['a bad service name', withService(3, { name: 'Notifications' }), 'services[3].name: "Notifications" is not a DNS-1123 label'],
    ['a port out of range', withService(1, { port: 0 }), 'services[1].port: 0 is not an integer from 1 to 65535'],
    ['a bad caller', withService(1, { callers: ['api_gateway'] }), 'services[1].callers[0]: "api_gateway" is not a DNS-1123 label'],
    ['a caller listed twice', withService(1, { callers: ['api-gateway', 'api-gateway'] }), 'services[1].callers[1]: "api-gateway" is listed twice'],
    ['an unknown method', withService(1, { methods: ['GET', 'TRACE'] }), 'services[1].methods[1]: "TRACE" is not one of GET, POST, PUT, PATCH, DELETE'],
    ['no methods', withService(1, { methods: [] }), 'services[1].methods: is empty: leave it out to allow every method'],
    ['no paths', withService(1, { paths: [] }), 'services[1].paths: is empty: leave it out to allow every path'],
    ['a path in the middle of a wildcard', withService(1, { paths: ['/api/*/applications'] }),
      'services[1].paths[0]: "/api/*/applications" is not an Istio path: /exact, /prefix/*, *suffix or *'],
    ['an unknown subset', withService(1, { subset: 'v3' }), 'services[1].subset: "v3" is not one of v1'],
    ['a zero timeout', { timeoutSeconds: 0 }, 'timeoutSeconds: 0 is not an integer of at least 1'],
    ['negative retries', { retryAttempts: -1 }, 'retryAttempts: -1 is not an integer of at least 0'],
    ['a try longer than the request', { perTryTimeoutSeconds: 40 }, 'perTryTimeoutSeconds: 40 is longer than timeoutSeconds (30)'],
    ['a fractional pool size', { maxConnections: 1.5 }, 'maxConnections: 1.5 is not an integer of at least 1'],
    ['an unknown retry condition', { retryOn: '5xx,sometimes' }, 'retryOn: "sometimes" is not an HTTP status code or one of 5xx, gateway-error'],
    ['a bad trust domain', { trustDomain: 'Cluster Local' }, 'trustDomain: "Cluster Local" is not a domain name'],
    ['a bad ingress principal', { ingressGatewayPrincipal: 'istio-ingressgateway' },
      'ingressGatewayPrincipal: "istio-ingressgateway" is not a principal <trust-domain>/ns/<namespace>/sa/<service-account>'],
  ])('refuses %s', (_what, props, message) => {
    expect(() => build(props)).toThrow(ValidationError);
    expect(() => build(props)).toThrow(message);
  });
});

describe('ServiceMesh with an Argo Rollouts canary', () => {
  test('names the route and splits it between the stable and canary Services, stable first', () => {
    const objects = emitted((scope) => new ServiceMesh(scope, 'mesh', {
      namespace: 'career-copilot',
      ingress: { name: 'career-copilot', hosts: ['api.example.com'], credentialName: 'tls', service: 'api-gateway' },
      services: [
        { name: 'api-gateway', port: 80, callers: [] },
        { name: 'applications-service', port: 80, callers: ['api-gateway'], canary: { routes: ['primary', 'primary-writes'], stableService: 'applications-service-stable', canaryService: 'applications-service-canary' } },
      ],
    }));
    const routes = only(objects, 'VirtualService', 'applications-service').spec.http;
    expect(routes.map((r: { name: string }) => r.name)).toEqual(['primary', 'primary-writes']);
    for (const route of routes) {
      expect(route.route).toEqual([
        { destination: { host: 'applications-service-stable', port: { number: 80 } }, weight: 100 },
        { destination: { host: 'applications-service-canary', port: { number: 80 } }, weight: 0 },
      ]);
      expect(route.retries.attempts).toBe(3);
    }
  });
});
