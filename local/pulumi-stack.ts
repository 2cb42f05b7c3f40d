import { spawn } from 'child_process';
import { randomBytes } from 'crypto';
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'fs';
import * as path from 'path';
import { Checkpoint } from './checkpoint';
import { REPO_ROOT } from './cluster';
import { writeRandomProviderLauncher } from './random-provider-launcher';
import { StackLock, stackLocks } from './stack-locks';

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

/** One resource operation the engine finished during an update (from its `resOutputsEvent`). */
export interface ResourceStep {
  /** create, update, delete, replace, same, ... as the engine names it (`create-replacement` and the like included). */
  readonly op: string;
  /** The resource type, e.g. `kubernetes:apps/v1:Deployment`. */
  readonly type: string;
  /** The resource's name, the last part of its URN. */
  readonly name: string;
}

/**
 * An operation the engine started on a resource and did not record as finished, because the update was killed
 * (`pending_operations` of the stack's checkpoint).
 */
export interface PendingOperation {
  /** `creating`, `updating`, `deleting`, `reading` or `importing`. */
  readonly type: string;
  readonly urn: string;
  /** The resource type, e.g. `kubernetes:apps/v1:Deployment`. */
  readonly resourceType: string;
  /** The resource's inputs as the engine sent them (secrets stay encrypted). */
  readonly inputs: Readonly<Record<string, unknown>>;
}

/** How `PulumiStack.refresh` resolves the pending creates of an interrupted update (`pulumi refresh` flags). */
export interface RefreshOptions {
  /** Drop the pending creates (nothing was created for them). @default false */
  readonly clearPendingCreates?: boolean;
}

/**
 * The operations that change something, as the preview counts them: a replacement's own create and delete steps
 * are part of its `replace`, and `same` changes nothing. What progress and interruption points are counted in.
 */
export const CHANGE_VERBS: Readonly<Record<string, string>> = { create: 'created', update: 'updated', replace: 'replaced', delete: 'deleted' };
export const CHANGE_OPS: readonly string[] = Object.keys(CHANGE_VERBS);

/** Options of `PulumiStack.up`. */
export interface UpOptions {
  /** Hears of each resource operation as the engine finishes it. @default - none */
  readonly onStep?: (step: ResourceStep) => void;
  /** When aborted, kills the CLI with SIGKILL (its plugins run on, as after a crash). @default - never */
  readonly signal?: AbortSignal;
}

/** Options of `PulumiStack.preview`. */
export interface PreviewOptions {
  /** Fail when anything would change. @default false */
  readonly expectNoChanges?: boolean;
  /** Policy pack folders the engine applies (`--policy-pack`). @default [] */
  readonly policyPacks?: readonly string[];
}

/** `--policy-pack DIR` per pack. */
function policyPackArgs(options: PreviewOptions): string[] {
  return (options.policyPacks ?? []).flatMap((pack) => ['--policy-pack', pack]);
}

/** Options of `PulumiStack.open`. */
export interface PulumiStackOptions {
  /**
   * The folder that holds everything of this stack: the file backend's state, PULUMI_HOME, the stack's config file,
   * its generated passphrase and the plugin launchers. Created when missing.
   */
  readonly dir: string;
  /** The environment the CLI runs in: PATH with pulumi and the provider, KUBECONFIG (see `clusterEnvironment`). */
  readonly env: NodeJS.ProcessEnv;
  /** The Pulumi project folder (Pulumi.yaml). @default - the repository root */
  readonly projectDir?: string;
  /** Project name in Pulumi.yaml. @default 'career-copilot' */
  readonly projectName?: string;
  /** Stack name. @default 'local' */
  readonly stackName?: string;
}

/** The event stream's lines this class reads (`pulumi up --json` writes one engine event per line). */
interface EngineEventLine {
  readonly resOutputsEvent?: { readonly metadata: { readonly op: string; readonly urn: string; readonly type: string } };
  readonly summaryEvent?: { readonly resourceChanges?: Partial<Record<string, number>> };
}

/**
 * A stack of a Pulumi project on a local file backend, everything of it in one folder (`dir`): nothing is written to
 * the repository (every command gets `--config-file`), and removing the folder removes the stack.
 *
 * Its secrets provider is the passphrase one, with a passphrase generated at random when the folder is created and
 * kept beside the state, readable by its owner only (`PULUMI_CONFIG_PASSPHRASE_FILE`): no known passphrase protects
 * the generated database passwords in the state.
 */
export class PulumiStack {
  public readonly dir: string;
  public readonly stackName: string;
  public readonly projectName: string;
  /** The file backend's folder (`PULUMI_BACKEND_URL=file://<stateDir>`). */
  public readonly stateDir: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly projectDir: string;
  private readonly initDir: string;
  private readonly configFile: string;

  private constructor(options: PulumiStackOptions) {
    this.dir = options.dir;
    this.stackName = options.stackName ?? 'local';
    this.projectName = options.projectName ?? 'career-copilot';
    this.stateDir = path.join(this.dir, 'state');
    this.projectDir = options.projectDir ?? REPO_ROOT;
    // A folder of its own holds the stack's config: `pulumi stack init` (which takes no --config-file) writes
    // Pulumi.<stack>.yaml beside the Pulumi.yaml it finds, so it runs here, on a stub of the same project name.
    this.initDir = path.join(this.dir, 'project');
    this.configFile = path.join(this.initDir, `Pulumi.${this.stackName}.yaml`);
    const bin = path.join(this.dir, 'bin');
    const passphraseFile = path.join(this.dir, 'passphrase');
    mkdirSync(this.initDir, { recursive: true });
    mkdirSync(bin, { recursive: true });
    mkdirSync(this.stateDir, { recursive: true });
    writeFileSync(path.join(this.initDir, 'Pulumi.yaml'), `name: ${this.projectName}\nruntime: nodejs\n`);
    if (!existsSync(passphraseFile)) writeFileSync(passphraseFile, randomBytes(32).toString('base64url'), { mode: 0o600 });
    chmodSync(passphraseFile, 0o600);
    writeRandomProviderLauncher(bin);
    this.env = {
      ...options.env,
      PATH: `${bin}:${options.env.PATH ?? ''}`,
      PULUMI_HOME: path.join(this.dir, 'home'),
      PULUMI_BACKEND_URL: `file://${this.stateDir}`,
      PULUMI_CONFIG_PASSPHRASE_FILE: passphraseFile,
      PULUMI_SKIP_UPDATE_CHECK: 'true',
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true',
      // `npm run build` type-checks the program; here it is only run.
      PULUMI_NODEJS_TRANSPILE_ONLY: 'true',
      PULUMI_SKIP_CONFIRMATIONS: 'true',
    };
    delete this.env.PULUMI_CONFIG_PASSPHRASE;
  }

  /** Opens the stack in `options.dir`, creating it (empty, with `config` set) when it does not exist yet. */
  static async open(config: Readonly<Record<string, string>>, options: PulumiStackOptions): Promise<PulumiStack> {
    const stack = new PulumiStack(options);
    if (!(await stack.exists())) {
      await stack.run(['stack', 'init', stack.stackName, '--non-interactive'], stack.initDir);
      for (const [key, value] of Object.entries(config)) await stack.setConfig(key, value);
    }
    return stack;
  }

  /** True when the backend holds this stack. */
  async exists(): Promise<boolean> {
    const result = await this.run(['stack', 'ls', '--json'], this.initDir);
    return (JSON.parse(result.stdout) as Array<{ name: string }>).some((s) => s.name === this.stackName);
  }

  /**
   * `pulumi config set`; with `path`, `key` is a property path into a structured value (`images[0]`), as an array
   * key declared in Pulumi.yaml must be set.
   */
  async setConfig(key: string, value: string, options: { path?: boolean } = {}): Promise<void> {
    await this.run(['config', 'set', ...(options.path ? ['--path'] : []), key, value, ...this.stackArgs()]);
  }

  /** A config value of the stack, or undefined when it is not set. */
  async getConfig(key: string): Promise<string | undefined> {
    const result = await this.run(['config', 'get', key, ...this.stackArgs()], this.projectDir, false);
    return result.code === 0 ? result.stdout.trim() : undefined;
  }

  /**
   * `pulumi up --yes --skip-preview`; `options.onStep` hears of each resource operation as the engine finishes it.
   * Throws with the CLI's warnings and errors when it fails.
   */
  async up(options: UpOptions = {}): Promise<OperationResult> {
    const { onStep } = options;
    const onLine = onStep
      ? (line: string) => {
          const event = parseEvent(line)?.resOutputsEvent;
          if (event) onStep({ op: event.metadata.op, type: event.metadata.type, name: event.metadata.urn.split('::').pop() ?? event.metadata.urn });
        }
      : undefined;
    const result = await this.run(['up', '--yes', '--skip-preview', '--json', ...this.stackArgs()], this.projectDir, true, onLine, options.signal);
    return { changes: summaryOf(result.stdout), seconds: result.seconds };
  }

  /** The locks on this stack: held by a running update, or left by one that was killed. */
  locks(): StackLock[] {
    return stackLocks(this.stateDir, this.projectName, this.stackName);
  }

  /** `pulumi cancel`: removes the stack's locks (on a file backend, nothing else: no process is told to stop). */
  async cancel(): Promise<void> {
    await this.run(['cancel', '--yes', '--stack', this.stackName, '--non-interactive']);
  }

  /** The operations the last update started and did not record as finished (none after an update that ended). */
  async pendingOperations(): Promise<PendingOperation[]> {
    const { deployment } = await this.exportState();
    return (deployment.pending_operations ?? []).map((op) => ({ type: op.type, urn: op.resource.urn, resourceType: op.resource.type, inputs: op.resource.inputs ?? {} }));
  }

  /**
   * The server-side apply field manager the state records for each Kubernetes resource, by URN (the provider's
   * `__fieldManager` output: every update of the resource applies as it).
   */
  async fieldManagers(): Promise<Map<string, string>> {
    const { deployment } = await this.exportState();
    return new Map(
      (deployment.resources ?? []).flatMap((r) => {
        const manager = r.outputs?.__fieldManager;
        return typeof manager === 'string' ? [[r.urn, manager] as const] : [];
      }),
    );
  }

  /** The stack's state (`pulumi stack export`; secrets stay encrypted). */
  async exportState(): Promise<Checkpoint> {
    const result = await this.run(['stack', 'export', '--stack', this.stackName, '--non-interactive']);
    const state = JSON.parse(result.stdout) as Partial<Checkpoint>;
    return { version: state.version ?? 3, deployment: state.deployment ?? {} };
  }

  /**
   * `pulumi stack import`: replaces the stack's state with `state`, which the CLI first checks holds together (it
   * refuses one that does not, changing nothing) and from which it drops every pending operation.
   */
  async importState(state: Checkpoint): Promise<void> {
    // Beside the state it replaces, readable by its owner only (its secrets are encrypted, its names are not).
    const file = path.join(this.dir, 'import.json');
    writeFileSync(file, JSON.stringify(state), { mode: 0o600 });
    try {
      await this.run(['stack', 'import', '--file', file, '--stack', this.stackName, '--non-interactive']);
    } finally {
      rmSync(file, { force: true });
    }
  }

  /**
   * `pulumi refresh --yes --skip-preview`: reads every resource back from the cluster, which resolves the pending
   * updates and deletes of an interrupted update; `options` says what to do with its pending creates.
   */
  async refresh(options: RefreshOptions = {}): Promise<OperationResult> {
    const clear = options.clearPendingCreates ? ['--clear-pending-creates'] : [];
    const result = await this.run(['refresh', '--yes', '--skip-preview', '--json', ...clear, ...this.stackArgs()]);
    return { changes: summaryOf(result.stdout), seconds: result.seconds };
  }

  /** `pulumi up` expected to fail: returns the CLI's output (the program's error included). */
  /** `pulumi preview` that must fail (a policy violation, a refused config); its output, for the test to read. */
  async previewFailing(options: PreviewOptions = {}): Promise<CommandResult> {
    const result = await this.run(['preview', ...policyPackArgs(options), ...this.stackArgs()], this.projectDir, false);
    if (result.code === 0) throw new Error(`pulumi preview succeeded where it should have failed:\n${result.stdout}`);
    return result;
  }

  async upFailing(): Promise<CommandResult> {
    const result = await this.run(['up', '--yes', '--skip-preview', ...this.stackArgs()], this.projectDir, false);
    if (result.code === 0) throw new Error(`pulumi up succeeded where it should have failed:\n${result.stdout}`);
    return result;
  }

  /**
   * `pulumi preview`; with `expectNoChanges`, fails (and throws the diff) when anything would change; each of
   * `policyPacks` (a folder) is applied by the engine, and a mandatory violation fails it.
   */
  async preview(options: PreviewOptions = {}): Promise<OperationResult> {
    const args = ['preview', '--json', ...(options.expectNoChanges ? ['--expect-no-changes'] : []), ...policyPackArgs(options), ...this.stackArgs()];
    const result = await this.run(args, this.projectDir, false);
    if (result.code !== 0 && options.expectNoChanges) {
      // What would change is the finding: show it as a diff.
      const diff = await this.run(['preview', '--diff', ...this.stackArgs()], this.projectDir, false);
      throw new Error(`pulumi preview --expect-no-changes failed (exit ${result.code}):\n${tail(diff.stdout)}\n${tail(diff.stderr)}`);
    }
    if (result.code !== 0) throw new Error(`pulumi preview failed (exit ${result.code}):\n${tail(diagnostics(result.stdout))}\n${tail(result.stderr)}`);
    const summary = (JSON.parse(result.stdout) as { changeSummary?: Partial<Record<string, number>> }).changeSummary ?? {};
    return { changes: countChanges(summary), seconds: result.seconds };
  }

  /** The stack's outputs (secrets stay `[secret]`). */
  async outputs(): Promise<Record<string, unknown>> {
    const result = await this.run(['stack', 'output', '--json', '--stack', this.stackName, '--non-interactive']);
    return JSON.parse(result.stdout) as Record<string, unknown>;
  }

  /** Unprotects everything and destroys it; the stack stays, empty. */
  async destroy(): Promise<OperationResult> {
    await this.run(['state', 'unprotect', '--all', '--yes', '--stack', this.stackName]);
    const result = await this.run(['destroy', '--yes', '--skip-preview', '--json', ...this.stackArgs()]);
    return { changes: summaryOf(result.stdout), seconds: result.seconds };
  }

  /** Removes the stack (whatever it still holds stays on the cluster) and its folder. */
  async remove(): Promise<void> {
    await this.run(['stack', 'rm', '--yes', '--force', '--stack', this.stackName], this.initDir, false);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private stackArgs(): string[] {
    return ['--stack', this.stackName, '--config-file', this.configFile, '--non-interactive'];
  }

  /**
   * Runs the pulumi CLI; throws with its output on a non-zero exit unless `check` is false. `onLine` hears each
   * complete line of its standard output as it comes; aborting `signal` kills the CLI (SIGKILL, as a crash or the
   * OOM killer would; its plugins run on) and rejects.
   */
  run(args: readonly string[], cwd = this.projectDir, check = true, onLine?: (line: string) => void, signal?: AbortSignal): Promise<CommandResult> {
    const started = process.hrtime.bigint();
    return new Promise((resolve, reject) => {
      const child = spawn('pulumi', args, { cwd, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
      let killed = false;
      signal?.addEventListener(
        'abort',
        () => {
          killed = true;
          child.kill('SIGKILL');
        },
        { once: true },
      );
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let partial = '';
      child.stdout.on('data', (b: Buffer) => {
        out.push(b);
        if (!onLine) return;
        const lines = (partial + b.toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        lines.forEach(onLine);
      });
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', reject);
      // Settled once the killed CLI is reaped, so that it is not taken for a live holder of its lock. Not 'close':
      // the plugins it leaves running may hold its output open.
      child.on('exit', () => {
        if (killed) reject(new Error(`pulumi ${args[0]} killed (SIGKILL)`));
      });
      child.on('close', (code) => {
        if (killed) return;
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

function parseEvent(line: string): EngineEventLine | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as EngineEventLine;
  } catch {
    return undefined;
  }
}

function countChanges(summary: Partial<Record<string, number>>): ResourceChanges {
  return { create: summary.create ?? 0, update: summary.update ?? 0, delete: summary.delete ?? 0, replace: summary.replace ?? 0, same: summary.same ?? 0 };
}

/** The summary event of `pulumi up --json` (one engine event per line). */
function summaryOf(stdout: string): ResourceChanges {
  for (const line of stdout.split('\n').reverse()) {
    const summary = parseEvent(line)?.summaryEvent;
    if (summary) return countChanges(summary.resourceChanges ?? {});
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
    // The engine's note that it runs the locally built providers from PATH, on every run: not news.
    .filter((d) => !/^using pulumi-resource-\S+ from \$PATH/.test(d.message))
    .map((d) => `${d.severity}: ${d.urn ? `${d.urn.split('::').pop()}: ` : ''}${d.message.trim()}`)
    .join('\n');
}

function tail(text: string, lines = 60): string {
  return text.split('\n').slice(-lines).join('\n');
}
