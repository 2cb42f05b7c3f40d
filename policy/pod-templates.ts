import { DataEngine } from '../phases/model/data-store';
import { at, elements, isRecord, kindKey, Located, PlainObject, root } from './located';

/**
 * Where each kind keeps the pods it makes, so that one set of pod rules covers Deployments, Jobs, Rollouts and
 * the operator resources that embed (parts of) a pod template.
 *
 * What the operator resources let us check, and what they do not:
 * - CloudNativePG `Cluster`: `spec.podSecurityContext` and `spec.securityContext` (applied by the operator to every
 *   container of an instance pod, its init container included), `spec.resources` and `spec.imageName`. Its CRD has
 *   no field for volumes, host namespaces or the token mount: the operator builds those, so they are neither
 *   settable nor checkable here.
 * - MongoDBCommunity: `spec.statefulSet.spec` is a StatefulSet spec that the operator merges over its own, so the
 *   whole pod spec is checkable, but only for the containers it lists: each container the operator makes must
 *   therefore be listed (a missing one keeps the operator's defaults and is reported). Images come from
 *   `spec.version`.
 * - Strimzi `Kafka` (entity, cruise-control and exporter pods) and `KafkaNodePool` (brokers): `template.pod`'s
 *   security context, each container template's security context and the component's `resources`. Strimzi's
 *   templates have no field for hostPath volumes, host namespaces, privileged mode or the token mount, so those
 *   cannot be set wrongly, nor checked. Images come from the operator's release for `spec.kafka.version`. Init
 *   containers (rack awareness, node-port listeners) are not used, so are not checked.
 * - Argo Rollouts `Rollout`: its own `spec.template` when it has one; with `workloadRef` the referenced Deployment
 *   carries the pods and is checked itself. `AnalysisTemplate`: the pod template of every Job metric.
 * Any other custom resource that makes pods is not known here and is not checked.
 */

/** A container as far as the object describes it. */
export interface ContainerTemplate {
  readonly name: string;
  /** Where the container is described (for an operator resource, the field that stands for it). */
  readonly path: string;
  readonly securityContext: Located;
  readonly resources: Located;
  /** The image, when the object sets one; undefined when the operator picks it from a version in `versions`. */
  readonly image?: Located;
}

/** A pod template, or what an operator resource lets us say about the pods it makes. */
export interface PodTemplate {
  readonly path: string;
  readonly securityContext: Located;
  /**
   * The pod spec itself (volumes, host namespaces, token mount), when the object can set those fields; undefined
   * when the operator builds them and its CRD offers none.
   */
  readonly podSpec?: Located;
  readonly containers: readonly ContainerTemplate[];
  /** Versions from which an operator picks its images (`spec.version`, `spec.kafka.version`). */
  readonly versions: readonly Located[];
}

const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;

/** A full pod spec: every container with its own image. */
function podSpec(spec: Located): PodTemplate {
  return {
    path: spec.path,
    securityContext: at(spec, 'securityContext'),
    podSpec: spec,
    containers: CONTAINER_LISTS.flatMap((list) => elements(at(spec, list)).map((c) => containerOf(c, true))),
    versions: [],
  };
}

function containerOf(container: Located, withImage: boolean): ContainerTemplate {
  const name = at(container, 'name').value;
  return {
    name: typeof name === 'string' ? name : container.path,
    path: container.path,
    securityContext: at(container, 'securityContext'),
    resources: at(container, 'resources'),
    ...(withImage || at(container, 'image').value !== undefined ? { image: at(container, 'image') } : {}),
  };
}

/** Containers the MongoDB community operator puts in every replica-set member. */
const MONGODB_CONTAINERS = { containers: ['mongod', 'mongodb-agent'], initContainers: ['mongod-posthook', 'mongodb-agent-readinessprobe'] } as const;

function mongoDbCommunity(object: Located): PodTemplate[] {
  const spec = at(object, 'spec', 'statefulSet', 'spec', 'template', 'spec');
  const containers = (Object.entries(MONGODB_CONTAINERS) as Array<[string, readonly string[]]>).flatMap(([list, names]) => {
    const listed = elements(at(spec, list));
    return names.map((name) => {
      const found = listed.find((c) => at(c, 'name').value === name);
      // An unlisted container keeps the operator's defaults: it is reported as unset at the path it would have.
      return found ? containerOf(found, false) : containerOf({ path: `${at(spec, list).path}[name=${name}]`, value: { name } }, false);
    });
  });
  return [{ path: spec.path, securityContext: at(spec, 'securityContext'), podSpec: spec, containers, versions: [at(object, 'spec', 'version')] }];
}

function cloudNativePgCluster(object: Located): PodTemplate[] {
  const spec = at(object, 'spec');
  return [{
    path: spec.path,
    securityContext: at(spec, 'podSecurityContext'),
    containers: [{ name: 'postgres', path: spec.path, securityContext: at(spec, 'securityContext'), resources: at(spec, 'resources'), image: at(spec, 'imageName') }],
    versions: [],
  }];
}

/** A Strimzi component's pod: its `template.pod`, and per container the container template and the resources. */
interface StrimziComponent {
  readonly field: readonly string[];
  readonly containers: ReadonlyArray<{
    readonly name: string;
    readonly template: string;
    readonly resources: readonly string[];
    /** The field that turns the container on, when it is optional (the entity operator's two operators). */
    readonly enabledBy?: string;
  }>;
}

/** Kafka's components that run their own pods (the brokers run in node pools). */
const STRIMZI_KAFKA_COMPONENTS: readonly StrimziComponent[] = [
  {
    field: ['entityOperator'],
    containers: [
      { name: 'topic-operator', template: 'topicOperatorContainer', resources: ['topicOperator', 'resources'], enabledBy: 'topicOperator' },
      { name: 'user-operator', template: 'userOperatorContainer', resources: ['userOperator', 'resources'], enabledBy: 'userOperator' },
    ],
  },
  { field: ['cruiseControl'], containers: [{ name: 'cruise-control', template: 'cruiseControlContainer', resources: ['resources'] }] },
  { field: ['kafkaExporter'], containers: [{ name: 'kafka-exporter', template: 'container', resources: ['resources'] }] },
];

function strimziKafka(object: Located): PodTemplate[] {
  const versions = [at(object, 'spec', 'kafka', 'version')];
  return STRIMZI_KAFKA_COMPONENTS.flatMap((component) => {
    const spec = at(object, 'spec', ...component.field);
    if (spec.value === undefined) return [];
    const template = at(spec, 'template');
    const containers = component.containers
      .filter((c) => c.enabledBy === undefined || at(spec, c.enabledBy).value !== undefined)
      .map((c) => ({ name: c.name, path: at(template, c.template).path, securityContext: at(template, c.template, 'securityContext'), resources: at(spec, ...c.resources) }));
    return [{ path: spec.path, securityContext: at(template, 'pod', 'securityContext'), containers, versions }];
  });
}

function strimziNodePool(object: Located): PodTemplate[] {
  const spec = at(object, 'spec');
  const template = at(spec, 'template');
  return [{
    path: spec.path,
    securityContext: at(template, 'pod', 'securityContext'),
    containers: [{ name: 'kafka', path: at(template, 'kafkaContainer').path, securityContext: at(template, 'kafkaContainer', 'securityContext'), resources: at(spec, 'resources') }],
    // The Kafka version is on the Kafka resource; the node pool follows it.
    versions: [],
  }];
}

/**
 * Where each data-store engine's custom resource keeps its pods (none: the engine's own StatefulSet, seen below).
 * Keyed by engine, so that the compiler names this table for a new engine.
 */
const ENGINE_POD_TEMPLATES: Readonly<Record<DataEngine, Readonly<Record<string, (object: Located) => PodTemplate[]>>>> = {
  postgresql: { 'postgresql.cnpg.io/Cluster': cloudNativePgCluster },
  mongodb: { 'mongodbcommunity.mongodb.com/MongoDBCommunity': mongoDbCommunity },
  redis: {},
};

/** For each kind that makes pods, where its pod templates are. */
const POD_TEMPLATE_LOCATORS: Readonly<Record<string, (object: Located) => PodTemplate[]>> = {
  Pod: (o) => [podSpec(at(o, 'spec'))],
  'apps/Deployment': (o) => [podSpec(at(o, 'spec', 'template', 'spec'))],
  'apps/StatefulSet': (o) => [podSpec(at(o, 'spec', 'template', 'spec'))],
  'apps/DaemonSet': (o) => [podSpec(at(o, 'spec', 'template', 'spec'))],
  'apps/ReplicaSet': (o) => [podSpec(at(o, 'spec', 'template', 'spec'))],
  'batch/Job': (o) => [podSpec(at(o, 'spec', 'template', 'spec'))],
  'batch/CronJob': (o) => [podSpec(at(o, 'spec', 'jobTemplate', 'spec', 'template', 'spec'))],
  'argoproj.io/Rollout': (o) => (at(o, 'spec', 'template').value === undefined ? [] : [podSpec(at(o, 'spec', 'template', 'spec'))]),
  'argoproj.io/AnalysisTemplate': analysisJobs,
  'argoproj.io/ClusterAnalysisTemplate': analysisJobs,
  ...Object.assign({}, ...Object.values(ENGINE_POD_TEMPLATES)),
  'kafka.strimzi.io/Kafka': strimziKafka,
  'kafka.strimzi.io/KafkaNodePool': strimziNodePool,
};

function analysisJobs(object: Located): PodTemplate[] {
  return elements(at(object, 'spec', 'metrics'))
    .map((metric) => at(metric, 'provider', 'job', 'spec', 'template', 'spec'))
    .filter((spec) => isRecord(spec.value))
    .map(podSpec);
}

/** The kinds (as `group/Kind`) whose pods the rules can see. */
export const POD_TEMPLATE_KINDS: readonly string[] = Object.keys(POD_TEMPLATE_LOCATORS);

/** The pod templates of `object`; none for a kind that makes no pods. */
export function podTemplates(object: PlainObject): PodTemplate[] {
  const locate = POD_TEMPLATE_LOCATORS[kindKey(object)];
  return locate ? locate(root(object)) : [];
}
