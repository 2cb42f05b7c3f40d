/**
 * The policy pack in the real engine (the Pulumi CLI 3.248.0 with its own Node.js language host): `pulumi preview
 * --policy-pack policy/pack` of every phase of the local stack passes every mandatory policy, and a program with a
 * planted violation is refused by the engine, which names the policy. Previews only: nothing reaches the cluster.
 */
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { clusterEnvironment, LOCAL_STACK_CONFIG, REPO_ROOT } from '../../local/cluster';
import { PulumiStack } from '../../local/pulumi-stack';
import { PHASES } from '../../phases';
import { E2E_CLUSTER_READY } from './global-setup';
import { throwawayStack } from './support/throwaway-stack';

const describeOnCluster = process.env[E2E_CLUSTER_READY] === 'true' ? describe : describe.skip;
const PACK = path.join(REPO_ROOT, 'policy', 'pack');
const VIOLATING_PROJECT = path.join(__dirname, 'fixtures', 'policy-violation');

describeOnCluster('the policy pack in the real engine', () => {
  let env: NodeJS.ProcessEnv;
  let stack: PulumiStack | undefined;
  let violating: PulumiStack | undefined;

  beforeAll(async () => {
    env = clusterEnvironment();
    // Each phase previewed on an empty stack: a step of several phases, allowed for this stack only.
    stack = await throwawayStack({ ...LOCAL_STACK_CONFIG, phase: '0', allowPhaseSkip: 'true' }, { env, stackName: 'policy' });
  });

  afterAll(async () => {
    await stack?.remove();
    await violating?.remove();
  });

  test.each(PHASES)('phase %i of the local stack passes every mandatory policy', async (phase) => {
    await stack!.setConfig('phase', String(phase));
    const result = await stack!.preview({ policyPacks: [PACK] });
    // An empty stack: the whole phase is to be created, and every resource passed the pack.
    expect(result.changes.create).toBeGreaterThan(0);
  });

  test('a Secret with literal data is refused by the engine, which names the policy and the pack', async () => {
    violating = await PulumiStack.open({}, { dir: mkdtempSync(path.join(tmpdir(), 'career-copilot-e2e-policy-')), env, projectDir: VIOLATING_PROJECT, projectName: 'policy-violation', stackName: 'violation' });
    const { output } = await violating.previewFailing({ policyPacks: [PACK] });
    expect(output).toContain('secret-no-literal-data');
    expect(output).toContain('career-copilot-security');
    expect(output).toMatch(/mandatory/);
  });
});
