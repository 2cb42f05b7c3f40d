import { randomBytes, randomUUID } from 'crypto';
import { IncomingHttpHeaders } from 'http';
import { jwtVerify, SignJWT } from 'jose';
import { careerCopilot } from '../../../phases';

/**
 * The auth service's side of the edge's token check, for the stub upstreams: tokens signed (HS256) with a key of
 * this test run, and the verification endpoint's answer to them. A real JWT library (jose) signs and verifies,
 * so an expired or forged token fails for the reasons it fails in production.
 */
const auth = careerCopilot().edgeAuthentication;
/** The path the gateway's token check calls on the verifier. */
export const TOKEN_VERIFY_PATH = auth.verifyPath;
const KEY = randomBytes(32);
/** The key of someone who is not the auth service. */
const FORGER_KEY = randomBytes(32);

/** The identity a valid token carries unless a test names another. */
export const TEST_USER = { id: 'user-42', roles: ['member'] } as const;

async function sign(options: { subject: string; roles: readonly string[]; key: Uint8Array; expiresAt: number }): Promise<string> {
  return new SignJWT({ roles: [...options.roles] })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(auth.issuer)
    .setSubject(options.subject)
    .setIssuedAt()
    // Each token its own, as each login's is: two tokens of one second and claims would be the same string.
    .setJti(randomUUID())
    .setExpirationTime(options.expiresAt)
    .sign(options.key);
}

const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

/** A token the verifier accepts. */
export function validToken(user: { id: string; roles: readonly string[] } = TEST_USER): Promise<string> {
  return sign({ subject: user.id, roles: user.roles, key: KEY, expiresAt: inAnHour() });
}

/** A token signed by the auth service's key that expired a minute ago. */
export function expiredToken(): Promise<string> {
  return sign({ subject: TEST_USER.id, roles: TEST_USER.roles, key: KEY, expiresAt: Math.floor(Date.now() / 1000) - 60 });
}

/** A well-formed token, unexpired, signed with another key. */
export function forgedToken(): Promise<string> {
  return sign({ subject: 'admin', roles: ['admin'], key: FORGER_KEY, expiresAt: inAnHour() });
}

let defaultToken: Promise<string> | undefined;
/** The token every test request carries unless it sets its own `authorization` (or none). */
export function defaultTestToken(): Promise<string> {
  defaultToken ??= validToken();
  return defaultToken;
}

/** What the verifier answers to the request's `Authorization`: 200 with the identity headers, or 401. */
export async function verifyAuthorization(headers: IncomingHttpHeaders): Promise<{ status: number; headers: Record<string, string> }> {
  const match = /^Bearer (\S+)$/.exec(headers.authorization ?? '');
  if (!match) return { status: 401, headers: {} };
  try {
    const { payload } = await jwtVerify(match[1], KEY, { issuer: auth.issuer, algorithms: ['HS256'] });
    const roles = Array.isArray(payload.roles) ? payload.roles.map(String) : [];
    return { status: 200, headers: { 'x-user-id': String(payload.sub), 'x-user-roles': roles.join(',') } };
  } catch {
    return { status: 401, headers: {} };
  }
}
