import { Static, Type } from '@sinclair/typebox';

/**
 * A feature flag the config server serves. Besides the flags declared here, every context gets a
 * `dual-write.<context>` flag, on in the phases whose spec lists the context under `dualWrite`.
 */
export const FeatureFlagSpec = Type.Object(
  {
    /** Dotted or kebab lower-case name, e.g. `ai-job-matching`. */
    name: Type.String({ pattern: '^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$', description: 'a lower-case flag name of letters, digits, "." and "-"' }),
    description: Type.String({ minLength: 1 }),
    /** Whether the flag is on in phases 0, 1, 2, 3 and 4 (an environment can override it). */
    enabledByPhase: Type.Array(Type.Boolean(), { minItems: 5, maxItems: 5 }),
  },
  { additionalProperties: false },
);
export type FeatureFlagSpec = Static<typeof FeatureFlagSpec>;
