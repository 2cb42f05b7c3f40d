/**
 * `npm run bench`'s engine part (also `npm run bench:engine` alone): seconds of `pulumi preview` and `pulumi up`
 * for every step of the project's stack, phase 0 -> 4 -> 0, on the local control plane of scripts/cluster.sh, with
 * the provider awaiting readiness (kwok runs the pods) and again with skipAwait, next to the same phase-4 manifests (`npm run synth`'s phase-4 folder) deployed as one @pulumi/kubernetes
 * yaml/v2 ConfigGroup (bin/bench/configgroup), in the same run. Prints a Markdown table.
 *
 * Brings the control plane up when it does not run (and stops it afterwards); it must hold no object of ours.
 */
import { execFileSync } from 'child_process';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { careerCopilot, PhaseNumber, selectPhase } from '../phases';
import { clusterEnvironment, ensureControlPlane, LOCAL_STACK_CONFIG, REPO_ROOT, runClusterScript } from '../local/cluster';
import { assertNoObjectsOfOurs, getObject } from '../local/live-objects';
import { OperationResult, PulumiStack, PulumiStackOptions } from '../local/pulumi-stack';

const PHASE_WALK: readonly PhaseNumber[] = [0, 1, 2, 3, 4, 3, 2, 1, 0];
const CONFIG_GROUP_PROJECT = path.join(__dirname, 'bench', 'configgroup');
const NAMESPACE = selectPhase(careerCopilot(), 0).namespace;

/** A new stack named `bench` in a temporary folder (removed with the stack). */
function benchStackIn(config: Readonly<Record<string, string>>, options: Omit<PulumiStackOptions, 'dir'>): Promise<PulumiStack> {
  return PulumiStack.open(config, { ...options, stackName: 'bench', dir: mkdtempSync(path.join(tmpdir(), 'career-copilot-bench-')) });
}

interface Row {
  readonly label: string;
  readonly preview: OperationResult;
  readonly up: OperationResult;
}

/** Waits until the namespace is gone (the controller-manager deletes its contents first). */
async function namespaceGone(env: NodeJS.ProcessEnv): Promise<void> {
  const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } };
  const deadline = Date.now() + 180_000;
  while (getObject(env, namespace) !== undefined) {
    if (Date.now() > deadline) throw new Error(`namespace ${NAMESPACE} still exists after 180 s`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function benchStack(env: NodeJS.ProcessEnv, skipAwait: boolean): Promise<Row[]> {
  const stack = await benchStackIn({ ...LOCAL_STACK_CONFIG, phase: '0', ...(skipAwait ? { skipAwait: 'true' } : {}) }, { env });
  const mode = skipAwait ? 'skipAwait' : 'awaits';
  const rows: Row[] = [];
  let destroyed = false;
  try {
    let from: PhaseNumber | undefined;
    for (const to of PHASE_WALK) {
      await stack.setConfig('phase', String(to));
      const preview = await stack.preview();
      const up = await stack.up();
      rows.push({ label: `stack (${mode}) ${from ?? 'new'} -> ${to}`, preview, up });
      process.stderr.write(`[bench] stack (${mode}) ${from ?? 'new'} -> ${to}: preview ${preview.seconds.toFixed(1)} s, up ${up.seconds.toFixed(1)} s\n`);
      from = to;
    }
    await stack.destroy();
    destroyed = true;
    await namespaceGone(env);
  } finally {
    // After a failure part-way, leave the control plane as empty as it was found (best effort).
    if (!destroyed) await stack.destroy().catch(() => undefined);
    await stack.remove();
  }
  return rows;
}

async function benchConfigGroup(env: NodeJS.ProcessEnv, manifestDir: string): Promise<{ rows: Row[]; objects: number }> {
  const stack = await benchStackIn(
    { manifestDir, skipAwait: 'true' },
    { env, projectDir: CONFIG_GROUP_PROJECT, projectName: 'career-copilot-bench-configgroup' },
  );
  let destroyed = false;
  try {
    const preview = await stack.preview();
    const up = await stack.up();
    const again = await stack.preview();
    const objects = Number((await stack.outputs()).objects);
    const rerun = await stack.up();
    await stack.destroy();
    destroyed = true;
    await namespaceGone(env);
    return {
      objects,
      rows: [
        { label: 'ConfigGroup new -> 4', preview, up },
        { label: 'ConfigGroup 4 -> 4 (no change)', preview: again, up: rerun },
      ],
    };
  } finally {
    if (!destroyed) await stack.destroy().catch(() => undefined);
    await stack.remove();
  }
}

function cells(row: Row): string {
  const c = row.up.changes;
  return `| ${row.label} | ${row.preview.seconds.toFixed(1)} | ${row.up.seconds.toFixed(1)} | ${c.create} | ${c.update} | ${c.replace} | ${c.delete} | ${c.same} |`;
}

async function main(): Promise<void> {
  const started = ensureControlPlane((line) => process.stderr.write(`[bench] ${line}\n`));
  try {
    await benchEngine();
  } finally {
    if (started) runClusterScript('down');
  }
}

async function benchEngine(): Promise<void> {
  const env = clusterEnvironment();
  assertNoObjectsOfOurs(env);
  const out = mkdtempSync(path.join(tmpdir(), 'career-copilot-bench-synth-'));
  try {
    execFileSync(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--transpile-only', path.join(REPO_ROOT, 'bin', 'synth.ts'), '--out', out], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    const stackRows = [...(await benchStack(env, false)), ...(await benchStack(env, true))];
    const group = await benchConfigGroup(env, path.join(out, 'phase-4'));
    console.log('Engine time on the local control plane (scripts/cluster.sh: Kubernetes 1.28.15, a kwok node, Argo Rollouts), one run.');
    console.log('"awaits": the provider waits for every workload to be ready (kwok runs the pods); "skipAwait": it does not.');
    console.log('"stack" is this project\'s Pulumi program (typed resources, components, protect, data retained after a rollback);');
    console.log(`"ConfigGroup" is npm run synth's phase-4 manifests (${group.objects} objects, the model's default sizing) as one @pulumi/kubernetes yaml/v2 ConfigGroup.`);
    console.log('Counts are the engine\'s resource operations of the `up` (components and providers included).\n');
    console.log('| step | preview s | up s | created | updated | replaced | deleted | unchanged |');
    console.log('|---|---|---|---|---|---|---|---|');
    for (const row of [...stackRows, ...group.rows]) console.log(cells(row));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench-engine: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
