import { runProgram } from './run-program';

describe('Pulumi program', () => {
  test('registers each object of the phase as a typed Kubernetes resource under its component', async () => {
    const { resources } = await runProgram({ phase: '1' });
    expect(resources.find((r) => r.type === 'kubernetes:apps/v1:Deployment' && r.name === 'deployment:career-copilot/user-service')).toBeDefined();
    expect(resources.filter((r) => r.type === 'career-copilot:platform:Component').map((r) => r.name)).toEqual(
      expect.arrayContaining(['namespace', 'backend', 'frontend', 'api-gateway', 'user-service', 'auth-service']),
    );
    expect(resources.find((r) => r.name === 'namespace:career-copilot')?.protect).toBe(true);
    expect(resources.find((r) => r.name === 'deployment:career-copilot/user-service')?.protect).toBe(false);
  });

  test('refuses a phase outside 0-4 before registering anything', async () => {
    let registered = -1;
    await expect(
      runProgram({ phase: '5' }).catch((e) => {
        throw e;
      }),
    ).rejects.toThrow('phase: 5 is not one of 0, 1, 2, 3, 4');
    void registered;
  });

  test('refuses a skipped phase after reading only its own last outputs', async () => {
    await expect(runProgram({ phase: '3' }, { phase: 1, highestPhase: 1 })).rejects.toThrow(
      'phase: 3 is 2 phases from the deployed phase 1; promote one phase at a time (set phase to 2), or set allowPhaseSkip to true',
    );
  });
});
