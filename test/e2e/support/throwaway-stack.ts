import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { PulumiStack, PulumiStackOptions } from '../../../local/pulumi-stack';

/**
 * A new stack in a new temporary folder (state, config and a generated passphrase; `remove()` deletes it all),
 * created with `config`. @default stackName 'e2e'
 */
export function throwawayStack(config: Readonly<Record<string, string>>, options: Omit<PulumiStackOptions, 'dir'>): Promise<PulumiStack> {
  const dir = mkdtempSync(path.join(tmpdir(), 'career-copilot-e2e-'));
  return PulumiStack.open(config, { stackName: 'e2e', ...options, dir });
}
