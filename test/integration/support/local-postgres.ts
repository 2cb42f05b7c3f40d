import { ChildProcess, spawn } from 'child_process';
import { randomBytes } from 'crypto';
import { chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { freePort } from './free-port';
import { PostgresLogin, psqlQuery } from './psql';
import { REQUIRED_PROGRAMS, requireProgram } from './required-program';

/** PostgreSQL refuses to run as root: under root the server runs as the `postgres` user Debian's package creates. */
const SERVER_USER = 'postgres';

interface Identity {
  readonly uid: number;
  readonly gid: number;
}

function serverIdentity(): Identity | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const entry = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((line) => line.split(':'))
    .find((fields) => fields[0] === SERVER_USER);
  if (!entry) {
    throw new Error(`running as root, PostgreSQL needs the unprivileged "${SERVER_USER}" user, which Debian's package creates: apt-get install -y postgresql`);
  }
  return { uid: Number(entry[2]), gid: Number(entry[3]) };
}

function runToEnd(program: string, args: string[], options: { identity?: Identity; cwd: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { cwd: options.cwd, uid: options.identity?.uid, gid: options.identity?.gid, env: { PATH: process.env.PATH, LANG: 'C' } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(program)} failed (${code}):\n${output}`))));
  });
}

/**
 * A throwaway PostgreSQL cluster owned by the test: initdb into a temporary folder, the server on 127.0.0.1 and a
 * random port, password (SCRAM) authentication over TCP as in the cluster, stopped and deleted by `stop()`.
 * Durability is off (fsync), which changes nothing that the tests observe and keeps them fast.
 */
export class LocalPostgres {
  /** Starts a cluster; `name` labels its folder and its errors. */
  static async start(name: string): Promise<LocalPostgres> {
    const initdb = requireProgram(REQUIRED_PROGRAMS.initdb);
    const postgres = requireProgram(REQUIRED_PROGRAMS.postgres);
    requireProgram(REQUIRED_PROGRAMS.psql);
    const identity = serverIdentity();
    const folder = mkdtempSync(path.join(tmpdir(), `integration-${name}-`));
    if (identity) chownSync(folder, identity.uid, identity.gid);
    const password = randomBytes(18).toString('hex');
    const passwordFile = path.join(folder, 'superuser-password');
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    if (identity) chownSync(passwordFile, identity.uid, identity.gid);
    const data = path.join(folder, 'data');
    await runToEnd(
      initdb,
      ['-D', data, '-U', 'postgres', `--pwfile=${passwordFile}`, '--auth-local=scram-sha-256', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync'],
      { identity, cwd: folder },
    );
    rmSync(passwordFile);

    const port = await freePort();
    const server = spawn(
      postgres,
      [
        '-D', data, '-p', String(port),
        '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${folder}`,
        '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
        '-c', 'max_connections=60', '-c', 'shared_buffers=32MB',
      ],
      { cwd: folder, uid: identity?.uid, gid: identity?.gid, env: { PATH: process.env.PATH, LANG: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const instance = new LocalPostgres(name, folder, port, password, server);
    await instance.waitUntilReady();
    return instance;
  }

  private log = '';

  private constructor(
    readonly name: string,
    private readonly folder: string,
    readonly port: number,
    private readonly superuserPassword: string,
    private readonly server: ChildProcess,
  ) {
    server.stdout?.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    server.stderr?.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
  }

  /** The superuser's login to `database`. */
  superuser(database = 'postgres', applicationName?: string): PostgresLogin {
    return { host: '127.0.0.1', port: this.port, database, user: 'postgres', password: this.superuserPassword, applicationName };
  }

  /** Runs SQL as the superuser. */
  query(sql: string, database = 'postgres'): Promise<string> {
    return psqlQuery(this.superuser(database), sql);
  }

  /** Creates a login role with a random password and a database it owns, as CloudNativePG's `initdb` bootstrap does. */
  async createOwnedDatabase(database: string, owner: string): Promise<PostgresLogin> {
    const password = randomBytes(18).toString('hex');
    await this.query(`CREATE ROLE ${owner} LOGIN PASSWORD '${password}';`);
    await this.query(`CREATE DATABASE ${database} OWNER ${owner};`);
    return { host: '127.0.0.1', port: this.port, database, user: owner, password };
  }

  /** The server's own log, for a failure message. */
  serverLog(): string {
    return this.log;
  }

  /** Fast shutdown (open sessions are ended), then the folder is deleted. */
  async stop(): Promise<void> {
    if (this.server.exitCode === null && this.server.signalCode === null) {
      const exited = new Promise((resolve) => this.server.once('exit', resolve));
      this.server.kill('SIGINT');
      const timer = setTimeout(() => this.server.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.folder, { recursive: true, force: true });
  }

  private async waitUntilReady(): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (this.server.exitCode !== null) throw new Error(`PostgreSQL ${this.name} exited (${this.server.exitCode}):\n${this.log}`);
      try {
        await this.query('SELECT 1;');
        return;
      } catch (error) {
        if (Date.now() > deadline) {
          await this.stop();
          throw new Error(`PostgreSQL ${this.name} did not accept connections within 30 s: ${String(error)}\n${this.log}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
}
