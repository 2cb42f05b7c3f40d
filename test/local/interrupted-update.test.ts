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
import { fakeEngineEventsSource } from './support/fake-engine-events';

// For real it SIGKILLs every plugin on this host that no pulumi CLI owns, which the orphaned-plugins test running
// beside this one starts on purpose; what it finds is that test's subject, not this one's.
jest.mock('../../local/orphaned-plugins', () => ({ stopOrphanedPlugins: async () => [] }));

const STACK = 'local';
const PROJECT = 'career-copilot';
const urn = (type: string, name: string) => `urn:pulumi:${STACK}::${PROJECT}::career-copilot:platform:Component$${type}::${name}`;
/** The component the stand-in's resources belong to. */
const PARENT = `urn:pulumi:${STACK}::${PROJECT}::career-copilot:platform:Component::platform`;
/** The field manager the stand-in refresh draws for a resource whose state records none. */
const DRAWN = 'pulumi-kubernetes-d4a3e000';

/**
 * `pulumi`: records its arguments, and keeps a stack's state in $FAKE_STATE as the CLI does: `stack export` prints
 * it, `stack import --file` replaces it (keeping what it was given in $FAKE_IMPORTED) and drops its pending
 * operations; `refresh` records each resource's field manager as the provider's Read does (the one in the state, or
 * one it draws), keeps only pending creates (none with --clear-pending-creates) and streams its summary event.
 */
const FAKE_PULUMI = `#!/usr/bin/env node
const fs = require('fs');
const args = process.argv.slice(2);
if (args[0] === 'version') { console.log('v3.248.0'); process.exit(0); }
fs.appendFileSync(process.env.FAKE_CALLS, JSON.stringify(args) + '\\n');
const out = (event) => process.stdout.write(JSON.stringify(event) + '\\n');
const state = () => JSON.parse(fs.readFileSync(process.env.FAKE_STATE, 'utf8'));
const save = (deployment) => fs.writeFileSync(process.env.FAKE_STATE, JSON.stringify(deployment));
${fakeEngineEventsSource()}
if (args[0] === 'stack' && args[1] === 'ls') { out([{ name: 'local' }]); process.exit(0); }
if (args[0] === 'stack' && args[1] === 'history') { out([{ kind: 'refresh', startTime: '2026-12-03T00:00:00Z', resourceChanges: { same: 3 } }]); process.exit(0); }
if (args[0] === 'stack' && args[1] === 'export') { out({ version: 3, deployment: state() }); process.exit(0); }
if (args[0] === 'stack' && args[1] === 'import') {
  const { deployment } = JSON.parse(fs.readFileSync(args[args.indexOf('--file') + 1], 'utf8'));
  fs.writeFileSync(process.env.FAKE_IMPORTED, JSON.stringify(deployment));
  save({ ...deployment, pending_operations: [] });
  process.exit(0);
}
if (args[0] === 'refresh') {
  const d = state();
  const resources = (d.resources || []).map((r) => ({ ...r, outputs: { ...r.outputs, __fieldManager: (r.outputs && r.outputs.__fieldManager) || '${DRAWN}' } }));
  const pending = args.includes('--clear-pending-creates') ? [] : (d.pending_operations || []).filter((o) => o.type === 'creating');
  save({ ...d, resources, pending_operations: pending });
  const events = engineEvents();
  events.send({ summaryEvent: { resourceChanges: { same: 3 } } });
  events.end().then(() => process.exit(0));
} else {
  process.exit(0);
}
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

/** The resources of the stand-in's state, and its operations in flight. */
function pending(ops: Array<{ type: string; resourceType: string; name: string; inputs?: object }>, resources: object[] = []): void {
  const operations = ops.map((op) => ({ type: op.type, resource: { urn: urn(op.resourceType, op.name), type: op.resourceType, custom: true, parent: PARENT, inputs: op.inputs ?? {} } }));
  writeFileSync(env.FAKE_STATE!, JSON.stringify({ resources, pending_operations: operations }));
}

/** What `stack import` was given, as the deployment it replaced the state with. */
function imported(): { resources: Array<{ urn: string; id?: string; outputs?: Record<string, unknown> }>; pending_operations: Array<{ type: string; resource: { urn: string } }> } | undefined {
  return existsSync(env.FAKE_IMPORTED!) ? JSON.parse(readFileSync(env.FAKE_IMPORTED!, 'utf8')) : undefined;
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
    FAKE_STATE: path.join(dir, 'state.json'),
    FAKE_IMPORTED: path.join(dir, 'imported.json'),
    FAKE_EXISTING: path.join(dir, 'existing.json'),
    FAKE_MANAGED: path.join(dir, 'managed-fields.json'),
    FAKE_PATCHES: path.join(dir, 'patches.jsonl'),
    FAKE_PATCH_FAILURES: path.join(dir, 'patch-failures'),
  };
  writeFileSync(env.FAKE_STATE!, '{}');
  writeFileSync(env.FAKE_EXISTING!, '[]');
  writeFileSync(env.FAKE_MANAGED!, '{}');
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

  describe('adopts the pending creates whose object exists, as created by the field manager that applied it', () => {
    const KILLED = 'pulumi-kubernetes-1f2e3d4c';
    const EARLIER = 'pulumi-kubernetes-0e0e0e0e';
    const STATUS = { manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:status': {} }, subresource: 'status' };
    const applied = (manager: string, time = '2026-12-02T06:00:00Z') => ({ manager, operation: 'Apply', apiVersion: 'apps/v1', time, fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } });
    const cacheInputs = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'cache', namespace: 'career-copilot' } };
    const cache = { type: 'creating', resourceType: 'kubernetes:apps/v1:StatefulSet', name: 'statefulset:career-copilot/cache', inputs: cacheInputs };
    const cacheUrn = urn(cache.resourceType, cache.name);
    const namespaceUrn = urn('kubernetes:core/v1:Namespace', 'namespace:career-copilot');
    const inFlight = [
      cache,
      { type: 'creating', resourceType: 'kubernetes:core/v1:Namespace', name: 'namespace:career-copilot', inputs: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'career-copilot' } } },
      { type: 'creating', resourceType: 'kubernetes:apps/v1:Deployment', name: 'deployment:career-copilot/jobs-service', inputs: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'jobs-service', namespace: 'career-copilot' } } },
      // A patch changes an object made elsewhere: applying it again is its resumption, never an adoption.
      { type: 'creating', resourceType: 'kubernetes:apps/v1:DeploymentPatch', name: 'rollout-handover:career-copilot/user-service', inputs: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'user-service', namespace: 'career-copilot' } } },
      { type: 'creating', resourceType: 'random:index/randomPassword:RandomPassword', name: 'jobs-db-password' },
      { type: 'updating', resourceType: 'kubernetes:core/v1:ConfigMap', name: 'configmap:career-copilot/api-gateway-files' },
    ];
    const platform = { urn: PARENT, type: 'career-copilot:platform:Component', custom: false };

    beforeEach(async () => {
      writeLock(await deadPid());
      pending(inFlight, [platform]);
      writeFileSync(env.FAKE_EXISTING!, JSON.stringify(['cache', 'career-copilot', 'user-service', 'api-gateway-files']));
    });

    test('records each in the state, with its ID and the manager that applied it, and drops the creates that made nothing', async () => {
      // The namespace's manager is none of pulumi-kubernetes' (another tool applied it): the refresh draws one.
      writeFileSync(env.FAKE_MANAGED!, JSON.stringify({ cache: [applied(KILLED), STATUS], 'career-copilot': [{ ...applied('kubectl'), apiVersion: 'v1' }] }));
      const lines: string[] = [];
      const result = await resumeInterruptedUpdate(stack, env, (l) => lines.push(l));
      expect(result.imported).toEqual([
        { urn: cacheUrn, object: { ...cacheInputs, id: 'career-copilot/cache' }, fieldManager: KILLED },
        { urn: namespaceUrn, object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'career-copilot', namespace: undefined }, id: 'career-copilot' }, fieldManager: undefined },
      ]);
      expect(result.cleared).toEqual(['deployment:career-copilot/jobs-service', 'rollout-handover:career-copilot/user-service', 'jobs-db-password']);
      expect(result.refreshed).toEqual(['updating configmap:career-copilot/api-gateway-files']);
      // What `stack import` was given: the adopted creates as resources after what they refer to, the rest still in
      // flight for the CLI to drop.
      const state = imported()!;
      expect(state.resources.map((r) => [r.urn, r.id])).toEqual([[PARENT, undefined], [cacheUrn, 'career-copilot/cache'], [namespaceUrn, 'career-copilot']]);
      expect(state.resources[1]).toMatchObject({ custom: true, parent: PARENT, inputs: cacheInputs, outputs: { ...cacheInputs, __inputs: cacheInputs, __fieldManager: KILLED } });
      expect(state.resources[2].outputs).not.toHaveProperty('__fieldManager');
      expect(state.pending_operations.map((o) => o.type)).toEqual(['creating', 'creating', 'creating', 'updating']);
      // Then a refresh, which needs no flag: the import dropped every pending operation (the Automation API reads its
      // summary from the stack's history).
      expect(pulumiCalls().map((c) => c.slice(0, 2).join(' '))).toEqual(['cancel --yes', 'stack export', 'stack export', 'stack import', 'refresh --skip-preview', 'stack history', 'stack export', 'stack export']);
      expect(pulumiCalls().find((c) => c[0] === 'refresh')).not.toContain('--clear-pending-creates');
      expect(result.handedOver).toEqual([]);
      expect(patches()).toEqual([]);
      expect(lines.join('\n')).toContain(`6 operation(s) were in flight: 2 created on the API server, adopted (statefulset:career-copilot/cache as ${KILLED}, namespace:career-copilot as a new field manager)`);
    });

    test('with nothing to adopt, drops the pending creates in the refresh and leaves the state alone', async () => {
      writeFileSync(env.FAKE_EXISTING!, '[]');
      const result = await resumeInterruptedUpdate(stack, env, () => undefined);
      expect(result.imported).toEqual([]);
      expect(imported()).toBeUndefined();
      expect(pulumiCalls().find((c) => c[0] === 'refresh')).toContain('--clear-pending-creates');
    });

    test("hands a second pulumi-kubernetes manager's fields to the recorded one by a patch of managedFields alone, tested against the version read", async () => {
      // A create of it killed before: the object carries that earlier manager too; the one that applied last is recorded.
      writeFileSync(env.FAKE_MANAGED!, JSON.stringify({ cache: [applied(EARLIER, '2026-12-02T05:00:00Z'), applied(KILLED), STATUS], 'api-gateway-files': [applied(EARLIER), applied(KILLED)] }));
      const lines: string[] = [];
      const result = await resumeInterruptedUpdate(stack, env, (l) => lines.push(l));
      expect(result.imported[0].fieldManager).toBe(KILLED);
      expect(result.handedOver).toEqual([`StatefulSet career-copilot/cache: ${EARLIER} -> ${KILLED}`]);
      // Only the adopted object: the ConfigMap was only read back.
      expect(patches()).toEqual([
        {
          name: 'cache',
          patch: [
            { op: 'test', path: '/metadata/resourceVersion', value: '7' },
            { op: 'replace', path: '/metadata/managedFields', value: [{ ...applied(EARLIER, '2026-12-02T05:00:00Z'), manager: KILLED, time: '2026-12-02T06:00:00Z' }, STATUS] },
          ],
        },
      ]);
      expect(callsIn(env.FAKE_PATCHES!)[0].slice(0, 5)).toEqual(['patch', 'StatefulSet.v1.apps', 'cache', '-n', 'career-copilot']);
      expect(lines.join('\n')).toContain(`handed what other pulumi-kubernetes field managers applied to the one the state records: StatefulSet career-copilot/cache: ${EARLIER} -> ${KILLED}`);
    });

    test('reads the object again and retries the patch when it changed in between, and gives up after three tries', async () => {
      writeFileSync(env.FAKE_MANAGED!, JSON.stringify({ cache: [applied(EARLIER, '2026-12-02T05:00:00Z'), applied(KILLED)] }));
      writeFileSync(env.FAKE_PATCH_FAILURES!, '2');
      expect((await resumeInterruptedUpdate(stack, env, () => undefined)).handedOver).toHaveLength(1);
      expect(patches()).toHaveLength(3);

      writeLock(await deadPid());
      pending(inFlight, [platform]);
      writeFileSync(env.FAKE_PATCHES!, '');
      writeFileSync(env.FAKE_PATCH_FAILURES!, '3');
      const error = await resumeInterruptedUpdate(stack, env, () => undefined).then(() => undefined, (e: Error) => e);
      expect(error?.message).toContain('testing value /metadata/resourceVersion failed');
      expect(patches()).toHaveLength(3);
    });
  });
});
