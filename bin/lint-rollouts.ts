/**
 * `npm run lint:rollouts [-- --stack dev,staging,prod]`: runs Argo Rollouts' own linter (`kubectl argo rollouts
 * lint`, built by `scripts/cluster.sh build argo-rollouts`) on every Rollout that each stack deploys at each
 * phase, bundled with its pod template, Services and VirtualService. Prints one line per Rollout and exits
 * non-zero when any fails.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { synthesizePhase } from '../synthesis/synthesize';
import { careerCopilot, PHASES, selectPhase } from '../phases';
import { builtToolPath } from '../local/cluster';
import { lintRollout, rolloutLintBundles } from '../policy/rollout-lint';
import { readStackEnvironment, stackNames } from '../review/stack-environment';

const root = path.resolve(__dirname, '..');

function main(): number {
  const stacksOnDisk = stackNames(root);
  const { values } = parseArgs({ options: { stack: { type: 'string', default: stacksOnDisk.join(',') } } });
  const plugin = builtToolPath('kubectl-argo-rollouts');
  if (!fs.existsSync(plugin)) {
    console.error(`lint:rollouts: ${plugin} is not built; run: bash scripts/cluster.sh build argo-rollouts`);
    return 2;
  }
  const model = careerCopilot();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lint-rollouts-'));
  let linted = 0;
  let failed = 0;
  try {
    for (const stack of values.stack!.split(',').filter(Boolean)) {
      const { environment, selection } = readStackEnvironment(stack, root);
      for (const phase of PHASES) {
        const documents = synthesizePhase(selectPhase(model, phase, selection), environment).map((m) => m.document);
        for (const bundle of rolloutLintBundles(documents)) {
          const { ok, output } = lintRollout(plugin, bundle, path.join(work, `${stack}-${phase}`));
          linted++;
          if (!ok) failed++;
          console.log(`${ok ? 'ok  ' : 'FAIL'} ${stack} phase ${phase} Rollout ${bundle.rollout} (${bundle.objects.length - 1} Services and VirtualServices)${output ? `: ${output}` : ''}`);
        }
      }
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  console.log(`lint:rollouts: ${linted} Rollouts linted, ${failed} failed`);
  return failed > 0 || linted === 0 ? 1 : 0;
}

try {
  process.exitCode = main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
