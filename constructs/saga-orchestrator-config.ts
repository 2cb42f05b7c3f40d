import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { SagaDefinition } from '../phases/model/saga';
import { notOneOf, showValue, ValidationError } from '../core/validation-error';
import { componentLabels } from './labels';
import { checkDnsLabel, checkInteger } from './prop-checks';

/** Key of the ConfigMap entry that holds the sagas. */
export const SAGAS_FILE = 'sagas.json';

const SNAKE_CASE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

/** An event's topic on the event bus, as `EventBus.topics` lists it. */
export interface SagaTopic {
  readonly event: string;
  readonly name: string;
}

/** Props of `SagaOrchestratorConfig`. */
export interface SagaOrchestratorConfigProps {
  /** Name of the saga orchestrator's workload; the ConfigMap is `<name>-sagas`. */
  readonly name: string;
  /** The `app.kubernetes.io/part-of` label. */
  readonly partOf: string;
  readonly sagas: readonly SagaDefinition[];
  /** Service name of each context a step may call (`{ user: 'user-service' }`): the contexts deployed in the phase. */
  readonly services: Readonly<Record<string, string>>;
  /** Topics of the event bus (`EventBus.topics`); every saga's triggering event needs one. */
  readonly topics: readonly SagaTopic[];
}

/**
 * What the saga orchestrator runs: the saga definitions, resolved against the phase (each step's context to the
 * service it calls, each trigger to its topic), as canonical JSON (sorted keys, so an unchanged definition never
 * rolls the orchestrator) in the ConfigMap `<name>-sagas`, plus the topics it subscribes to and the services it
 * calls, for its `KafkaUser` and its mesh authorization.
 */
export class SagaOrchestratorConfig extends Construct {
  /** `<name>-sagas`: mount it into the orchestrator and read `sagas.json`. */
  public readonly configMapName: string;
  /** Topics of the triggering events, sorted, without repeats. */
  public readonly subscribedTopics: readonly string[];
  /** Triggering events, sorted, without repeats: the orchestrator's `consumes` on the event bus. */
  public readonly subscribedEvents: readonly string[];
  /** Services the steps call, sorted, without repeats. */
  public readonly calledServices: readonly string[];
  /** The canonical JSON stored under `sagas.json`. */
  public readonly sagasJson: string;
  /** The ConfigMap object. */
  public readonly configMap: kplus.ConfigMap;

  constructor(scope: Construct, id: string, props: SagaOrchestratorConfigProps) {
    super(scope, id);
    const topics = new Map(props.topics.map((t) => [t.event, t.name]));
    validate(props, topics);

    const resolved = props.sagas.map((saga) => ({
      name: saga.name,
      triggeredBy: { event: saga.triggeredBy, topic: topics.get(saga.triggeredBy)! },
      steps: saga.steps.map((step) => ({
        id: step.id,
        context: step.service,
        service: props.services[step.service],
        action: step.action,
        compensation: step.compensation,
        retries: step.retries,
        timeoutSeconds: step.timeoutSeconds,
      })),
    }));
    this.configMapName = `${props.name}-sagas`;
    this.subscribedEvents = sortedUnique(props.sagas.map((s) => s.triggeredBy));
    this.subscribedTopics = sortedUnique(resolved.map((s) => s.triggeredBy.topic));
    this.calledServices = sortedUnique(resolved.flatMap((s) => s.steps.map((step) => step.service)));
    this.sagasJson = canonicalJson({ sagas: resolved });

    this.configMap = new kplus.ConfigMap(this, 'ConfigMap', {
      metadata: { name: this.configMapName, labels: componentLabels(props.name, 'saga-orchestrator', props.partOf) },
      data: { [SAGAS_FILE]: this.sagasJson },
    });
  }
}

/** JSON with every object's keys sorted, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
    }
    return v;
  };
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

function sortedUnique(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}

function checkSnakeCase(field: string, value: string): void {
  if (!SNAKE_CASE.test(value)) throw new ValidationError(field, `${showValue(value)} is not a snake_case name such as create_application`);
}

function validate(props: SagaOrchestratorConfigProps, topics: ReadonlyMap<string, string>): void {
  checkDnsLabel('name', props.name);
  const contexts = Object.keys(props.services);
  for (const context of contexts) checkDnsLabel(`services.${context}`, props.services[context]);
  const sagaNames = new Map<string, string>();
  props.sagas.forEach((saga, i) => {
    const at = `sagas[${i}]`;
    checkSnakeCase(`${at}.name`, saga.name);
    const first = sagaNames.get(saga.name);
    if (first !== undefined) throw new ValidationError(`${at}.name`, `duplicate saga ${showValue(saga.name)}, already declared at ${first}`);
    sagaNames.set(saga.name, at);
    if (!topics.has(saga.triggeredBy)) {
      throw new ValidationError(`${at}.triggeredBy`, `${showValue(saga.triggeredBy)} has no topic on the event bus; events with a topic are ${[...topics.keys()].join(', ') || 'none'}`);
    }
    if (saga.steps.length === 0) throw new ValidationError(`${at}.steps`, 'is empty; a saga has at least one step');
    const stepIds = new Map<string, string>();
    saga.steps.forEach((step, j) => {
      const stepAt = `${at}.steps[${j}]`;
      checkSnakeCase(`${stepAt}.id`, step.id);
      const firstStep = stepIds.get(step.id);
      if (firstStep !== undefined) throw new ValidationError(`${stepAt}.id`, `duplicate step id ${showValue(step.id)}, already declared at ${firstStep}`);
      stepIds.set(step.id, stepAt);
      if (!contexts.includes(step.service)) throw new ValidationError(`${stepAt}.service`, `unknown context: ${notOneOf(step.service, contexts)}`);
      checkSnakeCase(`${stepAt}.action`, step.action);
      if (step.compensation !== null) checkSnakeCase(`${stepAt}.compensation`, step.compensation);
      checkInteger(`${stepAt}.retries`, step.retries, 0);
      checkInteger(`${stepAt}.timeoutSeconds`, step.timeoutSeconds, 1);
    });
  });
}
