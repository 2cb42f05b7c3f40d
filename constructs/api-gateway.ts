import { Construct } from 'constructs';
import { ResourceRequirements } from '../phases/model/workload';
import { notOneOf, showValue, ValidationError } from '../core/validation-error';
import { ROUTE_STATUSES } from '../phases/model/endpoint';
import { clusterHost } from '../core/cluster-dns';
import { DEFAULT_LATENCY_BUCKETS_SECONDS, renderGatewayMetricsProgram } from './gateway-metrics-program';
import { Microservice, MicroserviceAutoscaling } from './microservice';
import {
  DEFAULT_FALLBACK_PORT,
  DEFAULT_GATEWAY_TIMEOUTS,
  DEFAULT_KEEPALIVE_TIME_SECONDS,
  GATEWAY_RESERVED_PATHS,
  GatewayAuthentication,
  GatewayRoute,
  GatewayTimeouts,
  GatewayUnlistedRoute,
  renderNginxConfig,
  TOKEN_CACHE_PATH,
} from './nginx-gateway-config';
import { checkDnsLabel, checkInteger } from './prop-checks';

/** Port on which the gateway's metrics exporter serves `/metrics`. */
export const GATEWAY_METRICS_PORT = 3903;
/** Name of the Service port (and ServiceMonitor endpoint) of the gateway's metrics. */
export const GATEWAY_METRICS_PORT_NAME = 'metrics';
/** mtail's image, as its release workflow publishes it; the exporter of the gateway's metrics. */
export const DEFAULT_METRICS_EXPORTER_IMAGE = 'ghcr.io/google/mtail:v3.2.26';
/** Where NGINX sends its metrics log, inside the pod. */
const METRICS_LOG_PORT = 5140;
const METRICS_LOG_ADDRESS = `127.0.0.1:${METRICS_LOG_PORT}`;
/** Port of the fallback listener on the pod's loopback. */
const FALLBACK_PORT = DEFAULT_FALLBACK_PORT;
/**
 * Seconds a terminating gateway pod keeps serving: longer than the keep-alive time after which NGINX closes a
 * client's connection with a `Connection: close` answer, plus the slowest request, so that every client has moved
 * to another pod when NGINX stops.
 */
export const DEFAULT_DRAIN_SECONDS = 20;

/** Props of `ApiGateway`. */
export interface ApiGatewayProps {
  /** Name of the gateway's Deployment and Service. */
  readonly name: string;
  /** Namespace the upstream Services live in (for their DNS names). */
  readonly namespace: string;
  /** Pinned NGINX image that runs unprivileged on `containerPort` (e.g. nginxinc/nginx-unprivileged). */
  readonly image: string;
  /** The `app.kubernetes.io/part-of` label. */
  readonly partOf: string;
  /** One route per endpoint, with its status in this phase. */
  readonly routes: readonly GatewayRoute[];
  /** Service names that exist in this phase; every route must lead to one of them. */
  readonly upstreams: readonly string[];
  /** Where paths that no route lists go. @default - a JSON 404 (the monolith is retired) */
  readonly unlistedRoute?: GatewayUnlistedRoute;
  /**
   * Who verifies the bearer tokens of protected routes; its `upstream` must be deployed. Verified tokens are cached
   * in memory (a tmpfs at TOKEN_CACHE_PATH). @default - none, and then every route must be public
   */
  readonly authentication?: Omit<GatewayAuthentication, 'cachePath'>;
  /** Proxies whose `X-Forwarded-For` names the client (see `NginxConfigOptions.trustedProxyCidrs`). @default [] */
  readonly trustedProxyCidrs?: readonly string[];
  /** Port the upstream Services listen on. @default 80 */
  readonly upstreamPort?: number;
  /** @default 8080 */
  readonly containerPort?: number;
  /** @default 2 */
  readonly replicas?: number;
  /** @default Microservice's defaults */
  readonly resources?: ResourceRequirements;
  /** @default - no autoscaler */
  readonly autoscaling?: MicroserviceAutoscaling;
  /** @default connect 2 s, read 5 s, skip a service for 30 s after 3 failures */
  readonly timeouts?: GatewayTimeouts;
  /**
   * The `Host` upstreams receive: the client's, or their own Service name, which the mesh routes by (see
   * `NginxConfigOptions.upstreamHost`). @default 'client'
   */
  readonly upstreamHost?: 'client' | 'service';
  /** Extra pod labels (Istio's `version`, which the mesh's subsets select). @default {} */
  readonly podLabels?: Record<string, string>;
  /** Upper bounds of the latency histogram, seconds; the latency objective should be one. @default 5 ms ... 10 s, with 200 ms */
  readonly latencyBucketsSeconds?: readonly number[];
  /** Pinned image of the metrics exporter (mtail). @default DEFAULT_METRICS_EXPORTER_IMAGE */
  readonly metricsExporterImage?: string;
  /**
   * Seconds a terminating gateway pod keeps serving before NGINX stops; more than the keep-alive time (10 s), so
   * that keep-alive clients have been told to reconnect elsewhere. @default DEFAULT_DRAIN_SECONDS
   */
  readonly drainSeconds?: number;
  /**
   * The cluster's DNS Service, which NGINX asks for its upstreams' addresses while it runs: the gateway starts
   * before the Services it routes to exist, and follows one created again with a new address.
   * @default DEFAULT_CLUSTER_DNS
   */
  readonly clusterDns?: string;
}

/** kube-dns's Service name, which CoreDNS keeps in every conformant cluster (kubeadm, EKS, GKE, kind). */
export const DEFAULT_CLUSTER_DNS = clusterHost('kube-dns', 'kube-system');

/**
 * The strangler-fig API gateway: NGINX, configured from the model's per-endpoint status, with an mtail sidecar
 * that turns its per-request log into Prometheus metrics. NGINX because it is the most widely run proxy, its
 * `backup` upstream gives per-request fallback from a service to the monolith without plugins, `limit_req` gives
 * per-client rate limiting, and its configuration is plain text that the same binary validates in tests.
 */
export class ApiGateway extends Construct {
  /** The rendered `conf.d/default.conf`. */
  public readonly nginxConfig: string;
  /** The rendered mtail program. */
  public readonly metricsProgram: string;
  public readonly service: Microservice;

  constructor(scope: Construct, id: string, props: ApiGatewayProps) {
    super(scope, id);
    const upstreamPort = props.upstreamPort ?? 80;
    const containerPort = props.containerPort ?? 8080;
    const buckets = props.latencyBucketsSeconds ?? DEFAULT_LATENCY_BUCKETS_SECONDS;
    const drainSeconds = props.drainSeconds ?? DEFAULT_DRAIN_SECONDS;
    const timeouts = { ...DEFAULT_GATEWAY_TIMEOUTS, ...props.timeouts };
    validate(props, upstreamPort, containerPort, buckets);
    this.nginxConfig = renderNginxConfig(props.routes, {
      listenPort: containerPort,
      upstreamAddress: (service) => `${clusterHost(service, props.namespace)}:${upstreamPort}`,
      timeouts: props.timeouts,
      unlistedRoute: props.unlistedRoute,
      trustedProxyCidrs: props.trustedProxyCidrs,
      metricsLogAddress: METRICS_LOG_ADDRESS,
      fallbackPort: FALLBACK_PORT,
      upstreamHost: props.upstreamHost,
      resolver: props.clusterDns ?? DEFAULT_CLUSTER_DNS,
      authentication: props.authentication,
    });
    this.metricsProgram = renderGatewayMetricsProgram({ latencyBucketsSeconds: buckets });
    this.service = new Microservice(this, 'Service', {
      name: props.name,
      image: props.image,
      component: 'gateway',
      partOf: props.partOf,
      containerPort,
      replicas: props.replicas,
      resources: props.resources,
      autoscaling: props.autoscaling,
      podLabels: props.podLabels,
      // The unprivileged image keeps its pid file and temp files under /tmp.
      writablePaths: ['/tmp'],
      memoryPaths: props.authentication && props.authentication.cacheSeconds !== 0 ? [TOKEN_CACHE_PATH] : [],
      // NGINX reads *.conf of this folder; mtail reads *.mtail of the same files.
      files: { mountPath: '/etc/nginx/conf.d', contents: { 'default.conf': this.nginxConfig, 'gateway.mtail': this.metricsProgram } },
      preStopSleepSeconds: drainSeconds,
      // The drain, then the slowest request (a read timeout, then its fallback's), then some margin.
      terminationGracePeriodSeconds: drainSeconds + 2 * (timeouts.connectTimeoutSeconds + timeouts.readTimeoutSeconds) + 5,
      sidecars: [
        {
          name: 'metrics',
          image: props.metricsExporterImage ?? DEFAULT_METRICS_EXPORTER_IMAGE,
          args: [
            '--progs=/etc/mtail',
            `--logs=udp://${METRICS_LOG_ADDRESS}`,
            `--port=${GATEWAY_METRICS_PORT}`,
            // mtail reads one datagram per poll: every millisecond keeps up with about 900 requests a second.
            '--poll_interval=1ms',
            // The series carry the gateway's labels only, as the services' do.
            '--emit_prog_label=false',
            '--logtostderr',
          ],
          port: { name: GATEWAY_METRICS_PORT_NAME, number: GATEWAY_METRICS_PORT },
          resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
          filesMountPath: '/etc/mtail',
        },
      ],
    });
  }
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

function validate(props: ApiGatewayProps, upstreamPort: number, containerPort: number, buckets: readonly number[]): void {
  checkDnsLabel('namespace', props.namespace);
  checkInteger('upstreamPort', upstreamPort, 1, 65535);
  checkInteger('containerPort', containerPort, 1, 65535);
  if (props.clusterDns !== undefined && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]{1,5})?$/.test(props.clusterDns)) {
    throw new ValidationError('clusterDns', `${showValue(props.clusterDns)} is not a DNS server's host name or IPv4 address, with an optional :port`);
  }
  if ([GATEWAY_METRICS_PORT, METRICS_LOG_PORT, FALLBACK_PORT].includes(containerPort)) {
    throw new ValidationError('containerPort', `${containerPort} is taken inside the pod (metrics ${GATEWAY_METRICS_PORT}, metrics log ${METRICS_LOG_PORT}, fallback listener ${FALLBACK_PORT})`);
  }
  const seen = new Set<string>();
  const monoliths = new Set<string>();
  props.routes.forEach((route, i) => {
    const at = `routes[${i}]`;
    if (!/^\/[a-z0-9/-]*[a-z0-9]$/.test(route.path)) throw new ValidationError(`${at}.path`, `${showValue(route.path)} is not a path of lower-case segments`);
    if ((GATEWAY_RESERVED_PATHS as readonly string[]).includes(route.path)) {
      throw new ValidationError(`${at}.path`, `${showValue(route.path)} is the gateway's own; reserved: ${GATEWAY_RESERVED_PATHS.join(', ')}`);
    }
    if (seen.has(route.path)) throw new ValidationError(`${at}.path`, `duplicate route ${showValue(route.path)}`);
    seen.add(route.path);
    if (!(ROUTE_STATUSES as readonly string[]).includes(route.status)) throw new ValidationError(`${at}.status`, notOneOf(route.status, ROUTE_STATUSES));
    checkInteger(`${at}.rateLimitPerMinute`, route.rateLimitPerMinute, 1);
    if (route.maxRequestBodyKilobytes !== undefined) checkInteger(`${at}.maxRequestBodyKilobytes`, route.maxRequestBodyKilobytes, 1, 102400);
    if (route.methods.length === 0) throw new ValidationError(`${at}.methods`, 'is empty; give at least one HTTP method');
    const targets = route.status === 'migrated' ? ['service'] : route.status === 'monolith' ? ['monolith'] : ['service', 'monolith'];
    if (!route.public && !props.authentication) {
      throw new ValidationError(`${at}.public`, `${route.path} needs a verified token, and the gateway has no authentication; set authentication, or mark the route public`);
    }
    for (const field of targets as Array<'service' | 'monolith'>) {
      if (!props.upstreams.includes(route[field])) {
        throw new ValidationError(`${at}.${field}`, `${route.path} routes to ${showValue(route[field])}, which is not deployed: ${notOneOf(route[field], props.upstreams)}`);
      }
    }
    if (route.status === 'hybrid') monoliths.add(route.monolith);
  });
  // One fallback listener serves every hybrid route.
  if (monoliths.size > 1) throw new ValidationError('routes', `hybrid routes fall back to ${[...monoliths].join(' and ')}; they must share one monolith`);
  if (props.unlistedRoute) {
    const unlisted = props.unlistedRoute;
    if (!props.upstreams.includes(unlisted.upstream)) {
      throw new ValidationError('unlistedRoute.upstream', `${showValue(unlisted.upstream)} is not deployed: ${notOneOf(unlisted.upstream, props.upstreams)}`);
    }
    checkInteger('unlistedRoute.rateLimitPerMinute', unlisted.rateLimitPerMinute, 1);
    if (unlisted.maxRequestBodyKilobytes !== undefined) checkInteger('unlistedRoute.maxRequestBodyKilobytes', unlisted.maxRequestBodyKilobytes, 1, 102400);
  }
  if (props.authentication) {
    const auth = props.authentication;
    if (!props.upstreams.includes(auth.upstream)) {
      throw new ValidationError('authentication.upstream', `${showValue(auth.upstream)} is not deployed: ${notOneOf(auth.upstream, props.upstreams)}`);
    }
    if (!/^\/[A-Za-z0-9/._-]+$/.test(auth.verifyPath)) throw new ValidationError('authentication.verifyPath', `${showValue(auth.verifyPath)} is not an absolute path`);
    if (auth.cacheSeconds !== undefined) checkInteger('authentication.cacheSeconds', auth.cacheSeconds, 0, 300);
    if (auth.fallback !== undefined) {
      if (!props.upstreams.includes(auth.fallback)) throw new ValidationError('authentication.fallback', `${showValue(auth.fallback)} is not deployed: ${notOneOf(auth.fallback, props.upstreams)}`);
      if (monoliths.size > 0 && !monoliths.has(auth.fallback)) {
        throw new ValidationError('authentication.fallback', `${showValue(auth.fallback)} is not ${[...monoliths][0]}, which the hybrid routes fall back to; they share one fallback listener`);
      }
    }
  }
  (props.trustedProxyCidrs ?? []).forEach((cidr, i) => {
    const match = CIDR.exec(cidr);
    if (!match || match.slice(1, 5).some((octet) => Number(octet) > 255) || Number(match[5]) > 32) {
      throw new ValidationError(`trustedProxyCidrs[${i}]`, `${showValue(cidr)} is not an IPv4 CIDR block such as 10.0.0.0/16`);
    }
    if (Number(match[5]) === 0) throw new ValidationError(`trustedProxyCidrs[${i}]`, `${showValue(cidr)} would let any client choose its own address; name the proxies' range`);
  });
  buckets.forEach((bucket, i) => {
    if (typeof bucket !== 'number' || !Number.isFinite(bucket) || bucket <= 0 || (i > 0 && bucket <= buckets[i - 1])) {
      throw new ValidationError(`latencyBucketsSeconds[${i}]`, `${String(bucket)} is not a positive number above the bucket before it`);
    }
  });
  if (props.drainSeconds !== undefined) {
    checkInteger('drainSeconds', props.drainSeconds, 1, 120);
    if (props.drainSeconds <= DEFAULT_KEEPALIVE_TIME_SECONDS) {
      throw new ValidationError('drainSeconds', `${props.drainSeconds} is not more than the ${DEFAULT_KEEPALIVE_TIME_SECONDS} s keep-alive time: keep-alive clients would still be connected when NGINX stops`);
    }
  }
}
