/**
 * The real thing: `pulumi up` of a throwaway stack of this project, phase 0 -> 1 -> 2 -> 3 -> 4 and back to 0, on
 * the local Kubernetes 1.28 control plane of scripts/cluster.sh, with the Pulumi CLI and the Kubernetes provider
 * built from their Go modules. After each step: exactly the phase's objects exist, no data-bearing object was
 * deleted or replaced, and a second run changes nothing. A skipped phase is refused before anything changes.
 */
import { execFileSync, spawn } from 'child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'fs';
import { hostname, userInfo } from 'os';
import * as path from 'path';
import { careerCopilot, PhaseNumber, selectPhase } from '../../phases';
import { resumeInterruptedUpdate, StackLockedError } from '../../local/interrupted-update';
import { clusterEnvironment, LOCAL_STACK_CONFIG } from '../../local/cluster';
import { GENERATED_FIELD_MANAGER } from '../../local/field-manager-handover';
import { assertNoObjectsOfOurs, dataBearingUids, getObject, listOurObjects, LiveObject, workloadStates } from '../../local/live-objects';
import { objectKey } from '../../local/object-key';
import { OperationResult, PulumiStack } from '../../local/pulumi-stack';
import { expectedDeployment } from './support/expected-objects';
import { throwawayStack } from './support/throwaway-stack';
import { E2E_CLUSTER_READY } from './global-setup';
import { InterruptedStep, Interruption, interruptStep } from './support/interruptions';
import { analysisRunPhases, canaryPauseWeights, promote, RolloutStatus, rolloutStatus, serviceSelector, virtualServiceRoutes, waitUntil } from './support/release-status';

// Only under jest.e2e.config.js, whose global setup brings the control plane up; `npm test` skips this file.
const describeOnCluster = process.env[E2E_CLUSTER_READY] === 'true' ? describe : describe.skip;

/** The stack's config as set so far (the releases add `images`): what the expected objects are built from. */
const config: Record<string, string> = { ...LOCAL_STACK_CONFIG };
const NAMESPACE = selectPhase(careerCopilot(), 0).namespace;

/**
 * Every step, in order: the first deploys phase 0 on an empty stack. Four are interrupted first (the engine killed
 * after its first, middle and last operation; the API server restarted mid-step), resumed as `npm run local`
 * resumes, and then taken again: the checks of every step hold for them too.
 */
const STEPS: ReadonlyArray<{ readonly from?: PhaseNumber; readonly to: PhaseNumber; readonly interrupt?: Interruption }> = [
  { to: 0 },
  { from: 0, to: 1, interrupt: 'kill-early' },
  // Mid-step, creates are in flight: their objects are adopted (which ones depends on where the kill falls).
  { from: 1, to: 2, interrupt: 'kill-mid' },
  { from: 2, to: 3, interrupt: 'kill-last' },
  { from: 3, to: 4 },
  { from: 4, to: 3 },
  { from: 3, to: 2, interrupt: 'restart-apiserver' },
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
/** The resources adopted when an interrupted step was resumed (last part of the URN), and at which step. */
const adopted = new Map<string, string>();

function stepLine(label: string, up: OperationResult): string {
  const c = up.changes;
  return `${label}: created ${c.create}, updated ${c.update}, replaced ${c.replace}, deleted ${c.delete}, unchanged ${c.same}, ${up.seconds.toFixed(1)} s`;
}

describeOnCluster('pulumi up through every phase on the local control plane', () => {
  beforeAll(async () => {
    env = clusterEnvironment();
    assertNoObjectsOfOurs(env);
    stack = await throwawayStack({ ...config, phase: '0' }, { env });
  });

  afterAll(async () => {
    // The steps again, together, after jest's per-test output.
    if (report.length > 0) process.stdout.write(`\ne2e steps:\n${report.join('\n')}\n`);
    // After a failure part-way, leave the control plane as empty as it was found (best effort).
    if (stack && !destroyed) await stack.destroy().catch(() => undefined);
    await stack?.remove();
  });

  const step = ({ from, to, interrupt }: (typeof STEPS)[number]) => {
    const label = `step ${from ?? 'new'}->${to}`;
    let before: Map<string, string>;
    let up: OperationResult;
    let live: LiveObject[];
    let interrupted: InterruptedStep | undefined;
    /** What the step's `up` did to each resource (last part of the URN), as the engine reported it. */
    const ops = new Map<string, string>();

    beforeAll(async () => {
      before = dataBearingUids(listOurObjects(env));
      await stack!.setConfig('phase', String(to));
      if (interrupt) {
        interrupted = await interruptStep(stack!, env, interrupt, (line) => process.stdout.write(`${line}\n`));
        report.push(`${label} interrupted: ${interrupted.line}`);
      }
      up = await stack!.up({ onStep: (s) => ops.set(s.name, s.op) });
      // Objects adopted at an earlier step that this one updates: such an update stopped on a server-side apply
      // conflict with the killed provider's field manager (issue 23).
      const updated = [...ops].filter(([name, op]) => op === 'update' && adopted.has(name)).map(([name]) => `${name} (adopted at ${adopted.get(name)})`);
      if (updated.length > 0) report.push(`${label} updated ${updated.length} object(s) adopted earlier, without a field conflict: ${updated.join(', ')}`);
      for (const { urn } of interrupted?.resumption.imported ?? []) adopted.set(urn.split('::').pop()!, label);
      highestPhase = Math.max(highestPhase, to) as PhaseNumber;
      live = listOurObjects(env);
    });

    test('every object of the phase exists on the API server', () => {
      const expected = expectedDeployment(config, to, highestPhase);
      const liveKeys = new Set(live.map(objectKey));
      const missing = [...expected.objects, ...expected.credentialSecrets].filter((o) => !liveKeys.has(objectKey(o)) && getObject(env, o) === undefined).map(objectKey);
      expect(missing).toEqual([]);
    });

    test('nothing else of ours exists', () => {
      const expected = expectedDeployment(config, to, highestPhase);
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

    if (interrupt) {
      test('the objects adopted on resuming are in the state: the up that takes the step again creates none of them', () => {
        const adoptedHere = interrupted!.resumption.imported.map(({ urn }) => urn.split('::').pop()!);
        expect(adoptedHere.filter((name) => ops.get(name)?.startsWith('create'))).toEqual([]);
        if (adoptedHere.length > 0) report.push(`${label}: the up after resuming ${adoptedHere.map((name) => `${ops.get(name) ?? 'left'} ${name}`).join(', ')}`);
      });

      test('every object adopted on resuming is managed by the field manager the state records, and by no other of pulumi-kubernetes', async () => {
        const recorded = await stack!.fieldManagers();
        const managers = interrupted!.resumption.imported.map(({ urn, object }) => {
          const entries = getObject(env, object, { managedFields: true })?.metadata.managedFields ?? [];
          const generated = entries.filter((e) => e.operation === 'Apply' && GENERATED_FIELD_MANAGER.test(e.manager)).map((e) => e.manager);
          return `${objectKey(object)}: ${generated.join(', ')} (recorded: ${recorded.get(urn)})`;
        });
        expect(managers).toEqual(interrupted!.resumption.imported.map(({ urn, object }) => `${objectKey(object)}: ${recorded.get(urn)} (recorded: ${recorded.get(urn)})`));
      });

      test('a later change to an adopted object meets no field conflict (a server-side dry run as the recorded manager)', async () => {
        // Whether a later step happens to change an adopted object depends on what was in flight at the kill; a
        // dry run of a change to a field every object of ours has (its managed-by label) does not. The whole object
        // is applied, so that the dry run gives up no field (an apply drops what its manager no longer sets).
        const recorded = await stack!.fieldManagers();
        const conflicts = interrupted!.resumption.imported.flatMap(({ urn, object }) => {
          const { status: _status, ...liveObject } = getObject(env, object) as LiveObject & { status?: unknown };
          const { uid: _uid, resourceVersion: _version, creationTimestamp: _created, generation: _generation, ...metadata } = liveObject.metadata as LiveObject['metadata'] & Record<string, unknown>;
          const change = { ...liveObject, metadata: { ...metadata, labels: { ...metadata.labels, 'app.kubernetes.io/managed-by': 'changed-by-the-e2e' } } };
          try {
            execFileSync('kubectl', ['apply', '--server-side', '--dry-run=server', `--field-manager=${recorded.get(urn)}`, '-f', '-'], { env, input: JSON.stringify(change), stdio: ['pipe', 'pipe', 'pipe'] });
            return [];
          } catch (error) {
            return [`${objectKey(object)}: ${String((error as { stderr?: Buffer }).stderr ?? error).split('\n')[0]}`];
          }
        });
        expect(conflicts).toEqual([]);
      });
    }

    if (from === 0 && to === 1) {
      test('a lock held by a running pulumi is never broken: resuming refuses, naming it, and so does the engine', async () => {
        const objectsBefore = listOurObjects(env).map((o) => `${objectKey(o)} ${o.metadata.uid}`).sort();
        const holder = spawn('sleep', ['300'], { argv0: 'pulumi' });
        const lockDir = path.join(stack!.stateDir, '.pulumi', 'locks', 'organization', stack!.projectName, stack!.stackName);
        mkdirSync(lockDir, { recursive: true });
        const lockFile = path.join(lockDir, 'held-by-a-running-update.json');
        writeFileSync(lockFile, JSON.stringify({ pid: holder.pid, username: userInfo().username, hostname: hostname(), timestamp: new Date().toISOString() }));
        try {
          const refusal = await resumeInterruptedUpdate(stack!, env, () => undefined).then(() => undefined, (e: Error) => e);
          expect(refusal).toBeInstanceOf(StackLockedError);
          expect(refusal?.message).toContain(`held-by-a-running-update.json: taken by ${userInfo().username}@${hostname()} (pid ${holder.pid})`);
          expect(refusal?.message).toContain('which still runs');
          const engine = await stack!.upFailing();
          expect(engine.output).toContain('the stack is currently locked by 1 lock(s)');
          expect(existsSync(lockFile)).toBe(true);
        } finally {
          rmSync(lockFile, { force: true });
          holder.kill('SIGKILL');
        }
        expect(listOurObjects(env).map((o) => `${objectKey(o)} ${o.metadata.uid}`).sort()).toEqual(objectsBefore);
        report.push(`step 0->1: a lock of a running pulumi (pid ${holder.pid}) refused by the resumption and by the engine, nothing changed`);
      });
    }

    const skip = SKIPS.find((s) => s.from === to);
    if (skip) {
      test(`phase ${skip.to} (a skip from ${skip.from}) is refused before anything changes`, async () => {
        const objectsBefore = listOurObjects(env).map((o) => `${objectKey(o)} ${o.metadata.uid}`).sort();
        await stack!.setConfig('phase', String(skip.to));
        const refused = await stack!.upFailing();
        await stack!.setConfig('phase', String(skip.from));
        expect(refused.output).toContain(`phase: ${skip.to} is 2 phases from the deployed phase ${skip.from}`);
        expect(listOurObjects(env).map((o) => `${objectKey(o)} ${o.metadata.uid}`).sort()).toEqual(objectsBefore);
        expect((await stack!.outputs()).phase).toBe(skip.from);
        const line = `step ${skip.from}->${skip.to}: refused by the program, nothing changed, ${refused.seconds.toFixed(1)} s`;
        report.push(line);
        process.stdout.write(`${line}\n`);
      });
    }
  };

  // Up to phase 4, then a release of each kind there, then back down.
  const releasePhase = STEPS.findIndex((s) => s.to === 4) + 1;
  describe.each(STEPS.slice(0, releasePhase))('pulumi up from phase $from to phase $to', step);
  describe('releases at phase 4, run by Argo Rollouts', releases);
  describe.each(STEPS.slice(releasePhase))('pulumi up from phase $from to phase $to', step);

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

/**
 * A release of each progressive kind at phase 4, shipped as a team would: a new image in the stack's config, then
 * `pulumi up`. Argo Rollouts runs it; the test promotes with `kubectl argo rollouts promote` and reads what Argo
 * wrote (the VirtualService's weights, the Services' selectors). Pulumi must leave all of it alone.
 */
function releases(): void {
  const phase4 = selectPhase(careerCopilot(), 4);
  const CANARY = 'applications-service';
  const BLUE_GREEN = 'user-service';

  /** The workload's image in the model, at a new version, set in the stack's config; then `pulumi up`. */
  async function release(workload: string): Promise<OperationResult> {
    const image = phase4.workloads.find((w) => w.spec.name === workload)!.spec.image;
    const images = [...(JSON.parse(config.images ?? '[]') as string[]), `${workload}=${image.repository}:${image.tag}-release.1`];
    // As an operator sets it (`pulumi config set --path 'images[N]' ...`); the program reads the array as JSON.
    await stack!.setConfig(`images[${images.length - 1}]`, images[images.length - 1], { path: true });
    config.images = JSON.stringify(images);
    return stack!.up();
  }

  test('phase 4 releases applications-service by canary and user-service by blue-green', () => {
    const kindOf = Object.fromEntries(phase4.workloads.map((w) => [w.spec.name, w.release]));
    expect(kindOf).toMatchObject({ [CANARY]: 'canary', [BLUE_GREEN]: 'blue-green' });
  });

  describe('canary', () => {
    let pauses: Array<{ stepIndex: number; weight: number }>;
    const weightsAt = (canaryWeight: number) => ({ [`${CANARY}-stable`]: 100 - canaryWeight, [`${CANARY}-canary`]: canaryWeight });
    const primaryRoutes = () => virtualServiceRoutes(env, NAMESPACE, CANARY).filter((r) => r.name.startsWith('primary'));
    const pausedAt = (stepIndex: number) => (s: RolloutStatus) => s.currentStepIndex === stepIndex && s.pauseReasons.includes('CanaryPauseStep');

    test('a new image in the stack config updates the Deployment only, and Argo starts the canary at the first weight', async () => {
      const up = await release(CANARY);
      expect(up.changes).toMatchObject({ create: 0, update: 1, delete: 0, replace: 0 });
      pauses = canaryPauseWeights(env, NAMESPACE, CANARY);
      expect(pauses.length).toBeGreaterThan(0);
      await waitUntil(`${CANARY} paused at step ${pauses[0].stepIndex}`, () => rolloutStatus(env, NAMESPACE, CANARY), pausedAt(pauses[0].stepIndex));
      const routes = virtualServiceRoutes(env, NAMESPACE, CANARY);
      // The header route comes first, so that testers reach the canary with x-canary: true.
      expect(routes[0]).toEqual({ name: 'canary-header', weights: { [`${CANARY}-canary`]: 100 } });
      expect(primaryRoutes()).toEqual([{ name: 'primary', weights: weightsAt(pauses[0].weight) }, { name: 'primary-writes', weights: weightsAt(pauses[0].weight) }]);
      report.push(`canary ${CANARY}: ${stepLine('release', up)}; paused at ${pauses[0].weight}%`);
    });

    test('pulumi up in the middle of the canary changes nothing, and leaves every weight to Argo', async () => {
      const before = virtualServiceRoutes(env, NAMESPACE, CANARY);
      const up = await stack!.up();
      expect(up.changes).toMatchObject({ create: 0, update: 0, delete: 0, replace: 0 });
      expect(virtualServiceRoutes(env, NAMESPACE, CANARY)).toEqual(before);
      expect(rolloutStatus(env, NAMESPACE, CANARY)).toMatchObject({ currentStepIndex: pauses[0].stepIndex, pauseReasons: ['CanaryPauseStep'] });
    });

    test('each promotion moves the weights to the next step, and the last makes the new version stable', async () => {
      const seen = [pauses[0].weight];
      for (const pause of pauses.slice(1)) {
        promote(env, NAMESPACE, CANARY);
        await waitUntil(`${CANARY} paused at step ${pause.stepIndex}`, () => rolloutStatus(env, NAMESPACE, CANARY), pausedAt(pause.stepIndex));
        expect(primaryRoutes().map((r) => r.weights)).toEqual([weightsAt(pause.weight), weightsAt(pause.weight)]);
        seen.push(pause.weight);
      }
      promote(env, NAMESPACE, CANARY);
      const done = await waitUntil(`${CANARY} healthy on the new version`, () => rolloutStatus(env, NAMESPACE, CANARY), (s) => s.phase === 'Healthy' && s.stableHash === s.currentHash);
      expect(serviceSelector(env, NAMESPACE, `${CANARY}-stable`)['rollouts-pod-template-hash']).toBe(done.stableHash);
      expect(primaryRoutes().map((r) => r.weights)).toEqual([weightsAt(0), weightsAt(0)]);
      expect(virtualServiceRoutes(env, NAMESPACE, CANARY).map((r) => r.name)).not.toContain('canary-header');
      report.push(`canary ${CANARY}: weights observed ${seen.map((w) => `${w}%`).join(', ')}, then stable on the new version`);
    });

    test('after the canary, pulumi up would change nothing', async () => {
      await stack!.preview({ expectNoChanges: true });
    });
  });

  describe('blue-green', () => {
    let activeBefore: string | undefined;
    let preview: RolloutStatus;

    test('a new image in the stack config updates the Deployment only; the smoke test passes and the release waits for promotion', async () => {
      activeBefore = rolloutStatus(env, NAMESPACE, BLUE_GREEN).activeSelector;
      expect(activeBefore).toBeDefined();
      const up = await release(BLUE_GREEN);
      expect(up.changes).toMatchObject({ create: 0, update: 1, delete: 0, replace: 0 });
      // The smoke test (an AnalysisRun whose Job kwok completes) runs while the release waits for promotion.
      await waitUntil(`${BLUE_GREEN}'s smoke test`, () => analysisRunPhases(env, NAMESPACE, BLUE_GREEN), (phases) => phases.includes('Successful'));
      preview = await waitUntil(`${BLUE_GREEN} waiting for promotion`, () => rolloutStatus(env, NAMESPACE, BLUE_GREEN), (s) => s.pauseReasons.includes('BlueGreenPause'));
      expect(preview.previewSelector).toBeDefined();
      expect(preview.previewSelector).not.toBe(activeBefore);
      // Users still reach the old version; the new one only through the preview Service.
      expect(serviceSelector(env, NAMESPACE, BLUE_GREEN)['rollouts-pod-template-hash']).toBe(activeBefore);
      expect(serviceSelector(env, NAMESPACE, `${BLUE_GREEN}-preview`)['rollouts-pod-template-hash']).toBe(preview.previewSelector);
      report.push(`blue-green ${BLUE_GREEN}: ${stepLine('release', up)}; smoke test Successful, waiting for promotion`);
    });

    test('pulumi up while the release waits changes nothing', async () => {
      const up = await stack!.up();
      expect(up.changes).toMatchObject({ create: 0, update: 0, delete: 0, replace: 0 });
      expect(serviceSelector(env, NAMESPACE, BLUE_GREEN)['rollouts-pod-template-hash']).toBe(activeBefore);
    });

    test('promotion switches the active Service to the new version', async () => {
      promote(env, NAMESPACE, BLUE_GREEN);
      const done = await waitUntil(`${BLUE_GREEN} active on the new version`, () => rolloutStatus(env, NAMESPACE, BLUE_GREEN), (s) => s.phase === 'Healthy' && s.activeSelector === preview.previewSelector);
      expect(serviceSelector(env, NAMESPACE, BLUE_GREEN)['rollouts-pod-template-hash']).toBe(done.activeSelector);
      report.push(`blue-green ${BLUE_GREEN}: promoted, active Service on the new version`);
    });

    test('after the blue-green release, pulumi up would change nothing', async () => {
      await stack!.preview({ expectNoChanges: true });
    });
  });
}
