import { Static, Type } from '@sinclair/typebox';
import { DnsLabel } from './names';
import { StringEnum } from './string-enum';

/**
 * Where the gateway sends an endpoint's requests (the seed's `MigrationStatus`, with the parallel running of its
 * strangler fig as `shadow`):
 * - `monolith`: to the monolith only;
 * - `shadow`: the monolith answers; the context's service gets a copy of each read (GET, HEAD, OPTIONS), whose
 *   answer nobody sees but the gateway's metrics, and never a write;
 * - `hybrid`: to the context's service first, to the monolith when the service fails or is unavailable;
 * - `migrated`: to the service only.
 * A route only moves forward through this list as phases advance.
 */
export const ROUTE_STATUSES = ['monolith', 'shadow', 'hybrid', 'migrated'] as const;
export type RouteStatus = (typeof ROUTE_STATUSES)[number];

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** The request-body limit of an endpoint that sets none: NGINX's own default, 1 MB. */
export const DEFAULT_MAX_REQUEST_BODY_KILOBYTES = 1024;

/** A public endpoint of Career Copilot and its routing status in each phase. */
export const EndpointSpec = Type.Object(
  {
    /** URL path prefix, e.g. `/api/v1/auth/login`. */
    path: Type.String({ pattern: '^/api/v1(/[a-z0-9-]+)+$', description: 'a path under /api/v1 of lower-case segments' }),
    /** The bounded context that owns the endpoint. */
    context: DnsLabel,
    methods: Type.Array(StringEnum(HTTP_METHODS), { minItems: 1 }),
    /** Routing status in phases 0, 1, 2, 3 and 4, in that order. */
    statusByPhase: Type.Array(StringEnum(ROUTE_STATUSES), { minItems: 5, maxItems: 5 }),
    /** Per-client requests per minute the gateway admits on this endpoint, on each of its replicas. */
    rateLimitPerMinute: Type.Integer({ minimum: 1 }),
    /** Largest request body the gateway passes on; a larger one gets 413. Default 1024 (NGINX's 1 MB). */
    maxRequestBodyKilobytes: Type.Optional(Type.Integer({ minimum: 1, maximum: 102400 })),
    /**
     * Whether callers without a token reach it (login, register, the token refresh, the signing keys). Default
     * false: the gateway passes a request on only once the auth context has verified its bearer token.
     */
    public: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type EndpointSpec = Static<typeof EndpointSpec>;

/**
 * Every path that no endpoint lists. While the monolith runs it still owns them (its docs, the endpoints not yet
 * extracted, its own routes), so the gateway sends them to it under these limits; once it is retired they get 404.
 */
export const UnlistedPathsSpec = Type.Object(
  {
    /** Per-client requests per minute the gateway admits on unlisted paths, on each of its replicas. */
    rateLimitPerMinute: Type.Integer({ minimum: 1 }),
    /** Default 1024 (NGINX's 1 MB). */
    maxRequestBodyKilobytes: Type.Optional(Type.Integer({ minimum: 1, maximum: 102400 })),
  },
  { additionalProperties: false },
);
export type UnlistedPathsSpec = Static<typeof UnlistedPathsSpec>;
