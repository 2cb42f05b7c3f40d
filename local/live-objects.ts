import { execFileSync } from 'child_process';
import { dataBearingReason } from '../synthesis/data-bearing';
import { MANAGED_BY } from '../constructs/labels';
import { ObjectIdentity, objectKey } from './object-key';

/**
 * One entry of an object's `metadata.managedFields`: the fields one field manager set, by one kind of operation
 * (server-side `Apply`, or `Update` for every other write), on the object or one of its subresources.
 */
export interface ManagedFieldsEntry {
  readonly manager: string;
  readonly operation: 'Apply' | 'Update';
  readonly apiVersion?: string;
  readonly time?: string;
  readonly fieldsType?: string;
  /** The fields, as a trie of `f:<name>`, `k:<key>`, `v:<value>` and `.` keys whose leaves are `{}`. */
  readonly fieldsV1?: FieldsV1;
  readonly subresource?: string;
}

/** A set of fields in the API server's FieldsV1 encoding. */
export interface FieldsV1 {
  readonly [key: string]: FieldsV1;
}

/** An object as the API server returns it, with the fields the e2e checks and `npm run local` read. */
export interface LiveObject extends ObjectIdentity {
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly uid: string;
    readonly resourceVersion?: string;
    readonly labels?: Record<string, string>;
    readonly ownerReferences?: readonly unknown[];
    readonly deletionTimestamp?: string;
    /** Present only when asked for (getObject's `managedFields`): kubectl leaves it out otherwise. */
    readonly managedFields?: readonly ManagedFieldsEntry[];
  };
}

/**
 * Kinds whose objects controllers copy our labels onto without an owner reference: the endpoints controller gives
 * each Service's Endpoints the Service's labels. They are the cluster's bookkeeping, not objects the stack made.
 */
const CONTROLLER_COPIES: readonly string[] = ['v1/Endpoints'];

/**
 * Runs kubectl and returns its standard output; throws on a non-zero exit, with its standard error in the message.
 * That goes to this process's too, unless `quiet` (for a command whose failure the caller handles).
 */
export function kubectl(env: NodeJS.ProcessEnv, args: readonly string[], options: { quiet?: boolean } = {}): string {
  return execFileSync('kubectl', args, { env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...(options.quiet ? { stdio: ['ignore', 'pipe', 'pipe'] } : {}) });
}

/** kubectl's arguments naming one object: `Kind.version.group name [-n namespace]`, unambiguous for any kind. */
export function objectArgs(object: ObjectIdentity): string[] {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
  const resource = group ? `${object.kind}.${version}.${group}` : object.kind;
  return [resource, object.metadata.name, ...(object.metadata.namespace ? ['-n', object.metadata.namespace] : [])];
}

/**
 * Every object on the API server labelled `app.kubernetes.io/managed-by=career-copilot-migration`, of every kind the
 * server can list (built-in and custom), in every namespace; without those that controllers derived from ours
 * (Pods, ReplicaSets, EndpointSlices: they carry an owner reference) and without objects being deleted.
 */
export function listOurObjects(env: NodeJS.ProcessEnv): LiveObject[] {
  // componentstatuses: deprecated, never ours, and listing it prints a warning.
  const resources = kubectl(env, ['api-resources', '--verbs=list', '-o', 'name'])
    .split('\n')
    .filter((r) => r && r !== 'componentstatuses');
  const list = JSON.parse(kubectl(env, ['get', resources.join(','), '--all-namespaces', '-l', `app.kubernetes.io/managed-by=${MANAGED_BY}`, '-o', 'json'])) as {
    items: LiveObject[];
  };
  const seen = new Set<string>();
  return list.items.filter((o) => {
    // The same object is listed once per group that serves it (events, for example); keep the first.
    const id = o.metadata.uid;
    if (seen.has(id)) return false;
    seen.add(id);
    return !o.metadata.ownerReferences?.length && !o.metadata.deletionTimestamp && !CONTROLLER_COPIES.includes(`${o.apiVersion}/${o.kind}`);
  });
}

/**
 * Throws unless the control plane holds no object of ours: a throwaway stack (the e2e tests, the engine bench)
 * creates the same names as the local stack, and must start from an empty control plane.
 */
export function assertNoObjectsOfOurs(env: NodeJS.ProcessEnv): void {
  const leftovers = listOurObjects(env);
  if (leftovers.length > 0) {
    throw new Error(
      `the local control plane already holds ${leftovers.length} objects of ours (e.g. ${objectKey(leftovers[0])}), ` +
        'from `npm run local` or an interrupted run; restart it empty: npm run cluster:down && npm run cluster:up',
    );
  }
}

/** The UID of every data-bearing object among `objects`, by identity: compared before and after a step. */
export function dataBearingUids(objects: readonly LiveObject[]): Map<string, string> {
  return new Map(objects.filter((o) => dataBearingReason(o) !== undefined).map((o) => [objectKey(o), o.metadata.uid]));
}

/** One object by identity, or undefined when the API server has none; with `managedFields`, its managedFields too. */
export function getObject(env: NodeJS.ProcessEnv, object: ObjectIdentity, options: { managedFields?: boolean } = {}): LiveObject | undefined {
  const args = ['get', ...objectArgs(object), '--ignore-not-found', '-o', 'json', ...(options.managedFields ? ['--show-managed-fields'] : [])];
  const out = kubectl(env, args).trim();
  return out ? (JSON.parse(out) as LiveObject) : undefined;
}

/** A workload of ours and whether it has what it asks for: ready replicas, or a completed Job. */
export interface WorkloadState {
  /** `Kind name`. */
  readonly workload: string;
  readonly ready: boolean;
  /** `2/2 ready`, `complete`, `0/2 ready (Progressing)`. */
  readonly detail: string;
}

type Workload = LiveObject & {
  spec?: { replicas?: number; workloadRef?: { kind: string; name: string } };
  status?: { readyReplicas?: number; phase?: string; conditions?: Array<{ type: string; status: string }> };
};

/**
 * Every Deployment, StatefulSet, Job and Argo Rollout of ours in `namespace`, with its state. A Deployment at 0
 * replicas is ready only when a Rollout references it (Argo Rollouts scales it to 0; the Rollout runs the pods).
 */
export function workloadStates(env: NodeJS.ProcessEnv, namespace: string): WorkloadState[] {
  const list = JSON.parse(kubectl(env, ['get', 'deployments.apps,statefulsets.apps,jobs.batch,rollouts.argoproj.io', '-n', namespace, '-l', `app.kubernetes.io/managed-by=${MANAGED_BY}`, '-o', 'json'])) as { items: Workload[] };
  const underRollout = new Set(list.items.filter((w) => w.kind === 'Rollout' && w.spec?.workloadRef?.kind === 'Deployment').map((w) => w.spec!.workloadRef!.name));
  return list.items.map((w) => {
    const workload = `${w.kind} ${w.metadata.name}`;
    if (w.kind === 'Job') {
      const complete = w.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') ?? false;
      return { workload, ready: complete, detail: complete ? 'complete' : 'not complete' };
    }
    const wanted = w.spec?.replicas ?? 1;
    const ready = w.status?.readyReplicas ?? 0;
    const healthy = w.kind !== 'Rollout' || w.status?.phase === 'Healthy';
    const scaledAway = wanted === 0 && !(w.kind === 'Deployment' && underRollout.has(w.metadata.name));
    return { workload, ready: ready >= wanted && healthy && !scaledAway, detail: `${ready}/${wanted} ready${w.kind === 'Rollout' ? ` (${w.status?.phase ?? 'no status'})` : ''}` };
  }).sort((a, b) => a.workload.localeCompare(b.workload));
}
