/**
 * PulumiStack against a stand-in `pulumi` on PATH that records its calls and answers as the CLI does when the
 * Automation API drives it: what the class asks of the CLI and where, what it reads back from the engine events, that
 * the event stream's secrets never reach an error message, and that a kill is a SIGKILL. The stand-in streams its
 * engine events over gRPC, as the CLI 3.248 does (the real CLI is exercised by test/e2e and `npm run local`).
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { readProcess } from '../../local/processes';
import { PulumiStack, ResourceStep } from '../../local/pulumi-stack';
import { fakeEngineEventsSource } from './support/fake-engine-events';

const SECRET = 'hunter2-plaintext';
const URN = 'urn:pulumi:local::career-copilot::career-copilot:platform:Component$kubernetes:apps/v1:Deployment::deployment:career-copilot/backend';
const REPO_ROOT = path.resolve(__dirname, '../..');

/**
 * The stand-in CLI: appends its arguments, working folder and the passphrase variables it sees to calls.jsonl, then
 * answers; `up` streams its engine events to the Automation API.
 */
const FAKE_PULUMI = `#!/usr/bin/env node
const fs = require('fs');
const args = process.argv.slice(2);
if (args[0] === 'version') { console.log('v3.248.0'); process.exit(0); }
fs.appendFileSync(process.env.FAKE_CALLS, JSON.stringify({ args, cwd: process.cwd(), passphrase: process.env.PULUMI_CONFIG_PASSPHRASE, passphraseFile: process.env.PULUMI_CONFIG_PASSPHRASE_FILE, backend: process.env.PULUMI_BACKEND_URL, pid: process.pid }) + '\\n');
const out = (value) => process.stdout.write(JSON.stringify(value) + '\\n');
${fakeEngineEventsSource()}
if (args[0] === 'stack' && args[1] === 'ls') { out(fs.existsSync(process.env.FAKE_INITED) ? [{ name: 'local', current: false, updateInProgress: false }] : []); process.exit(0); }
if (args[0] === 'stack' && args[1] === 'init') { fs.writeFileSync(process.env.FAKE_INITED, ''); process.exit(0); }
if (args[0] === 'stack' && args[1] === 'output') { out({}); process.exit(0); }
if (args[0] === 'stack' && args[1] === 'history') { out([{ kind: 'update', startTime: '2026-12-03T00:00:00Z', endTime: '2026-12-03T00:00:01Z', result: 'succeeded', resourceChanges: { create: 1, same: 2 } }]); process.exit(0); }
if (args[0] === 'up') {
  const events = engineEvents();
  events.send({ resourcePreEvent: { metadata: { op: 'create', urn: ${JSON.stringify(URN)}, type: 'kubernetes:apps/v1:Deployment' } } });
  events.send({ diagnosticEvent: { severity: 'debug', message: 'RegisterResource password=${SECRET}' } });
  if (process.env.FAKE_FAIL) {
    events.send({ diagnosticEvent: { severity: 'error', urn: ${JSON.stringify(URN)}, message: 'the server rejected it' } });
    events.end().then(() => process.exit(255));
  } else {
    events.send({ resOutputsEvent: { metadata: { op: 'create', urn: ${JSON.stringify(URN)}, type: 'kubernetes:apps/v1:Deployment' } } });
    if (process.env.FAKE_HANG) setInterval(() => undefined, 1000);
    else {
      events.send({ resOutputsEvent: { metadata: { op: 'same', urn: 'urn:pulumi:local::career-copilot::pulumi:pulumi:Stack::career-copilot-local', type: 'pulumi:pulumi:Stack' } } });
      events.send({ summaryEvent: { maybeCorrupt: false, durationSeconds: 1, resourceChanges: { create: 1, same: 2 }, policyPacks: {} } });
      events.end().then(() => process.exit(0));
    }
  }
} else process.exit(0);
`;

let dir: string;
let env: NodeJS.ProcessEnv;

function calls(): Array<{ args: string[]; cwd: string; passphrase?: string; passphraseFile?: string; backend?: string; pid: number }> {
  const file = env.FAKE_CALLS!;
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : [];
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'pulumi-stack-test-'));
  const bin = path.join(dir, 'fake-bin');
  mkdirSync(bin);
  writeFileSync(path.join(bin, 'pulumi'), FAKE_PULUMI);
  chmodSync(path.join(bin, 'pulumi'), 0o755);
  env = {
    PATH: `${bin}:${process.env.PATH}`,
    FAKE_CALLS: path.join(dir, 'calls.jsonl'),
    FAKE_INITED: path.join(dir, 'inited'),
    // A passphrase in the caller's environment must not be the one the stack uses.
    PULUMI_CONFIG_PASSPHRASE: 'a-known-passphrase',
  };
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('PulumiStack', () => {
  test('open creates the stack once, sets its config, and keeps everything in its folder', async () => {
    const stackDir = path.join(dir, 'stack');
    await PulumiStack.open({ target: 'local', replicas: '1' }, { dir: stackDir, env });
    const first = calls().map((c) => c.args.slice(0, 2).join(' '));
    expect(first).toEqual(['stack ls', 'stack init', 'config set-all', 'stack select']);
    expect(calls()[2].args).toEqual(expect.arrayContaining(['--plaintext', 'target=local', '--plaintext', 'replicas=1']));
    // The config is written by a workspace in the stack's folder (Pulumi.local.yaml beside a stub of the project),
    // never into the repository; the stack is selected where the program is.
    for (const call of calls().slice(0, 3)) expect(call.cwd).toBe(path.join(stackDir, 'project'));
    expect(calls()[3].cwd).toBe(REPO_ROOT);
    expect(calls()[0].backend).toBe(`file://${path.join(stackDir, 'state')}`);
    expect(readFileSync(path.join(stackDir, 'project', 'Pulumi.yaml'), 'utf8')).toBe('name: career-copilot\nruntime: nodejs\n');

    await PulumiStack.open({ target: 'local', replicas: '1' }, { dir: stackDir, env });
    expect(calls().map((c) => c.args.slice(0, 2).join(' ')).slice(4)).toEqual(['stack ls', 'stack select']);
  });

  test('uses a generated passphrase, readable by its owner only, never a known one', async () => {
    const stackDir = path.join(dir, 'stack');
    await PulumiStack.open({}, { dir: stackDir, env });
    const passphraseFile = path.join(stackDir, 'passphrase');
    expect(statSync(passphraseFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(passphraseFile, 'utf8')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    for (const call of calls()) {
      expect(call.passphrase).toBeUndefined();
      expect(call.passphraseFile).toBe(passphraseFile);
    }
    // A second stack gets a passphrase of its own.
    await PulumiStack.open({}, { dir: path.join(dir, 'other'), env });
    expect(readFileSync(path.join(dir, 'other', 'passphrase'), 'utf8')).not.toBe(readFileSync(passphraseFile, 'utf8'));
  });

  test('up runs the program with the config file of the stack folder, reports each finished operation and the counts', async () => {
    const stackDir = path.join(dir, 'stack');
    const stack = await PulumiStack.open({}, { dir: stackDir, env });
    const steps: ResourceStep[] = [];
    const result = await stack.up({ onStep: (step) => steps.push(step) });
    expect(steps).toEqual([
      { op: 'create', type: 'kubernetes:apps/v1:Deployment', name: 'deployment:career-copilot/backend' },
      { op: 'same', type: 'pulumi:pulumi:Stack', name: 'career-copilot-local' },
    ]);
    expect(result.changes).toEqual({ create: 1, update: 0, delete: 0, replace: 0, same: 2 });
    const up = calls().find((c) => c.args[0] === 'up')!;
    expect(up.cwd).toBe(REPO_ROOT);
    expect(up.args).toEqual(expect.arrayContaining(['--yes', '--skip-preview', '--config-file', path.join(stackDir, 'project', 'Pulumi.local.yaml'), '--stack', 'local']));
  });

  test('a failed up throws its errors, never the debug events that carry secrets', async () => {
    const stack = await PulumiStack.open({}, { dir: path.join(dir, 'stack'), env: { ...env, FAKE_FAIL: '1' } });
    const error = await stack.up().then(() => undefined, (e: Error) => e);
    expect(error?.message).toContain('error: deployment:career-copilot/backend: the server rejected it');
    expect(error?.message).not.toContain(SECRET);
  });

  test('an aborted up SIGKILLs the CLI and settles once it is reaped', async () => {
    const stack = await PulumiStack.open({}, { dir: path.join(dir, 'stack'), env: { ...env, FAKE_HANG: '1' } });
    const controller = new AbortController();
    const error = await stack.up({ onStep: () => controller.abort(), signal: controller.signal }).then(() => undefined, (e: Error) => e);
    expect(error?.message).toMatch(/^pulumi up killed \(SIGKILL, pid \d+\)$/);
    const up = calls().find((c) => c.args[0] === 'up')!;
    expect(error?.message).toContain(String(up.pid));
    expect(readProcess(up.pid)).toBeUndefined();
  });
});
