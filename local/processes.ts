import { readdirSync, readFileSync } from 'fs';

/** What this host's /proc says of one process. */
export interface ProcessEntry {
  readonly pid: number;
  readonly ppid: number;
  /** `R`, `S`, ..., `Z` for a zombie (exited, not yet reaped by its parent). */
  readonly state: string;
  readonly argv: readonly string[];
}

/** Process `pid` as /proc shows it, or undefined when it is gone (or /proc cannot be read). */
export function readProcess(pid: number): ProcessEntry | undefined {
  try {
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return { pid, ppid: Number(ppid), state, argv };
  } catch {
    return undefined;
  }
}

/** Every process of this host that /proc lists. */
export function allProcesses(): ProcessEntry[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  return entries.map(Number).flatMap((pid) => readProcess(pid) ?? []);
}
