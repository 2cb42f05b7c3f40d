import { EndpointSpec, HTTP_METHODS, UnlistedPathsSpec } from '../model/endpoint';

type Methods = EndpointSpec['methods'];
const READ: Methods = ['GET'];
const WRITE: Methods = ['POST'];
const CRUD: Methods = [...HTTP_METHODS];

/** Phase columns:              0           1           2           3           4 */
const AUTH_FIRST: EndpointSpec['statusByPhase'] = ['monolith', 'migrated', 'migrated', 'migrated', 'migrated'];
const PHASE_1_HYBRID: EndpointSpec['statusByPhase'] = ['monolith', 'hybrid', 'migrated', 'migrated', 'migrated'];
const PHASE_2_HYBRID: EndpointSpec['statusByPhase'] = ['monolith', 'monolith', 'hybrid', 'migrated', 'migrated'];
const PHASE_2_3_HYBRID: EndpointSpec['statusByPhase'] = ['monolith', 'monolith', 'hybrid', 'hybrid', 'migrated'];
const PHASE_3_HYBRID: EndpointSpec['statusByPhase'] = ['monolith', 'monolith', 'monolith', 'hybrid', 'migrated'];

/**
 * Career Copilot's public API and its strangler-fig schedule. Login moves straight to the auth service, as the
 * seed's router does; the rest pass through `hybrid` (service first, monolith as fallback) for at least one phase.
 * Writes get tighter per-client rate limits than reads. Auth bodies are small (16 KB); applications carry documents
 * (the seed's "Document Management": a cover letter and a resume), up to 10 MB; the rest keep NGINX's 1 MB.
 */
export const endpoints: EndpointSpec[] = [
  { path: '/api/v1/auth/login', context: 'auth', methods: WRITE, maxRequestBodyKilobytes: 16, statusByPhase: AUTH_FIRST, rateLimitPerMinute: 20 },
  { path: '/api/v1/auth/register', context: 'auth', methods: WRITE, maxRequestBodyKilobytes: 16, statusByPhase: PHASE_1_HYBRID, rateLimitPerMinute: 10 },
  { path: '/api/v1/auth/refresh', context: 'auth', methods: WRITE, maxRequestBodyKilobytes: 16, statusByPhase: PHASE_1_HYBRID, rateLimitPerMinute: 60 },
  { path: '/api/v1/auth/logout', context: 'auth', methods: WRITE, maxRequestBodyKilobytes: 16, statusByPhase: PHASE_1_HYBRID, rateLimitPerMinute: 60 },
  { path: '/api/v1/users/profile', context: 'user', methods: ['GET', 'PUT'], statusByPhase: PHASE_1_HYBRID, rateLimitPerMinute: 120 },
  { path: '/api/v1/users/preferences', context: 'user', methods: ['GET', 'PUT'], statusByPhase: PHASE_1_HYBRID, rateLimitPerMinute: 120 },
  { path: '/api/v1/jobs', context: 'jobs', methods: READ, statusByPhase: PHASE_2_HYBRID, rateLimitPerMinute: 300 },
  { path: '/api/v1/jobs/search', context: 'jobs', methods: READ, statusByPhase: PHASE_2_HYBRID, rateLimitPerMinute: 120 },
  { path: '/api/v1/applications', context: 'applications', methods: CRUD, statusByPhase: PHASE_2_HYBRID, rateLimitPerMinute: 120, maxRequestBodyKilobytes: 10240 },
  { path: '/api/v1/analytics', context: 'analytics', methods: READ, statusByPhase: PHASE_2_3_HYBRID, rateLimitPerMinute: 60 },
  { path: '/api/v1/notifications', context: 'notifications', methods: ['GET', 'PUT'], statusByPhase: PHASE_2_3_HYBRID, rateLimitPerMinute: 60 },
  { path: '/api/v1/integrations/webhooks', context: 'integration', methods: WRITE, statusByPhase: PHASE_3_HYBRID, rateLimitPerMinute: 600 },
];

/**
 * Everything else the monolith still serves (its remaining endpoints, /docs): each client may send 300 requests a
 * minute there, per gateway replica, the reads' limit of the listed routes.
 */
export const unlistedPaths: UnlistedPathsSpec = { rateLimitPerMinute: 300 };
