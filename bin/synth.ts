/**
 * `npm run synth [-- --out DIR]`: writes the Kubernetes manifests of every phase of Career Copilot to
 * DIR/phase-0 ... DIR/phase-4 (default dist/), with a Mermaid diagram of each phase (diagram.mmd).
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { writeManifests } from '../synthesis/manifest-files';
import { synthesizePhase } from '../synthesis/synthesize';
import { Manifest } from '../core/manifest';
import { careerCopilotInput, loadPlatformModel, PHASES, PhasePlan, selectPhase } from '../phases';
import { phaseDiagram } from '../review/mermaid-diagram';

/** What one phase writes. */
interface PhaseOutput {
  readonly plan: PhasePlan;
  readonly manifests: Manifest[];
  readonly diagram: string;
}

/**
 * Validates `input`, builds every phase in memory, and only then writes them: bad input, or a construct that
 * refuses its props in any phase, stops before a single file is written. Returns one summary line per phase.
 */
export function synthAll(input: unknown, out: string): string[] {
  const model = loadPlatformModel(input);
  const outputs: PhaseOutput[] = PHASES.map((phase) => {
    const plan = selectPhase(model, phase);
    return { plan, manifests: synthesizePhase(plan), diagram: phaseDiagram(plan) };
  });
  return outputs.map(({ plan, manifests, diagram }) => {
    const dir = path.join(out, `phase-${plan.phase}`);
    const files = writeManifests(dir, manifests);
    // After writeManifests, which replaces the folder.
    fs.writeFileSync(path.join(dir, 'diagram.mmd'), diagram);
    const components = new Set(manifests.map((m) => m.component)).size;
    return `phase ${plan.phase} (${plan.spec.title}): ${files.length} objects in ${components} components -> ${path.relative(process.cwd(), dir)}/`;
  });
}

if (require.main === module) {
  try {
    const { values } = parseArgs({ options: { out: { type: 'string', default: 'dist' } } });
    for (const line of synthAll(careerCopilotInput, path.resolve(values.out!))) console.log(line);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
