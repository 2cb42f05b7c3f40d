/**
 * The building blocks: one cdk8s construct per block of the architecture, each with its props and checks, and the
 * small helpers they share. Composing them into a phase is synthesis/'s work.
 */
export * from './api-gateway';
export * from './auth-data-split-job';
export * from './data-move-job';
export * from './event-bus';
export * from './event-store-schema-job';
export * from './feature-flags';
export * from './gateway-metrics-program';
export * from './labels';
export * from './microservice';
export * from './mongo-database';
export * from './namespace';
export * from './network-policies';
export * from './nginx-gateway-config';
export * from './postgres-database';
export * from './progressive-release';
export * from './prop-checks';
export * from './psql-job';
export * from './quantities';
export * from './redis-store';
export * from './restricted-pod';
export * from './saga-orchestrator-config';
export * from './service-mesh';
export * from './service-observability';
export * from './store-secrets';
export * from './support-images';
