import { FieldsV1, getObject, kubectl, ManagedFieldsEntry, objectArgs } from './live-objects';
import { ObjectIdentity } from './object-key';

/**
 * The field managers pulumi-kubernetes makes up for server-side apply when nothing names one: `pulumi-kubernetes-`
 * and 8 random hex digits, drawn anew by each Create and each Read (fieldManagerName, provider/pkg/provider/provider.go)
 * and kept in the resource's state (`__fieldManager`), which every later update applies as.
 */
export const GENERATED_FIELD_MANAGER = /^pulumi-kubernetes-[0-9a-f]{8}$/;

/** What handing an object's fields over to one manager makes of its managedFields. */
export interface ManagedFieldsHandover {
  /** The object's managedFields afterwards. */
  readonly entries: ManagedFieldsEntry[];
  /** The managers whose fields were handed over, gone from `entries`. */
  readonly from: string[];
}

/** The union of two field sets (FieldsV1 is a trie whose leaves are `{}`, so a union is a merge of the tries). */
export function unionOfFields(a: FieldsV1, b: FieldsV1): FieldsV1 {
  const union: Record<string, FieldsV1> = { ...a };
  for (const [key, value] of Object.entries(b)) union[key] = key in a ? unionOfFields(a[key], value) : value;
  return union;
}

const appliedToObject = (e: ManagedFieldsEntry) => e.operation === 'Apply' && !e.subresource;

/**
 * The managedFields of an object once every field that another generated pulumi-kubernetes manager applied belongs to
 * `recorded` (the manager the state records): their entries become one entry of `recorded`, merged into its own
 * when it has one, in the place of the first; every other entry (controllers' status updates, Argo's routes, the
 * rollout handover's patch, any other field manager) is kept as it is. Undefined when there is nothing to hand over.
 * The same transfer as the provider's own fixCSAFieldManagers (Flux's PatchReplaceFieldsManagers), for the one
 * manager that can only have been another pulumi-kubernetes process of this stack.
 */
export function handOverManagedFields(entries: readonly ManagedFieldsEntry[], recorded: string): ManagedFieldsHandover | undefined {
  const stale = entries.filter((e) => appliedToObject(e) && e.manager !== recorded && GENERATED_FIELD_MANAGER.test(e.manager));
  if (stale.length === 0) return undefined;
  const own = entries.find((e) => appliedToObject(e) && e.manager === recorded);
  const merged = [own, ...stale].filter((e): e is ManagedFieldsEntry => e !== undefined);
  const fieldsV1 = merged.reduce<FieldsV1>((union, e) => unionOfFields(union, e.fieldsV1 ?? {}), {});
  const handedOver: ManagedFieldsEntry = { ...merged[0], manager: recorded, fieldsV1 };
  const first = entries.find((e) => merged.includes(e));
  return { entries: entries.flatMap((e) => (e === first ? [handedOver] : merged.includes(e) ? [] : [e])), from: stale.map((e) => e.manager) };
}

/** An RFC 6902 operation, as `kubectl patch --type=json` takes it. */
export type JsonPatchOperation = { readonly op: 'test' | 'replace'; readonly path: string; readonly value: unknown };

/** How many times a hand-over is tried when the object changes between reading it and patching it. */
const ATTEMPTS = 3;

/**
 * Hands the fields of an adopted object that a killed pulumi-kubernetes applied over to the manager the state now
 * records for it, so that it is managed by that manager only: otherwise the killed one keeps them and the first
 * update that changes one stops on a server-side apply conflict. A JSON patch of `metadata.managedFields` only:
 * the object's fields and its UID stay as they are, nothing is deleted or applied (a forced apply would not do it:
 * the killed manager would keep, beside the new one, every field whose value they share). The patch tests
 * the resourceVersion it was computed from, so a concurrent write makes it fail and be computed again.
 * Returns the managers handed over (none when the object is already managed by `recorded` alone, or is gone).
 */
export function handOverFieldManager(env: NodeJS.ProcessEnv, object: ObjectIdentity, recorded: string): string[] {
  for (let attempt = 1; ; attempt++) {
    const live = getObject(env, object, { managedFields: true });
    const handover = live && handOverManagedFields(live.metadata.managedFields ?? [], recorded);
    if (!live || !handover) return [];
    const patch: JsonPatchOperation[] = [
      { op: 'test', path: '/metadata/resourceVersion', value: live.metadata.resourceVersion },
      { op: 'replace', path: '/metadata/managedFields', value: handover.entries },
    ];
    try {
      kubectl(env, ['patch', ...objectArgs(object), '--type=json', '--patch', JSON.stringify(patch)], { quiet: true });
      return handover.from;
    } catch (error) {
      if (attempt >= ATTEMPTS) throw error;
    }
  }
}
