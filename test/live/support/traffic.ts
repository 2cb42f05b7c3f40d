import { ChildProcess, execFileSync, spawn } from 'child_process';
import { randomUUID } from 'crypto';
import * as readline from 'readline';
import { Readable } from 'stream';
import { CLUSTER_SCRIPT } from '../../../local/cluster';

/** One kind of request of the mix, sent in turn with the others. */
export interface TrafficRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
}

/** Options of `Traffic.start`. */
export interface TrafficOptions {
  /** Requests per second. @default 40 */
  readonly rate?: number;
  /** Connections (vegeta's workers) at most. @default 8 */
  readonly connections?: number;
  /**
   * Client addresses sent as X-Forwarded-For, one per request in turn, as a load balancer in front of the gateway
   * does (the gateway trusts it only from the stack's trustedProxyCidrs): the per-client rate limits then see many
   * clients, as in production, not one. @default 50
   */
  readonly clients?: number;
  /** Headers on every request. @default - none */
  readonly headers?: Readonly<Record<string, string>>;
}

/** What one run of traffic saw. */
export interface TrafficReport {
  readonly sent: number;
  /** Responses other than 2xx, plus requests without a response (connection errors, timeouts). */
  readonly failed: number;
  readonly p95Ms: number;
  /** Responses by status (`error` for those without one). */
  readonly byStatus: Readonly<Record<string, number>>;
  /** The errors of the requests without a response, by message. */
  readonly errors: Readonly<Record<string, number>>;
  /** Up to 10 failures: method, path, status, the request id, who answered. */
  readonly failures: readonly string[];
  /** The request ids of those failures, in the same order. */
  readonly failedRequestIds: readonly string[];
  /** The request ids of the writes (POST, PUT, PATCH, DELETE) answered 2xx: each must have landed exactly once. */
  readonly acceptedWrites: readonly string[];
  /** The request ids of the writes not answered 2xx: each may have landed at most once. */
  readonly unansweredWrites: readonly string[];
  /** How many responses each service sent (its X-Served-By header), by method and path. */
  readonly servedBy: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

/** One line of `vegeta encode --to json`. */
interface VegetaResult {
  readonly code: number;
  readonly latency: number;
  readonly error: string;
  readonly method: string;
  readonly url: string;
  readonly headers?: Record<string, string[]> | null;
  /** The response body, base64. */
  readonly body?: string;
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** The query parameter that carries each request's id, so that a result without a response still names it. */
const ID_PARAMETER = 'live_request_id';

/** Who answered a failure and with what: a failure's first question. */
function describeResponse(result: VegetaResult): string {
  if (result.code === 0) return '';
  const header = (name: string) => result.headers?.[name]?.[0];
  const body = Buffer.from(result.body ?? '', 'base64').toString('utf8').slice(0, 120);
  return `, served by ${header('X-Served-By') ?? header('Server') ?? 'unknown'}, route ${header('X-Route-Status') ?? 'none'}, body ${JSON.stringify(body)}`;
}

/** p-th percentile (0-100) of `values`, nearest rank. */
function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * Steady traffic from vegeta (built by `scripts/cluster.sh build node`): the mix in turn at a constant rate until
 * `stop()`, each request a target of its own with its own X-Request-ID (and the same id as a query parameter, so a
 * request that got no response is still known), so that a write can be traced to the records it left in the stores.
 * vegeta's HTTP client honours `Connection: close`, which the gateway sends on a client connection after
 * keepalive_time; autocannon, tried first, did not, and wrote requests on connections NGINX had closed.
 */
export class Traffic {
  private readonly latencies: number[] = [];
  private readonly byStatus: Record<string, number> = {};
  private readonly errors: Record<string, number> = {};
  private readonly failures: string[] = [];
  private readonly failedRequestIds: string[] = [];
  private readonly accepted: string[] = [];
  private readonly unanswered: string[] = [];
  private readonly servedBy: Record<string, Record<string, number>> = {};
  private readonly sentIds = new Map<string, TrafficRequest>();
  private sent = 0;
  private failed = 0;
  private readonly attack: ChildProcess;
  private readonly encode: ChildProcess;
  private readonly finished: Promise<void>;
  private stopping = false;

  private constructor(url: string, mix: readonly TrafficRequest[], options: TrafficOptions) {
    const vegeta = execFileSync('bash', [CLUSTER_SCRIPT, 'which', 'vegeta'], { encoding: 'utf8' }).trim();
    const clients = options.clients ?? 50;
    const connections = String(options.connections ?? 8);
    const sentIds = this.sentIds;
    const isStopping = () => this.stopping;
    function* targets(): Generator<string> {
      for (let n = 0; !isStopping(); n++) {
        const request = mix[n % mix.length];
        const id = randomUUID();
        sentIds.set(id, request);
        const header: Record<string, string[]> = { 'X-Request-ID': [id], 'X-Forwarded-For': [`198.51.100.${1 + ((n % clients) % 250)}`] };
        for (const [name, value] of Object.entries(options.headers ?? {})) header[name] = [value];
        const write = WRITES.has(request.method);
        if (write) header['Content-Type'] = ['application/json'];
        yield `${JSON.stringify({
          method: request.method,
          url: `${url}${request.path}?${ID_PARAMETER}=${id}`,
          header,
          ...(write ? { body: Buffer.from(JSON.stringify({ requestId: id })).toString('base64') } : {}),
        })}\n`;
      }
    }
    this.attack = spawn(
      vegeta,
      ['attack', '-lazy', '-format=json', `-rate=${options.rate ?? 40}/1s`, '-duration=0', '-timeout=10s', `-workers=${connections}`, `-max-workers=${connections}`, '-keepalive=true', '-redirects=-1'],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    this.encode = spawn(vegeta, ['encode', '--to', 'json'], { stdio: ['pipe', 'pipe', 'inherit'] });
    Readable.from(targets()).pipe(this.attack.stdin!).on('error', () => undefined);
    this.attack.stdout!.pipe(this.encode.stdin!);
    const lines = readline.createInterface({ input: this.encode.stdout! });
    lines.on('line', (line) => this.record(JSON.parse(line) as VegetaResult));
    this.finished = new Promise((resolve) => lines.on('close', () => resolve()));
  }

  private record(result: VegetaResult): void {
    // A result of no target (vegeta's 'no targets to attack' at the end) names no request.
    if (!result.url) return;
    const id = new URL(result.url).searchParams.get(ID_PARAMETER) ?? '';
    const request = this.sentIds.get(id);
    if (!request) return;
    this.sentIds.delete(id);
    const ok = result.code >= 200 && result.code < 300;
    const status = result.code === 0 ? 'error' : String(result.code);
    this.sent++;
    this.byStatus[status] = (this.byStatus[status] ?? 0) + 1;
    if (result.code !== 0) this.latencies.push(result.latency / 1e6);
    if (result.error) this.errors[result.error] = (this.errors[result.error] ?? 0) + 1;
    if (!ok) {
      this.failed++;
      if (this.failures.length < 10) {
        this.failures.push(`${request.method} ${request.path}: ${status}${result.error ? ` ${result.error}` : ''} (request ${id}${describeResponse(result)})`);
        this.failedRequestIds.push(id);
      }
    }
    if (WRITES.has(request.method)) (ok ? this.accepted : this.unanswered).push(id);
    const servedBy = result.headers?.['X-Served-By']?.[0];
    if (servedBy) {
      const counts = (this.servedBy[`${request.method} ${request.path}`] ??= {});
      counts[servedBy] = (counts[servedBy] ?? 0) + 1;
    }
  }

  /** Starts sending to `url` (the gateway's or the monolith's Service address). */
  static start(url: string, mix: readonly TrafficRequest[], options: TrafficOptions = {}): Traffic {
    return new Traffic(url, mix, options);
  }

  /** Stops sending (vegeta finishes the requests in flight) and reports everything since the start. */
  async stop(): Promise<TrafficReport> {
    this.stopping = true;
    this.attack.kill('SIGINT');
    await this.finished;
    // Targets vegeta read but never sent, cut off by the stop: not requests; a write among them never left.
    this.sentIds.clear();
    return {
      sent: this.sent,
      failed: this.failed,
      p95Ms: Math.round(percentile(this.latencies, 95)),
      byStatus: { ...this.byStatus },
      errors: { ...this.errors },
      failures: [...this.failures],
      failedRequestIds: [...this.failedRequestIds],
      acceptedWrites: [...this.accepted],
      unansweredWrites: [...this.unanswered],
      servedBy: JSON.parse(JSON.stringify(this.servedBy)) as TrafficReport['servedBy'],
    };
  }
}
