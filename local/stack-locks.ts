import { existsSync, readdirSync, readFileSync } from 'fs';
import { hostname } from 'os';
import * as path from 'path';
import { readProcess } from './processes';

/**
 * Who holds a stack's lock: `gone`, a process of this host that no longer runs (a killed or crashed `pulumi`);
 * `running`, a `pulumi` process of this host that still runs; `other-host`, a process of another host, which this
 * host cannot see.
 */
export type LockHolder = 'gone' | 'running' | 'other-host';

/** One lock file of a stack on a file (DIY) backend, as the `pulumi` CLI writes it for the length of an update. */
export interface StackLock {
  /** The lock file's path. */
  readonly file: string;
  readonly pid: number;
  readonly username: string;
  readonly hostname: string;
  /** When the update that took it started (RFC 3339). */
  readonly timestamp: string;
  readonly holder: LockHolder;
}

/** The fields `pulumi` writes into a lock file. */
interface LockFile {
  readonly pid?: number;
  readonly username?: string;
  readonly hostname?: string;
  readonly timestamp?: string;
}

/**
 * The locks that `pulumi` holds, or left behind, on stack `stack` of project `project` in the file backend whose
 * state folder is `stateDir` (`PULUMI_BACKEND_URL=file://<stateDir>`): `.pulumi/locks/organization/<project>/<stack>/`.
 */
export function stackLocks(stateDir: string, project: string, stack: string): StackLock[] {
  const dir = path.join(stateDir, '.pulumi', 'locks', 'organization', project, stack);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .map((name) => {
      const file = path.join(dir, name);
      const lock = JSON.parse(readFileSync(file, 'utf8')) as LockFile;
      const pid = lock.pid ?? 0;
      const host = lock.hostname ?? '';
      return {
        file,
        pid,
        username: lock.username ?? '?',
        hostname: host,
        timestamp: lock.timestamp ?? '?',
        holder: host !== hostname() ? 'other-host' : pulumiRuns(pid) ? 'running' : 'gone',
      };
    });
}

/**
 * True when process `pid` runs and may be the `pulumi` that took a lock. A process that runs under a reused PID but
 * is not `pulumi` (its command line says so) did not take it, nor does a zombie; where /proc cannot be read, a
 * running process counts as the holder, so that a live lock is never broken.
 */
export function pulumiRuns(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it runs, under another user.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const entry = readProcess(pid);
  // Without /proc a running process counts as the holder; a zombie (killed, not yet reaped) holds nothing.
  if (entry === undefined) return true;
  return entry.state !== 'Z' && entry.argv.some((arg) => path.basename(arg) === 'pulumi');
}

/** One line about a lock: whose it is, since when, and whether its process still runs. */
export function describeLock(lock: StackLock): string {
  const state = { gone: 'which no longer runs', running: 'which still runs', 'other-host': 'on another host, which this one cannot check' }[lock.holder];
  return `${path.basename(lock.file)}: taken by ${lock.username}@${lock.hostname} (pid ${lock.pid}) at ${lock.timestamp}, ${state}`;
}
