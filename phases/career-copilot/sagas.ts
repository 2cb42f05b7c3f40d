import { SagaDefinition, SagaStepSpec } from '../model/saga';

/** The seed's `SagaStep` defaults: `retry_count: int = 3`, `timeout: float = 30.0`. */
const SEED_STEP_LIMITS: Pick<SagaStepSpec, 'retries' | 'timeoutSeconds'> = { retries: 3, timeoutSeconds: 30 };

/**
 * The seed's `_create_application_saga`, step for step; operations are the names its step functions call on each
 * service. The seed starts it with `start_saga("create_application", ...)` and names no event: it is started here
 * by `ApplicationSubmitted`, which the applications context publishes when it accepts a new application (the
 * record itself is created by step `create_application`, which publishes `ApplicationCreated`).
 */
export const createApplicationSaga: SagaDefinition = {
  name: 'create_application',
  triggeredBy: 'ApplicationSubmitted',
  steps: [
    { id: 'validate_user', service: 'user', action: 'validate_user', compensation: null, ...SEED_STEP_LIMITS },
    { id: 'validate_job', service: 'jobs', action: 'validate_job', compensation: null, ...SEED_STEP_LIMITS },
    {
      id: 'create_application',
      service: 'applications',
      action: 'create_application',
      compensation: 'delete_application',
      publishes: ['ApplicationCreated'],
      ...SEED_STEP_LIMITS,
    },
    {
      id: 'update_user_stats',
      service: 'analytics',
      action: 'increment_user_applications',
      compensation: 'decrement_user_applications',
      ...SEED_STEP_LIMITS,
    },
    // Notifications are fire-and-forget: nothing to undo.
    { id: 'send_notifications', service: 'notifications', action: 'send_application_created', compensation: null, ...SEED_STEP_LIMITS },
  ],
};

/** Career Copilot's sagas. */
export const sagas: SagaDefinition[] = [createApplicationSaga];
