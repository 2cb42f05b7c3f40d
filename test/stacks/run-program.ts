import * as pulumi from '@pulumi/pulumi';

type Program = () => Promise<Record<string, unknown>>;

/** A resource the program registered under the mocks. */
export interface Registered {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly inputs: Record<string, unknown>;
  readonly protect: boolean;
  /** Names of the resources it was given in `dependsOn`. */
  readonly dependsOn: readonly string[];
  /** Its `aliases` (what it was registered as before), with their plain type and name. */
  readonly aliases: ReadonlyArray<{ readonly type?: string; readonly name?: string }>;
}

/** An error from the program, with what it had registered by then. */
export type ProgramError = Error & { registered: Registered[] };

export interface ProgramRun {
  readonly resources: Registered[];
  /** URN of each registered resource by type and name, as the engine would compute it (parent type included). */
  readonly urns: ReadonlyMap<string, string>;
  /** Type and name of each resource whose inputs include a secret. */
  readonly withSecretInputs: ReadonlySet<string>;
  readonly outputs: Record<string, unknown>;
  /** Output names whose values the program marked secret. */
  readonly secretOutputs: string[];
}

/**
 * Runs the Pulumi program under Pulumi's runtime mocks, as stack `stack` with `config` as its config and `previous`
 * as the outputs its last deployment left (read back through the program's StackReference to itself).
 */
export async function runProgram(config: Record<string, string>, previous: Record<string, unknown> = {}, stack = 'test'): Promise<ProgramRun> {
  const resources: Registered[] = [];
  const outputs: Record<string, unknown> = {};
  const secretOutputs: string[] = [];
  // The mocks do not see resource options: a stack transformation records `protect` and `dependsOn` as each
  // resource is made.
  const protectedNames = new Set<string>();
  const dependencies = new Map<string, string[]>();
  const urns = new Map<string, string>();
  const withSecretInputs = new Set<string>();
  const aliases = new Map<string, Array<{ type?: string; name?: string }>>();
  const listenersBefore = { exit: process.listeners('exit'), beforeExit: process.listeners('beforeExit') };
  // Pulumi takes a whole stack trace for each resource and each of its promises, which jest source-maps frame by
  // frame: a third of a run's time. During the run, traces are formatted as V8 does (positions in the transpiled
  // code); Node falls back to jest's formatter when this realm has none, so this one is set.
  const prepareStackTrace = Error.prepareStackTrace;
  Error.prepareStackTrace = (error: Error, frames: NodeJS.CallSite[]) => [String(error), ...frames.map((frame) => `    at ${frame}`)].join('\n');
  try {
    // One copy of the runtime and the program per test file: each run resets what the runtime keeps (its options,
    // monitor and config, by setMocks and setAllConfig; a new stack resource with its transformations). A copy per
    // run (jest.isolateModules) compiled every module again: half of the unit tests' time.
    const runtime = await import('@pulumi/pulumi/runtime');
    const project = 'career-copilot';
    runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, v]) => [`${project}:${k}`, v])), Object.keys(config).filter((k) => k === 'kubeconfig').map((k) => `${project}:${k}`));
    await runtime.setMocks(
      {
        newResource: (args) => {
          resources.push({ type: args.type, name: args.name, urn: `urn:pulumi:${stack}::${project}::${args.type}::${args.name}`, inputs: args.inputs, protect: false, dependsOn: [], aliases: [] });
          if (args.type === 'pulumi:pulumi:StackReference') return { id: args.name, state: { outputs: previous, name: args.inputs.name } };
          // A RandomPassword's `result` is what the provider would generate: a stand-in value, so that what is built from it can be checked.
          if (args.type === 'random:index/randomPassword:RandomPassword') return { id: `${args.name}-id`, state: { ...args.inputs, result: `generated-${args.name}` } };
          return { id: `${args.name}-id`, state: { ...args.inputs, ...managedServiceOutputs(args.type, args.name) } };
        },
        call: (args) => args.inputs,
      },
      project,
      stack,
      false,
      'organization',
    );
    const pending: Array<Promise<void>> = [];
    const loaded = (await import('../../stacks/index')) as unknown as { default?: Program } & Program;
    const program: Program = loaded.default ?? loaded;
    // Errors are caught inside the stack's callback: the runtime would otherwise report them as uncaught.
    let failure: unknown;
    let result: Record<string, unknown> = {};
    await runtime.runInPulumiStack(async () => {
      runtime.registerStackTransformation((args) => {
        if (args.opts.protect) protectedNames.add(`${args.type}::${args.name}`);
        const plain = (value: unknown) => (typeof value === 'string' ? value : undefined);
        const given = (args.opts.aliases ?? []).flatMap((a) => (typeof a === 'object' && a !== null && !pulumi.Output.isInstance(a) ? [a as pulumi.Alias] : []));
        if (given.length > 0) aliases.set(`${args.type}::${args.name}`, given.map((a) => JSON.parse(JSON.stringify({ type: plain(a.type), name: plain(a.name) }))));
        pending.push(dependencyNames(args.opts.dependsOn).then((names) => void dependencies.set(`${args.type}::${args.name}`, names)));
        pending.push(
          containsSecret(args.props).then((secret) => {
            if (secret) withSecretInputs.add(`${args.type}::${args.name}`);
          }),
        );
        return undefined;
      });
      try {
        // The program's own return value: the stack's processing of it would unwrap secrets.
        result = await program();
        return result;
      } catch (error) {
        failure = error;
        return {};
      }
    });
    if (failure) throw failure;
    for (const [key, value] of Object.entries(result)) {
      if (pulumi.Output.isInstance(value)) {
        const secret = await pulumi.isSecret(value as pulumi.Output<unknown>);
        if (secret) secretOutputs.push(key);
        outputs[key] = await new Promise((resolve) => (value as pulumi.Output<unknown>).apply(resolve));
      } else {
        outputs[key] = value;
      }
    }
    // Registrations finish asynchronously; wait until no new resource arrives.
    for (let seen = -1; seen !== resources.length; ) {
      seen = resources.length;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await Promise.all(pending);
    const monitor = runtime.getMonitor() as unknown as { resources: Map<string, unknown> };
    for (const urn of monitor.resources.keys()) {
      const [, , type, name] = urn.split('::');
      urns.set(`${type.split('$').pop()}::${name}`, urn);
    }
  } catch (error) {
    // What the program had registered when it stopped, for tests that assert it stopped before touching anything.
    throw Object.assign(error as Error, { registered: resources.filter((r) => r.type !== 'pulumi:pulumi:Stack') });
  } finally {
    Error.prepareStackTrace = prepareStackTrace;
    // The runtime's process 'exit' and 'beforeExit' handlers (its leaked-promise report) are removed after each run:
    // they would otherwise report on a run long finished when jest's worker exits.
    for (const listener of process.listeners('exit')) if (!listenersBefore.exit.includes(listener)) process.removeListener('exit', listener);
    for (const listener of process.listeners('beforeExit')) if (!listenersBefore.beforeExit.includes(listener)) process.removeListener('beforeExit', listener);
  }
  return { urns, withSecretInputs, resources: resources.map((r) => ({ ...r, protect: protectedNames.has(`${r.type}::${r.name}`), dependsOn: dependencies.get(`${r.type}::${r.name}`) ?? [], aliases: aliases.get(`${r.type}::${r.name}`) ?? [] })), outputs, secretOutputs };
}

/** The names of the resources a `dependsOn` option names (the program passes plain resources, or arrays of them). */
async function dependencyNames(dependsOn: pulumi.ResourceOptions['dependsOn']): Promise<string[]> {
  const list = (Array.isArray(dependsOn) ? dependsOn : dependsOn === undefined ? [] : [dependsOn]).filter((r): r is pulumi.Resource => pulumi.Resource.isInstance(r));
  const urns = await Promise.all(list.map((r) => new Promise<string>((resolve) => r.urn.apply(resolve))));
  return urns.map((urn) => urn.split('::').pop()!);
}

/** Whether any input value, however deep, is a secret Output. */
async function containsSecret(value: unknown): Promise<boolean> {
  if (pulumi.Output.isInstance(value)) return pulumi.isSecret(value as pulumi.Output<unknown>);
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) if (await containsSecret(child)) return true;
  }
  return false;
}

/**
 * What AWS returns for a managed data service beside its inputs (endpoints, ports, ARNs), in the shapes AWS uses,
 * so that what the program builds from them (the `<store>-app` Secrets, the SCRAM associations) can be checked.
 */
function managedServiceOutputs(type: string, name: string): Record<string, unknown> {
  const domain = 'cqxample.eu-west-1';
  const arn = 'arn:aws';
  switch (type) {
    case 'aws:rds/instance:Instance':
      return { address: `${name}.${domain}.rds.amazonaws.com`, port: 5432, endpoint: `${name}.${domain}.rds.amazonaws.com:5432` };
    case 'aws:docdb/cluster:Cluster':
      return { endpoint: `${name}.cluster-${domain}.docdb.amazonaws.com`, readerEndpoint: `${name}.cluster-ro-${domain}.docdb.amazonaws.com`, port: 27017 };
    case 'aws:elasticache/replicationGroup:ReplicationGroup':
      return { primaryEndpointAddress: `master.${name}.${domain}.cache.amazonaws.com`, readerEndpointAddress: `replica.${name}.${domain}.cache.amazonaws.com` };
    case 'aws:msk/cluster:Cluster':
      return { arn: `${arn}:kafka:eu-west-1:123456789012:cluster/${name}`, bootstrapBrokersSaslScram: [1, 2, 3].map((b) => `b-${b}.${name}.${domain}.kafka.amazonaws.com:9096`).join(',') };
    case 'aws:kms/key:Key':
      return { arn: `${arn}:kms:eu-west-1:123456789012:key/${name}` };
    case 'aws:secretsmanager/secret:Secret':
      return { arn: `${arn}:secretsmanager:eu-west-1:123456789012:secret:${name}` };
    default:
      return {};
  }
}
