import { PhaseSpec } from '../model/phase-spec';

const MONOLITH_STORES = ['monolith-db', 'cache'];
const PHASE_1_STORES = [...MONOLITH_STORES, 'auth-db', 'user-db'];
const PHASE_2_STORES = [...PHASE_1_STORES, 'jobs-db', 'applications-db', 'analytics-db', 'notifications-db'];
const PHASE_3_STORES = [...PHASE_2_STORES, 'integration-db', 'event-store'];

const DOMAIN_SERVICES = ['auth', 'user', 'jobs', 'applications', 'analytics', 'notifications'];

/**
 * What exists in each phase, after the seed's plan. Data stores accumulate: phase 4 retires the monolith's
 * backend but keeps its database (an archive that only an explicit decommission removes).
 */
export const phases: PhaseSpec[] = [
  {
    phase: 0,
    title: 'monolith',
    summary: "Today's system: FastAPI monolith, Next.js frontend, PostgreSQL and Redis.",
    monolith: true,
    services: [],
    dataStores: MONOLITH_STORES,
    platform: { gateway: false, eventBus: false, eventStore: false, sagaOrchestrator: false, mesh: false, configServer: false, dataProducts: false },
    dualWrite: [],
    readModels: [],
    releases: {},
  },
  {
    phase: 1,
    title: 'strangler-fig',
    summary: 'API gateway in front of the monolith; auth and user services extracted; auth data split into its own database.',
    monolith: true,
    services: ['auth', 'user'],
    dataStores: PHASE_1_STORES,
    platform: { gateway: true, eventBus: false, eventStore: false, sagaOrchestrator: false, mesh: false, configServer: false, dataProducts: false },
    dualWrite: ['auth', 'user'],
    readModels: [],
    releases: {},
  },
  {
    phase: 2,
    title: 'domain-services',
    summary: 'Bounded contexts as services (jobs, applications, analytics, notifications); CQRS read model for applications.',
    monolith: true,
    services: DOMAIN_SERVICES,
    dataStores: PHASE_2_STORES,
    platform: { gateway: true, eventBus: false, eventStore: false, sagaOrchestrator: false, mesh: false, configServer: false, dataProducts: false },
    dualWrite: ['jobs', 'applications', 'analytics', 'notifications'],
    readModels: ['applications'],
    releases: {},
  },
  {
    phase: 3,
    title: 'event-driven',
    summary: 'Kafka event bus with a topic per domain event, saga orchestrator and event store; integration service extracted.',
    monolith: true,
    services: [...DOMAIN_SERVICES, 'integration'],
    dataStores: PHASE_3_STORES,
    platform: { gateway: true, eventBus: true, eventStore: true, sagaOrchestrator: true, mesh: false, configServer: false, dataProducts: false },
    dualWrite: ['analytics', 'notifications', 'integration'],
    readModels: ['applications'],
    releases: {},
  },
  {
    phase: 4,
    title: 'full-microservices',
    summary: 'Service mesh, rate-limited gateway, config server and feature flags, database per service; monolith retired.',
    monolith: false,
    services: [...DOMAIN_SERVICES, 'integration'],
    dataStores: PHASE_3_STORES,
    platform: { gateway: true, eventBus: true, eventStore: true, sagaOrchestrator: true, mesh: true, configServer: true, dataProducts: true },
    dualWrite: [],
    readModels: ['applications'],
    releases: { applications: 'canary', user: 'blue-green', auth: 'blue-green', jobs: 'canary' },
  },
];
