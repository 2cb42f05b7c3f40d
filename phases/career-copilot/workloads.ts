import { WorkloadSpec } from '../model/workload';

/** Registry path of Career Copilot's own images. */
const REGISTRY = 'career-copilot';

/**
 * The size a context service starts with: small, because the monolith's load is shared among seven
 * services and the seed's cost goal keeps the whole within 20% of the monolith's baseline.
 */
const SERVICE_SIZE: Pick<WorkloadSpec, 'port' | 'replicas' | 'resources' | 'autoscaling'> = {
  port: 8000,
  replicas: 2,
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
  autoscaling: { maxReplicas: 6, targetCpuUtilizationPercent: 70 },
};

/** A FastAPI service of Career Copilot's own, pinned to `version`. */
export function careerCopilotService(name: string, description: string, version: string, overrides: Partial<WorkloadSpec> = {}): WorkloadSpec {
  return { name, description, image: { repository: `${REGISTRY}/${name}`, tag: version }, ...SERVICE_SIZE, ...overrides };
}

/** Today's FastAPI monolith: sized for the seed's ~500 requests/second at ~150 ms P95. */
export const monolithBackend: WorkloadSpec = careerCopilotService('backend', 'FastAPI monolith', '2.4.1', {
  replicas: 3,
  resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } },
  autoscaling: { maxReplicas: 8, targetCpuUtilizationPercent: 70 },
});

/** The Next.js frontend; it outlives the monolith's backend. */
export const frontend: WorkloadSpec = careerCopilotService('frontend', 'Next.js frontend', '2.4.1', {
  port: 3000,
  resources: { requests: { cpu: '100m', memory: '192Mi' }, limits: { cpu: '500m', memory: '384Mi' } },
});

/**
 * The strangler-fig gateway: unprivileged NGINX (runs as a non-root user and listens on 8080, so it fits
 * the restricted Pod Security Standard).
 */
export const gateway: WorkloadSpec = {
  name: 'api-gateway',
  description: 'Strangler-fig API gateway (NGINX)',
  image: { repository: 'nginxinc/nginx-unprivileged', tag: '1.28.3-alpine' },
  port: 8080,
  replicas: 2,
  resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
  autoscaling: { maxReplicas: 6, targetCpuUtilizationPercent: 70 },
};

export const sagaOrchestrator: WorkloadSpec = careerCopilotService('saga-orchestrator', 'Saga orchestrator', '1.0.0', {
  resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '250m', memory: '256Mi' } },
});

export const configServer: WorkloadSpec = careerCopilotService('config-server', 'Config server and feature flags', '1.0.0', {
  resources: { requests: { cpu: '50m', memory: '96Mi' }, limits: { cpu: '250m', memory: '192Mi' } },
});
