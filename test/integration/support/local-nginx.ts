import { ChildProcess, execFile, spawn } from 'child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { newClientAddress, send } from './gateway-client';
import { REQUIRED_PROGRAMS, requireProgram } from './required-program';

const run = promisify(execFile);

/**
 * The main nginx.conf around the generated file, as the unprivileged image has it (the generated file is an
 * `http`-level include), with every path in the test's folder and one worker.
 */
function mainConfig(folder: string): string {
  const asRoot = process.getuid?.() === 0;
  return [
    'worker_processes 1;',
    'daemon off;',
    `pid ${folder}/nginx.pid;`,
    `error_log ${folder}/error.log notice;`,
    // Under root the master drops its workers to an unprivileged user, as the image runs unprivileged.
    ...(asRoot ? ['user nobody nogroup;'] : []),
    'events { worker_connections 1024; }',
    'http {',
    '  access_log off;',
    '  keepalive_timeout 65;',
    `  client_body_temp_path ${folder}/client_body;`,
    `  proxy_temp_path ${folder}/proxy;`,
    `  fastcgi_temp_path ${folder}/fastcgi;`,
    `  uwsgi_temp_path ${folder}/uwsgi;`,
    `  scgi_temp_path ${folder}/scgi;`,
    `  include ${folder}/conf.d/default.conf;`,
    '}',
    '',
  ].join('\n');
}

/**
 * Refuses a configuration that would bind anything but 127.0.0.1: a test on a shared machine must not listen on
 * every interface. The tests render with the hook's `listenAddress: '127.0.0.1'` (the fallback listener binds
 * loopback by itself); nothing is rewritten here.
 */
export function onLoopbackOnly(config: string, port: number): string {
  const listens = (config.match(/^\s*listen .*;$/gm) ?? []).map((l) => l.trim());
  if (listens[0] !== `listen 127.0.0.1:${port};` || !listens.every((l) => /^listen 127\.0\.0\.1:\d+;$/.test(l))) {
    throw new Error(`expected "listen 127.0.0.1:${port};" first and loopback only, found ${JSON.stringify(listens)}`);
  }
  return config;
}

/** Pids of the master's worker processes, from /proc. */
function workers(master: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        // Field 4 of /proc/<pid>/stat, after the parenthesised command name, is the parent pid.
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === master;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/**
 * The real NGINX, run by the test on 127.0.0.1 with a generated configuration: started in the foreground as the
 * test's child, reloaded with `nginx -s reload` (a graceful reload: old workers finish their requests), stopped
 * by `stop()`.
 */
export class LocalNginx {
  /** Starts NGINX with `generatedConfig`, whose server listens on `port`, and waits until `/health` answers. */
  static async start(port: number, generatedConfig: string): Promise<LocalNginx> {
    const binary = requireProgram(REQUIRED_PROGRAMS.nginx);
    const folder = mkdtempSync(path.join(tmpdir(), 'integration-nginx-'));
    // Workers (an unprivileged user under root) create their temporary files below it.
    chmodSync(folder, 0o755);
    mkdirSync(path.join(folder, 'conf.d'));
    writeFileSync(path.join(folder, 'nginx.conf'), mainConfig(folder));
    const nginx = new LocalNginx(binary, folder, port);
    await nginx.writeAndTest(generatedConfig);
    nginx.master = spawn(binary, nginx.args(), { stdio: ['ignore', 'pipe', 'pipe'] });
    nginx.master.stderr?.on('data', (chunk: Buffer) => (nginx.output += chunk.toString()));
    await nginx.waitUntilHealthy();
    return nginx;
  }

  private master?: ChildProcess;
  private output = '';

  private constructor(
    private readonly binary: string,
    private readonly folder: string,
    readonly port: number,
  ) {}

  /**
   * Replaces the generated configuration and reloads: `nginx -t` first (a rejected file would leave the old one
   * running), then `nginx -s reload`, then waits until a new worker runs and the old ones have exited: until
   * then an old worker may still accept a connection, with the old configuration and its own upstream state.
   */
  async reload(generatedConfig: string): Promise<void> {
    const master = this.master?.pid;
    if (master === undefined) throw new Error('nginx is not running');
    const before = new Set(workers(master));
    await this.writeAndTest(generatedConfig);
    await run(this.binary, [...this.args(), '-s', 'reload']);
    const deadline = Date.now() + 10_000;
    const done = () => {
      const now = workers(master);
      return now.some((pid) => !before.has(pid)) && !now.some((pid) => before.has(pid));
    };
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`nginx did not replace its workers within 10 s of the reload:\n${this.errorLog()}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** NGINX's error log, for a failure message. */
  errorLog(): string {
    try {
      return readFileSync(path.join(this.folder, 'error.log'), 'utf8');
    } catch {
      return this.output;
    }
  }

  async stop(): Promise<void> {
    const master = this.master;
    if (master && master.exitCode === null && master.signalCode === null) {
      const exited = new Promise((resolve) => master.once('exit', resolve));
      // SIGQUIT: graceful shutdown.
      master.kill('SIGQUIT');
      const timer = setTimeout(() => master.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.folder, { recursive: true, force: true });
  }

  private args(): string[] {
    return ['-p', this.folder, '-c', path.join(this.folder, 'nginx.conf'), '-e', path.join(this.folder, 'error.log')];
  }

  private async writeAndTest(generatedConfig: string): Promise<void> {
    writeFileSync(path.join(this.folder, 'conf.d', 'default.conf'), onLoopbackOnly(generatedConfig, this.port));
    try {
      await run(this.binary, [...this.args(), '-t', '-q']);
    } catch (error) {
      throw new Error(`nginx rejects the generated configuration: ${(error as { stderr?: string }).stderr ?? String(error)}`);
    }
  }

  private async waitUntilHealthy(): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        const answer = await send(this.port, { method: 'GET', path: '/health', clientAddress: newClientAddress() }, { timeoutMs: 1_000 });
        if (answer.status === 200) return;
      } catch {
        // Not listening yet.
      }
      if (this.master?.exitCode !== null || Date.now() > deadline) {
        const log = this.errorLog();
        await this.stop();
        throw new Error(`nginx did not answer /health within 10 s:\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
