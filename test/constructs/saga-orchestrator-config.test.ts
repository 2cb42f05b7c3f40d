import { EventBus, eventTopicName } from '../../constructs/event-bus';
import { canonicalJson, SagaOrchestratorConfig, SagaOrchestratorConfigProps } from '../../constructs/saga-orchestrator-config';
import { contexts } from '../../phases/career-copilot/contexts';
import { createApplicationSaga, sagas } from '../../phases/career-copilot/sagas';
import { checkSchema } from '../../phases/model/check-schema';
import { SagaDefinition, SagaStepSpec } from '../../phases/model/saga';
import { ValidationError } from '../../core/validation-error';
import { emitted, only } from '../support/synth';

const services = Object.fromEntries(contexts.map((c) => [c.name, c.service.name]));
/** The model's topics plus the event that starts create_application, which the model must add to applications' publishes. */
const topics = [
  ...contexts.flatMap((c) => c.publishes.map((e) => ({ event: e.name, name: eventTopicName(c.name, e.name) }))),
  { event: 'ApplicationSubmitted', name: 'applications.application-submitted' },
];
const base: SagaOrchestratorConfigProps = { name: 'saga-orchestrator', partOf: 'career-copilot', sagas, services, topics };

const build = (props: Partial<SagaOrchestratorConfigProps> = {}) =>
  emitted((scope) => new SagaOrchestratorConfig(scope, 'saga-orchestrator-config', { ...base, ...props }));
const config = (props: Partial<SagaOrchestratorConfigProps> = {}) => {
  let built!: SagaOrchestratorConfig;
  emitted((scope) => (built = new SagaOrchestratorConfig(scope, 'saga-orchestrator-config', { ...base, ...props })));
  return built;
};
/** The create_application saga with one step changed. */
const withStep = (index: number, change: Partial<SagaStepSpec>): SagaDefinition[] => [
  { ...createApplicationSaga, steps: createApplicationSaga.steps.map((s, i) => (i === index ? { ...s, ...change } : s)) },
];

describe('create_application saga (phases/career-copilot/sagas.ts)', () => {
  test('is the seed\'s saga: five steps, their services, operations and compensations, 3 retries and 30 s each', () => {
    expect(createApplicationSaga.name).toBe('create_application');
    expect(createApplicationSaga.steps.map((s) => [s.id, s.service, s.action, s.compensation])).toEqual([
      ['validate_user', 'user', 'validate_user', null],
      ['validate_job', 'jobs', 'validate_job', null],
      ['create_application', 'applications', 'create_application', 'delete_application'],
      ['update_user_stats', 'analytics', 'increment_user_applications', 'decrement_user_applications'],
      ['send_notifications', 'notifications', 'send_application_created', null],
    ]);
    for (const step of createApplicationSaga.steps) expect([step.retries, step.timeoutSeconds]).toEqual([3, 30]);
  });

  test('matches the SagaDefinition schema, which refuses a bad step', () => {
    expect(checkSchema(SagaDefinition, createApplicationSaga, 'sagas[0]')).toBe(createApplicationSaga);
    expect(() => checkSchema(SagaDefinition, withStep(1, { retries: -1 })[0], 'sagas[0]')).toThrow('sagas[0].steps[1].retries: -1 ');
    expect(() => checkSchema(SagaDefinition, withStep(1, { compensation: 'Undo' })[0], 'sagas[0]')).toThrow('sagas[0].steps[1].compensation');
  });
});

describe('SagaOrchestratorConfig', () => {
  test('emits one ConfigMap <name>-sagas holding the sagas as JSON, each step resolved to the service it calls', () => {
    const map = only(build(), 'ConfigMap', 'saga-orchestrator-sagas');
    expect(map.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': 'saga-orchestrator', 'app.kubernetes.io/component': 'saga-orchestrator' });
    expect(Object.keys(map.data)).toEqual(['sagas.json']);
    const { sagas: stored } = JSON.parse(map.data['sagas.json']);
    expect(stored).toHaveLength(1);
    expect(stored[0].name).toBe('create_application');
    expect(stored[0].triggeredBy).toEqual({ event: 'ApplicationSubmitted', topic: 'applications.application-submitted' });
    expect(stored[0].steps[2]).toEqual({
      id: 'create_application',
      context: 'applications',
      service: 'applications-service',
      action: 'create_application',
      compensation: 'delete_application',
      retries: 3,
      timeoutSeconds: 30,
    });
    expect(stored[0].steps[4].compensation).toBeNull();
  });

  test('writes the JSON with sorted keys, so the same sagas always give the same text', () => {
    const json = config().sagasJson;
    expect(json).toBe(canonicalJson(JSON.parse(json)));
    expect(Object.keys(JSON.parse(json).sagas[0].steps[0])).toEqual(['action', 'compensation', 'context', 'id', 'retries', 'service', 'timeoutSeconds']);
    const reversed = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).reverse()) as T;
    const reordered = sagas.map((s) => reversed({ ...s, steps: s.steps.map(reversed) }));
    expect(config({ sagas: reordered }).sagasJson).toBe(json);
  });

  test('exposes the ConfigMap name, the topics it subscribes to and the services it calls', () => {
    const built = config();
    expect(built.configMapName).toBe('saga-orchestrator-sagas');
    expect(built.subscribedTopics).toEqual(['applications.application-submitted']);
    expect(built.subscribedEvents).toEqual(['ApplicationSubmitted']);
    expect(built.calledServices).toEqual(['analytics-service', 'applications-service', 'jobs-service', 'notifications-service', 'user-service']);
  });

  test('takes its topics from the EventBus', () => {
    emitted((scope) => {
      const bus = new EventBus(scope, 'event-bus', {
        name: 'event-bus',
        partOf: 'career-copilot',
        events: [{ event: 'ApplicationSubmitted', context: 'applications', partitions: 6, retentionHours: 720 }],
      });
      const built = new SagaOrchestratorConfig(scope, 'saga-orchestrator-config', { ...base, topics: bus.topics });
      expect(built.subscribedTopics).toEqual([bus.topicName('ApplicationSubmitted')]);
    });
  });

  test.each<[string, Partial<SagaOrchestratorConfigProps>, string]>([
    ['a name that is not a DNS-1123 label', { name: 'Saga_Orchestrator' }, 'name: "Saga_Orchestrator" is not a DNS-1123 label'],
    [
      'a step on an unknown context',
      { sagas: withStep(1, { service: 'billing' }) },
      'sagas[0].steps[1].service: unknown context: "billing" is not one of user, auth, jobs, applications, analytics, notifications, integration',
    ],
    [
      'a step on a context the phase does not deploy',
      { services: { user: 'user-service', auth: 'auth-service' } },
      'sagas[0].steps[1].service: unknown context: "jobs" is not one of user, auth',
    ],
    ['a duplicate step id', { sagas: withStep(3, { id: 'validate_user' }) }, 'sagas[0].steps[3].id: duplicate step id "validate_user", already declared at sagas[0].steps[0]'],
    ['a zero timeout', { sagas: withStep(0, { timeoutSeconds: 0 }) }, 'sagas[0].steps[0].timeoutSeconds: 0 is not an integer of at least 1'],
    ['negative retries', { sagas: withStep(2, { retries: -1 }) }, 'sagas[0].steps[2].retries: -1 is not an integer of at least 0'],
    ['a fractional timeout', { sagas: withStep(2, { timeoutSeconds: 2.5 }) }, 'sagas[0].steps[2].timeoutSeconds: 2.5 is not an integer of at least 1'],
    ['a step id that is not snake_case', { sagas: withStep(0, { id: 'validateUser' }) }, 'sagas[0].steps[0].id: "validateUser" is not a snake_case name'],
    ['an action that is not snake_case', { sagas: withStep(0, { action: 'validate-user' }) }, 'sagas[0].steps[0].action: "validate-user" is not a snake_case name'],
    ['a compensation that is not snake_case', { sagas: withStep(2, { compensation: '' }) }, 'sagas[0].steps[2].compensation: "" is not a snake_case name'],
    ['a saga with no steps', { sagas: [{ ...createApplicationSaga, steps: [] }] }, 'sagas[0].steps: is empty; a saga has at least one step'],
    [
      'a duplicate saga',
      { sagas: [createApplicationSaga, createApplicationSaga] },
      'sagas[1].name: duplicate saga "create_application", already declared at sagas[0]',
    ],
    [
      'a triggering event with no topic',
      { topics: [{ event: 'ApplicationCreated', name: 'applications.application-created' }] },
      'sagas[0].triggeredBy: "ApplicationSubmitted" has no topic on the event bus; events with a topic are ApplicationCreated',
    ],
  ])('refuses %s', (_what, props, message) => {
    expect(() => build(props)).toThrow(ValidationError);
    expect(() => build(props)).toThrow(message);
  });
});
