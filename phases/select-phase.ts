import { allDataStores, allWorkloads } from './model/check-model';
import { DEFAULT_TOKEN_CACHE_SECONDS } from './model/edge-authentication';
import { DEFAULT_MAX_REQUEST_BODY_KILOBYTES } from './model/endpoint';
import { ImageRef, parseImageReference } from './model/image-ref';
import { PHASES, PhaseNumber, isPhaseNumber } from './model/phase-spec';
import { PlatformModel } from './model/platform-model';
import { notOneOf, showValue, ValidationError } from '../core/validation-error';
import { WorkloadSpec } from './model/workload';
import { retainedPhase } from './phase-step';
import { EdgeAuthenticationPlan, EventClientPlan, FeatureFlagPlan, PhasePlan, RoutePlan, TopicPlan, UnlistedRoutePlan, WorkloadPlan } from './phase-plan';

/** A data product keeps each key's latest record; this bounds only the tombstones and old segments. */
const DATA_PRODUCT_RETENTION_HOURS = 90 * 24;

/** `user` -> `UserDataProduct`: the event a context's data product topic carries. */
export function dataProductEvent(context: string): string {
  return `${context.replace(/(^|-)([a-z])/g, (_, _dash, c: string) => c.toUpperCase())}DataProduct`;
}

/** Options of `selectPhase`. */
export interface SelectPhaseOptions {
  /**
   * Endpoint paths sent back to the monolith whatever their status in the phase (the seed's rollback of one
   * service). Refused in a phase without the monolith.
   * @default - no override
   */
  readonly routesToMonolith?: readonly string[];
  /** Field name used in errors about `routesToMonolith`. @default 'routesToMonolith' */
  readonly routesToMonolithField?: string;
  /**
   * The highest phase this environment has run. Its data (data stores, the event bus and its topics, the event
   * store) stays after a rollback, because no step may delete data; workloads and routes follow `phase`.
   * @default - the phase itself
   */
  readonly retainDataOfPhase?: PhaseNumber;
  /**
   * Images that replace the model's, by workload name, each `repository:version` or `repository@sha256:digest`:
   * a release of one service through the stack config, or images mirrored into a private registry. A name may be
   * any workload of the model, deployed in this phase or not (the same config serves every phase).
   * @default - the model's images
   */
  readonly images?: Readonly<Record<string, string>>;
  /** Field name used in errors about `images`. @default 'images' */
  readonly imagesField?: string;
}

/** What a stack's config chooses about a phase, beside the phase itself: the same for every phase of the stack. */
export type PhaseSelection = Pick<SelectPhaseOptions, 'routesToMonolith' | 'images'>;

/**
 * Resolves phase `phase` of a validated model into the flat plan of what it deploys. The order of every
 * list follows the model, so synthesis is deterministic.
 */
export function selectPhase(model: PlatformModel, phase: unknown, options: SelectPhaseOptions = {}): PhasePlan {
  if (!isPhaseNumber(phase)) throw new ValidationError('phase', notOneOf(phase, PHASES));
  const spec = model.phases[phase];
  if (options.retainDataOfPhase !== undefined && !isPhaseNumber(options.retainDataOfPhase)) {
    throw new ValidationError('retainDataOfPhase', notOneOf(options.retainDataOfPhase, PHASES));
  }
  // The phase whose data exists: this one, or a later one the environment has run before a rollback.
  const dataSpec = model.phases[retainedPhase(phase, options.retainDataOfPhase)];
  const overrides = options.routesToMonolith ?? [];
  const overrideField = options.routesToMonolithField ?? 'routesToMonolith';

  overrides.forEach((path, i) => {
    const known = model.endpoints.map((e) => e.path);
    if (!known.includes(path)) throw new ValidationError(`${overrideField}[${i}]`, `unknown endpoint: ${notOneOf(path, known)}`);
    if (!spec.monolith) {
      throw new ValidationError(`${overrideField}[${i}]`, `${showValue(path)} cannot go back to the monolith: phase ${phase} has retired it`);
    }
  });

  const imageOf = imageOverrides(model, options.images ?? {}, options.imagesField ?? 'images');
  const withImage = (spec: WorkloadSpec): WorkloadSpec => {
    const image = imageOf.get(spec.name);
    return image ? { ...spec, image } : spec;
  };

  const contextsHere = model.contexts.filter((c) => spec.services.includes(c.name));
  const serviceOf = new Map(model.contexts.map((c) => [c.name, c.service.name]));
  const storesHere = allDataStores(model)
    .map((s) => s.store)
    .filter((s) => dataSpec.dataStores.includes(s.name));
  const monolithStores = [model.monolith.database, model.monolith.cache];

  const workloads: WorkloadPlan[] = [];
  const plain = { release: 'rolling', dataStores: [], calls: [], dualWrite: false } as const;
  // The services and the orchestrator read their configuration and flags from the config server, when it runs.
  const configServerCalls = spec.platform.configServer ? [model.platform.configServer.name] : [];
  if (spec.monolith) {
    workloads.push({ ...plain, role: 'monolith', spec: withImage(model.monolith.backend), dataStores: monolithStores });
  }
  workloads.push({ ...plain, role: 'frontend', spec: withImage(model.monolith.frontend), calls: [spec.platform.gateway ? model.platform.gateway.name : model.monolith.backend.name] });
  if (spec.platform.gateway) {
    const upstreams = [...(spec.monolith ? [model.monolith.backend.name] : []), ...contextsHere.map((c) => c.service.name)];
    workloads.push({ ...plain, role: 'gateway', spec: withImage(model.platform.gateway), calls: upstreams });
  }
  for (const context of contextsHere) {
    const dualWrite = spec.dualWrite.includes(context.name);
    workloads.push({
      role: 'context-service',
      context: context.name,
      spec: withImage(context.service),
      release: spec.releases[context.name] ?? 'rolling',
      dataStores: [context.dataStore, ...(dualWrite ? [model.monolith.database] : [])],
      calls: [...context.dependsOn.filter((d) => spec.services.includes(d)).map((d) => serviceOf.get(d)!), ...configServerCalls],
      dualWrite,
      ...(spec.readModels.includes(context.name) ? { readModel: context.dataStore } : {}),
    });
  }
  if (spec.platform.sagaOrchestrator) {
    workloads.push({ ...plain, role: 'saga-orchestrator', spec: withImage(model.platform.sagaOrchestrator), calls: [...contextsHere.map((c) => c.service.name), ...configServerCalls] });
  }
  if (spec.platform.configServer) {
    workloads.push({ ...plain, role: 'config-server', spec: withImage(model.platform.configServer) });
  }

  const routes: RoutePlan[] = model.endpoints.map((endpoint) => {
    const overridden = overrides.includes(endpoint.path) && endpoint.statusByPhase[phase] !== 'monolith';
    return {
      path: endpoint.path,
      methods: endpoint.methods,
      context: endpoint.context,
      status: overridden ? 'monolith' : endpoint.statusByPhase[phase],
      service: serviceOf.get(endpoint.context)!,
      monolith: model.monolith.backend.name,
      rateLimitPerMinute: endpoint.rateLimitPerMinute,
      maxRequestBodyKilobytes: endpoint.maxRequestBodyKilobytes ?? DEFAULT_MAX_REQUEST_BODY_KILOBYTES,
      overridden,
      public: endpoint.public ?? false,
    };
  });
  const authentication = model.edgeAuthentication;
  const verifier = spec.services.includes(authentication.context) ? serviceOf.get(authentication.context)! : model.monolith.backend.name;
  const edgeAuthentication: EdgeAuthenticationPlan | undefined = spec.platform.gateway
    ? {
        upstream: verifier,
        ...(spec.monolith && verifier !== model.monolith.backend.name ? { fallback: model.monolith.backend.name } : {}),
        verifyPath: authentication.verifyPath,
        cacheSeconds: authentication.cacheSeconds ?? DEFAULT_TOKEN_CACHE_SECONDS,
        issuer: authentication.issuer,
        jwksPath: authentication.jwksPath,
      }
    : undefined;

  const featureFlags: FeatureFlagPlan[] = [
    ...model.featureFlags.map((f) => ({ name: f.name, description: f.description, enabled: f.enabledByPhase[phase] })),
    ...model.contexts.map((c) => ({
      name: `dual-write.${c.name}`,
      description: `${c.service.name} also writes to the monolith's database while ${c.name} data moves`,
      enabled: spec.dualWrite.includes(c.name),
    })),
  ];

  const dataContexts = model.contexts.filter((c) => dataSpec.services.includes(c.name));
  const topics: TopicPlan[] = dataSpec.platform.eventBus
    ? [
        ...dataContexts.flatMap((c) => c.publishes.map((e) => ({ event: e.name, context: c.name, partitions: e.partitions, retentionHours: e.retentionHours, compacted: false }))),
        ...(dataSpec.platform.dataProducts
          ? dataContexts.map((c) => ({ event: dataProductEvent(c.name), context: c.name, partitions: 3, retentionHours: DATA_PRODUCT_RETENTION_HOURS, compacted: true }))
          : []),
      ]
    : [];
  const onBus = new Set(topics.map((t) => t.event));
  // With data products, each context publishes its own and analytics reads every other context's.
  const products = spec.platform.dataProducts ? contextsHere.map((c) => dataProductEvent(c.name)) : [];
  const eventClients: EventClientPlan[] = spec.platform.eventBus
    ? contextsHere.map((c) => ({
        service: c.service.name,
        context: c.name,
        produces: [...c.publishes.map((e) => e.name), ...(spec.platform.dataProducts ? [dataProductEvent(c.name)] : [])],
        consumes: [...c.consumes, ...(c.name === model.dataProductConsumer ? products.filter((p) => p !== dataProductEvent(c.name)) : [])].filter((e) => onBus.has(e)),
      }))
    : [];
  if (spec.platform.eventBus && spec.platform.sagaOrchestrator) {
    // The orchestrator only reads: each step's service publishes its own context's events.
    eventClients.push({ service: model.platform.sagaOrchestrator.name, produces: [], consumes: [...new Set(model.sagas.map((s) => s.triggeredBy))] });
  }

  const unlistedRoute: UnlistedRoutePlan | undefined = spec.monolith
    ? {
        upstream: model.monolith.backend.name,
        rateLimitPerMinute: model.unlistedPaths.rateLimitPerMinute,
        maxRequestBodyKilobytes: model.unlistedPaths.maxRequestBodyKilobytes ?? DEFAULT_MAX_REQUEST_BODY_KILOBYTES,
      }
    : undefined;

  // The auth split runs while both the monolith's database and the auth store exist and the monolith lives. The
  // context that owns authentication is the one whose tokens the edge verifies.
  const auth = model.contexts.find((c) => c.name === model.edgeAuthentication.context);
  const authDataSplit =
    auth && spec.monolith && spec.services.includes(auth.name)
      ? { monolith: model.monolith.database, auth: auth.dataStore, scripts: model.authDataSplit, gates: routeGates(routes, auth.name) }
      : undefined;

  return {
    product: model.product,
    namespace: model.namespace,
    phase,
    spec,
    platform: spec.platform,
    workloads,
    routes,
    unlistedRoute,
    edgeAuthentication,
    dataStores: storesHere,
    objectives: model.objectives,
    featureFlags,
    topics,
    eventClients,
    eventBus: dataSpec.platform.eventBus,
    sagas: spec.platform.sagaOrchestrator ? model.sagas : [],
    eventStore: dataSpec.platform.eventStore ? model.eventStore : undefined,
    authDataSplit,
    // Each context's tables move while the monolith and the context's service run (every such phase: a catch-up).
    dataMoves: spec.monolith
      ? contextsHere
          .filter((c) => c.monolithTables.length > 0)
          .map((c) => ({
            context: c.name,
            service: c.service.name,
            monolith: model.monolith.database,
            store: c.dataStore,
            tables: c.monolithTables,
            gates: routeGates(routes, c.name),
          }))
      : [],
  };
}

/** The overridden images by workload name, each checked: a known workload, a pinned reference. */
function imageOverrides(model: PlatformModel, images: Readonly<Record<string, string>>, field: string): Map<string, ImageRef> {
  const known = allWorkloads(model).map((w) => w.workload.name);
  return new Map(Object.entries(images).map(([name, reference]) => {
    if (!known.includes(name)) throw new ValidationError(`${field}.${name}`, `unknown workload: ${notOneOf(name, known)}`);
    return [name, parseImageReference(`${field}.${name}`, reference)];
  }));
}

/** A context's routes as `path=status`: what waits for its data move, which runs again when they change. */
function routeGates(routes: readonly RoutePlan[], context: string): string[] {
  return routes.filter((r) => r.context === context).map((r) => `${r.path}=${r.status}`);
}
