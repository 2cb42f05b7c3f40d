import { ChildProcessWithoutNullStreams, spawn } from 'child_process';
import { REQUIRED_PROGRAMS, requireProgram } from './required-program';

/** Where and as whom psql connects. The password goes to psql's environment only, never to its arguments. */
export interface PostgresLogin {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: string;
  /** Shown in `pg_stat_activity.application_name`, so a test can find this session's backend. @default 'integration-test' */
  readonly applicationName?: string;
}

/** What a finished psql run printed. */
export interface PsqlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function psqlArgs(login: PostgresLogin): string[] {
  // -X: no ~/.psqlrc; -A -t: bare values, one row a line, `|` between columns.
  return ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', login.host, '-p', String(login.port), '-U', login.user, '-d', login.database];
}

function psqlEnv(login: PostgresLogin): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, PGPASSWORD: login.password, PGAPPNAME: login.applicationName ?? 'integration-test', PGCONNECT_TIMEOUT: '5' };
}

/** Runs `sql` with psql and returns its exit code and output, whether or not it failed. */
export function runPsql(login: PostgresLogin, sql: string): Promise<PsqlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(requireProgram(REQUIRED_PROGRAMS.psql), [...psqlArgs(login), '-f', '-'], { env: psqlEnv(login) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: stdout.trim(), stderr: stderr.trim() }));
    // psql that cannot connect (a server still starting) exits before it reads its input: the write then fails
    // with EPIPE, and its exit code and message are the result.
    child.stdin.on('error', () => undefined);
    child.stdin.end(sql);
  });
}

/** Runs `sql` with psql and returns what it printed; throws with psql's error when it fails. */
export async function psqlQuery(login: PostgresLogin, sql: string): Promise<string> {
  const result = await runPsql(login, sql);
  if (result.code !== 0) throw new Error(`psql as ${login.user} on ${login.database} failed (${result.code}): ${result.stderr}\n-- SQL:\n${sql}`);
  return result.stdout;
}

/**
 * One long-lived psql connection, fed statement by statement: for a transaction that holds a lock while the test
 * does something else, which a one-shot psql cannot do.
 */
export class PsqlSession {
  private readonly child: ChildProcessWithoutNullStreams;
  private output = '';
  private errors = '';
  private markers = 0;
  private exited: Promise<number>;

  constructor(login: PostgresLogin) {
    this.child = spawn(requireProgram(REQUIRED_PROGRAMS.psql), psqlArgs(login), { env: psqlEnv(login) });
    this.child.stdout.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.child.stderr.on('data', (chunk: Buffer) => (this.errors += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code ?? -1)));
  }

  /** Runs `sql` and waits until psql has answered it; returns what it printed. */
  async run(sql: string, timeoutMs = 15_000): Promise<string> {
    const marker = `__statement_done_${++this.markers}__`;
    this.output = '';
    this.child.stdin.write(`${sql}\n\\echo ${marker}\n`);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = this.output.indexOf(marker);
      if (at >= 0) return this.output.slice(0, at).trim();
      if (this.child.exitCode !== null) throw new Error(`psql session ended (${this.child.exitCode}): ${this.errors}`);
      if (Date.now() > deadline) throw new Error(`psql session: no answer to ${sql} within ${timeoutMs} ms: ${this.errors}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Quits psql (an open transaction is rolled back by the server) and returns its exit code. */
  async close(): Promise<number> {
    if (this.child.exitCode === null) this.child.stdin.end('\\q\n');
    return this.exited;
  }
}
