import { spawn } from 'child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { REPO_ROOT } from './cluster';

/** Resource operations of one update or preview, as the engine counts them (components and the provider included). */
export interface ResourceChanges {
  readonly create: number;
  readonly update: number;
  readonly delete: number;
  readonly replace: number;
  readonly same: number;
}

/** What a `pulumi up` or `pulumi preview` did and how long the command took. */
export interface OperationResult {
  readonly changes: ResourceChanges;
  readonly seconds: number;
}

/** A finished CLI command. */
export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

/** Options of `ThrowawayStack.create`. */
export interface ThrowawayStackOptions {
  /** The environment the CLI runs in: PATH with pulumi and the provider, KUBECONFIG (see `clusterEnvironment`). */
  readonly env: NodeJS.ProcessEnv;
  /** The Pulumi project folder (Pulumi.yaml). @default - the repository root */
  readonly projectDir?: string;
  /** Project name in Pulumi.yaml. @default 'career-copilot' */
  readonly projectName?: string;
  /** Stack name. @default 'e2e' */
  readonly stackName?: string;
}

const RANDOM_PROVIDER = path.join(__dirname, 'random-provider.ts');

/**
 * A stack of a Pulumi project on a local file backend in a temporary folder: state, PULUMI_HOME and the stack's
 * config file all live there, so nothing is written to the repository (every command gets `--config-file`) and
 * `remove()` leaves no trace.
 */
export class ThrowawayStack {
  /** Where the state, PULUMI_HOME, the stack config and the plugin launchers live. */
  public readonly dir: string;
  public readonly stackName: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly projectDir: string;
  private readonly configFile: string;

  private constructor(dir: string, options: ThrowawayStackOptions) {
    this.dir = dir;
    this.stackName = options.stackName ?? 'e2e';
    this.projectDir = options.projectDir ?? REPO_ROOT;
    // A folder of its own holds the stack's config: `pulumi stack init` (which takes no --config-file) writes
    // Pulumi.<stack>.yaml beside the Pulumi.yaml it finds, so it runs here, on a stub of the same project name.
    const initDir = path.join(dir, 'project');
    this.configFile = path.join(initDir, `Pulumi.${this.stackName}.yaml`);
    const bin = path.join(dir, 'bin');
    mkdirSync(initDir, { recursive: true });
    mkdirSync(bin, { recursive: true });
    writeFileSync(path.join(initDir, 'Pulumi.yaml'), `name: ${options.projectName ?? 'career-copilot'}\nruntime: nodejs\n`);
    writeRandomProviderLauncher(bin);
    this.env = {
      ...options.env,
      PATH: `${bin}:${options.env.PATH ?? ''}`,
      PULUMI_HOME: path.join(dir, 'home'),
      PULUMI_BACKEND_URL: `file://${path.join(dir, 'state')}`,
      // A throwaway passphrase for a throwaway state: it encrypts only generated test passwords.
      PULUMI_CONFIG_PASSPHRASE: 'career-copilot-e2e',
      PULUMI_SKIP_UPDATE_CHECK: 'true',
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true',
      // `npm run build` type-checks the program; here it is only run.
      PULUMI_NODEJS_TRANSPILE_ONLY: 'true',
      PULUMI_SKIP_CONFIRMATIONS: 'true',
    };
    mkdirSync(path.join(dir, 'state'), { recursive: true });
  }

  /** Creates the stack (empty) and sets its config. */
  static async create(config: Record<string, string>, options: ThrowawayStackOptions): Promise<ThrowawayStack> {
    const stack = new ThrowawayStack(mkdtempSync(path.join(tmpdir(), 'career-copilot-e2e-')), options);
    await stack.run(['stack', 'init', stack.stackName, '--non-interactive'], path.join(stack.dir, 'project'));
    for (const [key, value] of Object.entries(config)) await stack.setConfig(key, value);
    return stack;
  }

  async setConfig(key: string, value: string): Promise<void> {
    await this.run(['config', 'set', key, value, ...this.stackArgs()]);
  }

  /** `pulumi up --yes --skip-preview`; throws with the CLI's output when it fails. */
  async up(): Promise<OperationResult> {
    const result = await this.run(['up', '--yes', '--skip-preview', '--json', ...this.stackArgs()]);
    return { changes: summaryOf(result.stdout), seconds: result.seconds };
  }

  /** `pulumi up` expected to fail: returns the CLI's output (the program's error included). */
  async upFailing(): Promise<CommandResult> {
    const result = await this.run(['up', '--yes', '--skip-preview', ...this.stackArgs()], this.projectDir, false);
    if (result.code === 0) throw new Error(`pulumi up succeeded where it should have failed:\n${result.stdout}`);
    return result;
  }

  /** `pulumi preview`; with `expectNoChanges`, fails (and throws the diff) when anything would change. */
  async preview(options: { expectNoChanges?: boolean } = {}): Promise<OperationResult> {
    const args = ['preview', '--json', ...(options.expectNoChanges ? ['--expect-no-changes'] : []), ...this.stackArgs()];
    const result = await this.run(args, this.projectDir, false);
    if (result.code !== 0) {
      const diff = await this.run(['preview', '--diff', ...this.stackArgs()], this.projectDir, false);
      throw new Error(`pulumi preview${options.expectNoChanges ? ' --expect-no-changes' : ''} failed (exit ${result.code}):\n${tail(diff.stdout)}\n${tail(diff.stderr)}`);
    }
    const summary = (JSON.parse(result.stdout) as { changeSummary?: Partial<Record<string, number>> }).changeSummary ?? {};
    return { changes: countChanges(summary), seconds: result.seconds };
  }

  /** The stack's outputs (secrets stay `[secret]`). */
  async outputs(): Promise<Record<string, unknown>> {
    const result = await this.run(['stack', 'output', '--json', '--stack', this.stackName]);
    return JSON.parse(result.stdout) as Record<string, unknown>;
  }

  /** Unprotects everything, destroys it and removes the stack and its folder. */
  async destroy(): Promise<OperationResult> {
    await this.run(['state', 'unprotect', '--all', '--yes', '--stack', this.stackName]);
    const result = await this.run(['destroy', '--yes', '--skip-preview', '--json', ...this.stackArgs()]);
    return { changes: summaryOf(result.stdout), seconds: result.seconds };
  }

  /** Removes the stack (whatever it still holds stays on the cluster) and the temporary folder. */
  async remove(): Promise<void> {
    await this.run(['stack', 'rm', '--yes', '--force', '--stack', this.stackName], this.projectDir, false);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private stackArgs(): string[] {
    return ['--stack', this.stackName, '--config-file', this.configFile, '--non-interactive'];
  }

  /** Runs the pulumi CLI; throws with its output on a non-zero exit unless `check` is false. */
  run(args: readonly string[], cwd = this.projectDir, check = true): Promise<CommandResult> {
    const started = process.hrtime.bigint();
    return new Promise((resolve, reject) => {
      const child = spawn('pulumi', args, { cwd, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', reject);
      child.on('close', (code) => {
        const result = {
          code: code ?? 1,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
          seconds: Number(process.hrtime.bigint() - started) / 1e9,
        };
        if (check && result.code !== 0) {
          const output = args.includes('--json') ? diagnostics(result.stdout) : result.stdout;
          reject(new Error(`pulumi ${args.join(' ')} exited ${result.code}:\n${tail(output)}\n${tail(result.stderr)}`));
        } else {
          resolve(result);
        }
      });
    });
  }
}

/**
 * Writes `pulumi-resource-random` into `bin`: the engine starts the first plugin of that name on PATH (an ambient
 * plugin), here the e2e stand-in, run by this Node.js through ts-node.
 */
function writeRandomProviderLauncher(bin: string): void {
  const launcher = path.join(bin, 'pulumi-resource-random');
  const tsNode = require.resolve('ts-node/register/transpile-only');
  writeFileSync(launcher, `#!/bin/sh\nexec "${process.execPath}" -r "${tsNode}" "${RANDOM_PROVIDER}" "$@"\n`);
  chmodSync(launcher, 0o755);
}

function countChanges(summary: Partial<Record<string, number>>): ResourceChanges {
  return { create: summary.create ?? 0, update: summary.update ?? 0, delete: summary.delete ?? 0, replace: summary.replace ?? 0, same: summary.same ?? 0 };
}

/** The summary event of `pulumi up --json` (one engine event per line). */
function summaryOf(stdout: string): ResourceChanges {
  for (const line of stdout.split('\n').reverse()) {
    if (!line.includes('"summaryEvent"')) continue;
    const event = JSON.parse(line) as { summaryEvent: { resourceChanges?: Partial<Record<string, number>> } };
    return countChanges(event.summaryEvent.resourceChanges ?? {});
  }
  throw new Error(`no summary event in the output of pulumi --json:\n${tail(stdout)}`);
}

/**
 * The warnings and errors of a `--json` event stream. Never the whole stream: its debug events carry the SDK's RPC
 * traces, which include secret values in plain text.
 */
function diagnostics(stdout: string): string {
  return stdout
    .split('\n')
    .filter((line) => line.includes('"diagnosticEvent"'))
    .map((line) => (JSON.parse(line) as { diagnosticEvent: { severity: string; message: string; urn?: string } }).diagnosticEvent)
    .filter((d) => d.severity === 'error' || d.severity === 'warning')
    .map((d) => `${d.severity}: ${d.urn ? `${d.urn.split('::').pop()}: ` : ''}${d.message.trim()}`)
    .join('\n');
}

function tail(text: string, lines = 60): string {
  return text.split('\n').slice(-lines).join('\n');
}
