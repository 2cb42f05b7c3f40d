/**
 * PulumiStack against a stand-in `pulumi` on PATH that records its calls and prints canned engine events: what the
 * class asks of the CLI, what it reads back, and that the event stream's secrets never reach an error message.
 * The real CLI is exercised by test/e2e and `npm run local`.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { PulumiStack, ResourceStep } from '../../local/pulumi-stack';

const SECRET = 'hunter2-plaintext';
const URN = 'urn:pulumi:local::career-copilot::career-copilot:platform:Component$kubernetes:apps/v1:Deployment::deployment:career-copilot/backend';

/** The stand-in CLI: appends its arguments (and the passphrase variables it sees) to calls.jsonl, then answers. */
const FAKE_PULUMI = `#!/usr/bin/env node
const fs = require('fs');
const args = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_CALLS, JSON.stringify({ args, passphrase: process.env.PULUMI_CONFIG_PASSPHRASE, passphraseFile: process.env.PULUMI_CONFIG_PASSPHRASE_FILE, backend: process.env.PULUMI_BACKEND_URL }) + '\\n');
const out = (event) => process.stdout.write(JSON.stringify(event) + '\\n');
if (args[0] === 'stack' && args[1] === 'ls') { out(fs.existsSync(process.env.FAKE_INITED) ? [{ name: 'local' }] : []); process.exit(0); }
if (args[0] === 'stack' && args[1] === 'init') { fs.writeFileSync(process.env.FAKE_INITED, ''); process.exit(0); }
if (args[0] === 'up') {
  out({ resourcePreEvent: { metadata: { op: 'create', urn: ${JSON.stringify(URN)}, type: 'kubernetes:apps/v1:Deployment' } } });
  out({ diagnosticEvent: { severity: 'debug', message: 'RegisterResource password=${SECRET}' } });
  if (process.env.FAKE_FAIL) {
    out({ diagnosticEvent: { severity: 'error', urn: ${JSON.stringify(URN)}, message: 'the server rejected it' } });
    process.exit(255);
  }
  out({ resOutputsEvent: { metadata: { op: 'create', urn: ${JSON.stringify(URN)}, type: 'kubernetes:apps/v1:Deployment' } } });
  out({ resOutputsEvent: { metadata: { op: 'same', urn: 'urn:pulumi:local::career-copilot::pulumi:pulumi:Stack::career-copilot-local', type: 'pulumi:pulumi:Stack' } } });
  out({ summaryEvent: { resourceChanges: { create: 1, same: 2 } } });
  process.exit(0);
}
process.exit(0);
`;

let dir: string;
let env: NodeJS.ProcessEnv;

function calls(): Array<{ args: string[]; passphrase?: string; passphraseFile?: string; backend?: string }> {
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
    const first = calls().map((c) => c.args.slice(0, 4).join(' '));
    expect(first).toEqual(['stack ls --json', 'stack init local --non-interactive', 'config set target local', 'config set replicas 1']);
    // Every config write names the stack's own config file, never the repository's Pulumi.<stack>.yaml.
    for (const call of calls().filter((c) => c.args[0] === 'config')) {
      expect(call.args).toEqual(expect.arrayContaining(['--stack', 'local', '--config-file', path.join(stackDir, 'project', 'Pulumi.local.yaml')]));
    }
    expect(calls()[0].backend).toBe(`file://${path.join(stackDir, 'state')}`);

    await PulumiStack.open({ target: 'local', replicas: '1' }, { dir: stackDir, env });
    expect(calls().map((c) => c.args.slice(0, 2).join(' ')).slice(4)).toEqual(['stack ls']);
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

  test('up reports each finished resource operation and returns the summary counts', async () => {
    const stack = await PulumiStack.open({}, { dir: path.join(dir, 'stack'), env });
    const steps: ResourceStep[] = [];
    const result = await stack.up({ onStep: (step) => steps.push(step) });
    expect(steps).toEqual([
      { op: 'create', type: 'kubernetes:apps/v1:Deployment', name: 'deployment:career-copilot/backend' },
      { op: 'same', type: 'pulumi:pulumi:Stack', name: 'career-copilot-local' },
    ]);
    expect(result.changes).toEqual({ create: 1, update: 0, delete: 0, replace: 0, same: 2 });
  });

  test('a failed up throws its errors, never the debug events that carry secrets', async () => {
    const stack = await PulumiStack.open({}, { dir: path.join(dir, 'stack'), env: { ...env, FAKE_FAIL: '1' } });
    const error = await stack.up().then(() => undefined, (e: Error) => e);
    expect(error?.message).toContain('error: deployment:career-copilot/backend: the server rejected it');
    expect(error?.message).not.toContain(SECRET);
  });
});
