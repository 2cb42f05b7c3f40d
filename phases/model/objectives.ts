import { Static, Type } from '@sinclair/typebox';

/** The seed's success metrics, which alerts and the promotion plan's cost check are derived from. */
export const ServiceObjectives = Type.Object(
  {
    /** P95 response time each service must stay under (the seed: < 200 ms during migration). */
    p95LatencyMs: Type.Integer({ minimum: 1 }),
    /** Availability per phase (the seed: 99.9% uptime). */
    availabilityPercent: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 100 }),
    /** How far a phase's requested CPU and memory may exceed phase 0's (the seed: within 20%). */
    costIncreaseLimitPercent: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type ServiceObjectives = Static<typeof ServiceObjectives>;
