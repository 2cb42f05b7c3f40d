import { Static, Type } from '@sinclair/typebox';
import { DnsLabel, EventName } from './names';

/** A saga's, step's or operation's name, in the seed's snake_case (`create_application`). */
export const SnakeCaseName = Type.String({ pattern: '^[a-z][a-z0-9]*(_[a-z0-9]+)*$', description: 'a snake_case name such as create_application' });

/**
 * One step of a saga: an operation on a context's service, and the operation that undoes it when a later step
 * fails. The orchestrator tries the action `retries` more times (with exponential backoff, as in the seed's
 * `_execute_step`) and gives each attempt `timeoutSeconds`.
 */
export const SagaStepSpec = Type.Object(
  {
    /** Unique within its saga; the orchestrator records completed steps by it. */
    id: SnakeCaseName,
    /** The bounded context whose service runs the step (`user`, not `user-service`). */
    service: DnsLabel,
    /** Operation called on the service. */
    action: SnakeCaseName,
    /** Operation that undoes the action; null for a no-op (validations, fire-and-forget notifications). */
    compensation: Type.Union([SnakeCaseName, Type.Null()]),
    /** Attempts after the first one (the seed's `retry_count`). */
    retries: Type.Integer({ minimum: 0 }),
    /** Limit of each attempt and of the compensation (the seed's `timeout`). */
    timeoutSeconds: Type.Integer({ minimum: 1 }),
    /**
     * Domain events the step's service publishes when the action succeeds, each one of its context's own events
     * (`ApplicationCreated` for `create_application`); never the event that triggers the saga, which would start it
     * again from its own step, without end.
     * @default - the step publishes no event
     */
    publishes: Type.Optional(Type.Array(EventName, { uniqueItems: true })),
  },
  { additionalProperties: false },
);
export type SagaStepSpec = Static<typeof SagaStepSpec>;

/**
 * A distributed transaction run by the saga orchestrator: started by an event, it runs its steps in order and,
 * when one fails, runs the compensations of the completed steps in reverse order. A saga publishes no event of
 * its own: each step's service publishes its context's events (the seed's `CreateApplicationHandler` publishes
 * `ApplicationCreated`), so that a topic keeps one writer.
 */
export const SagaDefinition = Type.Object(
  {
    /** The seed's saga type (`create_application`). */
    name: SnakeCaseName,
    /** The event whose topic starts a saga instance. */
    triggeredBy: EventName,
    steps: Type.Array(SagaStepSpec, { minItems: 1 }),
  },
  { additionalProperties: false },
);
export type SagaDefinition = Static<typeof SagaDefinition>;
