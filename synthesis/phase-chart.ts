import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { DataStoreSpec } from '../phases/model/data-store';
import { imageReference } from '../phases/model/image-ref';
import { PhasePlan, superuserStores, WorkloadPlan, WorkloadRole } from '../phases/phase-plan';
import { ApiGateway, GATEWAY_METRICS_PORT, GATEWAY_METRICS_PORT_NAME } from '../constructs/api-gateway';
import { DEFAULT_LATENCY_BUCKETS_SECONDS } from '../constructs/gateway-metrics-program';
import { AuthDataSplitJob } from '../constructs/auth-data-split-job';
import { DataMoveJob, dataMoveJobName } from '../constructs/data-move-job';
import { DatabaseRoleJob, databaseRoleJobName } from '../constructs/database-role-job';
import { serviceUrl } from '../core/cluster-dns';
import { ComponentKind } from '../core/component-kinds';
import { DATA_ENGINE_PROFILES } from './data-engines';
import { connectionEnv, readConnectionEnv } from './data-store-connection';
import { EventBus, eventTopicName, MANAGED_KAFKA_BOOTSTRAP_KEY, MANAGED_KAFKA_SECRET_NAME, managedKafkaCredentialsSecretName } from '../constructs/event-bus';
import { EventStoreSchemaJob } from '../constructs/event-store-schema-job';
import { FeatureFlags } from '../constructs/feature-flags';
import { Microservice, MicroserviceProps, NamedMount } from '../constructs/microservice';
import { PlatformNamespace } from '../constructs/namespace';
import { NetworkPolicies } from '../constructs/network-policies';
import { networkWorkloads, smokeTestName } from './network-workloads';
import { ProgressiveRelease } from '../constructs/progressive-release';
import { SagaOrchestratorConfig } from '../constructs/saga-orchestrator-config';
import { ServiceMesh } from '../constructs/service-mesh';
import { ServiceObservability } from '../constructs/service-observability';
import { SupportImage, supportImageReferences } from '../constructs/support-images';

/** The component that holds the mesh's objects (Gateway, VirtualServices, policies). */
export const MESH_COMPONENT = 'service-mesh';

/** What differs between environments of the same phase: sizing, flags, where data lives. */
export interface EnvironmentOptions {
  /** Replicas at rest of every service. @default - each workload's replicas in the model */
  readonly replicas?: number;
  /** Kafka brokers. @default 3 */
  readonly kafkaBrokers?: number;
  /** Feature flags forced on or off, as `name=true|false`. @default [] */
  readonly featureFlagOverrides?: readonly string[];
  /** Public host of the API gateway. @default 'api.career-copilot.local' */
  readonly domain?: string;
  /** Run data stores and Kafka in the cluster (the local target); false when they are managed services. @default true */
  readonly inClusterData?: boolean;
  /** Address range of the managed data services, when they are outside the cluster. @default '0.0.0.0/0' */
  readonly externalDataCidr?: string;
  /** Labels of the Prometheus that selects ServiceMonitors and rules. @default {} */
  readonly monitoringLabels?: Record<string, string>;
  /** Address ranges of the proxies in front of the API gateway, whose `X-Forwarded-For` it believes. @default [] */
  readonly trustedProxyCidrs?: readonly string[];
  /**
   * The public certificate of the mesh's edge (phase 4): issued by this cert-manager ClusterIssuer, or an existing
   * TLS Secret in the ingress gateway's namespace. @default - a self-signed certificate (cert-manager), for
   * environments without a public CA; the aws target refuses to run without one of the two
   */
  readonly tls?: { readonly clusterIssuer?: string; readonly secretName?: string };
  /**
   * Images that replace the support images' defaults (`SUPPORT_IMAGES`: the Jobs' psql, the gateway's mtail, the
   * smoke test's curl, Redis), each a pinned reference such as `postgres:16.4-alpine@sha256:<digest>`.
   * @default - each construct's pinned default
   */
  readonly supportImages?: Readonly<Partial<Record<SupportImage, string>>>;
}

/** The kind of a workload's component, by its role: the compiler names a new role here. */
const WORKLOAD_KINDS: Readonly<Record<WorkloadRole, ComponentKind>> = {
  'monolith': 'Monolith',
  'frontend': 'Frontend',
  'gateway': 'ApiGateway',
  'context-service': 'ContextService',
  'saga-orchestrator': 'SagaOrchestrator',
  'config-server': 'ConfigServer',
};

/** Props of `PhaseChart`. */
export interface PhaseChartProps {
  /** The phase to build, as resolved by `selectPhase`. */
  readonly plan: PhasePlan;
  /** @default - the model's sizes, the flags' phase values, data in the cluster */
  readonly environment?: EnvironmentOptions;
}

/** Name of the Kafka cluster, its topics' and users' `strimzi.io/cluster`. */
export const EVENT_BUS_NAME = 'event-bus';
/** Where every service finds the Kafka cluster's CA and its own client certificate. */
const KAFKA_CA_PATH = '/etc/kafka/ca';
const KAFKA_USER_PATH = '/etc/kafka/user';

/**
 * Every Kubernetes object of one phase. Construct ids are component names from the model, never the phase, so
 * an object has the same construct path (and so the same URN downstream) in every phase where it exists.
 * Components are created data first, then the event bus, the one-off jobs, the workloads and the policies
 * around them.
 */
export class PhaseChart extends Chart {
  /** The Kafka cluster, when the phase has one in the cluster. */
  public readonly eventBus?: EventBus;
  private readonly featureFlagsConfigMap: string;
  private readonly kinds = new Map<string, ComponentKind>();

  constructor(scope: Construct, id: string, props: PhaseChartProps) {
    const { plan } = props;
    const environment = props.environment ?? {};
    const inClusterData = environment.inClusterData ?? true;
    const images = supportImageReferences(environment.supportImages);
    super(scope, id, { namespace: plan.namespace, disableResourceNameHashes: true });

    this.kinds.set('namespace', 'Namespace');
    new PlatformNamespace(this, 'namespace', { name: plan.namespace, partOf: plan.product, meshInjection: plan.platform.mesh });

    if (inClusterData) {
      for (const store of plan.dataStores) this.dataStore(plan, store, images.redis);
    }
    if (plan.eventBus && inClusterData) {
      this.kinds.set(EVENT_BUS_NAME, 'EventBus');
      this.eventBus = new EventBus(this, EVENT_BUS_NAME, {
        name: EVENT_BUS_NAME,
        partOf: plan.product,
        events: plan.topics.map((t) => ({ event: t.event, context: t.context, partitions: t.partitions, retentionHours: t.retentionHours, compacted: t.compacted })),
        clients: plan.eventClients,
        replicas: environment.kafkaBrokers,
      });
    }
    const jobs: Array<{ name: string; stores: string[] }> = [];
    // A managed PostgreSQL store gets its application role from a Job, as CloudNativePG makes it in the cluster:
    // the services never connect as the master user.
    if (!inClusterData) {
      for (const store of plan.dataStores.filter((s) => s.engine === 'postgresql')) {
        const id = databaseRoleJobName(store.name);
        this.kinds.set(id, 'DatabaseRole');
        const job = new DatabaseRoleJob(this, id, { store: store.name, database: store.database, partOf: plan.product, image: images.psql });
        jobs.push({ name: job.name, stores: [store.name] });
      }
    }
    if (plan.authDataSplit) {
      this.kinds.set('auth-data-split', 'AuthDataSplit');
      const job = new AuthDataSplitJob(this, 'auth-data-split', {
        scripts: plan.authDataSplit.scripts,
        monolithStore: plan.authDataSplit.monolith.name,
        authStore: plan.authDataSplit.auth.name,
        gates: plan.authDataSplit.gates,
        partOf: plan.product,
        image: images.psql,
      });
      jobs.push({ name: job.name, stores: [plan.authDataSplit.monolith.name, plan.authDataSplit.auth.name] });
    }
    for (const move of plan.dataMoves) {
      const id = dataMoveJobName(move.context);
      this.kinds.set(id, 'DataMove');
      const job = new DataMoveJob(this, id, {
        context: move.context,
        tables: move.tables,
        monolithStore: move.monolith.name,
        store: move.store.name,
        database: move.store.database,
        gates: move.gates,
        partOf: plan.product,
        image: images.psql,
      });
      jobs.push({ name: job.name, stores: [move.monolith.name, move.store.name] });
    }
    if (plan.eventStore) {
      this.kinds.set('event-store-schema', 'EventStoreSchema');
      const job = new EventStoreSchemaJob(this, 'event-store-schema', { store: plan.eventStore.name, database: plan.eventStore.database, partOf: plan.product, image: images.psql });
      jobs.push({ name: job.name, stores: [plan.eventStore.name] });
    }

    // Flags are a ConfigMap in every phase; from phase 4 the config server also serves them.
    this.kinds.set('feature-flags', 'FeatureFlags');
    const flags = new FeatureFlags(this, 'feature-flags', {
      flags: plan.featureFlags,
      partOf: plan.product,
      overrides: parseFlagOverrides(environment.featureFlagOverrides ?? []),
      ...(plan.platform.configServer ? { server: { services: {} } } : {}),
    });
    this.featureFlagsConfigMap = flags.configMapName;

    const canaries = new Map<string, ProgressiveRelease>();
    for (const workload of plan.workloads) {
      this.kinds.set(workload.spec.name, WORKLOAD_KINDS[workload.role]);
      const service = this.workload(plan, workload, environment, flags, images.mtail);
      // Observability and releases belong to the workload's component.
      const component = service.node.scope === this ? service : service.node.scope!;
      new ServiceObservability(component, 'Observability', {
        name: workload.spec.name,
        component: workload.role,
        partOf: plan.product,
        p95LatencyMs: plan.objectives.p95LatencyMs,
        availabilityPercent: plan.objectives.availabilityPercent,
        monitoringLabels: environment.monitoringLabels,
        // The gateway's metrics come from its exporter's port; the services serve theirs on their own.
        ...(workload.role === 'gateway' ? { portName: GATEWAY_METRICS_PORT_NAME } : {}),
        scrapeThroughMesh: plan.platform.mesh,
      });
      if (workload.release !== 'rolling') {
        const release = new ProgressiveRelease(component, 'Release', {
          name: workload.spec.name,
          component: workload.role,
          partOf: plan.product,
          strategy: workload.release,
          containerPort: workload.spec.port,
          replicas: service.replicas,
          autoscaling: service.autoscaling,
          ...(workload.release === 'blue-green' ? { smokeTestImage: images.curl } : {}),
        });
        if (release.canaryRouting) canaries.set(workload.spec.name, release);
      }
    }

    if (plan.platform.mesh) {
      const gateway = plan.workloads.find((w) => w.role === 'gateway')!;
      const frontend = plan.workloads.find((w) => w.role === 'frontend');
      const host = environment.domain ?? 'api.career-copilot.local';
      const auth = plan.edgeAuthentication;
      this.kinds.set(MESH_COMPONENT, 'ServiceMesh');
      new ServiceMesh(this, MESH_COMPONENT, {
        namespace: plan.namespace,
        // istiod fetches the signing keys through the public edge: the auth service's public endpoint.
        ...(auth
          ? { jwt: { issuer: auth.issuer, jwksUri: `https://${host}${auth.jwksPath}`, protectedPaths: plan.routes.filter((r) => !r.public).map((r) => r.path), port: gateway.spec.port } }
          : {}),
        ingress: {
          name: 'career-copilot',
          hosts: [host],
          credentialName: environment.tls?.secretName || 'career-copilot-tls',
          // Without a CA or an existing Secret (a developer environment), a self-signed certificate: HTTPS still.
          ...(environment.tls?.clusterIssuer
            ? { certificateIssuer: { name: environment.tls.clusterIssuer } }
            : environment.tls?.secretName ? {} : { certificateIssuer: { name: 'career-copilot-self-signed', kind: 'SelfSigned' as const } }),
          service: gateway.spec.name,
          frontendService: frontend?.spec.name,
        },
        services: plan.workloads
          .map((w) => {
            const canary = canaries.get(w.spec.name)?.canaryRouting;
            return {
              name: w.spec.name,
              port: 80,
              callers: [
                ...plan.workloads.filter((caller) => caller.calls.includes(w.spec.name)).map((caller) => caller.spec.name),
                ...(w.release === 'blue-green' ? [smokeTestName(w.spec.name)] : []),
              ],
              ...(canary ? { canary: { routes: canary.routes, stableService: canary.stableService, canaryService: canary.canaryService } } : {}),
              metrics: { port: w.role === 'gateway' ? GATEWAY_METRICS_PORT : w.spec.port },
            };
          }),
      });
    }
    this.kinds.set('network-policies', 'NetworkPolicies');
    new NetworkPolicies(this, 'network-policies', {
      workloads: networkWorkloads(plan, {
        inClusterData,
        eventBus: this.eventBus !== undefined,
        eventBusName: EVENT_BUS_NAME,
        jobs,
        externalDataCidr: environment.externalDataCidr,
        // The monolith's database reads the moved stores through postgres_fdw (the compatibility views).
        storeLinks: [
          ...(plan.authDataSplit ? [{ from: plan.authDataSplit.monolith.name, to: plan.authDataSplit.auth.name }] : []),
          ...plan.dataMoves.map((m) => ({ from: m.monolith.name, to: m.store.name })),
        ],
      }),
      mesh: plan.platform.mesh,
    });
  }

  /** The kind of the component `id` (a top-level construct of the chart). */
  public componentKind(id: string): ComponentKind {
    const kind = this.kinds.get(id);
    if (kind === undefined) throw new Error(`component ${JSON.stringify(id)} of the phase chart has no kind; components: ${[...this.kinds.keys()].join(', ')}`);
    return kind;
  }

  private dataStore(plan: PhasePlan, store: DataStoreSpec, redisImage: string): void {
    const profile = DATA_ENGINE_PROFILES[store.engine];
    this.kinds.set(store.name, profile.componentKind);
    profile.build(this, store, { partOf: plan.product, superuser: superuserStores(plan).includes(store.name), redisImage });
  }

  private workload(plan: PhasePlan, workload: WorkloadPlan, environment: EnvironmentOptions, flags: FeatureFlags, metricsExporterImage: string): Microservice {
    const props = this.microserviceProps(plan, workload, environment);
    if (workload.role === 'config-server' && flags.serverFiles) {
      return new Microservice(this, workload.spec.name, { ...props, files: { mountPath: '/config', contents: flags.serverFiles } });
    }
    if (workload.role === 'gateway') {
      const gateway = new ApiGateway(this, workload.spec.name, {
        ...props,
        namespace: plan.namespace,
        routes: plan.routes,
        unlistedRoute: plan.unlistedRoute,
        // The plan's token check is the gateway's (its issuer and signing keys are the mesh's, below).
        authentication: plan.edgeAuthentication,
        upstreams: plan.workloads.map((w) => w.spec.name),
        metricsExporterImage,
        trustedProxyCidrs: environment.trustedProxyCidrs,
        // In the mesh, a sidecar routes by Host: each service gets its own name, the client's goes in X-Forwarded-Host.
        upstreamHost: plan.platform.mesh ? 'service' : 'client',
        // A bucket at the latency objective, so that the P95 alert compares with an exact quantile.
        latencyBucketsSeconds: [...new Set([...DEFAULT_LATENCY_BUCKETS_SECONDS, plan.objectives.p95LatencyMs / 1000])].sort((a, b) => a - b),
      });
      return gateway.service;
    }
    if (workload.role === 'saga-orchestrator') {
      // The orchestrator's component also holds its saga definitions.
      const scope = new Construct(this, workload.spec.name);
      const sagas = new SagaOrchestratorConfig(scope, 'Sagas', {
        name: workload.spec.name,
        partOf: plan.product,
        sagas: plan.sagas,
        services: Object.fromEntries(plan.workloads.filter((w) => w.context).map((w) => [w.context!, w.spec.name])),
        topics: plan.topics.map((t) => ({ event: t.event, name: eventTopicName(t.context, t.event) })),
      });
      return new Microservice(scope, 'Service', {
        ...props,
        configMapMounts: [...(props.configMapMounts ?? []), { name: sagas.configMapName, mountPath: '/etc/sagas' }],
      });
    }
    return new Microservice(this, workload.spec.name, props);
  }

  /** The model's words for a workload, turned into `Microservice` props. */
  private microserviceProps(plan: PhasePlan, workload: WorkloadPlan, environment: EnvironmentOptions): MicroserviceProps {
    const { spec } = workload;
    const config: Record<string, string> = {
      SERVICE_NAME: spec.name,
      PORT: String(spec.port),
      LOG_LEVEL: 'info',
    };
    for (const callee of workload.calls) config[`${envName(callee)}_URL`] = serviceUrl(callee, plan.namespace);
    if (workload.role === 'context-service') config.DUAL_WRITE = String(workload.dualWrite);
    const secretMounts: NamedMount[] = [];
    const secretEnv = workload.dataStores.map(connectionEnv);
    const read = workload.readModel ? readConnectionEnv(workload.readModel, { inCluster: environment.inClusterData ?? true, namespace: plan.namespace }) : undefined;
    secretEnv.push(...(read?.secretEnv ?? []));
    const client = plan.eventClients.find((c) => c.service === spec.name);
    if (client) {
      const topicOf = new Map(plan.topics.map((t) => [t.event, eventTopicName(t.context, t.event)]));
      config.KAFKA_PRODUCES = client.produces.map((e) => topicOf.get(e)!).join(',');
      config.KAFKA_CONSUMES = client.consumes.map((e) => topicOf.get(e)!).join(',');
      config.KAFKA_CONSUMER_GROUP = spec.name;
      if (this.eventBus) {
        config.KAFKA_BOOTSTRAP_SERVERS = this.eventBus.bootstrapServers;
        config.KAFKA_CA_PATH = KAFKA_CA_PATH;
        config.KAFKA_USER_PATH = KAFKA_USER_PATH;
        secretMounts.push({ name: this.eventBus.clusterCaSecretName, mountPath: KAFKA_CA_PATH }, { name: this.eventBus.credentialsSecretName(spec.name), mountPath: KAFKA_USER_PATH });
      } else {
        // A managed Kafka (MSK): its address and the service's SCRAM credentials come from the Secrets the stack
        // writes; its brokers' certificates are signed by a public CA, which the image trusts.
        secretEnv.push({ env: 'KAFKA_BOOTSTRAP_SERVERS', secretName: MANAGED_KAFKA_SECRET_NAME, key: MANAGED_KAFKA_BOOTSTRAP_KEY });
        config.KAFKA_SASL_MECHANISM = 'SCRAM-SHA-512';
        config.KAFKA_USER_PATH = KAFKA_USER_PATH;
        secretMounts.push({ name: managedKafkaCredentialsSecretName(spec.name), mountPath: KAFKA_USER_PATH });
      }
    }
    const replicas = environment.replicas ?? spec.replicas;
    return {
      name: spec.name,
      image: imageReference(spec.image),
      component: workload.role,
      partOf: plan.product,
      containerPort: spec.port,
      replicas,
      resources: spec.resources,
      autoscaling: { ...spec.autoscaling, maxReplicas: Math.max(spec.autoscaling.maxReplicas, replicas) },
      templateOfRollout: workload.release !== 'rolling',
      config,
      secretEnv,
      composedEnv: read?.composedEnv ?? [],
      secretMounts,
      configMapMounts: [{ name: this.featureFlagsConfigMap, mountPath: '/etc/feature-flags' }],
      // Istio's subsets and telemetry read `version`; it is on every pod in every phase, so the mesh's arrival
      // changes no pod template.
      podLabels: { version: 'v1' },
    };
  }
}

/** `["a=true", "b=false"]` -> `{ a: true, b: false }`; the flags construct refuses unknown names. */
function parseFlagOverrides(overrides: readonly string[]): Record<string, boolean> {
  return Object.fromEntries(overrides.map((o) => {
    const [name, value] = o.split('=');
    return [name, value === 'true'];
  }));
}

function envName(workload: string): string {
  return workload.replace(/-/g, '_').toUpperCase();
}
