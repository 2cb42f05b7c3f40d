import { ChildProcess, spawn } from 'child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { Resolver } from 'dns/promises';
import { REQUIRED_PROGRAMS, requireProgram } from './required-program';

/**
 * The real dnsmasq (Debian's dnsmasq-base), run by the test on 127.0.0.1 as a cluster's DNS stands to the
 * gateway: it answers A queries for the names in its hosts file with a 1 s TTL, nothing else (no upstream
 * servers), and re-reads the file on `SIGHUP`, as a Service created, deleted or created again changes DNS.
 */
export class LocalDnsmasq {
  /** Starts dnsmasq on 127.0.0.1:`port` answering `hosts` (name -> IPv4 address); waits until it answers. */
  static async start(port: number, hosts: Readonly<Record<string, string>>): Promise<LocalDnsmasq> {
    const binary = requireProgram(REQUIRED_PROGRAMS.dnsmasq);
    const folder = mkdtempSync(path.join(tmpdir(), 'integration-dnsmasq-'));
    // dnsmasq drops to `nobody` when started as root, and reads the hosts file again as that user.
    chmodSync(folder, 0o755);
    const dns = new LocalDnsmasq(folder, port);
    dns.writeHosts(hosts);
    const args = [
      '--keep-in-foreground', '--log-facility=-', `--port=${port}`, '--listen-address=127.0.0.1', '--bind-interfaces',
      '--no-resolv', '--no-hosts', '--no-poll', `--addn-hosts=${dns.hostsFile}`, '--local-ttl=1', '--pid-file=', '--conf-file=/dev/null',
    ];
    dns.process = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    dns.process.stderr?.on('data', (chunk: Buffer) => (dns.output = (dns.output + chunk.toString()).slice(-20_000)));
    await dns.waitUntilAnswering(Object.keys(hosts)[0]);
    return dns;
  }

  private process?: ChildProcess;
  private output = '';

  private constructor(
    private readonly folder: string,
    readonly port: number,
  ) {}

  private get hostsFile(): string {
    return path.join(this.folder, 'hosts');
  }

  /** Replaces every name's address (an absent name gets NXDOMAIN) and makes dnsmasq read them. */
  setHosts(hosts: Readonly<Record<string, string>>): void {
    this.writeHosts(hosts);
    this.process?.kill('SIGHUP');
  }

  /** The A records dnsmasq gives for `name` now (none: []). */
  async lookup(name: string): Promise<string[]> {
    const resolver = new Resolver({ timeout: 1000, tries: 1 });
    resolver.setServers([`127.0.0.1:${this.port}`]);
    return resolver.resolve4(name).catch(() => []);
  }

  async stop(): Promise<void> {
    const child = this.process;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.folder, { recursive: true, force: true });
  }

  private writeHosts(hosts: Readonly<Record<string, string>>): void {
    writeFileSync(this.hostsFile, Object.entries(hosts).map(([name, address]) => `${address} ${name}\n`).join(''), { mode: 0o644 });
  }

  private async waitUntilAnswering(name: string | undefined): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (this.process?.exitCode !== null && this.process?.exitCode !== undefined) throw new Error(`dnsmasq exited:\n${this.output}`);
      // Before any name is known, a refused query still proves it listens: NXDOMAIN is an answer.
      const answered = await this.lookupAnswered(name ?? 'nothing.invalid');
      if (answered) return;
      if (Date.now() > deadline) throw new Error(`dnsmasq did not answer within 10 s:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private async lookupAnswered(name: string): Promise<boolean> {
    const resolver = new Resolver({ timeout: 500, tries: 1 });
    resolver.setServers([`127.0.0.1:${this.port}`]);
    try {
      await resolver.resolve4(name);
      return true;
    } catch (error) {
      return (error as { code?: string }).code === 'ENOTFOUND' || (error as { code?: string }).code === 'ENODATA';
    }
  }
}
