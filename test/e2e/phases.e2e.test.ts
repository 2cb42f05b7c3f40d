/**
 * The real thing: `pulumi up` of a throwaway stack of this project, phase 0 -> 1 -> 2 -> 3 -> 4 and back to 0, on
 * the local Kubernetes 1.28 control plane of scripts/cluster.sh, with the Pulumi CLI and the Kubernetes provider
 * built from their Go modules. After each step: exactly the phase's objects exist, no data-bearing object was
 * deleted or replaced, and a second run changes nothing. A skipped phase is refused before anything changes.
 */
import { careerCopilot, PhaseNumber, selectPhase } from '../../phases';
import { clusterEnvironment, LOCAL_STACK_CONFIG } from '../../local/cluster';
import { assertNoObjectsOfOurs, dataBearingUids, getObject, listOurObjects, LiveObject, workloadStates } from '../../local/live-objects';
import { objectKey } from '../../local/object-key';
import { OperationResult, PulumiStack } from '../../local/pulumi-stack';
import { expectedDeployment } from './support/expected-objects';
import { throwawayStack } from './support/throwaway-stack';
import { E2E_CLUSTER_READY } from './global-setup';

// Only under jest.e2e.config.js, whose global setup brings the control plane up; `npm test` skips this file.
const describeOnCluster = process.env[E2E_CLUSTER_READY] === 'true' ? describe : describe.skip;

const CONFIG = LOCAL_STACK_CONFIG;
const NAMESPACE = selectPhase(careerCopilot(), 0).namespace;

/** Every step, in order: the first deploys phase 0 on an empty stack. */
const STEPS: ReadonlyArray<{ readonly from?: PhaseNumber; readonly to: PhaseNumber }> = [
  { to: 0 },
  { from: 0, to: 1 },
  { from: 1, to: 2 },
  { from: 2, to: 3 },
  { from: 3, to: 4 },
  { from: 4, to: 3 },
  { from: 3, to: 2 },
  { from: 2, to: 1 },
  { from: 1, to: 0 },
];

/** Steps of two phases, tried (and refused) when the stack is at `from`. */
const SKIPS: ReadonlyArray<{ readonly from: PhaseNumber; readonly to: PhaseNumber }> = [
  { from: 0, to: 2 },
  { from: 4, to: 2 },
];

let env: NodeJS.ProcessEnv;
let stack: PulumiStack | undefined;
let highestPhase: PhaseNumber = 0;
let destroyed = false;
const report: string[] = [];

function stepLine(label: string, up: OperationResult): string {
  const c = up.changes;
  return `${label}: created ${c.create}, updated ${c.update}, replaced ${c.replace}, deleted ${c.delete}, unchanged ${c.same}, ${up.seconds.toFixed(1)} s`;
}

describeOnCluster('pulumi up through every phase on the local control plane', () => {
  beforeAll(async () => {
    env = clusterEnvironment();
    assertNoObjectsOfOurs(env);
    stack = await throwawayStack({ ...CONFIG, phase: '0' }, { env });
  });

  afterAll(async () => {
    // The steps again, together, after jest's per-test output.
    if (report.length > 0) process.stdout.write(`\ne2e steps:\n${report.join('\n')}\n`);
    // After a failure part-way, leave the control plane as empty as it was found (best effort).
    if (stack && !destroyed) await stack.destroy().catch(() => undefined);
    await stack?.remove();
  });

  describe.each(STEPS)('pulumi up from phase $from to phase $to', ({ from, to }) => {
    let before: Map<string, string>;
    let up: OperationResult;
    let live: LiveObject[];

    beforeAll(async () => {
      before = dataBearingUids(listOurObjects(env));
      await stack!.setConfig('phase', String(to));
      up = await stack!.up();
      highestPhase = Math.max(highestPhase, to) as PhaseNumber;
      live = listOurObjects(env);
    });

    test('every object of the phase exists on the API server', () => {
      const expected = expectedDeployment(CONFIG, to, highestPhase);
      const liveKeys = new Set(live.map(objectKey));
      const missing = [...expected.objects, ...expected.credentialSecrets].filter((o) => !liveKeys.has(objectKey(o)) && getObject(env, o) === undefined).map(objectKey);
      expect(missing).toEqual([]);
    });

    test('nothing else of ours exists', () => {
      const expected = expectedDeployment(CONFIG, to, highestPhase);
      const expectedKeys = new Set(expected.objects.map(objectKey));
      // The StatefulSet controller's claims are derived from the phase's StatefulSets, not made by the stack.
      const derived = (o: LiveObject) => o.apiVersion === 'v1' && o.kind === 'PersistentVolumeClaim' && expected.statefulSetClaims.test(o.metadata.name);
      expect(live.filter((o) => !expectedKeys.has(objectKey(o)) && !derived(o)).map(objectKey)).toEqual([]);
    });

    test('every workload of the phase is ready (or its Job complete) when pulumi up returns', () => {
      // The provider awaited them: kwok's node runs the pods, the Job pods complete, Argo Rollouts runs phase 4.
      const states = workloadStates(env, NAMESPACE);
      expect(states.filter((w) => !w.ready).map((w) => `${w.workload}: ${w.detail}`)).toEqual([]);
      expect(states.length).toBeGreaterThan(0);
    });

    test('no data-bearing object was deleted or replaced', () => {
      const now = dataBearingUids(live);
      const lost = [...before].filter(([key, uid]) => now.get(key) !== uid).map(([key, uid]) => `${key} (uid ${uid} -> ${now.get(key) ?? 'gone'})`);
      expect(lost).toEqual([]);
    });

    test('a second pulumi up would change nothing', async () => {
      const again = await stack!.preview({ expectNoChanges: true });
      expect(again.changes).toMatchObject({ create: 0, update: 0, delete: 0, replace: 0 });
      const line = `${stepLine(`step ${from ?? 'new'}->${to}`, up)} (no-change preview ${again.seconds.toFixed(1)} s)`;
      report.push(line);
      process.stdout.write(`${line}\n`);
    });

    const skip = SKIPS.find((s) => s.from === to);
    if (skip) {
      test(`phase ${skip.to} (a skip from ${skip.from}) is refused before anything changes`, async () => {
        const objectsBefore = listOurObjects(env).map((o) => `${objectKey(o)} ${o.metadata.uid}`).sort();
        await stack!.setConfig('phase', String(skip.to));
        const refused = await stack!.upFailing();
        await stack!.setConfig('phase', String(skip.from));
        expect(`${refused.stdout}\n${refused.stderr}`).toContain(`phase: ${skip.to} is 2 phases from the deployed phase ${skip.from}`);
        expect(listOurObjects(env).map((o) => `${objectKey(o)} ${o.metadata.uid}`).sort()).toEqual(objectsBefore);
        expect((await stack!.outputs()).phase).toBe(skip.from);
        const line = `step ${skip.from}->${skip.to}: refused by the program, nothing changed, ${refused.seconds.toFixed(1)} s`;
        report.push(line);
        process.stdout.write(`${line}\n`);
      });
    }
  });

  test('destroy (unprotected) removes everything; the controller-manager finishes the namespace', async () => {
    const destroy = await stack!.destroy();
    destroyed = true;
    const deadline = Date.now() + 120_000;
    const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } };
    while (getObject(env, namespace) !== undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1000));
    expect(getObject(env, namespace)).toBeUndefined();
    expect(listOurObjects(env).map(objectKey)).toEqual([]);
    const line = stepLine('destroy', destroy);
    report.push(line);
    process.stdout.write(`${line}\n`);
  });
});
