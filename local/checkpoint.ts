/**
 * A stack's state as `pulumi stack export` writes it and `pulumi stack import` reads it (apitype.UntypedDeployment
 * with a DeploymentV3): the fields this project reads, every other one carried through unchanged.
 */
export interface Checkpoint {
  readonly version: number;
  readonly deployment: CheckpointDeployment;
}

/** The deployment of a checkpoint: its resources in dependency order, and the operations in flight when it was written. */
export interface CheckpointDeployment {
  readonly resources?: readonly CheckpointResource[];
  readonly pending_operations?: readonly CheckpointOperation[];
  readonly [field: string]: unknown;
}

/** One resource of a checkpoint (apitype.ResourceV3). Secret values stay encrypted objects, whatever their place. */
export interface CheckpointResource {
  readonly urn: string;
  readonly type: string;
  readonly id?: string;
  readonly inputs?: Readonly<Record<string, unknown>>;
  readonly outputs?: Readonly<Record<string, unknown>>;
  /** The old resource of a delete-before-replace whose replacement is not created yet. */
  readonly pendingReplacement?: boolean;
  readonly [field: string]: unknown;
}

/** An operation the engine started and did not record as finished (apitype.OperationV2). */
export interface CheckpointOperation {
  /** `creating`, `updating`, `deleting`, `reading` or `importing`. */
  readonly type: string;
  readonly resource: CheckpointResource;
}
