import { Construct } from 'constructs';
import {
  Kafka,
  KafkaNodePool,
  KafkaNodePoolSpecResourcesLimits,
  KafkaNodePoolSpecResourcesRequests,
  KafkaNodePoolSpecRoles,
  KafkaNodePoolSpecStorageType,
  KafkaSpecEntityOperatorTopicOperatorResourcesLimits,
  KafkaSpecEntityOperatorTopicOperatorResourcesRequests,
  KafkaSpecEntityOperatorUserOperatorResourcesLimits,
  KafkaSpecEntityOperatorUserOperatorResourcesRequests,
  KafkaSpecKafkaAuthorizationType,
  KafkaSpecKafkaListenersAuthenticationType,
  KafkaSpecKafkaListenersType,
  KafkaTopic,
  KafkaUser,
  KafkaUserSpecAuthenticationType,
  KafkaUserSpecAuthorizationAcls,
  KafkaUserSpecAuthorizationAclsOperations as Operation,
  KafkaUserSpecAuthorizationAclsResourcePatternType,
  KafkaUserSpecAuthorizationAclsResourceType,
  KafkaUserSpecAuthorizationType,
} from '../imports/kafka.strimzi.io';
import { ResourceRequirements } from '../phases/model/workload';
import { notOneOf, showValue, ValidationError } from '../core/validation-error';
import { componentLabels, OUT_OF_MESH_LABELS } from './labels';
import { checkDnsLabel, checkInteger } from './prop-checks';
import { cpuMillis, memoryMebibytes } from './quantities';
import { restrictedPodSecurityContext } from './restricted-pod';

/** Kafka versions that Strimzi 1.2 runs (its release notes: 4.2.0, 4.2.1, 4.3.0, 4.3.1). */
export const KAFKA_VERSIONS = ['4.2.0', '4.2.1', '4.3.0', '4.3.1'] as const;
/** One of `KAFKA_VERSIONS`. */
export type KafkaVersion = (typeof KAFKA_VERSIONS)[number];

/** How services prove who they are on the TLS listener; their `KafkaUser` uses the same mechanism. */
export const CLIENT_AUTHENTICATIONS = ['tls', 'scram-sha-512'] as const;
/** One of `CLIENT_AUTHENTICATIONS`. */
export type ClientAuthentication = (typeof CLIENT_AUTHENTICATIONS)[number];

/** The listener's and the `KafkaUser`'s name for each mechanism. */
const LISTENER_AUTHENTICATION: Record<ClientAuthentication, KafkaSpecKafkaListenersAuthenticationType> = {
  tls: KafkaSpecKafkaListenersAuthenticationType.TLS,
  'scram-sha-512': KafkaSpecKafkaListenersAuthenticationType.SCRAM_HYPHEN_SHA_HYPHEN_512,
};
const USER_AUTHENTICATION: Record<ClientAuthentication, KafkaUserSpecAuthenticationType> = {
  tls: KafkaUserSpecAuthenticationType.TLS,
  'scram-sha-512': KafkaUserSpecAuthenticationType.SCRAM_HYPHEN_SHA_HYPHEN_512,
};

/**
 * The Secret with a service's SCRAM credentials for a managed Kafka (MSK) that the stack writes, with the keys of
 * Strimzi's SCRAM users (`password`, `sasl.jaas.config`), so a service reads them the same way on both targets.
 */
export function managedKafkaCredentialsSecretName(service: string): string {
  return `${service}-kafka`;
}

/** The Secret with a managed Kafka's (MSK's) bootstrap servers (key `bootstrapServers`), which the stack writes. */
export const MANAGED_KAFKA_SECRET_NAME = 'event-bus-app';
/** The key of `MANAGED_KAFKA_SECRET_NAME` with the bootstrap servers. */
export const MANAGED_KAFKA_BOOTSTRAP_KEY = 'bootstrapServers';

/** Port of the TLS listener; `bootstrapServers` points at it. */
export const TLS_LISTENER_PORT = 9093;

/** Kafka's limit on a topic name's length. */
const MAX_TOPIC_NAME_LENGTH = 249;

const EVENT_NAME = /^[A-Z][A-Za-z0-9]*$/;

/** A domain event that gets its own topic. */
export interface EventTopicSpec {
  /** The event, in the seed's PascalCase (`UserRegistered`). */
  readonly event: string;
  /** The bounded context that publishes it; the only one allowed to write its topic. */
  readonly context: string;
  readonly partitions: number;
  /** How long the topic keeps an event, in hours. */
  readonly retentionHours: number;
  /** Keep the latest record per key forever instead of expiring by age (a data product's current state). @default false */
  readonly compacted?: boolean;
}

/** A service that talks to the event bus; it gets a `KafkaUser` named after it, with ACLs. */
export interface EventBusClient {
  /** Service name, e.g. `applications-service`: the `KafkaUser`, its credentials Secret and its consumer group. */
  readonly service: string;
  /** The context the service owns. @default - a platform service outside any context: it may consume but not produce */
  readonly context?: string;
  /** Events it publishes; each must belong to its own context. */
  readonly produces: readonly string[];
  /** Events it reads. */
  readonly consumes: readonly string[];
}

/** A topic as created: what producers and consumers need to know. */
export interface EventTopic {
  readonly event: string;
  readonly context: string;
  /** Kafka topic name and `KafkaTopic` name, e.g. `user.user-registered`. */
  readonly name: string;
  readonly partitions: number;
  readonly replicas: number;
  readonly minInSyncReplicas: number;
  readonly retentionHours: number;
  readonly compacted?: boolean;
}

/** Props of `EventBus`. */
export interface EventBusProps {
  /** Name of the `Kafka` cluster; Strimzi derives its Services from it (`<name>-kafka-bootstrap`). */
  readonly name: string;
  /** The `app.kubernetes.io/part-of` label. */
  readonly partOf: string;
  /** One topic per domain event. */
  readonly events: readonly EventTopicSpec[];
  /** One `KafkaUser` per service. @default [] */
  readonly clients?: readonly EventBusClient[];
  /** Kafka nodes, each both KRaft controller and broker. @default 3 */
  readonly replicas?: number;
  /** A Kafka version Strimzi 1.2 supports. @default '4.3.1' */
  readonly kafkaVersion?: KafkaVersion;
  /** Size of each node's persistent volume claim, in GiB. @default 20 */
  readonly storageGi?: number;
  /** Storage class of the claims. @default - the cluster's default storage class */
  readonly storageClass?: string;
  /** @default requests 500m CPU / 2Gi, limits 2 CPU / 2Gi */
  readonly resources?: ResourceRequirements;
  /** @default 'tls' */
  readonly clientAuthentication?: ClientAuthentication;
}

const DEFAULT_RESOURCES: ResourceRequirements = {
  requests: { cpu: '500m', memory: '2Gi' },
  limits: { cpu: '2', memory: '2Gi' },
};

/** The topic and user operators are small Java processes. */
const OPERATOR_RESOURCES: ResourceRequirements = {
  requests: { cpu: '100m', memory: '256Mi' },
  limits: { cpu: '500m', memory: '512Mi' },
};

/** Strimzi's images run as UID 1001; the restricted Pod Security Standard for every pod it creates. */
const POD_SECURITY = restrictedPodSecurityContext({ user: 1001, group: 1001 });
const CONTAINER_SECURITY = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  privileged: false,
  // Strimzi mounts an emptyDir on /tmp, its only writable path besides the data volume.
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};

/** `UserRegistered` -> `user-registered`, `JWTIssued` -> `jwt-issued`. */
export function kebabCase(pascal: string): string {
  return pascal
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

/** Topic of an event: `<context>.<event in kebab-case>`, a DNS-1123 subdomain and a Kafka topic name. */
export function eventTopicName(context: string, event: string): string {
  return `${context}.${kebabCase(event)}`;
}

/**
 * Replication of every topic: three copies, of which two must acknowledge a write, so one broker can fail
 * without losing data or availability. A smaller cluster (development) has one copy per broker and
 * acknowledges with one, because `min.insync.replicas` 2 on 2 brokers would stop writes whenever one restarts.
 */
export function topicReplication(brokers: number): { replicas: number; minInSyncReplicas: number } {
  return brokers >= 3 ? { replicas: 3, minInSyncReplicas: 2 } : { replicas: brokers, minInSyncReplicas: 1 };
}

/**
 * The event bus of the seed's phase 3: a Strimzi-managed Kafka cluster in KRaft mode (one node pool whose nodes
 * are both controllers and brokers, on persistent volumes that are never deleted with the cluster), a single
 * TLS listener with client authentication and `simple` ACL authorization, and the entity operator that turns the
 * `KafkaTopic` (one per domain event) and `KafkaUser` (one per service) objects emitted here into topics and
 * credentials. A service may write only its own context's topics and read only the topics it consumes.
 */
export class EventBus extends Construct {
  /** Name of the `Kafka` object; every `KafkaTopic` and `KafkaUser` names it in `strimzi.io/cluster`. */
  public readonly clusterName: string;
  /** `<cluster>-kafka-bootstrap:9093`: the TLS listener, for clients in the namespace. */
  public readonly bootstrapServers: string;
  /** Secret with the cluster CA certificate (`ca.crt`) that clients trust the TLS listener with; Strimzi writes it. */
  public readonly clusterCaSecretName: string;
  /** Every topic, in the order of `events`. */
  public readonly topics: readonly EventTopic[];
  /** The `Kafka` cluster object. */
  public readonly kafka: Kafka;
  /** The pool of controller+broker nodes. */
  public readonly nodePool: KafkaNodePool;
  private readonly topicsByEvent: ReadonlyMap<string, EventTopic>;
  private readonly clientServices: readonly string[];

  constructor(scope: Construct, id: string, props: EventBusProps) {
    super(scope, id);
    const replicas = props.replicas ?? 3;
    const kafkaVersion = props.kafkaVersion ?? '4.3.1';
    const storageGi = props.storageGi ?? 20;
    const resources = props.resources ?? DEFAULT_RESOURCES;
    const authentication = props.clientAuthentication ?? 'tls';
    const clients = props.clients ?? [];
    validateCluster(props, { replicas, kafkaVersion, storageGi, resources, authentication });

    const replication = topicReplication(replicas);
    this.topics = props.events.map((e) => ({ ...e, name: eventTopicName(e.context, e.event), ...replication }));
    this.topicsByEvent = validateTopics(props.events, this.topics);
    validateClients(clients, this.topicsByEvent);
    this.clientServices = clients.map((c) => c.service);

    this.clusterName = props.name;
    this.bootstrapServers = `${props.name}-kafka-bootstrap:${TLS_LISTENER_PORT}`;
    this.clusterCaSecretName = `${props.name}-cluster-ca-cert`;
    const labels = componentLabels(props.name, 'event-bus', props.partOf);
    // Strimzi finds a cluster's node pools, topics and users by this label.
    const clusterLabels = { ...labels, 'strimzi.io/cluster': props.name };

    // Strimzi 1.x runs only KRaft with node pools, so the `strimzi.io/kraft` and `strimzi.io/node-pools`
    // annotations of 0.3x-0.47 are ignored (since 0.48) and not set here.
    this.kafka = new Kafka(this, 'Kafka', {
      metadata: { name: props.name, labels },
      spec: {
        kafka: {
          version: kafkaVersion,
          listeners: [
            {
              name: 'tls',
              port: TLS_LISTENER_PORT,
              type: KafkaSpecKafkaListenersType.INTERNAL,
              tls: true,
              authentication: { type: LISTENER_AUTHENTICATION[authentication] },
            },
          ],
          authorization: { type: KafkaSpecKafkaAuthorizationType.SIMPLE },
          config: {
            // Topics exist only as reviewed `KafkaTopic` objects.
            'auto.create.topics.enable': false,
            'default.replication.factor': replication.replicas,
            'min.insync.replicas': replication.minInSyncReplicas,
            'offsets.topic.replication.factor': replication.replicas,
            'transaction.state.log.replication.factor': replication.replicas,
            'transaction.state.log.min.isr': replication.minInSyncReplicas,
          },
        },
        entityOperator: {
          topicOperator: { resources: operatorResources(KafkaSpecEntityOperatorTopicOperatorResourcesRequests, KafkaSpecEntityOperatorTopicOperatorResourcesLimits) },
          userOperator: { resources: operatorResources(KafkaSpecEntityOperatorUserOperatorResourcesRequests, KafkaSpecEntityOperatorUserOperatorResourcesLimits) },
          template: {
            pod: { securityContext: POD_SECURITY },
            topicOperatorContainer: { securityContext: CONTAINER_SECURITY },
            userOperatorContainer: { securityContext: CONTAINER_SECURITY },
          },
        },
      },
    });

    this.nodePool = new KafkaNodePool(this, 'NodePool', {
      metadata: { name: `${props.name}-pool`, labels: clusterLabels },
      spec: {
        replicas,
        roles: [KafkaNodePoolSpecRoles.CONTROLLER, KafkaNodePoolSpecRoles.BROKER],
        storage: {
          type: KafkaNodePoolSpecStorageType.PERSISTENT_HYPHEN_CLAIM,
          size: `${storageGi}Gi`,
          class: props.storageClass,
          // Event history outlives the cluster object: claims are released by hand, never by a deletion.
          deleteClaim: false,
        },
        resources: {
          requests: quantities(resources.requests, KafkaNodePoolSpecResourcesRequests),
          limits: quantities(resources.limits, KafkaNodePoolSpecResourcesLimits),
        },
        template: { pod: { metadata: { labels: { ...OUT_OF_MESH_LABELS } }, securityContext: POD_SECURITY }, kafkaContainer: { securityContext: CONTAINER_SECURITY } },
      },
    });

    for (const topic of this.topics) {
      new KafkaTopic(this, `Topic-${topic.name}`, {
        metadata: { name: topic.name, labels: clusterLabels },
        spec: {
          partitions: topic.partitions,
          replicas: topic.replicas,
          config: {
            'retention.ms': topic.retentionHours * 3_600_000,
            'min.insync.replicas': topic.minInSyncReplicas,
            ...(topic.compacted ? { 'cleanup.policy': 'compact' } : {}),
          },
        },
      });
    }

    for (const client of clients) {
      new KafkaUser(this, `User-${client.service}`, {
        metadata: { name: client.service, labels: clusterLabels },
        spec: {
          authentication: { type: USER_AUTHENTICATION[authentication] },
          authorization: { type: KafkaUserSpecAuthorizationType.SIMPLE, acls: this.acls(client) },
        },
      });
    }
  }

  /** The topic of `event`; throws a `ValidationError` when the event has none. */
  public topicName(event: string): string {
    const topic = this.topicsByEvent.get(event);
    if (!topic) throw new ValidationError('event', noTopic(event, this.topicsByEvent));
    return topic.name;
  }

  /**
   * The Secret the user operator writes a service's credentials to (`user.crt`/`user.key` for tls, `password`
   * for scram-sha-512): named after the service, like its `KafkaUser`.
   */
  public credentialsSecretName(service: string): string {
    if (!this.clientServices.includes(service)) throw new ValidationError('service', `not a client of the event bus: ${notOneOf(service, this.clientServices)}`);
    return service;
  }

  /** Write on the topics it produces, read on the topics it consumes and on its own consumer group; nothing else. */
  private acls(client: EventBusClient): KafkaUserSpecAuthorizationAcls[] {
    const topic = (event: string, operations: Operation[]): KafkaUserSpecAuthorizationAcls => ({
      resource: { type: KafkaUserSpecAuthorizationAclsResourceType.TOPIC, name: this.topicName(event), patternType: KafkaUserSpecAuthorizationAclsResourcePatternType.LITERAL },
      operations,
    });
    const group: KafkaUserSpecAuthorizationAcls[] = client.consumes.length === 0 ? [] : [
      {
        resource: { type: KafkaUserSpecAuthorizationAclsResourceType.GROUP, name: client.service, patternType: KafkaUserSpecAuthorizationAclsResourcePatternType.LITERAL },
        operations: [Operation.READ],
      },
    ];
    return [
      ...client.produces.map((event) => topic(event, [Operation.WRITE, Operation.DESCRIBE])),
      ...client.consumes.map((event) => topic(event, [Operation.READ, Operation.DESCRIBE])),
      ...group,
    ];
  }
}

function operatorResources<R, L>(requests: { fromString(value: string): R }, limits: { fromString(value: string): L }) {
  return { requests: quantities(OPERATOR_RESOURCES.requests, requests), limits: quantities(OPERATOR_RESOURCES.limits, limits) };
}

function quantities<T>(amount: { cpu: string; memory: string }, type: { fromString(value: string): T }): Record<string, T> {
  return { cpu: type.fromString(amount.cpu), memory: type.fromString(amount.memory) };
}

function noTopic(event: string, topics: ReadonlyMap<string, EventTopic>): string {
  return `${showValue(event)} has no topic; events with a topic are ${[...topics.keys()].join(', ') || 'none'}`;
}

function validateCluster(
  props: EventBusProps,
  resolved: { replicas: number; kafkaVersion: string; storageGi: number; resources: ResourceRequirements; authentication: string },
): void {
  checkDnsLabel('name', props.name);
  checkInteger('replicas', resolved.replicas, 1);
  if (!(KAFKA_VERSIONS as readonly string[]).includes(resolved.kafkaVersion)) {
    throw new ValidationError('kafkaVersion', `${notOneOf(resolved.kafkaVersion, KAFKA_VERSIONS)} (the versions Strimzi 1.2 supports)`);
  }
  checkInteger('storageGi', resolved.storageGi, 1);
  if (props.storageClass !== undefined) checkDnsLabel('storageClass', props.storageClass);
  if (!(CLIENT_AUTHENTICATIONS as readonly string[]).includes(resolved.authentication)) {
    throw new ValidationError('clientAuthentication', notOneOf(resolved.authentication, CLIENT_AUTHENTICATIONS));
  }
  const { requests, limits } = resolved.resources;
  if (cpuMillis('resources.limits.cpu', limits.cpu) < cpuMillis('resources.requests.cpu', requests.cpu)) {
    throw new ValidationError('resources.limits.cpu', `${limits.cpu} is below the request ${requests.cpu}`);
  }
  if (memoryMebibytes('resources.limits.memory', limits.memory) < memoryMebibytes('resources.requests.memory', requests.memory)) {
    throw new ValidationError('resources.limits.memory', `${limits.memory} is below the request ${requests.memory}`);
  }
}

/** Checks each event and its topic; returns the topics by event. */
function validateTopics(events: readonly EventTopicSpec[], topics: readonly EventTopic[]): Map<string, EventTopic> {
  const byEvent = new Map<string, EventTopic>();
  const fieldOf = new Map<string, string>();
  events.forEach((spec, i) => {
    const at = `events[${i}]`;
    if (!EVENT_NAME.test(spec.event)) throw new ValidationError(`${at}.event`, `${showValue(spec.event)} is not a PascalCase event name`);
    checkDnsLabel(`${at}.context`, spec.context);
    checkInteger(`${at}.partitions`, spec.partitions, 1);
    checkInteger(`${at}.retentionHours`, spec.retentionHours, 1);
    const topic = topics[i];
    if (topic.name.length > MAX_TOPIC_NAME_LENGTH) {
      throw new ValidationError(`${at}.event`, `topic name ${showValue(topic.name)} is longer than ${MAX_TOPIC_NAME_LENGTH} characters, Kafka's limit`);
    }
    const sameTopic = fieldOf.get(topic.name);
    if (sameTopic !== undefined) throw new ValidationError(`${at}.event`, `duplicate topic ${showValue(topic.name)}, already declared at ${sameTopic}`);
    const owner = byEvent.get(spec.event);
    if (owner) {
      throw new ValidationError(`${at}.event`, `${showValue(spec.event)} already has topic ${showValue(owner.name)} of context ${showValue(owner.context)}; an event has one owner`);
    }
    byEvent.set(spec.event, topic);
    fieldOf.set(topic.name, at);
  });
  return byEvent;
}

function validateClients(clients: readonly EventBusClient[], topics: ReadonlyMap<string, EventTopic>): void {
  const seen = new Map<string, string>();
  clients.forEach((client, i) => {
    const at = `clients[${i}]`;
    checkDnsLabel(`${at}.service`, client.service);
    const first = seen.get(client.service);
    if (first !== undefined) throw new ValidationError(`${at}.service`, `duplicate service ${showValue(client.service)}, already declared at ${first}`);
    seen.set(client.service, at);
    if (client.context !== undefined) checkDnsLabel(`${at}.context`, client.context);
    const own = [...topics.values()].filter((t) => t.context === client.context).map((t) => t.event);
    client.produces.forEach((event, j) => {
      const topic = topics.get(event);
      if (!topic) throw new ValidationError(`${at}.produces[${j}]`, noTopic(event, topics));
      if (client.context === undefined) {
        throw new ValidationError(`${at}.produces[${j}]`, `${client.service} belongs to no context and may produce no events; ${showValue(event)} belongs to context ${showValue(topic.context)}`);
      }
      if (topic.context !== client.context) {
        throw new ValidationError(
          `${at}.produces[${j}]`,
          `${showValue(event)} belongs to context ${showValue(topic.context)}; ${client.service} may produce only events of context ${showValue(client.context)}: ${own.join(', ') || 'none'}`,
        );
      }
    });
    client.consumes.forEach((event, j) => {
      if (!topics.has(event)) throw new ValidationError(`${at}.consumes[${j}]`, noTopic(event, topics));
    });
  });
}
