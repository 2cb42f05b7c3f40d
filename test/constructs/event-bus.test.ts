import { EventBus, EventBusClient, EventBusProps, EventTopicSpec, kebabCase } from '../../constructs/event-bus';
import { ValidationError } from '../../core/validation-error';
import { contexts } from '../../phases/career-copilot/contexts';
import { emitted, only } from '../support/synth';

/** The model's events and services, wired the way the phase chart wires them. */
const events: EventTopicSpec[] = contexts.flatMap((c) => c.publishes.map((e) => ({ event: e.name, context: c.name, partitions: e.partitions, retentionHours: e.retentionHours })));
const clients: EventBusClient[] = contexts.map((c) => ({ service: c.service.name, context: c.name, produces: c.publishes.map((e) => e.name), consumes: c.consumes }));
const base: EventBusProps = { name: 'event-bus', partOf: 'career-copilot', events, clients };

const build = (props: Partial<EventBusProps> = {}) => emitted((scope) => new EventBus(scope, 'event-bus', { ...base, ...props }));
const ofKind = (objects: ReturnType<typeof build>, kind: string) => objects.filter((o) => o.kind === kind) as Array<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
const topic = (objects: ReturnType<typeof build>, name: string) => only(objects, 'KafkaTopic', name);
const acls = (objects: ReturnType<typeof build>, user: string) => only(objects, 'KafkaUser', user).spec.authorization.acls as Array<{ resource: { type: string; name: string; patternType: string }; operations: string[] }>;

describe('EventBus', () => {
  test('emits one Kafka, one node pool, a KafkaTopic per domain event and a KafkaUser per service, all kafka.strimzi.io/v1', () => {
    const objects = build();
    expect(objects.map((o) => o.kind).filter((k) => k === 'Kafka' || k === 'KafkaNodePool')).toEqual(['Kafka', 'KafkaNodePool']);
    expect(ofKind(objects, 'KafkaTopic')).toHaveLength(22);
    expect(ofKind(objects, 'KafkaUser').map((u) => u.metadata.name)).toEqual(contexts.map((c) => c.service.name));
    expect(new Set(objects.map((o) => o.apiVersion))).toEqual(new Set(['kafka.strimzi.io/v1']));
    expect(objects).toHaveLength(2 + 22 + 7);
  });

  test('names each topic <context>.<kebab-case event>, a DNS-1123 subdomain', () => {
    const objects = build();
    const names = ofKind(objects, 'KafkaTopic').map((t) => t.metadata.name);
    expect(names.filter((n) => n.startsWith('user.') || n.startsWith('applications.'))).toEqual([
      'user.user-registered',
      'user.profile-updated',
      'user.preferences-changed',
      'applications.application-submitted',
      'applications.application-created',
      'applications.status-changed',
      'applications.application-updated',
    ]);
    for (const name of names) expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/);
    expect(kebabCase('JWTIssued')).toBe('jwt-issued');
  });

  test('takes partitions and retention from the event: retention.ms is retentionHours in milliseconds', () => {
    const objects = build();
    expect(topic(objects, 'applications.application-created').spec).toEqual({
      partitions: 6,
      replicas: 3,
      config: { 'retention.ms': 30 * 24 * 3_600_000, 'min.insync.replicas': 2 },
    });
    expect(topic(objects, 'auth.token-refreshed').spec.config['retention.ms']).toBe(86_400_000);
    expect(topic(objects, 'user.user-registered').spec.partitions).toBe(3);
  });

  test.each([
    [3, 3, 2],
    [5, 3, 2],
    [2, 2, 1],
    [1, 1, 1],
  ])('with %i brokers, replicates topics %i times and needs %i in-sync replicas, in topics and cluster defaults', (brokers, replicas, minIsr) => {
    const objects = build({ replicas: brokers });
    for (const t of ofKind(objects, 'KafkaTopic')) {
      expect(t.spec.replicas).toBe(replicas);
      expect(t.spec.config['min.insync.replicas']).toBe(minIsr);
    }
    expect(only(objects, 'Kafka').spec.kafka.config).toMatchObject({
      'default.replication.factor': replicas,
      'min.insync.replicas': minIsr,
      'offsets.topic.replication.factor': replicas,
      'transaction.state.log.replication.factor': replicas,
      'transaction.state.log.min.isr': minIsr,
    });
    expect(only(objects, 'KafkaNodePool').spec.replicas).toBe(brokers);
  });

  test('runs KRaft: one node pool of controller+broker nodes on persistent claims that are never deleted', () => {
    const pool = only(build(), 'KafkaNodePool');
    expect(pool.metadata.name).toBe('event-bus-pool');
    expect(pool.metadata.labels).toMatchObject({ 'strimzi.io/cluster': 'event-bus' });
    expect(pool.spec.roles).toEqual(['controller', 'broker']);
    expect(pool.spec.replicas).toBe(3);
    expect(pool.spec.storage).toEqual({ type: 'persistent-claim', size: '20Gi', deleteClaim: false });
    expect(only(build({ storageGi: 50, storageClass: 'fast-ssd' }), 'KafkaNodePool').spec.storage).toEqual({
      type: 'persistent-claim',
      size: '50Gi',
      class: 'fast-ssd',
      deleteClaim: false,
    });
  });

  test('pins Kafka 4.3.1, listens only on TLS 9093 with client certificates, authorizes with ACLs and runs the topic and user operators', () => {
    const objects = build();
    const kafka = only(objects, 'Kafka', 'event-bus');
    expect(kafka.spec.kafka.version).toBe('4.3.1');
    expect(kafka.spec.kafka.listeners).toEqual([{ name: 'tls', port: 9093, type: 'internal', tls: true, authentication: { type: 'tls' } }]);
    expect(kafka.spec.kafka.authorization).toEqual({ type: 'simple' });
    expect(kafka.spec.kafka.config['auto.create.topics.enable']).toBe(false);
    expect(Object.keys(kafka.spec.entityOperator).sort()).toEqual(['template', 'topicOperator', 'userOperator']);
    for (const u of ofKind(objects, 'KafkaUser')) expect(u.spec.authentication).toEqual({ type: 'tls' });
  });

  test('with scram-sha-512, the listener and every user authenticate with SCRAM', () => {
    const objects = build({ clientAuthentication: 'scram-sha-512' });
    expect(only(objects, 'Kafka').spec.kafka.listeners[0].authentication).toEqual({ type: 'scram-sha-512' });
    for (const u of ofKind(objects, 'KafkaUser')) expect(u.spec.authentication).toEqual({ type: 'scram-sha-512' });
  });

  test('exposes the cluster name, the TLS bootstrap address, the topics and each event\'s topic name', () => {
    let bus!: EventBus;
    emitted((scope) => (bus = new EventBus(scope, 'event-bus', base)));
    expect(bus.clusterName).toBe('event-bus');
    expect(bus.bootstrapServers).toBe('event-bus-kafka-bootstrap:9093');
    expect(bus.clusterCaSecretName).toBe('event-bus-cluster-ca-cert');
    expect(bus.topicName('StatusChanged')).toBe('applications.status-changed');
    expect(bus.topics).toHaveLength(22);
    expect(bus.topics[0]).toEqual({ event: 'UserRegistered', context: 'user', name: 'user.user-registered', partitions: 3, retentionHours: 168, replicas: 3, minInSyncReplicas: 2 });
    expect(bus.credentialsSecretName('applications-service')).toBe('applications-service');
    expect(() => bus.credentialsSecretName('billing-service')).toThrow('service: not a client of the event bus: "billing-service" is not one of user-service,');
    expect(() => bus.topicName('OrderShipped')).toThrow('event: "OrderShipped" has no topic; events with a topic are UserRegistered,');
  });

  test('lets the applications service write only its own topics, read only what it consumes, and use only its own group', () => {
    expect(acls(build(), 'applications-service')).toEqual([
      { resource: { type: 'topic', name: 'applications.application-submitted', patternType: 'literal' }, operations: ['Write', 'Describe'] },
      { resource: { type: 'topic', name: 'applications.application-created', patternType: 'literal' }, operations: ['Write', 'Describe'] },
      { resource: { type: 'topic', name: 'applications.status-changed', patternType: 'literal' }, operations: ['Write', 'Describe'] },
      { resource: { type: 'topic', name: 'applications.application-updated', patternType: 'literal' }, operations: ['Write', 'Describe'] },
      { resource: { type: 'topic', name: 'jobs.job-expired', patternType: 'literal' }, operations: ['Read', 'Describe'] },
      { resource: { type: 'topic', name: 'user.user-registered', patternType: 'literal' }, operations: ['Read', 'Describe'] },
      { resource: { type: 'group', name: 'applications-service', patternType: 'literal' }, operations: ['Read'] },
    ]);
  });

  test('gives every service Write only on its own context\'s topics and Read only on the topics it consumes', () => {
    const objects = build();
    for (const c of contexts) {
      const granted = acls(objects, c.service.name);
      const written = granted.filter((a) => a.operations.includes('Write')).map((a) => a.resource.name);
      const read = granted.filter((a) => a.resource.type === 'topic' && a.operations.includes('Read')).map((a) => a.resource.name);
      expect(written.every((name) => name.startsWith(`${c.name}.`))).toBe(true);
      expect(written).toHaveLength(c.publishes.length);
      expect(read).toHaveLength(c.consumes.length);
      expect(granted.every((a) => a.resource.patternType === 'literal' && !a.operations.includes('All'))).toBe(true);
    }
  });

  test('gives a service outside any context (the saga orchestrator) read access only', () => {
    const objects = build({ clients: [{ service: 'saga-orchestrator', produces: [], consumes: ['ApplicationCreated'] }] });
    expect(acls(objects, 'saga-orchestrator')).toEqual([
      { resource: { type: 'topic', name: 'applications.application-created', patternType: 'literal' }, operations: ['Read', 'Describe'] },
      { resource: { type: 'group', name: 'saga-orchestrator', patternType: 'literal' }, operations: ['Read'] },
    ]);
  });

  test('runs the brokers and operators restricted, with requests and limits', () => {
    const objects = build();
    const restrictedPod = { runAsNonRoot: true, runAsUser: 1001, runAsGroup: 1001, fsGroup: 1001, seccompProfile: { type: 'RuntimeDefault' } };
    const restrictedContainer = { runAsNonRoot: true, allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } };
    const pool = only(objects, 'KafkaNodePool').spec;
    expect(pool.template).toEqual({ pod: { metadata: { labels: { 'sidecar.istio.io/inject': 'false' } }, securityContext: restrictedPod }, kafkaContainer: { securityContext: restrictedContainer } });
    expect(pool.resources).toEqual({ requests: { cpu: '500m', memory: '2Gi' }, limits: { cpu: '2', memory: '2Gi' } });
    const operator = only(objects, 'Kafka').spec.entityOperator;
    expect(operator.template).toEqual({
      pod: { securityContext: restrictedPod },
      topicOperatorContainer: { securityContext: restrictedContainer },
      userOperatorContainer: { securityContext: restrictedContainer },
    });
    for (const name of ['topicOperator', 'userOperator']) {
      expect(operator[name].resources).toEqual({ requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } });
    }
  });

  const event = (overrides: Partial<EventTopicSpec>): EventTopicSpec => ({ event: 'UserRegistered', context: 'user', partitions: 3, retentionHours: 168, ...overrides });
  const client = (overrides: Partial<EventBusClient>): EventBusClient => ({ service: 'user-service', context: 'user', produces: [], consumes: [], ...overrides });

  test.each<[string, Partial<EventBusProps>, string]>([
    ['a cluster name that is not a DNS-1123 label', { name: 'Event_Bus' }, 'name: "Event_Bus" is not a DNS-1123 label'],
    ['zero brokers', { replicas: 0 }, 'replicas: 0 is not an integer of at least 1'],
    ['a Kafka version Strimzi 1.2 does not run', { kafkaVersion: '3.9.0' as never }, 'kafkaVersion: "3.9.0" is not one of 4.2.0, 4.2.1, 4.3.0, 4.3.1 (the versions Strimzi 1.2 supports)'],
    ['zero storage', { storageGi: 0 }, 'storageGi: 0 is not an integer of at least 1'],
    ['an unknown authentication', { clientAuthentication: 'plain' as never }, 'clientAuthentication: "plain" is not one of tls, scram-sha-512'],
    ['a broker limit below its request', { resources: { requests: { cpu: '2', memory: '2Gi' }, limits: { cpu: '1', memory: '2Gi' } } }, 'resources.limits.cpu: 1 is below the request 2'],
    ['an event name that is not PascalCase', { events: [event({ event: 'user_registered' })] }, 'events[0].event: "user_registered" is not a PascalCase event name'],
    ['a context that is not a DNS-1123 label', { events: [event({ context: 'User' })] }, 'events[0].context: "User" is not a DNS-1123 label'],
    ['zero partitions', { events: [event({}), event({ event: 'ProfileUpdated', partitions: 0 })] }, 'events[1].partitions: 0 is not an integer of at least 1'],
    ['zero retention', { events: [event({ retentionHours: 0 })] }, 'events[0].retentionHours: 0 is not an integer of at least 1'],
    ['a topic name longer than Kafka allows', { events: [event({ event: `E${'x'.repeat(250)}` })] }, "is longer than 249 characters, Kafka's limit"],
    ['a duplicate topic', { events: [event({}), event({ partitions: 6 })] }, 'events[1].event: duplicate topic "user.user-registered", already declared at events[0]'],
    [
      'one event owned by two contexts',
      { events: [event({}), event({ context: 'auth' })] },
      'events[1].event: "UserRegistered" already has topic "user.user-registered" of context "user"; an event has one owner',
    ],
    ['a service name that is not a DNS-1123 label', { events: [event({})], clients: [client({ service: 'User Service' })] }, 'clients[0].service: "User Service" is not a DNS-1123 label'],
    ['a duplicate service', { events: [event({})], clients: [client({}), client({})] }, 'clients[1].service: duplicate service "user-service", already declared at clients[0]'],
    [
      'a produced event with no topic',
      { events: [event({})], clients: [client({ produces: ['UserDeleted'] })] },
      'clients[0].produces[0]: "UserDeleted" has no topic; events with a topic are UserRegistered',
    ],
    [
      'a consumed event with no topic',
      { events: [event({})], clients: [client({ consumes: ['JobPosted'] })] },
      'clients[0].consumes[0]: "JobPosted" has no topic; events with a topic are UserRegistered',
    ],
    [
      'a service producing another context\'s event',
      { clients: [client({ service: 'applications-service', context: 'applications', produces: ['ApplicationCreated', 'JobPosted'] })] },
      'clients[0].produces[1]: "JobPosted" belongs to context "jobs"; applications-service may produce only events of context "applications": ApplicationSubmitted, ApplicationCreated, StatusChanged, ApplicationUpdated',
    ],
    [
      'a service outside any context producing',
      { clients: [{ service: 'saga-orchestrator', produces: ['ApplicationCreated'], consumes: [] }] },
      'clients[0].produces[0]: saga-orchestrator belongs to no context and may produce no events; "ApplicationCreated" belongs to context "applications"',
    ],
  ])('refuses %s', (_what, props, message) => {
    expect(() => build(props)).toThrow(ValidationError);
    expect(() => build(props)).toThrow(message);
  });
});
