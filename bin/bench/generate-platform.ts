import { BoundedContextSpec, careerCopilotInput, EndpointSpec, PhaseSpec, PlatformModel } from '../../phases';

/**
 * A synthetic platform of `count` bounded contexts shaped like Career Copilot's: each with a service, a
 * PostgreSQL store, one event, one endpoint, and a dependency on the context before it. Phases 1-3 extract a
 * fifth, a half and all of them.
 */
export function generatePlatform(count: number): PlatformModel {
  const base = careerCopilotInput;
  const names = Array.from({ length: count }, (_, i) => `ctx-${String(i).padStart(4, '0')}`);
  const contexts: BoundedContextSpec[] = names.map((name, i) => ({
    name,
    title: `Context ${i}`,
    entities: ['Entity'],
    valueObjects: [],
    service: { ...base.contexts[0].service, name: `${name}-service`, image: { repository: `bench/${name}-service`, tag: '1.0.0' } },
    dataStore: { name: `${name}-db`, engine: 'postgresql', database: `${name.replace('-', '_')}_db`, storageGi: 1, readReplicas: 0 },
    monolithTables: [],
    publishes: [{ name: `Event${i}Happened`, partitions: 1, retentionHours: 24 }],
    consumes: i > 0 ? [`Event${i - 1}Happened`] : [],
    dependsOn: i > 0 ? [names[i - 1]] : [],
  }));
  const extractedBy = (phase: number) => names.slice(0, Math.ceil((count * [0, 0.2, 0.5, 1, 1][phase]) || 0));
  const endpoints: EndpointSpec[] = names.map((name, i) => {
    const first = [1, 2, 3].find((p) => extractedBy(p).includes(name))!;
    const statusByPhase = [0, 1, 2, 3, 4].map((p) => (p < first ? 'monolith' : p === first && p < 4 ? 'hybrid' : 'migrated')) as EndpointSpec['statusByPhase'];
    return { path: `/api/v1/${name}`, context: contexts[i].name, methods: ['GET'], statusByPhase, rateLimitPerMinute: 100 };
  });
  // The first context verifies tokens and serves the signing keys, publicly.
  endpoints.push({ ...endpoints[0], path: `/api/v1/${names[0]}/jwks`, public: true });
  const edgeAuthentication = { ...base.edgeAuthentication, context: names[0], jwksPath: `/api/v1/${names[0]}/jwks` };
  const phases: PhaseSpec[] = base.phases.map((spec) => {
    const services = extractedBy(spec.phase);
    const stores = [base.monolith.database.name, base.monolith.cache.name, ...services.map((s) => `${s}-db`), ...(spec.platform.eventStore ? [base.eventStore.name] : [])];
    return { ...spec, services, dataStores: stores, dualWrite: [], readModels: [], releases: {} };
  });
  return { ...base, contexts, endpoints, edgeAuthentication, dataProductConsumer: names[names.length - 1], phases, sagas: [] };
}
