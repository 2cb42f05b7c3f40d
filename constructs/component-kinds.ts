import { WorkloadRole } from '../phases/phase-plan';

/**
 * What a component of a phase is, as a preview names it (the Pulumi type `career-copilot:platform:<kind>` of its
 * component resource). A component has one kind in every phase where it exists.
 */
export const COMPONENT_KINDS = [
  'Namespace', 'PostgresDatabase', 'MongoDatabase', 'RedisStore', 'EventBus', 'AuthDataSplit', 'EventStoreSchema', 'FeatureFlags',
  'Monolith', 'Frontend', 'ApiGateway', 'ContextService', 'SagaOrchestrator', 'ConfigServer', 'ServiceMesh', 'NetworkPolicies',
] as const;
export type ComponentKind = (typeof COMPONENT_KINDS)[number];

/** The kind of a workload's component, by its role: the compiler names a new role here. */
export const WORKLOAD_KINDS: Readonly<Record<WorkloadRole, ComponentKind>> = {
  'monolith': 'Monolith',
  'frontend': 'Frontend',
  'gateway': 'ApiGateway',
  'context-service': 'ContextService',
  'saga-orchestrator': 'SagaOrchestrator',
  'config-server': 'ConfigServer',
};
