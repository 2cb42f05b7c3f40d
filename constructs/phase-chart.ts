import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { PhasePlan, WorkloadPlan } from '../phases/phase-plan';
import { ApiGateway } from './api-gateway';
import { connectionEnv } from './data-store-connection';
import { Microservice } from './microservice';
import { PlatformNamespace } from './namespace';

/** What differs between environments of the same phase: sizing, flags, where data lives. */
export interface EnvironmentOptions {
  /** Replicas at rest of every service. @default - each workload's replicas in the model */
  readonly replicas?: number;
  /** Kafka brokers. @default 3 */
  readonly kafkaBrokers?: number;
  /** Feature flags forced on or off, as `name=true|false`. @default [] */
  readonly featureFlagOverrides?: readonly string[];
  /** Public host of the API gateway. @default 'api.career-copilot.local' */
  readonly domain?: string;
  /** Run data stores and Kafka in the cluster (the local target); false when they are managed services. @default true */
  readonly inClusterData?: boolean;
}

/** Props of `PhaseChart`. */
export interface PhaseChartProps {
  /** The phase to build, as resolved by `selectPhase`. */
  readonly plan: PhasePlan;
  /** @default - the model's sizes, the flags' phase values, data in the cluster */
  readonly environment?: EnvironmentOptions;
}

/**
 * Every Kubernetes object of one phase. Construct ids are component names from the model, never the phase, so
 * an object has the same construct path (and so the same URN downstream) in every phase where it exists.
 */
export class PhaseChart extends Chart {
  /** The microservices of this phase, by name. */
  public readonly services: ReadonlyMap<string, Microservice>;

  constructor(scope: Construct, id: string, props: PhaseChartProps) {
    const { plan } = props;
    super(scope, id, { namespace: plan.namespace, disableResourceNameHashes: true });

    new PlatformNamespace(this, 'namespace', { name: plan.namespace, partOf: plan.product });
    const services = new Map<string, Microservice>();
    for (const workload of plan.workloads) {
      if (workload.role === 'gateway') {
        const gateway = new ApiGateway(this, workload.spec.name, {
          ...microserviceProps(plan, workload),
          namespace: plan.namespace,
          routes: plan.routes,
          upstreams: plan.workloads.map((w) => w.spec.name),
        });
        services.set(workload.spec.name, gateway.service);
      } else {
        services.set(workload.spec.name, new Microservice(this, workload.spec.name, microserviceProps(plan, workload)));
      }
    }
    this.services = services;
  }
}

function envName(workload: string): string {
  return workload.replace(/-/g, '_').toUpperCase();
}

/** The model's words for a workload, turned into `Microservice` props. */
function microserviceProps(plan: PhasePlan, workload: WorkloadPlan) {
  const { spec } = workload;
  const config: Record<string, string> = {
    SERVICE_NAME: spec.name,
    PORT: String(spec.port),
    LOG_LEVEL: 'info',
  };
  for (const callee of workload.calls) config[`${envName(callee)}_URL`] = `http://${callee}.${plan.namespace}.svc.cluster.local`;
  if (workload.role === 'context-service') config.DUAL_WRITE = String(workload.dualWrite);
  return {
    name: spec.name,
    image: `${spec.image.repository}:${spec.image.tag}`,
    component: workload.role,
    partOf: plan.product,
    containerPort: spec.port,
    replicas: spec.replicas,
    resources: spec.resources,
    autoscaling: spec.autoscaling,
    config,
    secretEnv: workload.dataStores.map(connectionEnv),
  };
}
