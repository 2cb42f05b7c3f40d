import { chmodSync, writeFileSync } from 'fs';
import * as path from 'path';

const RANDOM_PROVIDER = path.join(__dirname, 'random-provider.ts');

/**
 * Writes `pulumi-resource-random` into `bin`: the engine starts the first plugin of that name on PATH (an ambient
 * plugin), here local/random-provider.ts, run by this Node.js through ts-node. Put `bin` first on the CLI's PATH.
 */
export function writeRandomProviderLauncher(bin: string): void {
  const launcher = path.join(bin, 'pulumi-resource-random');
  const tsNode = require.resolve('ts-node/register/transpile-only');
  writeFileSync(launcher, `#!/bin/sh\nexec "${process.execPath}" -r "${tsNode}" "${RANDOM_PROVIDER}" "$@"\n`);
  chmodSync(launcher, 0o755);
}
