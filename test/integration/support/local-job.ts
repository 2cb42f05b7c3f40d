import { ChildProcess, spawn } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { KubernetesObject } from '../../../core/manifest';
import { only } from '../../support/synth';

/** A Secret's keys, as the operator writes them (e.g. CloudNativePG's `<cluster>-app`). */
export type SecretData = Readonly<Record<string, string>>;

/** How the Job's pod would see the world: its Secrets, and the DNS names of its Services. */
export interface JobWorld {
  readonly secrets: Readonly<Record<string, SecretData>>;
  /** Service DNS name -> the loopback address that stands in for it (env values equal to a name are replaced). */
  readonly hosts?: Readonly<Record<string, string>>;
}

/** A finished run of the Job's container. */
export interface JobResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
  /** Files left in the pod's scratch volume (the `/tmp` emptyDir) after the run. */
  readonly scratchFiles: readonly string[];
}

/** A Job's container running on this machine. */
export interface RunningJob {
  readonly process: ChildProcess;
  readonly done: Promise<JobResult>;
  /** The container's processes now (its shell and every descendant, psql included), read from /proc. */
  processes(): JobProcess[];
}

interface Container {
  command: string[];
  env: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }>;
  volumeMounts: Array<{ name: string; mountPath: string }>;
}

interface Volume {
  name: string;
  configMap?: { name: string };
  emptyDir?: object;
  secret?: { secretName: string; items?: Array<{ key: string; path: string }>; defaultMode?: number };
}

/** A process of a running Job, as the node's process list shows it: its arguments and its environment. */
export interface JobProcess {
  readonly pid: number;
  readonly argv: readonly string[];
  readonly environ: readonly string[];
}

/**
 * Runs the container of a synthesized psql Job (a `Job` and its `ConfigMap`) as a local process, as the kubelet
 * would: the ConfigMap's files, the Secret keys of secret volumes (with their mode) and an emptyDir are "mounted" at
 * folders of a temporary directory, the environment is the container's, with `secretKeyRef`s read from
 * `world.secrets`. The only rewrites are those mounts: every
 * occurrence of a mount path (`/sql/`, `/tmp/`) in the command, the environment and the mounted files points to its
 * local folder instead. The scripts, the SQL and the variables are otherwise the synthesized ones.
 */
export function startJob(objects: readonly KubernetesObject[], world: JobWorld): RunningJob {
  const job = only(objects, 'Job');
  const podSpec = job.spec.template.spec as { containers: Container[]; volumes: Volume[] };
  const container = podSpec.containers[0];
  const root = mkdtempSync(path.join(tmpdir(), `job-${job.metadata.name}-`));

  const mounts = container.volumeMounts.map((mount) => ({ ...mount, local: path.join(root, mount.name) }));
  // One pass over the text (the local folders themselves live under /tmp), longest mount path first; a mount path
  // counts only as a whole path segment at the start of a path (`/tmp/x`, `/tmp`, not `/var/tmp`).
  const byLength = [...mounts].sort((a, b) => b.mountPath.length - a.mountPath.length);
  const mountPattern = new RegExp(`(?<![\\w.-])(${byLength.map((m) => m.mountPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})(?=/|$|\\s)`, 'gm');
  const rewrite = (text: string) => text.replace(mountPattern, (mountPath) => byLength.find((m) => m.mountPath === mountPath)!.local);

  for (const mount of mounts) {
    mkdirSync(mount.local, { recursive: true });
    const volume = podSpec.volumes.find((v) => v.name === mount.name);
    if (volume?.configMap) {
      const configMap = only(objects, 'ConfigMap', volume.configMap.name);
      for (const [file, contents] of Object.entries(configMap.data as Record<string, string>)) writeFileSync(path.join(mount.local, file), rewrite(contents));
    }
    if (volume?.secret) {
      const { secretName, items, defaultMode } = volume.secret;
      const secret = world.secrets[secretName];
      if (secret === undefined) throw new Error(`volume ${volume.name}: the Job mounts Secret "${secretName}", which the test world does not have`);
      for (const { key, path: file } of items ?? Object.keys(secret).map((k) => ({ key: k, path: k }))) {
        if (secret[key] === undefined) throw new Error(`volume ${volume.name}: the Job mounts key "${key}" of Secret "${secretName}", which the test world does not have`);
        // As the kubelet writes it: the value as it is (no newline added), with the volume's mode.
        writeFileSync(path.join(mount.local, file), secret[key], { mode: defaultMode ?? 0o644 });
      }
    }
  }

  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
  for (const variable of container.env) {
    if (variable.valueFrom) {
      const { name, key } = variable.valueFrom.secretKeyRef;
      const value = world.secrets[name]?.[key];
      if (value === undefined) throw new Error(`${variable.name}: the Job reads key "${key}" of Secret "${name}", which the test world does not have`);
      env[variable.name] = value;
    } else {
      const value = variable.value ?? '';
      env[variable.name] = world.hosts?.[value] ?? rewrite(value);
    }
  }

  const started = Date.now();
  const [program, ...args] = container.command.map(rewrite);
  const child = spawn(program, args, { env, cwd: root });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const scratch = mounts.find((m) => m.mountPath === '/tmp')?.local;
  const done = new Promise<JobResult>((resolve, reject) => {
    const deadline = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(deadline);
      const scratchFiles = scratch && existsSync(scratch) ? readdirSync(scratch) : [];
      rmSync(root, { recursive: true, force: true });
      resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr, seconds: (Date.now() - started) / 1000, scratchFiles });
    });
  });
  return { process: child, done, processes: () => processTree(child.pid!) };
}

/** `pid` and its descendants, with their arguments and environments, as any user of the node could read them. */
function processTree(pid: number): JobProcess[] {
  const read = (file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return undefined; // gone meanwhile
    }
  };
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc').filter((e) => /^[0-9]+$/.test(e))) {
    // The parent is the 2nd field after the command name, which is in parentheses and may contain spaces.
    const stat = read(`/proc/${entry}/stat`);
    if (stat) parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child);
  return tree.flatMap((p) => {
    const argv = read(`/proc/${p}/cmdline`);
    const environ = read(`/proc/${p}/environ`);
    return argv === undefined || environ === undefined ? [] : [{ pid: p, argv: argv.split('\0').filter(Boolean), environ: environ.split('\0').filter(Boolean) }];
  });
}

/** Runs the Job's container to the end. */
export function runJob(objects: readonly KubernetesObject[], world: JobWorld): Promise<JobResult> {
  return startJob(objects, world).done;
}
