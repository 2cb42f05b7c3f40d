/**
 * Argo Rollouts' linter (`kubectl argo rollouts lint`, built by `scripts/cluster.sh build argo-rollouts`) on phase
 * 4's Rollouts, and on faults planted one at a time, so that a clean lint means something.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { synthesizePhase } from '../../synthesis/synthesize';
import { KubernetesObject } from '../../core/manifest';
import { careerCopilot, selectPhase } from '../../phases';
import { builtToolPath } from '../../local/cluster';
import { lintRollout, rolloutLintBundles } from '../../policy/rollout-lint';

type Doc = KubernetesObject & Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const plugin = builtToolPath('kubectl-argo-rollouts');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rollout-lint-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const phase4 = () => synthesizePhase(selectPhase(careerCopilot(), 4)).map((m) => structuredClone(m.document) as Doc);
const find = (documents: Doc[], kind: string, name: string) => documents.find((d) => d.kind === kind && d.metadata.name === name)!;
let run = 0;
const lint = (documents: Doc[], rollout: string) => lintRollout(plugin, rolloutLintBundles(documents).find((b) => b.rollout === rollout)!, path.join(work, String(run++)));

describe('kubectl argo rollouts lint on phase 4', () => {
  test('every Rollout passes, bundled with its pod template, Services and VirtualService', () => {
    const bundles = rolloutLintBundles(phase4());
    expect(bundles.map((b) => b.rollout).sort()).toEqual(['applications-service', 'auth-service', 'jobs-service', 'user-service']);
    for (const bundle of bundles) expect({ rollout: bundle.rollout, ...lintRollout(plugin, bundle, path.join(work, 'clean')) }).toEqual({ rollout: bundle.rollout, ok: true, output: '' });
  });

  test('a canary whose VirtualService lacks the writes route it names', () => {
    const documents = phase4();
    find(documents, 'VirtualService', 'applications-service').spec.http = find(documents, 'VirtualService', 'applications-service').spec.http.filter((r: { name: string }) => r.name !== 'primary-writes');
    const verdict = lint(documents, 'applications-service');
    expect(verdict.ok).toBe(false);
    expect(verdict.output).toContain("HTTP Route 'primary-writes' is not found");
  });

  test('a blue-green release whose preview Service is its active one', () => {
    const documents = phase4();
    find(documents, 'Rollout', 'user-service').spec.strategy.blueGreen.previewService = 'user-service';
    const verdict = lint(documents, 'user-service');
    expect(verdict.ok).toBe(false);
    expect(verdict.output).toContain('the same service for the active and preview services');
  });

  test('a canary step above 100%', () => {
    const documents = phase4();
    find(documents, 'Rollout', 'jobs-service').spec.strategy.canary.steps.find((s: { setWeight?: number }) => s.setWeight !== undefined).setWeight = 120;
    const verdict = lint(documents, 'jobs-service');
    expect(verdict.ok).toBe(false);
    expect(verdict.output).toContain('setWeight');
  });
});
