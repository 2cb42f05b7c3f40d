import { kubectl } from './kubectl';

/** A custom resource as a stand-in reads it: its name, and the spec its subclass knows. */
export interface StoodInResource<Spec> {
  readonly metadata: { readonly name: string };
  readonly spec: Spec;
}

/**
 * What an operator that cannot run on the live node would make for its custom resources, made by the test instead:
 * each resource of the namespace gets its objects once (server-side applied under the stand-in's field manager).
 * A subclass says which resource, what database each one serves, and which objects it gets.
 */
export abstract class OperatorStandIn<Spec> {
  /** The resources stood in for, by name: the database each serves. */
  private readonly done = new Map<string, string>();

  constructor(
    protected readonly namespace: string,
    protected readonly image: string,
    protected readonly env: NodeJS.ProcessEnv,
  ) {}

  /** The resource type, as `kubectl get` names it (`clusters.postgresql.cnpg.io`). */
  protected abstract readonly resourceType: string;
  /** The field manager of the objects it applies. */
  protected abstract readonly fieldManager: string;
  /** The database a resource serves. */
  protected abstract databaseOf(resource: StoodInResource<Spec>): string;
  /** The objects the operator would make for a resource. */
  protected abstract objects(resource: StoodInResource<Spec>, database: string): object[];

  /** Makes the objects of every resource that has none yet; returns the names of those it made. */
  reconcile(): string[] {
    const list = JSON.parse(this.kubectl(['get', this.resourceType, '-n', this.namespace, '-o', 'json'])) as { items: Array<StoodInResource<Spec>> };
    const made: string[] = [];
    for (const resource of list.items) {
      const { name } = resource.metadata;
      if (this.done.has(name)) continue;
      const database = this.databaseOf(resource);
      const items = this.objects(resource, database);
      this.kubectl(['apply', '--server-side', '--field-manager', this.fieldManager, '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
      this.done.set(name, database);
      made.push(name);
    }
    return made;
  }

  /** The resources stood in for so far, by name, and the database each serves. */
  stoodIn(): ReadonlyMap<string, string> {
    return this.done;
  }

  protected kubectl(args: string[], input?: string): string {
    return kubectl(this.env, args, input);
  }
}
