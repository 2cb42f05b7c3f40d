import { Static, Type } from '@sinclair/typebox';
import { DnsLabel } from './names';
import { StringEnum } from './string-enum';

/**
 * Where the gateway sends an endpoint's requests (the seed's `MigrationStatus`):
 * - `monolith`: to the monolith only;
 * - `hybrid`: to the context's service first, to the monolith when the service fails or is unavailable;
 * - `migrated`: to the service only.
 * A route only moves forward through this list as phases advance.
 */
export const ROUTE_STATUSES = ['monolith', 'hybrid', 'migrated'] as const;
export type RouteStatus = (typeof ROUTE_STATUSES)[number];

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

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
    /** Per-client requests per minute the gateway admits on this endpoint. */
    rateLimitPerMinute: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
);
export type EndpointSpec = Static<typeof EndpointSpec>;
