import { Static, Type } from '@sinclair/typebox';
import { DnsLabel } from './names';

/** Seconds the gateway reuses a verified token's answer when the model sets none. */
export const DEFAULT_TOKEN_CACHE_SECONDS = 10;

/**
 * How the edge checks callers (the seed's gateway "Authentication" and its auth service's "JWT Validation"). The
 * gateway asks the context's backend to verify each bearer token before it proxies a protected route: the auth
 * service once the phase deploys it, the monolith before. In the mesh (phase 4) the gateway's sidecar validates the
 * JWT as well, against the issuer's signing keys.
 */
export const EdgeAuthenticationSpec = Type.Object(
  {
    /** The bounded context that verifies tokens. */
    context: DnsLabel,
    /**
     * Path on that backend that verifies the request's `Authorization: Bearer` token: 2xx with the caller's
     * identity in `X-User-Id` (and `X-User-Roles`), 401 when the token is missing, expired or forged.
     */
    verifyPath: Type.String({ pattern: '^/[a-z0-9/._-]+$', description: 'an absolute path' }),
    /**
     * Seconds a verified token's answer is reused, per gateway replica: the longest a revoked token still passes.
     * 0 verifies every request. Default 10.
     */
    cacheSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 300 })),
    /** The `iss` of the tokens the auth context issues; the mesh accepts no other. */
    issuer: Type.String({ minLength: 1 }),
    /**
     * The public endpoint that serves the issuer's signing keys (a JWKS), listed among the endpoints as public:
     * the mesh's control plane fetches it from outside the mesh, through the public edge.
     */
    jwksPath: Type.String({ pattern: '^/api/v1(/[a-z0-9-]+)+$', description: 'a public endpoint under /api/v1' }),
  },
  { additionalProperties: false },
);
export type EdgeAuthenticationSpec = Static<typeof EdgeAuthenticationSpec>;
