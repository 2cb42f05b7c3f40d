import { Agent, IncomingHttpHeaders, request as httpRequest } from 'http';
import { randomUUID } from 'crypto';
import { TEST_ID_HEADER, UPSTREAM_HEADER } from './stub-upstream';
import { defaultTestToken } from './test-tokens';

/** What the gateway answered to one request. */
export interface GatewayAnswer {
  readonly testId: string;
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The stub that answered, or undefined when the gateway answered itself (404, 405, 429). */
  readonly upstream?: string;
  /** The route's status as the configuration that served the request had it (`X-Route-Status`). */
  readonly routeStatus?: string;
  /** True when a keep-alive client had to retry the request on a new connection (see `SendOptions`). */
  readonly retriedOnStaleConnection?: boolean;
}

/** One request to the gateway. */
export interface GatewayRequest {
  readonly method: string;
  readonly path: string;
  readonly body?: string;
  /**
   * The client's source address. The gateway limits each client address, so every check uses its own address in
   * 127.0.0.0/8 (all of it is loopback on Linux) and no check eats another's rate limit.
   */
  readonly clientAddress: string;
  /** Further request headers, e.g. `x-request-id` or `x-forwarded-for`. @default {} */
  readonly headers?: Record<string, string>;
  /**
   * The bearer token it carries, as a signed-in user's request does; `null` for none (a caller that is not signed
   * in). @default - a valid token of TEST_USER (defaultTestToken)
   */
  readonly token?: string | null;
}

let clients = 0;

/** A loopback address no other check has used: 127.0.1.1, 127.0.1.2, ... */
export function newClientAddress(): string {
  const n = clients++;
  return `127.0.${1 + Math.floor(n / 250)}.${1 + (n % 250)}`;
}

/** How a request is sent. */
export interface SendOptions {
  /** @default 15000 */
  readonly timeoutMs?: number;
  /**
   * A keep-alive agent, as a browser or the frontend keeps its connections. The request is then sent as a
   * browser does: an idempotent request that fails on a reused connection before any answer (the server closed
   * the idle connection as the request left, e.g. an old worker at a reload) is retried once on a new connection,
   * which RFC 9112 section 9.3.1 allows.
   * @default - a new connection per request (`Connection: close`)
   */
  readonly keepAliveAgent?: Agent;
  /**
   * Whether an idempotent request that fails on a reused connection is sent again, as browsers do; a client that
   * never retries (a POST, or a strict client) sets false. @default true
   */
  readonly retryOnStaleConnection?: boolean;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

/**
 * Sends one request to the gateway on 127.0.0.1:`port` and resolves with the answer; a network error rejects.
 */
export async function send(port: number, req: GatewayRequest, options: SendOptions = {}): Promise<GatewayAnswer> {
  try {
    return await sendOnce(port, req, options);
  } catch (error) {
    const stale = (error as { reusedSocket?: boolean }).reusedSocket === true;
    if (!options.keepAliveAgent || !stale || !IDEMPOTENT.has(req.method) || options.retryOnStaleConnection === false) throw error;
    return { ...(await sendOnce(port, req, { timeoutMs: options.timeoutMs })), retriedOnStaleConnection: true };
  }
}

async function sendOnce(port: number, req: GatewayRequest, options: SendOptions): Promise<GatewayAnswer> {
  const testId = randomUUID();
  const timeoutMs = options.timeoutMs ?? 15_000;
  const token = req.token === undefined ? await defaultTestToken() : req.token;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...req.headers, [TEST_ID_HEADER]: testId };
    if (req.body !== undefined) headers['content-type'] = 'application/json';
    const call = httpRequest(
      { host: '127.0.0.1', port, method: req.method, path: req.path, headers, localAddress: req.clientAddress, agent: options.keepAliveAgent ?? false, timeout: timeoutMs },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('error', reject);
        response.on('end', () =>
          resolve({
            testId,
            status: response.statusCode ?? 0,
            headers: response.headers,
            body,
            upstream: response.headers[UPSTREAM_HEADER] as string | undefined,
            routeStatus: response.headers['x-route-status'] as string | undefined,
          }),
        );
      },
    );
    call.on('timeout', () => call.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    call.on('error', (error) => reject(Object.assign(error, { reusedSocket: call.reusedSocket })));
    call.end(req.body);
  });
}
