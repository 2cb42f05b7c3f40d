/**
 * `npm run synth [-- --out DIR]`: writes the Kubernetes manifests of every phase of Career Copilot to
 * DIR/phase-0 ... DIR/phase-4 (default dist/), with a Mermaid diagram of each phase (diagram.mmd).
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { writeManifests } from '../constructs/manifest-files';
import { synthesizePhase } from '../constructs/synthesize';
import { careerCopilot, PHASES, selectPhase } from '../phases';
import { phaseDiagram } from '../review/mermaid-diagram';

function main(): void {
  const { values } = parseArgs({ options: { out: { type: 'string', default: 'dist' } } });
  const out = path.resolve(values.out!);
  const model = careerCopilot();
  for (const phase of PHASES) {
    const plan = selectPhase(model, phase);
    const manifests = synthesizePhase(plan);
    const dir = path.join(out, `phase-${phase}`);
    const files = writeManifests(dir, manifests);
    // After writeManifests, which replaces the folder.
    fs.writeFileSync(path.join(dir, 'diagram.mmd'), phaseDiagram(plan));
    const components = new Set(manifests.map((m) => m.component)).size;
    console.log(`phase ${phase} (${plan.spec.title}): ${files.length} objects in ${components} components -> ${path.relative(process.cwd(), dir)}/`);
  }
}

try {
  main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
