/**
 * What a component of a phase is, as a preview names it (the Pulumi type `career-copilot:platform:<kind>` of its
 * component resource). A component has one kind in every phase where it exists.
 */
export const COMPONENT_KINDS = [
  'Namespace', 'PostgresDatabase', 'MongoDatabase', 'RedisStore', 'DatabaseRole', 'EventBus', 'AuthDataSplit', 'DataMove', 'EventStoreSchema', 'FeatureFlags',
  'Monolith', 'Frontend', 'ApiGateway', 'ContextService', 'SagaOrchestrator', 'ConfigServer', 'ServiceMesh', 'NetworkPolicies',
] as const;
export type ComponentKind = (typeof COMPONENT_KINDS)[number];
