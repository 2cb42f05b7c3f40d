import { Construct } from 'constructs';
import { ResourceRequirements } from '../phases/model/workload';
import { notOneOf, showValue, ValidationError } from '../phases/model/validation-error';
import { ROUTE_STATUSES } from '../phases/model/endpoint';
import { Microservice, MicroserviceAutoscaling } from './microservice';
import { GatewayRoute, GatewayTimeouts, renderNginxConfig } from './nginx-gateway-config';
import { checkDnsLabel, checkInteger } from './prop-checks';

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
}

/**
 * The strangler-fig API gateway: NGINX, configured from the model's per-endpoint status. NGINX because it is the
 * most widely run proxy, its `backup` upstream gives per-request fallback from a service to the monolith without
 * plugins, `limit_req` gives per-client rate limiting, and its configuration is plain text that the same binary
 * validates in tests.
 */
export class ApiGateway extends Construct {
  /** The rendered `conf.d/default.conf`. */
  public readonly nginxConfig: string;
  public readonly service: Microservice;

  constructor(scope: Construct, id: string, props: ApiGatewayProps) {
    super(scope, id);
    const upstreamPort = props.upstreamPort ?? 80;
    const containerPort = props.containerPort ?? 8080;
    validate(props, upstreamPort);
    this.nginxConfig = renderNginxConfig(props.routes, {
      listenPort: containerPort,
      upstreamAddress: (service) => `${service}.${props.namespace}.svc.cluster.local:${upstreamPort}`,
      timeouts: props.timeouts,
    });
    this.service = new Microservice(this, 'Service', {
      name: props.name,
      image: props.image,
      component: 'gateway',
      partOf: props.partOf,
      containerPort,
      replicas: props.replicas,
      resources: props.resources,
      autoscaling: props.autoscaling,
      // The unprivileged image keeps its pid file and temp files under /tmp.
      writablePaths: ['/tmp'],
      files: { mountPath: '/etc/nginx/conf.d', contents: { 'default.conf': this.nginxConfig } },
    });
  }
}

function validate(props: ApiGatewayProps, upstreamPort: number): void {
  checkDnsLabel('namespace', props.namespace);
  checkInteger('upstreamPort', upstreamPort, 1, 65535);
  const seen = new Set<string>();
  props.routes.forEach((route, i) => {
    const at = `routes[${i}]`;
    if (!/^\/[a-z0-9/-]*[a-z0-9]$/.test(route.path)) throw new ValidationError(`${at}.path`, `${showValue(route.path)} is not a path of lower-case segments`);
    if (seen.has(route.path)) throw new ValidationError(`${at}.path`, `duplicate route ${showValue(route.path)}`);
    seen.add(route.path);
    if (!(ROUTE_STATUSES as readonly string[]).includes(route.status)) throw new ValidationError(`${at}.status`, notOneOf(route.status, ROUTE_STATUSES));
    checkInteger(`${at}.rateLimitPerMinute`, route.rateLimitPerMinute, 1);
    if (route.methods.length === 0) throw new ValidationError(`${at}.methods`, 'is empty; give at least one HTTP method');
    const targets = route.status === 'migrated' ? ['service'] : route.status === 'monolith' ? ['monolith'] : ['service', 'monolith'];
    for (const field of targets as Array<'service' | 'monolith'>) {
      if (!props.upstreams.includes(route[field])) {
        throw new ValidationError(`${at}.${field}`, `${route.path} routes to ${showValue(route[field])}, which is not deployed: ${notOneOf(route[field], props.upstreams)}`);
      }
    }
  });
}
