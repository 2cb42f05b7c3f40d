import * as path from 'path';
import { allProcesses, ProcessEntry } from './processes';

/** A plugin process (language host, provider, the program itself) whose `pulumi` is gone. */
export interface OrphanedPlugin {
  readonly pid: number;
  /** Its program, e.g. `pulumi-resource-kubernetes`. */
  readonly program: string;
}

/** What the `pulumi` CLI starts for an operation: the language host, the program it runs, the resource providers. */
const PLUGIN = /(?:^|\/)(pulumi-language-[a-z]+|pulumi-resource-[a-z0-9-]+)$|@pulumi\/pulumi\/cmd\/run/;

function pluginProgram(argv: readonly string[]): string | undefined {
  for (const arg of argv.slice(0, 2)) {
    const match = PLUGIN.exec(arg);
    if (match) return match[1] ?? 'node @pulumi/pulumi/cmd/run (the program)';
  }
  return undefined;
}

/**
 * The plugin processes on this host whose parent is not a `pulumi` CLI: every plugin is started by the CLI, for
 * one operation, and ended by it, so one without it was left by a CLI that was killed. They outlive it (each runs
 * in a process group of its own; the language host and the providers never notice the engine is gone), and
 * a provider could still finish an operation after the kill, so they are stopped before the state is read.
 */
export function orphanedPlugins(): OrphanedPlugin[] {
  const all = allProcesses().filter((p) => p.state !== 'Z');
  const byPid = new Map(all.map((p) => [p.pid, p]));
  const isCli = (p: ProcessEntry | undefined) => p !== undefined && path.basename(p.argv[0] ?? '') === 'pulumi';
  return all.flatMap((p) => {
    const program = pluginProgram(p.argv);
    if (!program) return [];
    // The program's parent is its language host; follow plugins up to the CLI that should own them.
    let parent = byPid.get(p.ppid);
    while (parent && !isCli(parent) && pluginProgram(parent.argv)) parent = byPid.get(parent.ppid);
    return isCli(parent) ? [] : [{ pid: p.pid, program }];
  });
}

/** How long a pass must find none before every plugin of a killed CLI counts as stopped. */
const SETTLE_MS = 500;
/** Passes stop after this long even if plugins keep appearing (then they are not the killed CLI's). */
const PASSES_MS = 10_000;

function kill(plugins: readonly OrphanedPlugin[]): OrphanedPlugin[] {
  return plugins.filter((plugin) => {
    try {
      process.kill(plugin.pid, 'SIGKILL');
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * SIGKILLs the orphaned plugins (see orphanedPlugins) and returns them; those it may not signal are left alone.
 * One look is not enough: a plugin the CLI was starting when it was killed execs a moment later, and until then
 * /proc shows it with the CLI's own command line. So it looks again every SETTLE_MS until a look finds none.
 */
export async function stopOrphanedPlugins(): Promise<OrphanedPlugin[]> {
  const stopped = kill(orphanedPlugins());
  const deadline = Date.now() + PASSES_MS;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const more = kill(orphanedPlugins());
    if (more.length === 0) break;
    stopped.push(...more);
  }
  return stopped;
}
