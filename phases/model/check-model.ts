import { BoundedContextSpec } from './bounded-context';
import { checkMonolithTables } from './check-monolith-tables';
import { DataStoreSpec } from './data-store';
import { ROUTE_STATUSES } from './endpoint';
import { IMAGE_DIGEST } from './image-ref';
import { PHASES } from './phase-spec';
import { PlatformModel } from './platform-model';
import { notOneOf, showValue, ValidationError } from '../../core/validation-error';
import { WorkloadSpec } from './workload';

/** Every workload of the model with the field path it was declared at. */
export function allWorkloads(model: PlatformModel): Array<{ field: string; workload: WorkloadSpec }> {
  return [
    { field: 'monolith.backend', workload: model.monolith.backend },
    { field: 'monolith.frontend', workload: model.monolith.frontend },
    { field: 'platform.gateway', workload: model.platform.gateway },
    { field: 'platform.sagaOrchestrator', workload: model.platform.sagaOrchestrator },
    { field: 'platform.configServer', workload: model.platform.configServer },
    ...model.contexts.map((c, i) => ({ field: `contexts[${i}].service`, workload: c.service })),
  ];
}

/** Every data store of the model with the field path it was declared at. */
export function allDataStores(model: PlatformModel): Array<{ field: string; store: DataStoreSpec }> {
  return [
    { field: 'monolith.database', store: model.monolith.database },
    { field: 'monolith.cache', store: model.monolith.cache },
    { field: 'eventStore', store: model.eventStore },
    ...model.contexts.map((c, i) => ({ field: `contexts[${i}].dataStore`, store: c.dataStore })),
  ];
}

function serviceNames(model: PlatformModel, contexts: readonly string[]): string {
  const names = model.contexts.filter((c) => contexts.includes(c.name)).map((c) => c.service.name);
  return names.join(', ') || 'no context service';
}

function checkUnique(items: Array<{ field: string; name: string }>, what: string): void {
  const seen = new Map<string, string>();
  for (const { field, name } of items) {
    const first = seen.get(name);
    if (first !== undefined) throw new ValidationError(field, `duplicate ${what} ${showValue(name)}, already declared at ${first}`);
    seen.set(name, field);
  }
}

function checkKnown(field: string, value: string, known: readonly string[], what: string): void {
  if (!known.includes(value)) throw new ValidationError(field, `unknown ${what}: ${notOneOf(value, known)}`);
}

/** Namespaces the platform must never take over (its default-deny policies and Pod Security labels). */
export const RESERVED_NAMESPACES: readonly string[] = ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'istio-system'];

/** Per-container bounds that catch a typo (100000 cores, 999999Gi), not real sizing. */
const MAX_CPU_MILLIS = 64_000;
const MAX_MEMORY_MEBIBYTES = 256 * 1024;

function checkCpu(field: string, quantity: string): void {
  const millis = quantity.endsWith('m') ? Number(quantity.slice(0, -1)) : Number(quantity) * 1000;
  if (!(millis > 0)) throw new ValidationError(field, `${showValue(quantity)} is zero: give a CPU quantity above 0, such as 100m`);
  if (millis > MAX_CPU_MILLIS) throw new ValidationError(field, `${showValue(quantity)} is above the maximum ${MAX_CPU_MILLIS / 1000} cores per container`);
}

function checkMemory(field: string, quantity: string): void {
  const mebibytes = Number(quantity.slice(0, -2)) * (quantity.endsWith('Gi') ? 1024 : 1);
  if (!(mebibytes > 0)) throw new ValidationError(field, `${showValue(quantity)} is zero: give a memory quantity above 0, such as 128Mi`);
  if (mebibytes > MAX_MEMORY_MEBIBYTES) throw new ValidationError(field, `${showValue(quantity)} is above the maximum ${MAX_MEMORY_MEBIBYTES / 1024}Gi per container`);
}

/** Depth-first search for a cycle in `dependsOn`; reports the cycle as a path. */
function checkNoDependencyCycle(contexts: readonly BoundedContextSpec[]): void {
  const index = new Map(contexts.map((c, i) => [c.name, i]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      const cycle = [...stack.slice(stack.indexOf(name)), name];
      const i = index.get(stack[stack.length - 1])!;
      const j = contexts[i].dependsOn.indexOf(name);
      throw new ValidationError(`contexts[${i}].dependsOn[${j}]`, `dependency cycle between contexts: ${cycle.join(' -> ')}`);
    }
    state.set(name, 'visiting');
    stack.push(name);
    for (const dep of contexts[index.get(name)!].dependsOn) visit(dep);
    stack.pop();
    state.set(name, 'done');
  };
  for (const c of contexts) visit(c.name);
}

/**
 * The cross-reference rules that a schema cannot express. Throws the first `ValidationError` found;
 * each names the field, the bad value and what is allowed.
 */
export function checkModel(model: PlatformModel): void {
  const contextNames = model.contexts.map((c) => c.name);
  const storeNames = allDataStores(model).map((s) => s.store.name);

  // Phases: exactly 0..4, in order.
  model.phases.forEach((spec, i) => {
    if (!(PHASES as readonly number[]).includes(spec.phase)) {
      throw new ValidationError(`phases[${i}].phase`, `phase ${notOneOf(spec.phase, PHASES)}`);
    }
    if (spec.phase !== i) {
      throw new ValidationError(`phases[${i}].phase`, `${spec.phase} is out of order: phases are listed as 0, 1, 2, 3, 4`);
    }
  });

  // Names: unique within their kind; Kubernetes names share one namespace.
  checkUnique(model.contexts.map((c, i) => ({ field: `contexts[${i}].name`, name: c.name })), 'context');
  checkUnique(allWorkloads(model).map((w) => ({ field: `${w.field}.name`, name: w.workload.name })), 'workload name');
  // An image is named by digest once: beside its version tag, or as the tag itself (the older form).
  for (const { field, workload } of allWorkloads(model)) {
    if (workload.image.digest !== undefined && IMAGE_DIGEST.test(workload.image.tag)) {
      throw new ValidationError(`${field}.image.digest`, `${showValue(workload.image.digest)} is given with a digest as the tag (${showValue(workload.image.tag)}); give the version as the tag and the digest here`);
    }
  }
  checkUnique(allDataStores(model).map((s) => ({ field: `${s.field}.name`, name: s.store.name })), 'data store name');
  checkUnique(
    model.contexts.flatMap((c, i) => c.publishes.map((e, j) => ({ field: `contexts[${i}].publishes[${j}].name`, name: e.name }))),
    'event',
  );
  checkUnique(model.endpoints.map((e, i) => ({ field: `endpoints[${i}].path`, name: e.path })), 'endpoint path');
  checkUnique(model.featureFlags.map((f, i) => ({ field: `featureFlags[${i}].name`, name: f.name })), 'feature flag');
  model.featureFlags.forEach((flag, i) => {
    if (flag.name.startsWith('dual-write.')) {
      throw new ValidationError(`featureFlags[${i}].name`, `${showValue(flag.name)} is reserved: dual-write flags come from each phase's dualWrite list`);
    }
  });

  if (RESERVED_NAMESPACES.includes(model.namespace) || model.namespace.startsWith('kube-')) {
    throw new ValidationError('namespace', `${showValue(model.namespace)} is reserved (${RESERVED_NAMESPACES.join(', ')}, kube-*): the platform's default-deny policies and Pod Security labels would land on it; choose a namespace of its own`);
  }

  for (const { field, workload } of allWorkloads(model)) {
    if (workload.autoscaling.maxReplicas < workload.replicas) {
      throw new ValidationError(`${field}.autoscaling.maxReplicas`, `${workload.autoscaling.maxReplicas} is below replicas (${workload.replicas})`);
    }
    for (const bound of ['requests', 'limits'] as const) {
      checkCpu(`${field}.resources.${bound}.cpu`, workload.resources[bound].cpu);
      checkMemory(`${field}.resources.${bound}.memory`, workload.resources[bound].memory);
    }
  }

  checkMonolithTables(model);

  // Contexts: dependencies and consumed events must exist; dependencies form no cycle.
  const published = model.contexts.flatMap((c) => c.publishes.map((e) => e.name));
  model.contexts.forEach((c, i) => {
    c.dependsOn.forEach((dep, j) => {
      checkKnown(`contexts[${i}].dependsOn[${j}]`, dep, contextNames, 'context');
      if (dep === c.name) throw new ValidationError(`contexts[${i}].dependsOn[${j}]`, `context ${showValue(dep)} depends on itself`);
    });
    c.consumes.forEach((event, j) => {
      if (c.publishes.some((e) => e.name === event)) {
        throw new ValidationError(`contexts[${i}].consumes[${j}]`, `${showValue(event)} is published by context ${showValue(c.name)} itself: a context acts on its own change where it makes it, not through its topic`);
      }
      if (!published.includes(event)) {
        throw new ValidationError(`contexts[${i}].consumes[${j}]`, `${showValue(event)} is published by no context; published events are ${published.join(', ')}`);
      }
    });
  });
  checkNoDependencyCycle(model.contexts);

  // Sagas: started by a published event; each step runs on a known context's service and publishes only its
  // context's events, never the saga's own trigger.
  checkUnique(model.sagas.map((saga, i) => ({ field: `sagas[${i}].name`, name: saga.name })), 'saga');
  model.sagas.forEach((saga, i) => {
    if (!published.includes(saga.triggeredBy)) {
      throw new ValidationError(`sagas[${i}].triggeredBy`, `${showValue(saga.triggeredBy)} is published by no context; published events are ${published.join(', ')}`);
    }
    checkUnique(saga.steps.map((step, j) => ({ field: `sagas[${i}].steps[${j}].id`, name: step.id })), 'step');
    saga.steps.forEach((step, j) => {
      checkKnown(`sagas[${i}].steps[${j}].service`, step.service, contextNames, 'context');
      if (step.compensation === step.action) {
        throw new ValidationError(`sagas[${i}].steps[${j}].compensation`, `${showValue(step.compensation)} is the step's action: a compensation undoes the action (e.g. delete_application for create_application), or is null`);
      }
      const own = model.contexts.find((c) => c.name === step.service)!.publishes.map((e) => e.name);
      (step.publishes ?? []).forEach((event, k) => {
        const at = `sagas[${i}].steps[${j}].publishes[${k}]`;
        if (!own.includes(event)) {
          throw new ValidationError(at, `${showValue(event)} is not one of the events of context ${showValue(step.service)}, which runs the step (a topic has one writer): ${own.join(', ') || 'it publishes none'}`);
        }
        if (event === saga.triggeredBy) {
          throw new ValidationError(at, `${showValue(event)} triggers saga ${showValue(saga.name)} itself: every run of step ${showValue(step.id)} would start the saga again, without end; a step publishes only events that do not trigger its own saga`);
        }
      });
    });
  });

  // Phases: every reference resolves; data stores never disappear; deployed services have their store.
  model.phases.forEach((spec, p) => {
    const at = `phases[${p}]`;
    spec.services.forEach((s, j) => checkKnown(`${at}.services[${j}]`, s, contextNames, 'context'));
    spec.dataStores.forEach((s, j) => checkKnown(`${at}.dataStores[${j}]`, s, storeNames, 'data store'));
    spec.dualWrite.forEach((s, j) => checkKnown(`${at}.dualWrite[${j}]`, s, spec.services, 'context service in this phase'));
    spec.readModels.forEach((s, j) => {
      checkKnown(`${at}.readModels[${j}]`, s, spec.services, 'context service in this phase');
      // Its queries go to a streaming replica of the context's own store: PostgreSQL's, which has one.
      const store = model.contexts.find((c) => c.name === s)!.dataStore;
      if (store.engine !== 'postgresql' || store.readReplicas < 1) {
        throw new ValidationError(`${at}.readModels[${j}]`, `${showValue(s)} keeps a read model, but its store ${showValue(store.name)} (${store.engine}, ${store.readReplicas} read replicas) has no PostgreSQL read replica to serve it; give the store readReplicas 1 or more`);
      }
    });
    for (const name of Object.keys(spec.releases)) {
      checkKnown(`${at}.releases[${JSON.stringify(name)}]`, name, spec.services, 'context service in this phase');
    }
    checkUnique(spec.services.map((s, j) => ({ field: `${at}.services[${j}]`, name: s })), 'service');
    checkUnique(spec.dataStores.map((s, j) => ({ field: `${at}.dataStores[${j}]`, name: s })), 'data store');
    for (const name of spec.services) {
      const store = model.contexts.find((c) => c.name === name)!.dataStore.name;
      if (!spec.dataStores.includes(store)) {
        throw new ValidationError(`${at}.dataStores`, `context ${showValue(name)} is deployed but its data store ${showValue(store)} is not listed`);
      }
    }
    if (spec.monolith) {
      for (const store of [model.monolith.database.name, model.monolith.cache.name]) {
        if (!spec.dataStores.includes(store)) {
          throw new ValidationError(`${at}.dataStores`, `the monolith runs but its data store ${showValue(store)} is not listed`);
        }
      }
    }
    if (spec.platform.dataProducts && !spec.platform.eventBus) {
      throw new ValidationError(`${at}.platform.dataProducts`, 'needs the event bus: data products are topics; set platform.eventBus too');
    }
    if (spec.platform.eventStore && !spec.dataStores.includes(model.eventStore.name)) {
      throw new ValidationError(`${at}.dataStores`, `the event store is on but its data store ${showValue(model.eventStore.name)} is not listed`);
    }
    if (p > 0) {
      const previous = model.phases[p - 1];
      for (const store of previous.dataStores) {
        if (!spec.dataStores.includes(store)) {
          throw new ValidationError(`${at}.dataStores`, `drops data store ${showValue(store)} that phase ${p - 1} has; data stores are never removed by a promotion`);
        }
      }
    }
  });

  // Endpoints: owned by a known context; each status reachable in its phase; never moving backwards.
  model.endpoints.forEach((endpoint, i) => {
    checkKnown(`endpoints[${i}].context`, endpoint.context, contextNames, 'context');
    const service = model.contexts.find((c) => c.name === endpoint.context)!.service.name;
    endpoint.statusByPhase.forEach((status, p) => {
      const field = `endpoints[${i}].statusByPhase[${p}]`;
      const spec = model.phases[p];
      if (status !== 'migrated' && !spec.monolith) {
        throw new ValidationError(field, `${showValue(status)} routes ${endpoint.path} to the monolith, which phase ${p} retires; allowed: migrated`);
      }
      if (status !== 'monolith' && !spec.services.includes(endpoint.context)) {
        throw new ValidationError(
          field,
          `${showValue(status)} routes ${endpoint.path} to ${service}, which phase ${p} does not deploy (phase ${p} deploys: ${serviceNames(model, spec.services)})`,
        );
      }
      if (status !== 'monolith' && !spec.platform.gateway) {
        throw new ValidationError(field, `${showValue(status)} needs the API gateway, which phase ${p} does not deploy; allowed: monolith`);
      }
      // A mirror copies reads only: a write-only endpoint would run nothing in parallel.
      if (status === 'shadow' && !endpoint.methods.includes('GET')) {
        throw new ValidationError(field, `"shadow" mirrors reads (GET, HEAD) to ${service}, and ${endpoint.path} accepts only ${endpoint.methods.join(', ')}; allowed: monolith, hybrid, migrated`);
      }
      if (p > 0) {
        const before = endpoint.statusByPhase[p - 1];
        if (ROUTE_STATUSES.indexOf(status) < ROUTE_STATUSES.indexOf(before)) {
          throw new ValidationError(
            field,
            `${showValue(status)} after ${showValue(before)} in phase ${p - 1} goes backwards; a route only moves ${ROUTE_STATUSES.join(' -> ')}`,
          );
        }
      }
    });
  });

  checkEdgeAuthentication(model, contextNames);
}

/** The edge's token check: a known context, a verification path no endpoint exposes, public signing keys. */
function checkEdgeAuthentication(model: PlatformModel, contextNames: readonly string[]): void {
  const auth = model.edgeAuthentication;
  checkKnown('edgeAuthentication.context', auth.context, contextNames, 'context');
  checkKnown('dataProductConsumer', model.dataProductConsumer, contextNames, 'context');
  const paths = model.endpoints.map((e) => e.path);
  // The gateway calls it for every protected request; as a route, anyone could probe tokens through it.
  const exposed = model.endpoints.find((e) => auth.verifyPath === e.path || auth.verifyPath.startsWith(`${e.path}/`));
  if (exposed) throw new ValidationError('edgeAuthentication.verifyPath', `${showValue(auth.verifyPath)} is served by the endpoint ${exposed.path}; the verification must not be a public route`);
  const jwks = model.endpoints.find((e) => e.path === auth.jwksPath);
  if (!jwks) throw new ValidationError('edgeAuthentication.jwksPath', `${showValue(auth.jwksPath)} is not an endpoint: ${notOneOf(auth.jwksPath, paths)}`);
  if (!jwks.public || jwks.context !== auth.context || !jwks.methods.includes('GET')) {
    throw new ValidationError('edgeAuthentication.jwksPath', `${auth.jwksPath} must be a public GET endpoint of the ${showValue(auth.context)} context: the mesh fetches the signing keys without a token`);
  }
}
