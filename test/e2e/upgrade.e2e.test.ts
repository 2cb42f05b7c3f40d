/**
 * A new version of this project over a stack the previous one deployed, as every team that pulls main does: the
 * previous commit's program (`git archive` of it, with its own CRD imports) deploys phase 3 of a throwaway stack on
 * the local control plane, then this commit's program takes the same stack. Renamed Pulumi types and children must
 * come with aliases: the preview and the up replace and delete nothing, and every data-bearing object keeps its UID.
 * Phase 3 has the most components of any phase (the monolith and its auth split, the event bus, the event store,
 * the saga orchestrator); phase 4's mesh and config server are registered by the same code.
 */
import { execFileSync } from 'child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { clusterEnvironment, LOCAL_STACK_CONFIG, REPO_ROOT } from '../../local/cluster';
import { assertNoObjectsOfOurs, dataBearingUids, getObject, listOurObjects } from '../../local/live-objects';
import { OperationResult, PulumiStack } from '../../local/pulumi-stack';
import { careerCopilot, selectPhase } from '../../phases';
import { E2E_CLUSTER_READY } from './global-setup';

const describeOnCluster = process.env[E2E_CLUSTER_READY] === 'true' ? describe : describe.skip;
/** The commit whose program deploys first. @default HEAD~1, the previous commit */
const FROM = process.env.CAREER_COPILOT_UPGRADE_FROM ?? 'HEAD~1';
const PHASE = '3';
/** The Jobs of the phase that run again when they change (data moves and the auth split): a replacement of one is a re-run. */
const RERUN_JOBS = (() => {
  const plan = selectPhase(careerCopilot(), Number(PHASE) as 3);
  return [...(plan.authDataSplit ? ['auth-data-split'] : []), ...plan.dataMoves.map((m) => `${m.context}-data-move`)].map((name) => `kubernetes:batch/v1:Job job:career-copilot/${name}`);
})();
const NAMESPACE = selectPhase(careerCopilot(), 0).namespace;

const git = (args: string[]) => execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();

/** The previous commit's tree in a new folder, runnable: this checkout's node_modules when the lock file is the same. */
function checkoutOf(commit: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'career-copilot-e2e-previous-'));
  execFileSync('sh', ['-c', 'git archive --format=tar "$1" | tar -x -C "$2"', 'archive', commit, dir], { cwd: REPO_ROOT });
  const sameLock = readFileSync(path.join(dir, 'package-lock.json'), 'utf8') === readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8');
  if (sameLock) symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  else execFileSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'inherit' });
  // Its typed CRD models (generated, never committed): this checkout's when its crds.json is the same.
  if (readFileSync(path.join(dir, 'crds.json'), 'utf8') === readFileSync(path.join(REPO_ROOT, 'crds.json'), 'utf8')) {
    cpSync(path.join(REPO_ROOT, 'imports'), path.join(dir, 'imports'), { recursive: true });
  } else {
    const crdDir = process.env.CRD_DIR ?? path.resolve(REPO_ROOT, '..', 'shared', 'crds');
    execFileSync('npm', ['run', '--silent', 'import'], { cwd: dir, stdio: 'inherit', env: { ...process.env, CRD_DIR: crdDir } });
  }
  return dir;
}

const counts = (label: string, result: OperationResult) => {
  const c = result.changes;
  return `${label}: create ${c.create}, update ${c.update}, replace ${c.replace}, delete ${c.delete}, same ${c.same} (${result.seconds.toFixed(1)} s)`;
};

describeOnCluster(`this commit's program over a stack deployed by ${FROM}`, () => {
  let env: NodeJS.ProcessEnv;
  let previous: string;
  let commit: string;
  const stackDir = mkdtempSync(path.join(tmpdir(), 'career-copilot-e2e-upgrade-'));
  const open = (projectDir: string) => PulumiStack.open({ ...LOCAL_STACK_CONFIG, phase: PHASE }, { dir: stackDir, env, stackName: 'upgrade', projectDir });
  let stack: PulumiStack | undefined;
  let before: Map<string, string>;
  const lines: string[] = [];

  beforeAll(async () => {
    env = clusterEnvironment();
    assertNoObjectsOfOurs(env);
    const resolve = () => git(['rev-parse', '--verify', '--quiet', `${FROM}^{commit}`]);
    try {
      commit = resolve();
    } catch {
      // A shallow clone (as CI systems often make) lacks the previous commit: fetch one more from where it came.
      try {
        execFileSync('git', ['fetch', '--quiet', '--deepen=1'], { cwd: REPO_ROOT, stdio: 'ignore' });
        commit = resolve();
      } catch {
        throw new Error(`${FROM} is not a commit of this clone: the upgrade test deploys the previous commit's program first (fetch the history: git fetch --unshallow), or set CAREER_COPILOT_UPGRADE_FROM`);
      }
    }
    previous = checkoutOf(commit);
    const old = await open(previous);
    lines.push(counts(`${commit.slice(0, 7)} up to phase ${PHASE}`, await old.up()));
    before = dataBearingUids(listOurObjects(env));
    stack = await open(REPO_ROOT);
  });

  afterAll(async () => {
    if (lines.length > 0) process.stdout.write(`\nupgrade from ${FROM}:\n${lines.join('\n')}\n`);
    if (stack) {
      await stack.destroy().catch(() => undefined);
      const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } };
      const deadline = Date.now() + 120_000;
      while (getObject(env, namespace) !== undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1000));
      await stack.remove();
    }
    if (previous && existsSync(previous)) rmSync(previous, { recursive: true, force: true });
  });

  test('the previous program deployed the phase, data-bearing objects included', () => {
    expect(before.size).toBeGreaterThan(5);
  });

  test('pulumi preview of this commit deletes nothing and replaces at most the data moves\' Jobs', async () => {
    const preview = await stack!.preview();
    lines.push(counts('this commit, preview', preview));
    expect(preview.changes.delete).toBe(0);
    expect(preview.changes.replace).toBeLessThanOrEqual(RERUN_JOBS.length);
  });

  test('pulumi up of this commit deletes nothing, replaces nothing but a data move\'s Job (a re-run by design), and every data-bearing object keeps its UID', async () => {
    const replaced = new Set<string>();
    const up = await stack!.up({ onStep: (step) => (['replace', 'create-replacement', 'delete-replaced'].includes(step.op) ? void replaced.add(`${step.type} ${step.name}`) : undefined) });
    lines.push(counts('this commit, up', up) + (replaced.size > 0 ? `; replaced: ${[...replaced].join(', ')}` : ''));
    expect(up.changes.delete).toBe(0);
    // A data move (the auth split included) re-runs when its Job changes: Jobs are never data-bearing, and the moves
    // never overwrite what a service owns (test/integration/data-move.integration.test.ts).
    expect([...replaced].filter((r) => !RERUN_JOBS.includes(r))).toEqual([]);
    const after = dataBearingUids(listOurObjects(env));
    expect([...before].filter(([key, uid]) => after.get(key) !== uid).map(([key]) => key)).toEqual([]);
  });
});
