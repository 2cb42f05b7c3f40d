import { EdgeAuthenticationSpec } from '../model/edge-authentication';
import { EndpointSpec, HTTP_METHODS, UnlistedPathsSpec } from '../model/endpoint';

type Methods = EndpointSpec['methods'];
const READ: Methods = ['GET'];
const WRITE: Methods = ['POST'];
const CRUD: Methods = [...HTTP_METHODS];

/** Phase columns:              0           1           2           3           4 */
const AUTH_FIRST: EndpointSpec['statusByPhase'] = ['monolith', 'migrated', 'migrated', 'migrated', 'migrated'];
const PHASE_1_HYBRID: EndpointSpec['statusByPhase'] = ['monolith', 'hybrid', 'migrated', 'migrated', 'migrated'];
const PHASE_2_HYBRID: EndpointSpec['statusByPhase'] = ['monolith', 'monolith', 'hybrid', 'migrated', 'migrated'];
const PHASE_2_SHADOW: EndpointSpec['statusByPhase'] = ['monolith', 'monolith', 'shadow', 'hybrid', 'migrated'];
const PHASE_3_HYBRID: EndpointSpec['statusByPhase'] = ['monolith', 'monolith', 'monolith', 'hybrid', 'migrated'];

/**
 * Career Copilot's public API and its strangler-fig schedule. Login moves straight to the auth service, as the
 * seed's router does; the rest pass through `hybrid` (service first, monolith as fallback) for at least one phase.
 * Analytics and notifications, new services with data of their own to build up, first run in parallel (`shadow`:
 * the monolith answers, the service gets a copy of each read) for a phase. Every endpoint needs a verified token
 * but the ones a caller uses to get one, the signing keys and the webhooks (signed by their senders).
 * Writes get tighter per-client rate limits than reads. Auth bodies are small (16 KB); applications carry documents
 * (the seed's "Document Management": a cover letter and a resume), up to 10 MB; the rest keep NGINX's 1 MB.
 */
export const endpoints: EndpointSpec[] = [
  { path: '/api/v1/auth/login', context: 'auth', methods: WRITE, maxRequestBodyKilobytes: 16, statusByPhase: AUTH_FIRST, rateLimitPerMinute: 20, public: true },
  { path: '/api/v1/auth/register', context: 'auth', methods: WRITE, maxRequestBodyKilobytes: 16, statusByPhase: PHASE_1_HYBRID, rateLimitPerMinute: 10, public: true },
  // The refresh token travels in the body: a caller whose access token expired must still reach it.
  { path: '/api/v1/auth/refresh', context: 'auth', methods: WRITE, maxRequestBodyKilobytes: 16, statusByPhase: PHASE_1_HYBRID, rateLimitPerMinute: 60, public: true },
  { path: '/api/v1/auth/jwks', context: 'auth', methods: READ, statusByPhase: AUTH_FIRST, rateLimitPerMinute: 60, public: true },
  { path: '/api/v1/auth/logout', context: 'auth', methods: WRITE, maxRequestBodyKilobytes: 16, statusByPhase: PHASE_1_HYBRID, rateLimitPerMinute: 60 },
  { path: '/api/v1/users/profile', context: 'user', methods: ['GET', 'PUT'], statusByPhase: PHASE_1_HYBRID, rateLimitPerMinute: 120 },
  { path: '/api/v1/users/preferences', context: 'user', methods: ['GET', 'PUT'], statusByPhase: PHASE_1_HYBRID, rateLimitPerMinute: 120 },
  { path: '/api/v1/jobs', context: 'jobs', methods: READ, statusByPhase: PHASE_2_HYBRID, rateLimitPerMinute: 300 },
  { path: '/api/v1/jobs/search', context: 'jobs', methods: READ, statusByPhase: PHASE_2_HYBRID, rateLimitPerMinute: 120 },
  { path: '/api/v1/applications', context: 'applications', methods: CRUD, statusByPhase: PHASE_2_HYBRID, rateLimitPerMinute: 120, maxRequestBodyKilobytes: 10240 },
  { path: '/api/v1/analytics', context: 'analytics', methods: READ, statusByPhase: PHASE_2_SHADOW, rateLimitPerMinute: 60 },
  { path: '/api/v1/notifications', context: 'notifications', methods: ['GET', 'PUT'], statusByPhase: PHASE_2_SHADOW, rateLimitPerMinute: 60 },
  // Called by the job boards and calendars Career Copilot integrates with, which hold no user's token: each call
  // is signed by its sender, and the integration context checks the signature.
  { path: '/api/v1/integrations/webhooks', context: 'integration', methods: WRITE, statusByPhase: PHASE_3_HYBRID, rateLimitPerMinute: 600, public: true },
];

/**
 * Everything else the monolith still serves (its remaining endpoints, /docs): each client may send 300 requests a
 * minute there, per gateway replica, the reads' limit of the listed routes.
 */
export const unlistedPaths: UnlistedPathsSpec = { rateLimitPerMinute: 300 };

/**
 * The auth context verifies tokens for the gateway; its service answers 200 with the caller's identity. A verified
 * token is reused for 10 s per gateway replica: a revoked token passes for at most that long.
 */
export const edgeAuthentication: EdgeAuthenticationSpec = {
  context: 'auth',
  verifyPath: '/api/v1/auth/verify',
  cacheSeconds: 10,
  issuer: 'https://auth.career-copilot.local',
  jwksPath: '/api/v1/auth/jwks',
};
