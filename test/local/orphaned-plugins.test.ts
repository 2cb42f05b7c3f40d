/**
 * Which plugin processes count as left behind by a killed `pulumi`: real processes, started here under the names
 * the CLI's plugins run with.
 */
import { ChildProcess, spawn } from 'child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { orphanedPlugins, stopOrphanedPlugins } from '../../local/orphaned-plugins';
import { allProcesses } from '../../local/processes';

const started: ChildProcess[] = [];

/** Each started in a process group of its own, killed with its children. */
function start(command: string, args: string[], argv0: string): ChildProcess {
  const child = spawn(command, args, { argv0, stdio: 'ignore', detached: true });
  started.push(child);
  return child;
}

afterEach(() =>
  started.splice(0).forEach((c) => {
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      // Its group is gone already (the test stopped it).
    }
  }),
);

/** Polls `find` until it returns a value (a fork execs a moment after spawn returns, later on a busy machine). */
async function eventually<T>(find: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`not found within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The children of `pid` whose command line contains `text`, once there are `count` of them. Only once they have
 * exec'd: a shell's fork runs a moment with the shell's own command line, which names `text` too (`bash -c "..."`).
 */
function childrenRunning(pid: number, text: string, count: number): () => number[] | undefined {
  return () => {
    const all = allProcesses();
    const parent = all.find((p) => p.pid === pid)?.argv.join(' ');
    const children = all
      .filter((p) => p.ppid === pid && p.argv.join(' ').includes(text) && p.argv.join(' ') !== parent)
      .map((p) => p.pid);
    return children.length >= count ? children : undefined;
  };
}

describe('orphanedPlugins', () => {
  test('a provider whose parent is not a pulumi CLI is orphaned; one under a running pulumi is not', async () => {
    // Under this jest worker: what a provider looks like once its pulumi was killed.
    const orphan = start('sleep', ['30'], 'pulumi-resource-kubernetes');
    // Under a process that runs as `pulumi`, as every live plugin does.
    const cli = start('bash', ['-c', '(exec -a pulumi-resource-kubernetes sleep 30) & (exec -a pulumi-language-nodejs sleep 30) & wait'], 'pulumi');
    await eventually(() => orphanedPlugins().find((p) => p.pid === orphan.pid));
    const underCli = await eventually(childrenRunning(cli.pid!, 'pulumi-', 2));
    const pids = new Set(orphanedPlugins().map((p) => p.pid));
    expect(pids.has(orphan.pid!)).toBe(true);
    expect(orphanedPlugins().find((p) => p.pid === orphan.pid)?.program).toBe('pulumi-resource-kubernetes');
    // The CLI's own children: not orphaned (the shell itself is no plugin).
    const children = orphanedPlugins().filter((p) => p.pid !== orphan.pid);
    expect(children.map((p) => p.pid)).not.toContain(cli.pid);
    expect(underCli).toHaveLength(2);
    expect(underCli.filter((pid) => pids.has(pid))).toEqual([]);
  });

  test('the program a language host runs is orphaned with its host', async () => {
    // The SDK's entry point, as the language host starts it: node .../@pulumi/pulumi/cmd/run/index.js --monitor ...
    const dir = mkdtempSync(path.join(tmpdir(), 'orphaned-plugins-'));
    const entry = path.join(dir, 'node_modules', '@pulumi', 'pulumi', 'cmd', 'run', 'index.js');
    mkdirSync(path.dirname(entry), { recursive: true });
    writeFileSync(entry, 'setTimeout(() => undefined, 30000);\n');
    try {
      const host = start('bash', ['-c', `"${process.execPath}" "${entry}" --monitor 127.0.0.1:1 & wait`], 'pulumi-language-nodejs');
      const [program] = await eventually(childrenRunning(host.pid!, 'cmd/run/index.js', 1));
      const orphans = orphanedPlugins();
      expect(orphans.find((p) => p.pid === program)?.program).toBe('node @pulumi/pulumi/cmd/run (the program)');
      expect(orphans.find((p) => p.pid === host.pid)?.program).toBe('pulumi-language-nodejs');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('stopping finds a plugin that execs after the first look, as one the killed CLI was starting does', async () => {
    // Until it execs, a plugin the CLI forked shows the CLI's command line; this one execs 0.4 s after it starts.
    const late = start('bash', ['-c', 'sleep 0.4; exec -a pulumi-resource-random sleep 30'], 'pulumi');
    const exited = new Promise<NodeJS.Signals | null>((resolve) => late.on('exit', (_code, signal) => resolve(signal)));
    await eventually(() => allProcesses().find((p) => p.ppid === late.pid && p.argv[0] === 'sleep'));
    expect(orphanedPlugins().map((p) => p.pid)).not.toContain(late.pid);
    const stopped = await stopOrphanedPlugins();
    expect(stopped).toContainEqual({ pid: late.pid, program: 'pulumi-resource-random' });
    expect(await exited).toBe('SIGKILL');
  });
});
