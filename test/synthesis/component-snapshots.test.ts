import * as fs from 'fs';
import * as path from 'path';
import { toMatchFile } from 'jest-file-snapshot';
import { toYaml } from '../../synthesis/manifest-files';
import { synthesizePhase } from '../../synthesis/synthesize';
import { Manifest } from '../../core/manifest';
import { careerCopilot, PHASES, PhaseNumber, selectPhase } from '../../phases';

expect.extend({ toMatchFile });

/**
 * One reviewed snapshot per component (`__component_snapshots__/<component>.yaml`): each of its objects in every
 * phase where it exists, written once for each run of phases in which it is the same. A change to a component shows
 * in its own file, on the objects and the phases it touches. `npm test -- -u` rewrites them; read every diff before
 * committing one.
 */
const DIR = path.join(__dirname, '__component_snapshots__');
const model = careerCopilot();
const byPhase = new Map(PHASES.map((p) => [p, synthesizePhase(selectPhase(model, p))]));
const components = [...new Set([...byPhase.values()].flatMap((manifests) => manifests.map((m) => m.component)))].sort();

/** `[1, 2, 3]` -> `phases 1-3`; `[4]` -> `phase 4`; `[0, 2]` -> `phases 0, 2`. */
function phaseList(phases: readonly PhaseNumber[]): string {
  if (phases.length === 1) return `phase ${phases[0]}`;
  const consecutive = phases.every((p, i) => i === 0 || p === phases[i - 1] + 1);
  return consecutive ? `phases ${phases[0]}-${phases[phases.length - 1]}` : `phases ${phases.join(', ')}`;
}

/**
 * The component's objects, each once for every run of phases in which it is the same, headed by its kind, name and
 * those phases: an object that one phase changes shows twice, an object that never changes once.
 */
function componentSnapshot(component: string): string {
  const objects = new Map<string, Array<{ phases: PhaseNumber[]; yaml: string }>>();
  let kind = '';
  for (const [phase, manifests] of byPhase) {
    for (const m of manifests.filter((manifest: Manifest) => manifest.component === component)) {
      kind = m.componentKind;
      const key = `${m.document.kind} ${m.document.metadata.namespace ? `${m.document.metadata.namespace}/` : ''}${m.document.metadata.name}`;
      const yaml = toYaml(m.document);
      const variants = objects.get(key) ?? [];
      const last = variants[variants.length - 1];
      if (last && last.yaml === yaml && last.phases[last.phases.length - 1] === phase - 1) last.phases.push(phase);
      else variants.push({ phases: [phase], yaml });
      objects.set(key, variants);
    }
  }
  const sections = [...objects].flatMap(([key, variants]) => variants.map((v) => `# ${key}: ${phaseList(v.phases)}\n${v.yaml}`));
  return `# component ${component} (${kind})\n${sections.join('---\n')}`;
}

describe('reviewed snapshots, one file per component', () => {
  test.each(components)('%s', (component) => {
    expect(componentSnapshot(component)).toMatchFile(path.join(DIR, `${component}.yaml`));
  });

  test('no snapshot file is left of a component that no longer exists', () => {
    const files = fs.existsSync(DIR) ? fs.readdirSync(DIR).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, '')) : [];
    expect(files.filter((f) => !components.includes(f))).toEqual([]);
  });
});
