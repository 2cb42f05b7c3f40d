/**
 * `npm run analyze:mesh [-- --stack dev,staging,prod]`: runs Istio's analyzers (tools/istio-analyze, the checks of
 * `istioctl analyze`) over what each stack deploys at each phase, with one pod per pod template and the cluster's
 * prerequisites beside it, and judges the messages against policy/mesh-analysis-exceptions.yaml. Prints every
 * message, then `N messages, M excepted, K not excepted, S stale exceptions`; exits non-zero on a message no
 * exception covers and on an exception that covers nothing.
 *
 * Needs the analyzer built (`bash scripts/cluster.sh build istio-analyze`; cached, cold about 4 minutes).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { synthesizePhase } from '../synthesis/synthesize';
import { careerCopilot, PHASES, selectPhase } from '../phases';
import { builtToolPath } from '../local/cluster';
import { analyzeObjects, formatMeshMessage, judgeMeshMessages, readMeshExceptions, SeenMessage } from '../policy/mesh-analysis';
import { readStackEnvironment, stackNames } from '../review/stack-environment';

const root = path.resolve(__dirname, '..');

function main(): number {
  const stacksOnDisk = stackNames(root);
  const { values } = parseArgs({ options: { stack: { type: 'string', default: stacksOnDisk.join(',') } } });
  const stacks = values.stack!.split(',').filter(Boolean);
  const analyzer = builtToolPath('istio-analyze');
  if (!fs.existsSync(analyzer)) {
    console.error(`analyze:mesh: ${analyzer} is not built; run: bash scripts/cluster.sh build istio-analyze`);
    return 2;
  }
  const exceptionsFile = path.join(root, 'policy', 'mesh-analysis-exceptions.yaml');
  const exceptions = readMeshExceptions(fs.readFileSync(exceptionsFile, 'utf8'), { stacks: stacksOnDisk, phases: PHASES });
  const model = careerCopilot();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'analyze-mesh-'));
  const seen: SeenMessage[] = [];
  try {
    for (const stack of stacks) {
      const { config, environment, selection } = readStackEnvironment(stack, root);
      for (const phase of PHASES) {
        const documents = synthesizePhase(selectPhase(model, phase, selection), environment).map((m) => m.document);
        const tlsSecret = config.tlsSecretName ? { name: config.tlsSecretName, namespace: 'istio-system' } : undefined;
        const { messages, added, summary } = analyzeObjects(analyzer, documents, path.join(work, `${stack}-phase-${phase}`), tlsSecret);
        seen.push(...messages.map((m) => ({ ...m, stack, phase })));
        console.log(`${stack} phase ${phase}: ${documents.length} objects, ${added} pods and prerequisites, ${messages.length} messages (${summary})`);
      }
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  // A narrower run (--stack) cannot say an exception is stale: it may cover a stack left out.
  const verdict = judgeMeshMessages(seen, exceptions);
  for (const m of verdict.unexcepted) console.log(`NOT EXCEPTED ${formatMeshMessage(m)}`);
  for (const m of verdict.excepted) console.log(`excepted (#${m.exception}) ${formatMeshMessage(m)}`);
  const complete = stacks.length === stacksOnDisk.length;
  const stale = complete ? verdict.stale : [];
  for (const i of stale) console.log(`STALE exceptions[${i}] (${exceptions[i].code}${exceptions[i].origin ? ` ${exceptions[i].origin}` : ''}): it matches no message; remove it`);
  console.log(`analyze:mesh: ${seen.length} messages, ${verdict.excepted.length} excepted, ${verdict.unexcepted.length} not excepted, ${stale.length} stale exceptions (${stacks.join(', ')} x phases ${PHASES.join(', ')})`);
  return verdict.unexcepted.length > 0 || stale.length > 0 ? 1 : 0;
}

try {
  process.exitCode = main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
