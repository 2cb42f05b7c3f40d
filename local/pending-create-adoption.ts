import { CheckpointDeployment, CheckpointResource } from './checkpoint';

/** A pending create whose object exists, to be recorded in the state as created. */
export interface Adoption {
  readonly urn: string;
  /** The ID the provider gives the object (`namespace/name`, or `name` for a cluster-wide kind). */
  readonly id: string;
  /** The server-side apply field manager that applied it (the killed provider's), when one did. */
  readonly fieldManager?: string;
}

/**
 * The deployment with each adopted pending create recorded as the finished create it was: the resource the engine
 * wrote when it started the create (its program inputs, parent, provider and dependencies), with its ID and the
 * outputs pulumi-kubernetes checkpoints for an object made from those inputs (`checkpointObject` of
 * provider/pkg/provider/provider.go: the inputs, `__inputs`, `__initialApiVersion`, `__fieldManager`), and
 * without its pending operation. The `pulumi refresh` that follows reads the object back over those outputs.
 *
 * Why not `pulumi refresh --import-pending-creates`: in the CLI built here (3.248.0) it only marks the operation
 * `importing`, which no step of the refresh acts on, and the state the refresh writes keeps only pending creates
 * (backend/journal.go): the object was forgotten, and the next `up` created it again, a server-side apply that
 * takes the existing object under a field manager of its own beside the killed provider's, each holding every field.
 * Recording the killed provider's manager instead makes the state name the one manager the object has, and every
 * later update applies as it. The object itself is not touched.
 *
 * The old resource of a delete-before-replace (`pendingReplacement`, already deleted on the cluster) gives its place
 * to its replacement, as the engine does when the replacement is created; any other is added at the end, after every
 * resource it can refer to (a create starts only once its parent, provider and dependencies are done). Whether
 * the result holds together is for `pulumi stack import` to check: it refuses a state that does not.
 */
export function adoptPendingCreates(deployment: CheckpointDeployment, adoptions: readonly Adoption[]): CheckpointDeployment {
  let resources = [...(deployment.resources ?? [])];
  let pending = [...(deployment.pending_operations ?? [])];
  for (const { urn, id, fieldManager } of adoptions) {
    const op = pending.find((o) => o.type === 'creating' && o.resource.urn === urn);
    if (!op) throw new Error(`no pending create of ${urn} in the state`);
    pending = pending.filter((o) => o !== op);
    const inputs = op.resource.inputs ?? {};
    const outputs = { ...inputs, __inputs: inputs, __initialApiVersion: inputs.apiVersion, ...(fieldManager ? { __fieldManager: fieldManager } : {}) };
    const created: CheckpointResource = { ...op.resource, id, outputs };
    const replaced = resources.findIndex((r) => r.urn === urn && r.pendingReplacement === true);
    resources = replaced >= 0 ? resources.map((r, i) => (i === replaced ? created : r)) : [...resources, created];
  }
  return { ...deployment, resources, pending_operations: pending };
}
