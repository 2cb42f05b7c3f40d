import { Construct } from 'constructs';
import {
  DestinationRule,
  DestinationRuleSpecTrafficPolicyLoadBalancerSimple,
  DestinationRuleSpecTrafficPolicyTlsMode,
  Gateway,
  GatewaySpecServersTlsMode,
  VirtualService,
  VirtualServiceSpecHttpRetries,
} from '../imports/networking.istio.io';
import { AuthorizationPolicy, AuthorizationPolicySpecAction, PeerAuthentication, PeerAuthenticationSpecMtlsMode, RequestAuthentication } from '../imports/security.istio.io';
import { Certificate, Issuer } from '../imports/cert-manager.io';
import { HTTP_METHODS } from '../phases/model/endpoint';
import { notOneOf, showValue, ValidationError } from '../core/validation-error';
import { selectorLabels } from './labels';
import { checkDnsLabel, checkInteger } from './prop-checks';

/** The HTTP methods an `AuthorizationPolicy` rule may allow. */
export type MeshHttpMethod = (typeof HTTP_METHODS)[number];

/**
 * The subsets every service's `DestinationRule` defines, from the pods' `version` label: only those some pod
 * carries (a subset that selects nothing turns its traffic into 503 NoHealthyUpstream). A second version is
 * released by Argo Rollouts through its own Services, not by a subset.
 */
export const MESH_SUBSETS = ['v1'] as const;
export type MeshSubset = (typeof MESH_SUBSETS)[number];

/** A service inside the mesh, and who may call it. */
export interface MeshService {
  /** Kubernetes Service name; its pods are selected by `app.kubernetes.io/name` with the same value. */
  readonly name: string;
  /** Port of the Kubernetes Service (not the container port). */
  readonly port: number;
  /** Service accounts, in the mesh's namespace, allowed to call this service (the api gateway, its dependants). */
  readonly callers: readonly string[];
  /**
   * Istio path patterns the callers may use: exact (`/api/v1/jobs`), prefix (`/api/v1/jobs/*`) or `*`.
   * @default - any path
   */
  readonly paths?: readonly string[];
  /** HTTP methods the callers may use. @default ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] */
  readonly methods?: readonly MeshHttpMethod[];
  /** Subset (pods labelled `version: <subset>`) that receives the traffic. @default 'v1' */
  readonly subset?: MeshSubset;
  /**
   * Where the pods serve their metrics: Prometheus, from `metricsScraperNamespaces` and over mTLS, may GET that
   * path on that (container) port. @default - not scraped
   */
  readonly metrics?: { readonly port: number; readonly path?: string };
  /**
   * Argo Rollouts canary traffic: the route is named `route` and splits between the stable and canary Services,
   * whose weights the Rollout sets (it also adds the `x-canary` header route). @default - all traffic to `subset`
   */
  readonly canary?: MeshCanary;
}

/** The Services and routes an Argo Rollouts canary manages in this service's VirtualService. */
export interface MeshCanary {
  /** Names of the reads' route and the writes' route, in that order. */
  readonly routes: readonly [reads: string, writes: string];
  readonly stableService: string;
  readonly canaryService: string;
}

/** The public HTTPS entry of the mesh. */
export interface MeshIngress {
  /** Name of the Istio `Gateway` and of the `VirtualService` that binds it to `service`. */
  readonly name: string;
  /** Public host names served, e.g. `api.careercopilot.com`. */
  readonly hosts: readonly string[];
  /** TLS Secret of the certificate; it lives in the ingress gateway's namespace (istio-system), not ours. */
  readonly credentialName: string;
  /**
   * Issue the certificate with cert-manager: a `Certificate` for `hosts` in the ingress gateway's namespace,
   * written to `credentialName`. @default - `credentialName` names a Secret that exists there already
   */
  readonly certificateIssuer?: MeshCertificateIssuer;
  /** The `services` entry the API's requests (`/api/...`) are routed to: the API gateway. */
  readonly service: string;
  /** The `services` entry that serves every other path: the web frontend. @default - every path goes to `service` */
  readonly frontendService?: string;
}

/** How the public certificate is issued: `ClusterIssuer` and `Issuer` name one that exists already (e.g. ACME). */
export const CERTIFICATE_ISSUER_KINDS = ['ClusterIssuer', 'Issuer', 'SelfSigned'] as const;

/** The cert-manager issuer of the public certificate. */
export interface MeshCertificateIssuer {
  readonly name: string;
  /**
   * `SelfSigned` creates a self-signing `Issuer` of that name beside the certificate, for environments without a
   * public CA (a developer cluster): browsers will not trust it. @default 'ClusterIssuer'
   */
  readonly kind?: (typeof CERTIFICATE_ISSUER_KINDS)[number];
}

/**
 * JWT validation at the mesh's edge: the API gateway's sidecar validates the caller's token before NGINX sees
 * the request (which asks the auth service as well), and refuses a request without one on a protected path.
 */
export interface MeshJwtValidation {
  /** The tokens' `iss`; a token of any other issuer is refused. */
  readonly issuer: string;
  /** Where istiod fetches the issuer's signing keys (JWKS); it fetches from outside the mesh. */
  readonly jwksUri: string;
  /** Paths that need a valid token; each also covers the paths below it. */
  readonly protectedPaths: readonly string[];
  /**
   * The workload port the edge's requests arrive on (the API gateway's container port). A DENY rule of HTTP
   * attributes alone would deny every TCP connection to the workload's other ports (Istio's IST0133).
   */
  readonly port: number;
}

/** The path prefix of the API behind the public host; the rest is the frontend's. */
const API_PREFIX = '/api/';

/** Props of `ServiceMesh`. */
export interface ServiceMeshProps {
  /** Namespace of the services; part of every caller's SPIFFE principal. */
  readonly namespace: string;
  readonly ingress: MeshIngress;
  readonly services: readonly MeshService[];
  /** Labels of the Istio ingress gateway pods that serve `ingress`. @default { istio: 'ingressgateway' } */
  readonly ingressGatewaySelector?: Record<string, string>;
  /** Namespace of the Istio ingress gateway, where its TLS Secret must live. @default 'istio-system' */
  readonly ingressGatewayNamespace?: string;
  /** Namespaces whose (meshed) Prometheus may scrape the services' `metrics`. @default ['monitoring'] */
  readonly metricsScraperNamespaces?: readonly string[];
  /**
   * Principal of the ingress gateway, the only caller allowed into `ingress.service` from outside the namespace.
   * @default 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'
   */
  readonly ingressGatewayPrincipal?: string;
  /** Trust domain of the principals. @default 'cluster.local' */
  readonly trustDomain?: string;
  /** The edge's JWT validation, on `ingress.service`'s sidecar. @default - none: tokens are checked by the services only */
  readonly jwt?: MeshJwtValidation;
  /** Whole-request timeout of a call between services, retries included (the seed's 30s). @default 30 */
  readonly timeoutSeconds?: number;
  /** Attempts after the first failure (the seed's 3). @default 3 */
  readonly retryAttempts?: number;
  /** Timeout of each attempt (the seed's 10s). @default 10 */
  readonly perTryTimeoutSeconds?: number;
  /**
   * Envoy conditions that trigger a retry of a read (GET, HEAD, OPTIONS).
   * @default '5xx,reset,connect-failure,refused-stream'
   */
  readonly retryOn?: string;
  /**
   * Envoy conditions that trigger a retry of a write (any other method). Only requests that never reached the
   * service are safe to send again: a 5xx or a reset may come after the service applied the write.
   * @default 'connect-failure,refused-stream'
   */
  readonly writeRetryOn?: string;
  /** Connections to one service from one sidecar. @default 100 */
  readonly maxConnections?: number;
  /** Requests queued while waiting for a connection. @default 10 */
  readonly http1MaxPendingRequests?: number;
  /** Requests per connection before it is recycled. @default 10 */
  readonly maxRequestsPerConnection?: number;
  /** Consecutive 5xx responses that eject a pod from the load-balancing pool. @default 3 */
  readonly consecutive5xxErrors?: number;
  /** How often pods are scanned for ejection. @default 30 */
  readonly outlierIntervalSeconds?: number;
  /** Minimum ejection time (grows with each ejection of the same pod). @default 30 */
  readonly baseEjectionSeconds?: number;
}

/** The seed's numbers, and the least each setting accepts (0 retry attempts switches retries off). */
const NUMERIC_SETTINGS = {
  timeoutSeconds: { default: 30, min: 1 },
  retryAttempts: { default: 3, min: 0 },
  perTryTimeoutSeconds: { default: 10, min: 1 },
  maxConnections: { default: 100, min: 1 },
  http1MaxPendingRequests: { default: 10, min: 1 },
  maxRequestsPerConnection: { default: 10, min: 1 },
  consecutive5xxErrors: { default: 3, min: 1 },
  outlierIntervalSeconds: { default: 30, min: 1 },
  baseEjectionSeconds: { default: 30, min: 1 },
} as const;
type NumericSetting = keyof typeof NUMERIC_SETTINGS;
type MeshSettings = Record<NumericSetting, number>;

const DEFAULT_METHODS: readonly MeshHttpMethod[] = HTTP_METHODS;
const DEFAULT_INGRESS_PRINCIPAL = 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account';
const PRINCIPAL = /^[a-z0-9.-]+\/ns\/[a-z0-9-]+\/sa\/[a-z0-9-]+$/;
const DEFAULT_RETRY_ON = '5xx,reset,connect-failure,refused-stream';
const DEFAULT_WRITE_RETRY_ON = 'connect-failure,refused-stream';
/** The methods that change nothing, whose requests may be retried on any failure. */
const READ_METHODS = 'GET|HEAD|OPTIONS';
/** Envoy's retry conditions (x-envoy-retry-on and x-envoy-retry-grpc-on), plus HTTP status codes. */
const RETRY_CONDITIONS = [
  '5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'envoy-ratelimited', 'retriable-4xx',
  'refused-stream', 'retriable-status-codes', 'retriable-headers', 'http3-post-connect-failure',
  'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable',
];
const HOST_NAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Istio's path match: exact, prefix (`/a/*`), suffix (`*.json`) or `*`. */
const ISTIO_PATH = /^(\*|\/[A-Za-z0-9/_.~%-]*\*?|\*[A-Za-z0-9/_.~%-]+)$/;

/**
 * Istio for the services of one namespace (the seed's "Service Mesh Implementation"): an HTTPS `Gateway` in front
 * of the API gateway; per service a `VirtualService` with a timeout and retries and a `DestinationRule` with the v1
 * subset (and one each for a canary's stable and canary Services), a bounded connection pool, outlier detection and Istio mTLS; STRICT mTLS for the namespace; and
 * authorization that denies by default and allows each service only its callers' service accounts.
 *
 * Only sidecar-injected pods enforce these policies: a pod without a sidecar (e.g. a database left out of the
 * mesh) keeps accepting plaintext, and a meshed one is denied to everyone not allowed here. Under the restricted
 * Pod Security Standard, sidecars need the Istio CNI plugin (istio-init's NET_ADMIN is not allowed).
 */
export class ServiceMesh extends Construct {
  public readonly gatewayName: string;
  /** `<namespace>/<gateway>`, as a `VirtualService` names the gateway it binds to. */
  public readonly gatewayReference: string;
  /** `default` is the name Istio gives the namespace-wide policy by convention. */
  public readonly peerAuthenticationName = 'default';
  /** The policy with no rules: nothing is allowed unless another ALLOW policy matches. */
  public readonly denyByDefaultPolicyName = 'deny-by-default';
  /** Service name -> name of its `VirtualService`. */
  public readonly virtualServiceNames: ReadonlyMap<string, string>;
  /** Host (a service, or a canary's stable and canary Services) -> name of its `DestinationRule`. */
  public readonly destinationRuleNames: ReadonlyMap<string, string>;
  /** Service name -> name of its ALLOW `AuthorizationPolicy`; a service nobody may call has none. */
  public readonly authorizationPolicyNames: ReadonlyMap<string, string>;

  constructor(scope: Construct, id: string, props: ServiceMeshProps) {
    super(scope, id);
    const settings = resolveSettings(props);
    const retryOn = props.retryOn ?? DEFAULT_RETRY_ON;
    const writeRetryOn = props.writeRetryOn ?? DEFAULT_WRITE_RETRY_ON;
    const trustDomain = props.trustDomain ?? 'cluster.local';
    const ingressGatewayPrincipal = props.ingressGatewayPrincipal ?? DEFAULT_INGRESS_PRINCIPAL;
    const scrapers = props.metricsScraperNamespaces ?? ['monitoring'];
    validate(props, settings, { retryOn, writeRetryOn, trustDomain, ingressGatewayPrincipal });

    const { ingress, namespace } = props;
    this.gatewayName = ingress.name;
    this.gatewayReference = `${namespace}/${ingress.name}`;
    const entry = props.services.find((s) => s.name === ingress.service)!;
    const frontend = props.services.find((s) => s.name === ingress.frontendService);
    // The same subset as the service's own route: routes do not chain, so the edge must name it too.
    const to = (service: MeshService) => [{ destination: { host: service.name, port: { number: service.port }, ...(service.canary ? {} : { subset: service.subset ?? 'v1' }) } }];

    new Gateway(this, 'Gateway', {
      metadata: { name: ingress.name },
      spec: {
        selector: props.ingressGatewaySelector ?? { istio: 'ingressgateway' },
        servers: [{
          port: { number: 443, name: 'https', protocol: 'HTTPS' },
          tls: { mode: GatewaySpecServersTlsMode.SIMPLE, credentialName: ingress.credentialName },
          hosts: [...ingress.hosts],
        }],
      },
    });
    // No retries at the edge: the services' own routes retry, and retrying at both layers multiplies attempts.
    new VirtualService(this, 'IngressRoute', {
      metadata: { name: ingress.name },
      spec: {
        hosts: [...ingress.hosts],
        gateways: [this.gatewayReference],
        http: frontend
          ? [
              { name: 'api', match: [{ uri: { prefix: API_PREFIX } }], route: to(entry), timeout: `${settings.timeoutSeconds}s` },
              { name: 'frontend', route: to(frontend), timeout: `${settings.timeoutSeconds}s` },
            ]
          : [{ route: to(entry), timeout: `${settings.timeoutSeconds}s` }],
      },
    });

    if (ingress.certificateIssuer) {
      // The gateway reads `credentialName` from its own namespace: the certificate is issued there.
      const namespace = props.ingressGatewayNamespace ?? 'istio-system';
      const { name, kind = 'ClusterIssuer' } = ingress.certificateIssuer;
      if (kind === 'SelfSigned') new Issuer(this, 'SelfSignedIssuer', { metadata: { name, namespace }, spec: { selfSigned: {} } });
      new Certificate(this, 'Certificate', {
        metadata: { name: ingress.credentialName, namespace },
        spec: {
          secretName: ingress.credentialName,
          dnsNames: [...ingress.hosts],
          issuerRef: { name, kind: kind === 'SelfSigned' ? 'Issuer' : kind, group: 'cert-manager.io' },
        },
      });
    }

    new PeerAuthentication(this, 'PeerAuthentication', {
      metadata: { name: this.peerAuthenticationName },
      spec: { mtls: { mode: PeerAuthenticationSpecMtlsMode.STRICT } },
    });
    // An ALLOW policy without rules matches no request; with it in place a workload accepts only what another
    // ALLOW policy matches (Istio's "allow-nothing"). A DENY policy without rules would instead deny nothing.
    new AuthorizationPolicy(this, 'DenyByDefault', {
      metadata: { name: this.denyByDefaultPolicyName },
      spec: { action: AuthorizationPolicySpecAction.ALLOW },
    });

    if (props.jwt && props.jwt.protectedPaths.length > 0) {
      const jwt = props.jwt;
      const edge = { matchLabels: selectorLabels(ingress.service) };
      // A present token must be valid (401 otherwise); kept in the request, as the gateway verifies it too.
      new RequestAuthentication(this, 'EdgeJwt', {
        metadata: { name: `${ingress.service}-jwt` },
        spec: { selector: edge, jwtRules: [{ issuer: jwt.issuer, jwksUri: jwt.jwksUri, forwardOriginalToken: true }] },
      });
      // An absent token passes a RequestAuthentication: a DENY policy refuses it on the protected paths (403).
      // A CORS preflight carries none and is let through; the gateway's routes answer it.
      new AuthorizationPolicy(this, 'EdgeRequireJwt', {
        metadata: { name: `${ingress.service}-require-jwt` },
        spec: {
          selector: edge,
          action: AuthorizationPolicySpecAction.DENY,
          rules: [
            {
              from: [{ source: { notRequestPrincipals: ['*'] } }],
              to: [{ operation: { ports: [String(jwt.port)], paths: jwt.protectedPaths.flatMap((p) => [p, `${p}/*`]), notMethods: ['OPTIONS'] } }],
            },
          ],
        },
      });
    }

    const retries: VirtualServiceSpecHttpRetries = {
      attempts: settings.retryAttempts,
      perTryTimeout: `${settings.perTryTimeoutSeconds}s`,
      retryOn,
    };
    // No per-try timeout: a write that timed out may have been applied; the route's timeout bounds it.
    const writeRetries: VirtualServiceSpecHttpRetries = { attempts: settings.retryAttempts, retryOn: writeRetryOn };
    const trafficPolicy = {
      loadBalancer: { simple: DestinationRuleSpecTrafficPolicyLoadBalancerSimple.ROUND_UNDERSCORE_ROBIN },
      connectionPool: {
        tcp: { maxConnections: settings.maxConnections },
        http: { http1MaxPendingRequests: settings.http1MaxPendingRequests, maxRequestsPerConnection: settings.maxRequestsPerConnection },
      },
      outlierDetection: {
        consecutive5XxErrors: settings.consecutive5xxErrors,
        interval: `${settings.outlierIntervalSeconds}s`,
        baseEjectionTime: `${settings.baseEjectionSeconds}s`,
      },
      tls: { mode: DestinationRuleSpecTrafficPolicyTlsMode.ISTIO_UNDERSCORE_MUTUAL },
    };
    const virtualServices = new Map<string, string>();
    const destinationRules = new Map<string, string>();
    const policies = new Map<string, string>();
    for (const service of props.services) {
      const destinations = service.canary
        ? // Weights start at stable 100 / canary 0; the Rollout owns them from then on.
          [
            { destination: { host: service.canary.stableService, port: { number: service.port } }, weight: 100 },
            { destination: { host: service.canary.canaryService, port: { number: service.port } }, weight: 0 },
          ]
        : [{ destination: { host: service.name, port: { number: service.port }, subset: service.subset ?? 'v1' } }];
      const [readsRoute, writesRoute] = service.canary?.routes ?? ['reads', 'writes'];
      new VirtualService(this, `${service.name}-route`, {
        metadata: { name: service.name },
        spec: {
          hosts: [service.name],
          http: [
            { name: readsRoute, match: [{ method: { regex: READ_METHODS } }], route: destinations, timeout: `${settings.timeoutSeconds}s`, retries },
            // Writes: retried only when they never reached the service, so none is applied twice.
            { name: writesRoute, route: destinations, timeout: `${settings.timeoutSeconds}s`, retries: writeRetries },
          ],
        },
      });
      virtualServices.set(service.name, service.name);

      new DestinationRule(this, `${service.name}-destination`, {
        metadata: { name: service.name },
        spec: { host: service.name, subsets: MESH_SUBSETS.map((version) => ({ name: version, labels: { version } })), trafficPolicy },
      });
      // A canary's stable and canary Services are hosts of their own: the same pool, ejection and mTLS apply.
      for (const host of service.canary ? [service.canary.stableService, service.canary.canaryService] : []) {
        new DestinationRule(this, `${host}-destination`, { metadata: { name: host }, spec: { host, trafficPolicy } });
        destinationRules.set(host, host);
      }
      destinationRules.set(service.name, service.name);

      const principals = [
        ...(service.name === ingress.service || service.name === ingress.frontendService ? [ingressGatewayPrincipal] : []),
        ...service.callers.map((caller) => `${trustDomain}/ns/${namespace}/sa/${caller}`),
      ];
      const rules = [
        // An empty principals list would match every source: a service nobody calls gets no callers' rule.
        ...(principals.length > 0
          ? [{ from: [{ source: { principals } }], to: [{ operation: { methods: [...(service.methods ?? DEFAULT_METHODS)], ...(service.paths ? { paths: [...service.paths] } : {}) } }] }]
          : []),
        ...(service.metrics
          ? [{ from: [{ source: { namespaces: [...scrapers] } }], to: [{ operation: { methods: ['GET'], paths: [service.metrics.path ?? '/metrics'], ports: [String(service.metrics.port)] } }] }]
          : []),
      ];
      // With no rule, a service stays under deny-by-default.
      if (rules.length === 0) continue;
      const name = `${service.name}-policy`;
      new AuthorizationPolicy(this, `${service.name}-authorization`, {
        metadata: { name },
        spec: { selector: { matchLabels: selectorLabels(service.name) }, action: AuthorizationPolicySpecAction.ALLOW, rules },
      });
      policies.set(service.name, name);
    }
    this.virtualServiceNames = virtualServices;
    this.destinationRuleNames = destinationRules;
    this.authorizationPolicyNames = policies;
  }
}

function resolveSettings(props: ServiceMeshProps): MeshSettings {
  const names = Object.keys(NUMERIC_SETTINGS) as NumericSetting[];
  return Object.fromEntries(names.map((name) => [name, props[name] ?? NUMERIC_SETTINGS[name].default])) as MeshSettings;
}

function validate(
  props: ServiceMeshProps,
  settings: MeshSettings,
  resolved: { retryOn: string; writeRetryOn: string; trustDomain: string; ingressGatewayPrincipal: string },
): void {
  checkDnsLabel('namespace', props.namespace);
  checkDnsLabel('ingress.name', props.ingress.name);
  checkDnsLabel('ingress.credentialName', props.ingress.credentialName);
  checkDnsLabel('ingressGatewayNamespace', props.ingressGatewayNamespace ?? 'istio-system');
  (props.metricsScraperNamespaces ?? []).forEach((ns, i) => checkDnsLabel(`metricsScraperNamespaces[${i}]`, ns));
  if (props.ingress.certificateIssuer) {
    checkDnsLabel('ingress.certificateIssuer.name', props.ingress.certificateIssuer.name);
    const kind = props.ingress.certificateIssuer.kind ?? 'ClusterIssuer';
    if (!(CERTIFICATE_ISSUER_KINDS as readonly string[]).includes(kind)) throw new ValidationError('ingress.certificateIssuer.kind', notOneOf(kind, CERTIFICATE_ISSUER_KINDS));
  }
  if (props.ingress.hosts.length === 0) throw new ValidationError('ingress.hosts', 'is empty: give at least one host name');
  props.ingress.hosts.forEach((host, i) => {
    if (!HOST_NAME.test(host)) throw new ValidationError(`ingress.hosts[${i}]`, `${showValue(host)} is not a host name`);
  });
  const names = props.services.map((s) => s.name);
  if (!names.includes(props.ingress.service)) throw new ValidationError('ingress.service', notOneOf(props.ingress.service, names));
  if (props.ingress.frontendService !== undefined && !names.includes(props.ingress.frontendService)) {
    throw new ValidationError('ingress.frontendService', notOneOf(props.ingress.frontendService, names));
  }
  if (props.jwt) {
    if (!/^https:\/\/[^\s/]+(\/\S*)?$/.test(props.jwt.jwksUri)) throw new ValidationError('jwt.jwksUri', `${showValue(props.jwt.jwksUri)} is not an https:// URL: signing keys are never fetched in the clear`);
    if (props.jwt.issuer.trim() === '') throw new ValidationError('jwt.issuer', 'is empty');
    checkInteger('jwt.port', props.jwt.port, 1, 65535);
    props.jwt.protectedPaths.forEach((path, i) => {
      if (!/^\/[A-Za-z0-9/_.-]*[A-Za-z0-9]$/.test(path)) throw new ValidationError(`jwt.protectedPaths[${i}]`, `${showValue(path)} is not an absolute path without a trailing slash`);
    });
  }
  if (names.includes(props.ingress.name)) {
    throw new ValidationError('ingress.name', `${showValue(props.ingress.name)} is also a service; their VirtualServices would share the name`);
  }

  props.services.forEach((service, i) => {
    const at = `services[${i}]`;
    checkDnsLabel(`${at}.name`, service.name);
    if (names.indexOf(service.name) !== i) throw new ValidationError(`${at}.name`, `${showValue(service.name)} is listed twice`);
    checkInteger(`${at}.port`, service.port, 1, 65535);
    service.callers.forEach((caller, j) => {
      checkDnsLabel(`${at}.callers[${j}]`, caller);
      if (service.callers.indexOf(caller) !== j) throw new ValidationError(`${at}.callers[${j}]`, `${showValue(caller)} is listed twice`);
    });
    (service.methods ?? DEFAULT_METHODS).forEach((method, j) => {
      if (!(HTTP_METHODS as readonly string[]).includes(method)) throw new ValidationError(`${at}.methods[${j}]`, notOneOf(method, HTTP_METHODS));
    });
    if (service.methods?.length === 0) throw new ValidationError(`${at}.methods`, 'is empty: leave it out to allow every method');
    if (service.paths?.length === 0) throw new ValidationError(`${at}.paths`, 'is empty: leave it out to allow every path');
    (service.paths ?? []).forEach((path, j) => {
      if (!ISTIO_PATH.test(path)) throw new ValidationError(`${at}.paths[${j}]`, `${showValue(path)} is not an Istio path: /exact, /prefix/*, *suffix or *`);
    });
    if (service.metrics) {
      checkInteger(`${at}.metrics.port`, service.metrics.port, 1, 65535);
      if (service.metrics.path !== undefined && !/^\/[A-Za-z0-9/_.-]*$/.test(service.metrics.path)) throw new ValidationError(`${at}.metrics.path`, `${showValue(service.metrics.path)} is not an absolute URL path`);
    }
    if (service.subset !== undefined && !(MESH_SUBSETS as readonly string[]).includes(service.subset)) {
      throw new ValidationError(`${at}.subset`, notOneOf(service.subset, MESH_SUBSETS));
    }
  });

  for (const [name, { min }] of Object.entries(NUMERIC_SETTINGS)) checkInteger(name, settings[name as NumericSetting], min);
  if (settings.perTryTimeoutSeconds > settings.timeoutSeconds) {
    throw new ValidationError('perTryTimeoutSeconds', `${settings.perTryTimeoutSeconds} is longer than timeoutSeconds (${settings.timeoutSeconds})`);
  }
  if (!HOST_NAME.test(resolved.trustDomain) || resolved.trustDomain.startsWith('*')) {
    throw new ValidationError('trustDomain', `${showValue(resolved.trustDomain)} is not a domain name`);
  }
  if (!PRINCIPAL.test(resolved.ingressGatewayPrincipal)) {
    throw new ValidationError('ingressGatewayPrincipal', `${showValue(resolved.ingressGatewayPrincipal)} is not a principal <trust-domain>/ns/<namespace>/sa/<service-account>`);
  }
  for (const field of ['retryOn', 'writeRetryOn'] as const) {
    resolved[field].split(',').forEach((condition) => {
      if (!RETRY_CONDITIONS.includes(condition) && !/^[1-5][0-9][0-9]$/.test(condition)) {
        throw new ValidationError(field, `${showValue(condition)} is not an HTTP status code or one of ${RETRY_CONDITIONS.join(', ')}`);
      }
    });
  }
  // A write retried after a 5xx, a reset or a timeout may be applied twice.
  const unsafe = resolved.writeRetryOn.split(',').filter((c) => !['connect-failure', 'refused-stream', 'reset-before-request', 'envoy-ratelimited'].includes(c));
  if (unsafe.length > 0) {
    throw new ValidationError('writeRetryOn', `${showValue(unsafe[0])} may retry a write the service already applied; allowed: connect-failure, refused-stream, reset-before-request, envoy-ratelimited`);
  }
}
