import { createServer, IncomingMessage, Server, ServerResponse } from 'http';
import { AddressInfo } from 'net';
import { TOKEN_VERIFY_PATH, verifyAuthorization } from './test-tokens';

/** How a stub answers, set by a test for the duration of one check. */
export type StubBehaviour =
  | { readonly kind: 'answer' }
  /** Answers with this status (e.g. 502, 503, 504), as a failing service does. */
  | { readonly kind: 'status'; readonly status: number }
  /** Answers after this delay: past the gateway's read timeout, the service has timed out. */
  | { readonly kind: 'slow'; readonly delayMs: number }
  /** Answers 503 to one request in `every`, 200 to the others. */
  | { readonly kind: 'flaky'; readonly every: number };

/** One request as a stub received it. */
export interface SeenRequest {
  readonly testId: string;
  readonly method: string;
  readonly path: string;
  readonly body: string;
  readonly headers: IncomingMessage['headers'];
}

/** The header every test request carries, so that a test can tell which upstreams one request reached. */
export const TEST_ID_HEADER = 'x-test-id';
/** The header with which a stub signs its answer. */
export const UPSTREAM_HEADER = 'x-upstream';

/**
 * A stand-in for one upstream Service (the monolith or a context service): a Node HTTP server on 127.0.0.1 that
 * records each request, signs its answer with its name and echoes the method, path and body. Each also answers
 * the gateway's token checks on TOKEN_VERIFY_PATH, as the auth service (or the monolith before it) does; those are
 * recorded apart, in `verifications`. Its idle keep-alive
 * timeout is Node's default, 5 s, the same as uvicorn's (the monolith and the services run FastAPI).
 */
export class StubUpstream {
  /**
   * Starts a stub on 127.0.0.1 and a port the kernel picks; or at `address`, another loopback address (any
   * 127.x.y.z) and a given port: stubs of one port on several addresses are a Service that moved.
   */
  static async start(name: string, address?: { readonly host: string; readonly port: number }): Promise<StubUpstream> {
    const stub = new StubUpstream(name, address?.host ?? '127.0.0.1');
    await stub.listen(address?.port ?? 0);
    return stub;
  }

  behaviour: StubBehaviour = { kind: 'answer' };
  readonly seen: SeenRequest[] = [];
  /** The token checks it answered. */
  readonly verifications: SeenRequest[] = [];
  private server: Server;
  private portNumber = 0;
  private answered = 0;
  private readonly pending = new Set<NodeJS.Timeout>();

  private constructor(
    readonly name: string,
    readonly host: string,
  ) {
    this.server = this.createServer();
  }

  get port(): number {
    return this.portNumber;
  }

  /** Whether it accepts connections (false after `down()`). */
  get listening(): boolean {
    return this.server.listening;
  }

  /** Whether the request with this test id reached this stub. */
  saw(testId: string): boolean {
    return this.seen.some((r) => r.testId === testId);
  }

  /** The request with this test id as this stub received it, if it did. */
  received(testId: string): SeenRequest | undefined {
    return this.seen.find((r) => r.testId === testId);
  }

  /** Stops listening and drops every connection: connections are refused until `up()`. */
  async down(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  /** Listens again on the same port. */
  async up(): Promise<void> {
    this.server = this.createServer();
    await this.listen(this.portNumber);
  }

  async stop(): Promise<void> {
    for (const timer of this.pending) clearTimeout(timer);
    if (this.server.listening) await this.down();
  }

  private createServer(): Server {
    return createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => this.handle(request, response, body));
    });
  }

  private handle(request: IncomingMessage, response: ServerResponse, body: string): void {
    const testId = String(request.headers[TEST_ID_HEADER] ?? '');
    if (request.url === TOKEN_VERIFY_PATH) {
      this.verifications.push({ testId, method: request.method ?? '', path: request.url, body, headers: request.headers });
      void verifyAuthorization(request.headers).then(({ status, headers }) => {
        if (!response.destroyed) response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(status === 200 ? '{"verified":true}' : '{"detail":"Not authenticated"}');
      });
      return;
    }
    this.seen.push({ testId, method: request.method ?? '', path: request.url ?? '', body, headers: request.headers });
    const answer = (status: number) => {
      if (response.destroyed) return;
      response.writeHead(status, { 'content-type': 'application/json', [UPSTREAM_HEADER]: this.name });
      response.end(JSON.stringify({ upstream: this.name, method: request.method, path: request.url, body }));
    };
    const behaviour = this.behaviour;
    this.answered += 1;
    if (behaviour.kind === 'status') return answer(behaviour.status);
    if (behaviour.kind === 'flaky') return answer(this.answered % behaviour.every === 0 ? 503 : 200);
    if (behaviour.kind === 'slow') {
      const timer = setTimeout(() => {
        this.pending.delete(timer);
        answer(200);
      }, behaviour.delayMs);
      this.pending.add(timer);
      return;
    }
    answer(200);
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, this.host, () => {
        this.portNumber = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }
}
