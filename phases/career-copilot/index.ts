import { loadPlatformModel } from '../model/load-model';
import { PlatformModel } from '../model/platform-model';
import { contexts } from './contexts';
import { AUTH_DATA_SPLIT_SQL } from './auth-data-split';
import { edgeAuthentication, endpoints, unlistedPaths } from './endpoints';
import { featureFlags } from './feature-flags';
import { phases } from './phases';
import { sagas } from './sagas';
import { configServer, frontend, gateway, monolithBackend, sagaOrchestrator } from './workloads';

/** Career Copilot as written down: raw data, validated by `careerCopilot()`. */
export const careerCopilotInput: PlatformModel = {
  product: 'career-copilot',
  namespace: 'career-copilot',
  monolith: {
    backend: monolithBackend,
    frontend,
    // The seed's shared database keeps read replicas while the monolith lives.
    database: { name: 'monolith-db', engine: 'postgresql', database: 'career_copilot', storageGi: 50, readReplicas: 1 },
    cache: { name: 'cache', engine: 'redis', database: 'cache', storageGi: 5, readReplicas: 0 },
  },
  platform: { gateway, sagaOrchestrator, configServer },
  eventStore: { name: 'event-store', engine: 'postgresql', database: 'event_store', storageGi: 20, readReplicas: 0 },
  // The seed's success metrics.
  objectives: { p95LatencyMs: 200, availabilityPercent: 99.9, costIncreaseLimitPercent: 20 },
  featureFlags,
  sagas,
  contexts,
  endpoints,
  unlistedPaths,
  edgeAuthentication,
  dataProductConsumer: 'analytics',
  authDataSplit: AUTH_DATA_SPLIT_SQL,
  phases,
};

/** The validated Career Copilot platform model. */
export function careerCopilot(): PlatformModel {
  return loadPlatformModel(careerCopilotInput);
}
