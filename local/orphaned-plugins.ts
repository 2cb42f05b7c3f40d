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

/** SIGKILLs the orphaned plugins (see orphanedPlugins) and returns them; those it may not signal are left alone. */
export function stopOrphanedPlugins(): OrphanedPlugin[] {
  return orphanedPlugins().filter((plugin) => {
    try {
      process.kill(plugin.pid, 'SIGKILL');
      return true;
    } catch {
      return false;
    }
  });
}
