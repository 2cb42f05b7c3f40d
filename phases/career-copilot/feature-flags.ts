import { FeatureFlagSpec } from '../model/feature-flag';

/**
 * Product flags the config server serves from phase 4 (and the feature-flags ConfigMap before it). The
 * `dual-write.<context>` flags are derived from each phase's `dualWrite` list, not declared here.
 */
export const featureFlags: FeatureFlagSpec[] = [
  {
    name: 'ai-job-matching',
    description: "The jobs service's AI matching (seed phase 4: Jobs Microservice, AI Matching)",
    enabledByPhase: [false, false, false, false, true],
  },
  {
    name: 'event-sourced-applications',
    description: 'Applications rebuilt from the event store instead of their table',
    enabledByPhase: [false, false, false, true, true],
  },
  {
    name: 'read-model-queries',
    description: 'Application queries served by the CQRS read model',
    enabledByPhase: [false, false, true, true, true],
  },
];
