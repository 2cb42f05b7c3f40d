import { ChildProcess, spawn } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { request } from 'http';
import { tmpdir } from 'os';
import * as path from 'path';
import { REQUIRED_PROGRAMS, requireProgram } from './required-program';

/** One series of a scrape: its labels and its value (a counter), or its count (a histogram). */
export interface ScrapedSeries {
  readonly labels: Record<string, string>;
  readonly value: number;
}

/**
 * The real mtail (Debian's package), run by the test on 127.0.0.1 as the gateway pod runs it: the generated
 * program, the NGINX metrics log received over syslog/UDP, Prometheus text on `/metrics`.
 */
export class LocalMtail {
  /** Starts mtail with `program`, reading UDP on `udpPort` and serving HTTP on `httpPort`; waits until it answers. */
  static async start(program: string, udpPort: number, httpPort: number): Promise<LocalMtail> {
    const binary = requireProgram(REQUIRED_PROGRAMS.mtail);
    const folder = mkdtempSync(path.join(tmpdir(), 'integration-mtail-'));
    writeFileSync(path.join(folder, 'gateway.mtail'), program);
    const args = [`--progs=${folder}`, `--logs=udp://127.0.0.1:${udpPort}`, '--address=127.0.0.1', `--port=${httpPort}`, '--emit_prog_label=false', '--poll_interval=1ms', '--logtostderr'];
    const mtail = new LocalMtail(spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] }), folder, httpPort);
    await mtail.waitUntilServing();
    return mtail;
  }

  private output = '';

  private constructor(
    private readonly process: ChildProcess,
    private readonly folder: string,
    private readonly httpPort: number,
  ) {
    process.stderr?.on('data', (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-20_000)));
  }

  /** The Prometheus text of `/metrics`. */
  scrapeText(): Promise<string> {
    return new Promise((resolve, reject) => {
      const call = request({ host: '127.0.0.1', port: this.httpPort, path: '/metrics', timeout: 5_000 }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => (response.statusCode === 200 ? resolve(body) : reject(new Error(`mtail answered ${response.statusCode}`))));
      });
      call.on('error', reject);
      call.on('timeout', () => call.destroy(new Error('mtail did not answer within 5 s')));
      call.end();
    });
  }

  /** Every sample named `name` (a counter, or a histogram's `<name>_count`) in the scrape. */
  async series(name: string): Promise<ScrapedSeries[]> {
    return parseSamples(await this.scrapeText()).filter((s) => s.name === name);
  }

  /** The sum over the series of `name` whose labels include `labels`. */
  async total(name: string, labels: Record<string, string>): Promise<number> {
    const matching = (await this.series(name)).filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    return matching.reduce((sum, s) => sum + s.value, 0);
  }

  /** What mtail logged, for a failure message. */
  log(): string {
    return this.output;
  }

  async stop(): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) {
      const exited = new Promise((resolve) => this.process.once('exit', resolve));
      this.process.kill('SIGTERM');
      await exited;
    }
    rmSync(this.folder, { recursive: true, force: true });
  }

  private async waitUntilServing(): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await this.scrapeText();
        return;
      } catch {
        if (this.process.exitCode !== null || Date.now() > deadline) {
          await this.stop();
          throw new Error(`mtail did not serve /metrics within 10 s:\n${this.output}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }
}

/**
 * The samples of a Prometheus text exposition: `name{label="value",...} number` lines, comments skipped. Written
 * here because the npm parsers at hand (parse-prometheus-text-format 1.1.1) merge a histogram's labelled series
 * into one; these tests only need names, labels and values.
 */
export function parseSamples(text: string): Array<ScrapedSeries & { readonly name: string }> {
  const samples: Array<ScrapedSeries & { readonly name: string }> = [];
  for (const line of text.split('\n')) {
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/.exec(line);
    if (!sample) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key] = value.replace(/\\(.)/g, '$1');
    samples.push({ name: sample[1], labels, value: Number(sample[3]) });
  }
  return samples;
}
