import { execFile } from 'child_process';
import { randomBytes } from 'crypto';
import { chmodSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import * as path from 'path';
import { promisify } from 'util';
import { EngineEvent, LocalWorkspace, LocalWorkspaceOptions, OpMap, PulumiCommand, Stack } from '@pulumi/pulumi/automation';
import { Checkpoint } from './checkpoint';
import { REPO_ROOT } from './cluster';
import { allProcesses, readProcess } from './processes';
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

/** An operation that failed as the caller expected: what the CLI printed (its errors included) and how long it took. */
export interface FailedOperation {
  readonly output: string;
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
  /**
   * When aborted, kills the CLI with SIGKILL (its plugins run on, as after a crash), not the Automation API's
   * SIGINT, which lets the engine finish its operations and record them. @default - never
   */
  readonly signal?: AbortSignal;
}

/** Options of `PulumiStack.preview`. */
export interface PreviewOptions {
  /** Fail when anything would change. @default false */
  readonly expectNoChanges?: boolean;
  /** Policy pack folders the engine applies (`--policy-pack`). @default [] */
  readonly policyPacks?: readonly string[];
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

/**
 * Options of every update: no colour codes in what the CLI prints, and no `--show-secrets` in the history the
 * Automation API reads after an update (it would decrypt the config, and look for it beside the project).
 */
const QUIET = { color: 'never', showSecrets: false } as const;

/** The folders and files of a stack's own folder (`PulumiStackOptions.dir`). */
class StackFolder {
  /** The file backend's folder (`PULUMI_BACKEND_URL=file://<state>`). */
  readonly state: string;
  readonly home: string;
  /** `pulumi` (a link to the CLI on the caller's PATH, where PulumiCommand looks for it) and the plugin launchers. */
  readonly bin: string;
  /** A stub of the project, where the config workspace writes `Pulumi.<stack>.yaml`. */
  readonly project: string;
  readonly passphrase: string;

  constructor(readonly dir: string) {
    this.state = path.join(dir, 'state');
    this.home = path.join(dir, 'home');
    this.bin = path.join(dir, 'bin');
    this.project = path.join(dir, 'project');
    this.passphrase = path.join(dir, 'passphrase');
  }

  /** Creates what is missing: the folders, the stub project, a passphrase drawn at random, the CLI link. */
  prepare(projectName: string, pathVariable: string | undefined): void {
    for (const folder of [this.state, this.home, this.bin, this.project]) mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(this.project, 'Pulumi.yaml'), `name: ${projectName}\nruntime: nodejs\n`);
    if (!existsSync(this.passphrase)) writeFileSync(this.passphrase, randomBytes(32).toString('base64url'), { mode: 0o600 });
    chmodSync(this.passphrase, 0o600);
    writeRandomProviderLauncher(this.bin);
    const cli = path.join(this.bin, 'pulumi');
    rmSync(cli, { force: true });
    symlinkSync(onPath('pulumi', pathVariable), cli);
  }
}

/**
 * A stack of a Pulumi project on a local file backend, driven through Pulumi's Automation API, everything of it in
 * one folder (`dir`): removing the folder removes the stack, and nothing is written to the repository.
 *
 * Two workspaces share the backend: the program's (the project folder, where `up`, `preview`, `refresh` and
 * `destroy` run with `configFile` naming the stack's own config file) and the config's (a stub of the same project
 * in the stack folder), because a LocalWorkspace writes `Pulumi.<stack>.yaml` into its workDir, which must not be
 * the repository.
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

  private constructor(
    private readonly folder: StackFolder,
    private readonly stack: Stack,
    private readonly config: LocalWorkspace,
    private readonly env: NodeJS.ProcessEnv,
    projectName: string,
  ) {
    this.dir = folder.dir;
    this.stackName = stack.name;
    this.projectName = projectName;
    this.stateDir = folder.state;
  }

  /** Opens the stack in `options.dir`, creating it (empty, with `config` set) when it does not exist yet. */
  static async open(config: Readonly<Record<string, string>>, options: PulumiStackOptions): Promise<PulumiStack> {
    const stackName = options.stackName ?? 'local';
    const projectName = options.projectName ?? 'career-copilot';
    const folder = new StackFolder(options.dir);
    folder.prepare(projectName, options.env.PATH);
    const env: NodeJS.ProcessEnv = {
      ...options.env,
      PATH: `${folder.bin}:${options.env.PATH ?? ''}`,
      PULUMI_HOME: folder.home,
      PULUMI_BACKEND_URL: `file://${folder.state}`,
      PULUMI_CONFIG_PASSPHRASE_FILE: folder.passphrase,
      // The CLI prefers PULUMI_CONFIG_PASSPHRASE to the file, and the Automation API runs it in this process's
      // environment plus `envVars`: a value of undefined is how a variable is left out (Node.js drops it).
      PULUMI_CONFIG_PASSPHRASE: undefined,
      PULUMI_SKIP_UPDATE_CHECK: 'true',
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true',
      // `npm run build` type-checks the program; here it is only run.
      PULUMI_NODEJS_TRANSPILE_ONLY: 'true',
    };
    const workspace: LocalWorkspaceOptions = {
      pulumiCommand: await PulumiCommand.get({ root: folder.dir }),
      pulumiHome: folder.home,
      envVars: env as Record<string, string>,
    };
    const configWorkspace = await LocalWorkspace.create({ ...workspace, workDir: folder.project });
    if (!(await configWorkspace.listStacks()).some((s) => s.name === stackName)) {
      await configWorkspace.createStack(stackName);
      if (Object.keys(config).length > 0) {
        await configWorkspace.setAllConfig(stackName, Object.fromEntries(Object.entries(config).map(([key, value]) => [key, { value }])));
      }
    }
    const stack = await LocalWorkspace.selectStack({ stackName, workDir: options.projectDir ?? REPO_ROOT }, workspace);
    return new PulumiStack(folder, stack, configWorkspace, env, projectName);
  }

  /**
   * `pulumi config set`; with `path`, `key` is a property path into a structured value (`images[0]`), as an array
   * key declared in Pulumi.yaml must be set.
   */
  async setConfig(key: string, value: string, options: { path?: boolean } = {}): Promise<void> {
    await this.config.setConfig(this.stackName, key, { value }, options.path);
  }

  /**
   * `pulumi up --yes --skip-preview`; `options.onStep` hears of each resource operation as the engine finishes it.
   * Throws with the engine's warnings and errors when it fails.
   */
  async up(options: UpOptions = {}): Promise<OperationResult> {
    const { onStep, signal } = options;
    const events = new EventRecord((event) => {
      const outputs = event.resOutputsEvent;
      if (outputs && onStep) onStep({ op: outputs.metadata.op, type: outputs.metadata.type, name: lastPart(outputs.metadata.urn) });
    });
    const started = process.hrtime.bigint();
    const update = this.stack.up({ ...QUIET, configFile: this.configFile, onEvent: events.hear });
    const result = await events.settle('up', signal ? killedOn(signal, update, this.killEngine) : update);
    return { changes: events.changes() ?? countChanges(result.summary.resourceChanges ?? {}), seconds: secondsSince(started) };
  }

  /**
   * `pulumi preview`; with `expectNoChanges`, fails (and throws the diff) when anything would change; each of
   * `policyPacks` (a folder) is applied by the engine, and a mandatory violation fails it.
   */
  async preview(options: PreviewOptions = {}): Promise<OperationResult> {
    const events = new EventRecord();
    const started = process.hrtime.bigint();
    const preview = this.stack.preview({
      configFile: this.configFile,
      color: 'never',
      expectNoChanges: options.expectNoChanges,
      policyPacks: [...(options.policyPacks ?? [])],
      onEvent: events.hear,
    });
    const result = await preview.catch(async (error: unknown) => {
      if (!options.expectNoChanges) throw events.failure('preview', error);
      // What would change is the finding: show it as a diff.
      const diff = await this.stack.preview({ configFile: this.configFile, color: 'never', diff: true });
      throw new Error(`pulumi preview --expect-no-changes failed:\n${tail(diff.stdout)}`);
    });
    return { changes: countChanges(result.changeSummary), seconds: secondsSince(started) };
  }

  /** `pulumi preview` that must fail (a policy violation, a refused config); its output, for the test to read. */
  async previewFailing(options: PreviewOptions = {}): Promise<FailedOperation> {
    const started = process.hrtime.bigint();
    return failingAsExpected('preview', started, this.stack.preview({ configFile: this.configFile, color: 'never', policyPacks: [...(options.policyPacks ?? [])] }));
  }

  /** `pulumi up` that must fail (a locked stack, a refused phase); its output, for the test to read. */
  async upFailing(): Promise<FailedOperation> {
    const started = process.hrtime.bigint();
    return failingAsExpected('up', started, this.stack.up({ ...QUIET, configFile: this.configFile }));
  }

  /**
   * `pulumi refresh --yes --skip-preview`: reads every resource back from the cluster, which resolves the pending
   * updates and deletes of an interrupted update; `options` says what to do with its pending creates.
   */
  async refresh(options: RefreshOptions = {}): Promise<OperationResult> {
    const events = new EventRecord();
    const started = process.hrtime.bigint();
    const result = await events.settle(
      'refresh',
      this.stack.refresh({ ...QUIET, configFile: this.configFile, clearPendingCreates: options.clearPendingCreates, onEvent: events.hear }),
    );
    return { changes: events.changes() ?? countChanges(result.summary.resourceChanges ?? {}), seconds: secondsSince(started) };
  }

  /** Unprotects everything and destroys it; the stack stays, empty. */
  async destroy(): Promise<OperationResult> {
    // The Automation API has no `pulumi state unprotect`.
    await this.cli(['state', 'unprotect', '--all', '--yes', '--stack', this.stackName]);
    const events = new EventRecord();
    const started = process.hrtime.bigint();
    const result = await events.settle('destroy', this.stack.destroy({ ...QUIET, configFile: this.configFile, onEvent: events.hear }));
    return { changes: events.changes() ?? countChanges(result.summary.resourceChanges ?? {}), seconds: secondsSince(started) };
  }

  /** The locks on this stack: held by a running update, or left by one that was killed. */
  locks(): StackLock[] {
    return stackLocks(this.stateDir, this.projectName, this.stackName);
  }

  /** `pulumi cancel`: removes the stack's locks (on a file backend, nothing else: no process is told to stop). */
  async cancel(): Promise<void> {
    await this.stack.cancel();
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

  /**
   * The stack's state (`pulumi stack export`), its secrets encrypted: the Automation API's `exportStack` decrypts
   * every one (`--show-secrets`).
   */
  async exportState(): Promise<Checkpoint> {
    const stdout = await this.cli(['stack', 'export', '--stack', this.stackName]);
    const state = JSON.parse(stdout) as Partial<Checkpoint>;
    return { version: state.version ?? 3, deployment: state.deployment ?? {} };
  }

  /**
   * `pulumi stack import`: replaces the stack's state with `state`, which the CLI first checks holds together (it
   * refuses one that does not, changing nothing) and from which it drops every pending operation. Not the Automation
   * API's `importStack`, which writes the state to a file of the shared temporary folder and leaves it there when
   * the import fails.
   */
  async importState(state: Checkpoint): Promise<void> {
    // Beside the state it replaces, readable by its owner only (its secrets are encrypted, its names are not).
    const file = path.join(this.dir, 'import.json');
    writeFileSync(file, JSON.stringify(state), { mode: 0o600 });
    try {
      await this.cli(['stack', 'import', '--file', file, '--stack', this.stackName]);
    } finally {
      rmSync(file, { force: true });
    }
  }

  /** The stack's outputs, each secret one as `[secret]`. */
  async outputs(): Promise<Record<string, unknown>> {
    const outputs = await this.stack.outputs();
    return Object.fromEntries(Object.entries(outputs).map(([key, { value, secret }]) => [key, secret ? '[secret]' : (value as unknown)]));
  }

  /** Removes the stack (whatever it still holds stays on the cluster) and its folder. */
  async remove(): Promise<void> {
    await this.config.removeStack(this.stackName, { force: true }).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private get configFile(): string {
    return path.join(this.folder.project, `Pulumi.${this.stackName}.yaml`);
  }

  /** SIGKILLs the CLI this process started for this stack, as a crash or the OOM killer would; returns its pids. */
  private readonly killEngine = (): number[] => {
    const cli = path.join(this.folder.bin, 'pulumi');
    const engines = allProcesses().filter((p) => p.ppid === process.pid && (p.argv[0] === cli || p.argv[1] === cli));
    for (const engine of engines) process.kill(engine.pid, 'SIGKILL');
    return engines.map((e) => e.pid);
  };

  /** Runs a CLI command the Automation API has no call for; throws with its output on a non-zero exit. */
  private async cli(args: readonly string[]): Promise<string> {
    const cli = path.join(this.folder.bin, 'pulumi');
    try {
      const { stdout } = await promisify(execFile)(cli, [...args, '--non-interactive'], { cwd: this.folder.project, env: this.env, maxBuffer: 256 * 1024 * 1024 });
      return stdout;
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      throw new Error(`pulumi ${args.join(' ')} failed:\n${tail(stdout)}\n${tail(stderr)}`);
    }
  }
}

/**
 * The engine events of one operation that this class reads: the summary's counts and the warnings and errors. Never
 * the whole stream in an error: its debug events carry the SDK's RPC traces, which include secret values in plain
 * text.
 */
class EventRecord {
  private summary?: OpMap;
  private readonly diagnostics: string[] = [];

  constructor(private readonly also?: (event: EngineEvent) => void) {}

  readonly hear = (event: EngineEvent): void => {
    if (event.summaryEvent) this.summary = event.summaryEvent.resourceChanges;
    const d = event.diagnosticEvent;
    // The engine's note that it runs the locally built providers from PATH, on every run: not news.
    if (d && (d.severity === 'error' || d.severity === 'warning') && !/^using pulumi-resource-\S+ from \$PATH/.test(d.message)) {
      this.diagnostics.push(`${d.severity}: ${d.urn ? `${lastPart(d.urn)}: ` : ''}${d.message.trim()}`);
    }
    this.also?.(event);
  };

  /** The counts of the operation's summary event, once it came. */
  changes(): ResourceChanges | undefined {
    return this.summary && countChanges(this.summary);
  }

  /** `operation`, its failure rethrown as one error that names the command and the engine's diagnostics. */
  settle<T>(command: string, operation: Promise<T>): Promise<T> {
    return operation.catch((error: unknown) => {
      throw this.failure(command, error);
    });
  }

  failure(command: string, error: unknown): Error {
    if (error instanceof EngineKilled) return error;
    const heard = this.diagnostics.join('\n');
    return new Error(`pulumi ${command} failed:\n${heard || tail(messageOf(error))}`);
  }
}

/** The up was killed on purpose (`UpOptions.signal`). */
class EngineKilled extends Error {}

/**
 * `operation`, or once `signal` aborted, a rejection when the CLI `kill` SIGKILLed is reaped (so that it is not
 * taken for a live holder of its lock). Not the operation's own rejection: the plugins the CLI leaves running keep
 * its output open, so the Automation API settles only once they are stopped.
 */
function killedOn<T>(signal: AbortSignal, operation: Promise<T>, kill: () => number[]): Promise<T> {
  const killed = new Promise<never>((_, reject) => {
    signal.addEventListener(
      'abort',
      () => {
        const pids = kill();
        const reaped = setInterval(() => {
          if (pids.every((pid) => readProcess(pid) === undefined)) {
            clearInterval(reaped);
            reject(new EngineKilled(`pulumi up killed (SIGKILL, pid ${pids.join(', ') || 'none found'})`));
          }
        }, 50);
      },
      { once: true },
    );
  });
  return Promise.race([operation.catch((error: unknown) => (signal.aborted ? killed : Promise.reject(error))), killed]);
}

async function failingAsExpected(command: string, started: bigint, operation: Promise<{ stdout: string }>): Promise<FailedOperation> {
  const outcome = await operation.then(
    (result) => result.stdout,
    (error: unknown) => ({ output: messageOf(error), seconds: secondsSince(started) }),
  );
  if (typeof outcome === 'string') throw new Error(`pulumi ${command} succeeded where it should have failed:\n${tail(outcome)}`);
  return outcome;
}

/** Where `name` is on `pathVariable`, as a shell finds it. */
function onPath(name: string, pathVariable = ''): string {
  const found = pathVariable
    .split(':')
    .filter(Boolean)
    .map((dir) => path.join(dir, name))
    .find((file) => existsSync(file));
  if (!found) throw new Error(`${name} is not on PATH (${pathVariable}): run \`bash scripts/cluster.sh build\` and use clusterEnvironment()`);
  return found;
}

function countChanges(summary: OpMap): ResourceChanges {
  return { create: summary.create ?? 0, update: summary.update ?? 0, delete: summary.delete ?? 0, replace: summary.replace ?? 0, same: summary.same ?? 0 };
}

function lastPart(urn: string): string {
  return urn.split('::').pop() ?? urn;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function secondsSince(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function tail(text: string, lines = 60): string {
  return text.split('\n').slice(-lines).join('\n');
}
