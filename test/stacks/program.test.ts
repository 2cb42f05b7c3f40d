import * as pulumi from '@pulumi/pulumi';

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

/**
 * Runs the Pulumi program under Pulumi's runtime mocks with `config` and returns what it registered.
 * A fresh module registry per run, since the program reads its config when it is loaded.
 */
async function runProgram(config: Record<string, string>): Promise<{ resources: Registered[]; outputs: Record<string, unknown> }> {
  const resources: Registered[] = [];
  let outputs: Record<string, unknown> = {};
  await jest.isolateModulesAsync(async () => {
    const runtime = await import('@pulumi/pulumi/runtime');
    runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, v]) => [`career-copilot:${k}`, v])));
    await runtime.setMocks(
      {
        newResource: (args) => {
          resources.push({ type: args.type, name: args.name, inputs: args.inputs });
          return { id: `${args.name}-id`, state: args.inputs };
        },
        call: (args) => args.inputs,
      },
      'career-copilot',
      'test',
    );
    const program = await import('../../stacks/index');
    outputs = { phase: await promiseOf(program.phase as unknown as pulumi.Output<number>) };
    // Registrations finish asynchronously; wait until no new resource arrives.
    for (let seen = -1; seen !== resources.length; ) {
      seen = resources.length;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
  return { resources, outputs };
}

function promiseOf<T>(value: T | pulumi.Output<T>): Promise<T> {
  return pulumi.Output.isInstance(value) ? new Promise((resolve) => (value as pulumi.Output<T>).apply(resolve)) : Promise.resolve(value as T);
}

describe('Pulumi program', () => {
  test('registers each object of the phase as a typed Kubernetes resource under its component', async () => {
    const { resources } = await runProgram({ phase: '1' });
    const deployment = resources.find((r) => r.type === 'kubernetes:apps/v1:Deployment' && r.name === 'deployment:career-copilot/user-service');
    expect(deployment).toBeDefined();
    expect(resources.filter((r) => r.type === 'career-copilot:platform:Component').map((r) => r.name)).toEqual(
      expect.arrayContaining(['namespace', 'backend', 'frontend', 'api-gateway', 'user-service', 'auth-service']),
    );
  });

  test('refuses a phase outside 0-4 before registering anything', async () => {
    await expect(runProgram({ phase: '5' })).rejects.toThrow('phase: 5 is not one of 0, 1, 2, 3, 4');
  });
});
