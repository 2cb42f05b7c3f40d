import { dataMoveJobName } from '../constructs/data-move-job';
import { databaseRoleJobName } from '../constructs/database-role-job';
import { ComponentKind } from '../core/component-kinds';
import { PhasePlan, superuserStores, WorkloadPlan } from '../phases/phase-plan';

/**
 * The part of a phase plan that one kind of component is built from. Together these rows define "a change the
 * phase model asks for": a step may add, remove or change an object only when the inputs of the object's
 * component differ between the two phases. The inputs are read from the plan (the model's words), not from
 * the constructs, so a construct that reacts to something outside its own inputs (a gateway route that changes
 * a service's Deployment, a flag that restarts a database) fails the transition tests.
 */
export interface ComponentInputs {
  /** What the row covers, for messages and the documentation of the rule. */
  readonly description: string;
  /** The plan's values the component is built from; undefined when it does not exist in `plan`. */
  readonly inputs: (plan: PhasePlan, component: string) => unknown;
}

const names = (workloads: readonly WorkloadPlan[]) => workloads.map((w) => w.spec.name);

/** How a workload reaches the rest of the platform: who it calls, what it stores, how it is released. */
function connections(plan: PhasePlan) {
  return plan.workloads.map((w) => ({ name: w.spec.name, role: w.role, port: w.spec.port, calls: w.calls, stores: w.dataStores.map((s) => s.name), release: w.release }));
}

function workloadInputs(plan: PhasePlan, component: string): unknown {
  const workload = plan.workloads.find((w) => w.spec.name === component);
  if (!workload) return undefined;
  const client = plan.eventClients.find((c) => c.service === component);
  const common = {
    workload,
    objectives: plan.objectives,
    // In the mesh, Prometheus scrapes the workload over mTLS.
    mesh: plan.platform.mesh,
    // Kafka settings and certificates reach only the bus's clients, and name the topics they use.
    events: client ? { client, eventBus: plan.eventBus, topics: plan.topics.map((t) => [t.context, t.event]) } : undefined,
  };
  switch (workload.role) {
    case 'gateway':
      return { ...common, routes: plan.routes, upstreams: names(plan.workloads), namespace: plan.namespace };
    case 'saga-orchestrator':
      return { ...common, sagas: plan.sagas, services: plan.workloads.filter((w) => w.context).map((w) => [w.context, w.spec.name]), topics: plan.topics };
    case 'config-server':
      return { ...common, featureFlags: plan.featureFlags };
    default:
      return common;
  }
}

const NAMESPACE: ComponentInputs = {
  description: 'the namespace: its name and whether the mesh injects sidecars',
  inputs: (plan) => ({ namespace: plan.namespace, product: plan.product, mesh: plan.platform.mesh }),
};
const DATA_STORE: ComponentInputs = {
  description: 'a data store: its spec, and whether the auth split or a data move needs a superuser in it',
  inputs: (plan, component) => {
    const store = plan.dataStores.find((s) => s.name === component);
    return store && { store, superuser: superuserStores(plan).includes(component) };
  },
};
const WORKLOAD: ComponentInputs = {
  description: "a workload: its plan (spec, calls, stores, release, dual writes), its events, the objectives, whether the mesh is on; the gateway's routes, the orchestrator's sagas, the config server's flags",
  inputs: workloadInputs,
};

/** The row of each kind of component (constructs/component-kinds.ts): the compiler names a new kind here. */
export const COMPONENT_INPUTS: Readonly<Record<ComponentKind, ComponentInputs>> = {
  Namespace: NAMESPACE,
  PostgresDatabase: DATA_STORE,
  MongoDatabase: DATA_STORE,
  RedisStore: DATA_STORE,
  DatabaseRole: {
    description: "a managed PostgreSQL store's application role: the store's spec",
    inputs: (plan, component) => plan.dataStores.find((s) => databaseRoleJobName(s.name) === component),
  },
  EventBus: {
    description: 'the event bus: whether it exists, its topics and its clients',
    inputs: (plan) => (plan.eventBus ? { topics: plan.topics, clients: plan.eventClients } : undefined),
  },
  AuthDataSplit: {
    description: "the auth data split: the monolith's and the auth store, while both exist and the monolith runs",
    inputs: (plan) => plan.authDataSplit,
  },
  DataMove: {
    description: "a context's data move: its monolith tables, the monolith's and the context's store, while the monolith and the service run",
    inputs: (plan, component) => plan.dataMoves.find((m) => dataMoveJobName(m.context) === component),
  },
  EventStoreSchema: {
    description: "the event store's schema: the event store's database",
    inputs: (plan) => plan.eventStore,
  },
  FeatureFlags: {
    description: "feature flags: each flag's value in the phase, and whether the config server serves them",
    inputs: (plan) => ({ flags: plan.featureFlags, configServer: plan.platform.configServer }),
  },
  Monolith: WORKLOAD,
  Frontend: WORKLOAD,
  ApiGateway: WORKLOAD,
  ContextService: WORKLOAD,
  SagaOrchestrator: WORKLOAD,
  ConfigServer: WORKLOAD,
  ServiceMesh: {
    description: 'the service mesh: whether it exists, and the workloads, their callers and their releases',
    inputs: (plan) => (plan.platform.mesh ? connections(plan) : undefined),
  },
  NetworkPolicies: {
    description: 'network policies: every connection of the phase (calls, data stores, the bus and its clients, the one-off jobs, the mesh)',
    inputs: (plan) => ({
      workloads: connections(plan),
      stores: plan.dataStores.map((s) => [s.name, s.engine]),
      eventBus: plan.eventBus,
      clients: plan.eventClients.map((c) => c.service),
      authDataSplit: plan.authDataSplit,
      dataMoves: plan.dataMoves.map((m) => [m.monolith.name, m.store.name]),
      eventStore: plan.eventStore?.name,
      mesh: plan.platform.mesh,
    }),
  },
};
