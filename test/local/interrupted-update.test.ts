/**
 * Resuming a killed update, against stand-ins for `pulumi` and `kubectl` on PATH that record their calls: which
 * locks are removed and which refused, and how each pending operation is resolved. The real engine is killed and
 * resumed in test/e2e (phases.e2e.test.ts).
 */
import { ChildProcess, spawn } from 'child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { hostname, tmpdir } from 'os';
import * as path from 'path';
import { resumeInterruptedUpdate, StackLockedError } from '../../local/interrupted-update';
import { PulumiStack } from '../../local/pulumi-stack';
import { describeLock, pulumiRuns, stackLocks } from '../../local/stack-locks';

// For real it SIGKILLs every plugin on this host that no pulumi CLI owns, which the orphaned-plugins test running
// beside this one starts on purpose; what it finds is that test's subject, not this one's.
jest.mock('../../local/orphaned-plugins', () => ({ stopOrphanedPlugins: () => [] }));

const STACK = 'local';
const PROJECT = 'career-copilot';
const urn = (type: string, name: string) => `urn:pulumi:${STACK}::${PROJECT}::career-copilot:platform:Component$${type}::${name}`;

/**
 * `pulumi`: records its arguments; `stack export` prints the pending operations of $FAKE_PENDING, and once refreshed,
 * none but the resources of $FAKE_RECORDED (URN: the field manager the refresh recorded).
 */
const FAKE_PULUMI = `#!/usr/bin/env node
const fs = require('fs');
const args = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_CALLS, JSON.stringify(args) + '\\n');
const out = (event) => process.stdout.write(JSON.stringify(event) + '\\n');
if (args[0] === 'stack' && args[1] === 'ls') { out([{ name: 'local' }]); process.exit(0); }
if (args[0] === 'stack' && args[1] === 'export') {
  const refreshed = fs.readFileSync(process.env.FAKE_CALLS, 'utf8').includes('"refresh"');
  const pending = refreshed ? [] : JSON.parse(fs.readFileSync(process.env.FAKE_PENDING, 'utf8'));
  const recorded = refreshed ? Object.entries(JSON.parse(fs.readFileSync(process.env.FAKE_RECORDED, 'utf8'))) : [];
  const resources = recorded.map(([urn, manager]) => ({ urn, outputs: { __fieldManager: manager } }));
  out({ version: 3, deployment: { resources, pending_operations: pending } });
  process.exit(0);
}
if (args[0] === 'refresh') { out({ summaryEvent: { resourceChanges: { same: 3 } } }); process.exit(0); }
process.exit(0);
`;

/**
 * `kubectl get KIND NAME ...`: prints an object for the names listed in $FAKE_EXISTING, nothing otherwise, with its
 * managedFields of $FAKE_MANAGED when asked (--show-managed-fields). `kubectl patch` records its arguments in
 * $FAKE_PATCHES and fails while $FAKE_PATCH_FAILURES counts down, as a patch whose test no longer holds does.
 */
const FAKE_KUBECTL = `#!/usr/bin/env node
const fs = require('fs');
const args = process.argv.slice(2);
if (args[0] === 'patch') {
  fs.appendFileSync(process.env.FAKE_PATCHES, JSON.stringify(args) + '\\n');
  const failures = Number(fs.readFileSync(process.env.FAKE_PATCH_FAILURES, 'utf8'));
  if (failures > 0) {
    fs.writeFileSync(process.env.FAKE_PATCH_FAILURES, String(failures - 1));
    process.stderr.write('The request is invalid: testing value /metadata/resourceVersion failed: test failed\\n');
    process.exit(1);
  }
  process.exit(0);
}
const existing = JSON.parse(fs.readFileSync(process.env.FAKE_EXISTING, 'utf8'));
const managedFields = JSON.parse(fs.readFileSync(process.env.FAKE_MANAGED, 'utf8'))[args[2]];
const shown = args.includes('--show-managed-fields') && managedFields ? { managedFields } : {};
if (existing.includes(args[2])) process.stdout.write(JSON.stringify({ apiVersion: 'v1', kind: 'X', metadata: { name: args[2], uid: 'u', resourceVersion: '7', ...shown } }));
`;

let dir: string;
let env: NodeJS.ProcessEnv;
let stack: PulumiStack;
const children: ChildProcess[] = [];

function callsIn(file: string): string[][] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]) : [];
}

function pulumiCalls(): string[][] {
  return callsIn(env.FAKE_CALLS!);
}

/** The JSON patches kubectl was asked to apply, by object name. */
function patches(): Array<{ name: string; patch: unknown }> {
  return callsIn(env.FAKE_PATCHES!).map((args) => ({ name: args[2], patch: JSON.parse(args[args.indexOf('--patch') + 1]) as unknown }));
}

/** Writes a lock file as `pulumi` does, for `pid` on `host`. */
function writeLock(pid: number, host = hostname()): string {
  const lockDir = path.join(stack.stateDir, '.pulumi', 'locks', 'organization', PROJECT, STACK);
  mkdirSync(lockDir, { recursive: true });
  const file = path.join(lockDir, `${pid}-${host}.json`);
  writeFileSync(file, JSON.stringify({ pid, username: 'root', hostname: host, timestamp: '2026-12-02T06:00:00Z' }));
  return file;
}

/** The PID of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn('true');
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

/** A running process whose command line says `pulumi`, as the CLI's does. */
function runningPulumi(): number {
  const child = spawn('sleep', ['30'], { argv0: 'pulumi' });
  children.push(child);
  return child.pid!;
}

function pending(ops: Array<{ type: string; resourceType: string; name: string; inputs?: object }>): void {
  writeFileSync(env.FAKE_PENDING!, JSON.stringify(ops.map((op) => ({ type: op.type, resource: { urn: urn(op.resourceType, op.name), type: op.resourceType, inputs: op.inputs ?? {} } }))));
}

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'interrupted-update-test-'));
  const bin = path.join(dir, 'fake-bin');
  mkdirSync(bin);
  writeFileSync(path.join(bin, 'pulumi'), FAKE_PULUMI);
  writeFileSync(path.join(bin, 'kubectl'), FAKE_KUBECTL);
  chmodSync(path.join(bin, 'pulumi'), 0o755);
  chmodSync(path.join(bin, 'kubectl'), 0o755);
  env = {
    PATH: `${bin}:${process.env.PATH}`,
    FAKE_CALLS: path.join(dir, 'calls.jsonl'),
    FAKE_PENDING: path.join(dir, 'pending.json'),
    FAKE_EXISTING: path.join(dir, 'existing.json'),
    FAKE_MANAGED: path.join(dir, 'managed-fields.json'),
    FAKE_RECORDED: path.join(dir, 'recorded-managers.json'),
    FAKE_PATCHES: path.join(dir, 'patches.jsonl'),
    FAKE_PATCH_FAILURES: path.join(dir, 'patch-failures'),
  };
  writeFileSync(env.FAKE_PENDING!, '[]');
  writeFileSync(env.FAKE_EXISTING!, '[]');
  writeFileSync(env.FAKE_MANAGED!, '{}');
  writeFileSync(env.FAKE_RECORDED!, '{}');
  writeFileSync(env.FAKE_PATCH_FAILURES!, '0');
  stack = await PulumiStack.open({}, { dir: path.join(dir, 'stack'), env, stackName: STACK });
  writeFileSync(env.FAKE_CALLS!, '');
});

afterEach(() => {
  children.splice(0).forEach((c) => c.kill('SIGKILL'));
  rmSync(dir, { recursive: true, force: true });
});

describe('stackLocks', () => {
  test('tells a lock whose process is gone from one whose pulumi runs and one of another host', async () => {
    const gone = await deadPid();
    const running = runningPulumi();
    writeLock(gone);
    writeLock(running);
    writeLock(4242, 'ci-runner-7');
    // A PID that runs but is not pulumi (reused after the holder died): this very jest worker.
    writeLock(process.pid);
    const holders = Object.fromEntries(stackLocks(stack.stateDir, PROJECT, STACK).map((l) => [l.pid, l.holder]));
    expect(holders).toEqual({ [gone]: 'gone', [running]: 'running', 4242: 'other-host', [process.pid]: 'gone' });
  });

  test('a stack without a lock folder has no locks', () => {
    expect(stackLocks(path.join(dir, 'nowhere'), PROJECT, STACK)).toEqual([]);
    expect(pulumiRuns(0)).toBe(false);
  });

  test('describes a lock by holder, time and state', async () => {
    writeLock(4242, 'ci-runner-7');
    expect(describeLock(stackLocks(stack.stateDir, PROJECT, STACK)[0])).toBe(
      '4242-ci-runner-7.json: taken by root@ci-runner-7 (pid 4242) at 2026-12-02T06:00:00Z, on another host, which this one cannot check',
    );
  });
});

describe('resumeInterruptedUpdate', () => {
  test('changes nothing on a stack that is neither locked nor has operations in flight', async () => {
    const lines: string[] = [];
    expect(await resumeInterruptedUpdate(stack, env, (l) => lines.push(l))).toEqual({ staleLocks: 0, tornFiles: [], stoppedPlugins: [], imported: [], handedOver: [], cleared: [], refreshed: [] });
    expect(pulumiCalls().map((c) => c[0])).toEqual(['stack']);
    expect(lines).toEqual([]);
  });

  test('removes a lock whose pulumi no longer runs, and refreshes nothing when no operation was in flight', async () => {
    writeLock(await deadPid());
    const lines: string[] = [];
    const result = await resumeInterruptedUpdate(stack, env, (l) => lines.push(l));
    expect(result.staleLocks).toBe(1);
    expect(pulumiCalls().map((c) => c.slice(0, 2).join(' '))).toEqual(['cancel --yes', 'stack export']);
    expect(lines.join('\n')).toMatch(/the last update did not finish: .* which no longer runs; removing its lock \(pulumi cancel\)/);
  });

  test('removes the sidecar files a killed pulumi left torn, and its unfinished writes; keeps whole ones', async () => {
    const stacks = path.join(stack.stateDir, '.pulumi', 'stacks', PROJECT);
    mkdirSync(stacks, { recursive: true });
    writeFileSync(path.join(stacks, 'local.json'), '{"version":3}');
    writeFileSync(path.join(stacks, 'local.json.attrs'), '');
    writeFileSync(path.join(stacks, 'local.json.bak'), '{"version":3}');
    writeFileSync(path.join(stacks, 'local.json.bak.attrs'), '{"user.content_type":"text/plain"}');
    writeFileSync(path.join(stacks, 'local.json.18ed5d1f2833e172.tmp'), '{"vers');
    // Without a dead holder nothing is touched: a running pulumi may be writing them.
    await resumeInterruptedUpdate(stack, env, () => undefined);
    expect(existsSync(path.join(stacks, 'local.json.attrs'))).toBe(true);
    writeLock(await deadPid());
    writeFileSync(env.FAKE_CALLS!, '');
    const result = await resumeInterruptedUpdate(stack, env, () => undefined);
    expect(result.tornFiles).toEqual(['.pulumi/stacks/career-copilot/local.json.18ed5d1f2833e172.tmp', '.pulumi/stacks/career-copilot/local.json.attrs'].sort());
    expect(['local.json', 'local.json.bak', 'local.json.bak.attrs'].every((f) => existsSync(path.join(stacks, f)))).toBe(true);
    // Removed before pulumi is asked anything: with the torn sidecar, every command would fail.
    expect(pulumiCalls()[0].slice(0, 1)).toEqual(['cancel']);
  });

  test.each([
    ['its pulumi still runs', () => writeLock(runningPulumi()), 'which still runs'],
    ['another host took it', () => writeLock(4242, 'ci-runner-7'), 'on another host'],
  ])('refuses, naming the lock and changing nothing, when %s', async (_, lock, state) => {
    const file = lock();
    writeLock(await deadPid());
    const error = await resumeInterruptedUpdate(stack, env, () => undefined).then(() => undefined, (e: Error) => e);
    expect(error).toBeInstanceOf(StackLockedError);
    expect(error?.message).toContain(`${path.basename(file)}: taken by root@`);
    expect(error?.message).toContain(state);
    expect(error?.message).toContain(`pulumi cancel --stack ${STACK}`);
    // Not even the stale lock beside it is removed: nothing runs before the refusal.
    expect(pulumiCalls()).toEqual([]);
    expect(existsSync(file)).toBe(true);
  });

  test('adopts the pending creates that exist on the API server, drops those that do not, and reads back the rest', async () => {
    writeLock(await deadPid());
    pending([
      { type: 'creating', resourceType: 'kubernetes:apps/v1:StatefulSet', name: 'statefulset:career-copilot/cache', inputs: { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'cache', namespace: 'career-copilot' } } },
      { type: 'creating', resourceType: 'kubernetes:core/v1:Namespace', name: 'namespace:career-copilot', inputs: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'career-copilot' } } },
      { type: 'creating', resourceType: 'kubernetes:apps/v1:Deployment', name: 'deployment:career-copilot/jobs-service', inputs: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'jobs-service', namespace: 'career-copilot' } } },
      // A patch changes an object made elsewhere: applying it again is its resumption, never an import.
      { type: 'creating', resourceType: 'kubernetes:apps/v1:DeploymentPatch', name: 'rollout-handover:career-copilot/user-service', inputs: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'user-service', namespace: 'career-copilot' } } },
      { type: 'creating', resourceType: 'random:index/randomPassword:RandomPassword', name: 'jobs-db-password' },
      { type: 'updating', resourceType: 'kubernetes:core/v1:ConfigMap', name: 'configmap:career-copilot/api-gateway-files' },
    ]);
    writeFileSync(env.FAKE_EXISTING!, JSON.stringify(['cache', 'career-copilot', 'user-service']));
    const lines: string[] = [];
    const result = await resumeInterruptedUpdate(stack, env, (l) => lines.push(l));
    expect(result.imported).toEqual([
      { urn: urn('kubernetes:apps/v1:StatefulSet', 'statefulset:career-copilot/cache'), object: { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'cache', namespace: 'career-copilot' }, id: 'career-copilot/cache' } },
      { urn: urn('kubernetes:core/v1:Namespace', 'namespace:career-copilot'), object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'career-copilot', namespace: undefined }, id: 'career-copilot' } },
    ]);
    expect(result.cleared).toEqual(['deployment:career-copilot/jobs-service', 'rollout-handover:career-copilot/user-service', 'jobs-db-password']);
    expect(result.refreshed).toEqual(['updating configmap:career-copilot/api-gateway-files']);
    const refresh = pulumiCalls().find((c) => c[0] === 'refresh')!;
    expect(refresh.join(' ')).toContain(
      `--import-pending-creates ${urn('kubernetes:apps/v1:StatefulSet', 'statefulset:career-copilot/cache')} --import-pending-creates career-copilot/cache --import-pending-creates ${urn('kubernetes:core/v1:Namespace', 'namespace:career-copilot')} --import-pending-creates career-copilot --clear-pending-creates`,
    );
    expect(lines.join('\n')).toContain('6 operation(s) were in flight: 2 created on the API server, adopted');
  });

  describe("hands an adopted object's fields from the killed provider's field manager to the one the state records", () => {
    const KILLED = 'pulumi-kubernetes-1f2e3d4c';
    const RECORDED = 'pulumi-kubernetes-a0b1c2d3';
    const STATUS = { manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:status': {} }, subresource: 'status' };
    const applied = (manager: string) => ({ manager, operation: 'Apply', apiVersion: 'apps/v1', time: '2026-12-02T06:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } });
    const statefulSet = { type: 'creating', resourceType: 'kubernetes:apps/v1:StatefulSet', name: 'statefulset:career-copilot/cache', inputs: { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'cache', namespace: 'career-copilot' } } };
    const deployment = { type: 'updating', resourceType: 'kubernetes:apps/v1:Deployment', name: 'deployment:career-copilot/jobs-service' };

    beforeEach(async () => {
      writeLock(await deadPid());
      pending([statefulSet, deployment]);
      writeFileSync(env.FAKE_EXISTING!, JSON.stringify(['cache', 'jobs-service']));
      writeFileSync(env.FAKE_RECORDED!, JSON.stringify({ [urn(statefulSet.resourceType, statefulSet.name)]: RECORDED, [urn(deployment.resourceType, deployment.name)]: RECORDED }));
    });

    test('by a patch of its managedFields alone, tested against the version it was read at; never another object', async () => {
      // The Deployment was only read back: even a stale manager of its own is not the resumption's to change.
      writeFileSync(env.FAKE_MANAGED!, JSON.stringify({ cache: [applied(KILLED), STATUS], 'jobs-service': [applied(KILLED)] }));
      const lines: string[] = [];
      const result = await resumeInterruptedUpdate(stack, env, (l) => lines.push(l));
      expect(result.handedOver).toEqual([`StatefulSet career-copilot/cache: ${KILLED} -> ${RECORDED}`]);
      expect(patches()).toEqual([
        {
          name: 'cache',
          patch: [
            { op: 'test', path: '/metadata/resourceVersion', value: '7' },
            { op: 'replace', path: '/metadata/managedFields', value: [applied(RECORDED), STATUS] },
          ],
        },
      ]);
      expect(callsIn(env.FAKE_PATCHES!)[0].slice(0, 5)).toEqual(['patch', 'StatefulSet.v1.apps', 'cache', '-n', 'career-copilot']);
      expect(lines.join('\n')).toContain(`handed the fields the killed provider applied over to the field manager the state records: StatefulSet career-copilot/cache: ${KILLED} -> ${RECORDED}`);
    });

    test('patches nothing when the recorded manager is already the only one', async () => {
      writeFileSync(env.FAKE_MANAGED!, JSON.stringify({ cache: [applied(RECORDED), STATUS] }));
      expect((await resumeInterruptedUpdate(stack, env, () => undefined)).handedOver).toEqual([]);
      expect(patches()).toEqual([]);
    });

    test('reads the object again and retries when it changed in between, and gives up after three tries', async () => {
      writeFileSync(env.FAKE_MANAGED!, JSON.stringify({ cache: [applied(KILLED)] }));
      writeFileSync(env.FAKE_PATCH_FAILURES!, '2');
      expect((await resumeInterruptedUpdate(stack, env, () => undefined)).handedOver).toHaveLength(1);
      expect(patches()).toHaveLength(3);

      writeLock(await deadPid());
      writeFileSync(env.FAKE_CALLS!, '');
      writeFileSync(env.FAKE_PATCHES!, '');
      writeFileSync(env.FAKE_PATCH_FAILURES!, '3');
      const error = await resumeInterruptedUpdate(stack, env, () => undefined).then(() => undefined, (e: Error) => e);
      expect(error?.message).toContain('testing value /metadata/resourceVersion failed');
      expect(patches()).toHaveLength(3);
    });
  });
});
