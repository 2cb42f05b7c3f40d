import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { synthAll } from '../bin/synth';
import { ValidationError } from '../phases';
import { badInputs } from './bad-inputs';
import { modelInput } from './support/model';
import { ProgramError, runProgram } from './stacks/run-program';

/** Runs `fn` and returns what it threw (undefined when it did not throw). */
function thrown(fn: () => void): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('the bad-input corpus', () => {
  test('holds at least 20 cases across the model, construct props and stack config', () => {
    expect(badInputs.length).toBeGreaterThanOrEqual(20);
    expect(new Set(badInputs.map((b) => b.input))).toEqual(new Set(['model', 'props', 'stack']));
  });

  test.each(badInputs.filter((b) => b.input !== 'stack').map((b) => [`${b.input}: ${b.what}`, b] as const))('refuses %s, naming the field', (_name, bad) => {
    if (bad.input === 'model') {
      const input = modelInput();
      bad.mutate(input);
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bad-input-'));
      const error = thrown(() => synthAll(input, out));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toBe(bad.error);
      // Refused before any file is written.
      expect(fs.readdirSync(out)).toEqual([]);
      fs.rmSync(out, { recursive: true });
    } else if (bad.input === 'props') {
      const error = thrown(bad.build);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toContain(bad.error);
    }
  });

  test.each(badInputs.filter((b) => b.input === 'stack').map((b) => [b.what, b] as const))('refuses stack config: %s, before registering any resource', async (_what, bad) => {
    if (bad.input !== 'stack') return;
    const error = (await runProgram(bad.config, bad.previous ?? {}, bad.stack).then(() => undefined, (e: ProgramError) => e))!;
    expect(error).toBeDefined();
    expect(error.message).toContain(bad.error);
    // Only a skipped phase needs to read the stack's own last outputs (a read, not a change) to be refused.
    expect(error.registered.filter((r) => r.type !== 'pulumi:pulumi:StackReference')).toEqual([]);
  });
});
