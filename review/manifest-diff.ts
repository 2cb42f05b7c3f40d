import { Manifest } from '../core/manifest';
import { diffFields, FieldChange } from './field-diff';

/**
 * `apps/v1/Deployment career-copilot/user-service`: what Kubernetes identifies an object by (type, namespace,
 * name), as reviewers read it.
 */
export function objectKey(manifest: Manifest): string {
  const { apiVersion, kind, metadata } = manifest.document;
  return `${apiVersion}/${kind} ${metadata.namespace ? `${metadata.namespace}/` : ''}${metadata.name}`;
}

/** `Deployment user-service`: the short name used in report lines. */
export function objectLabel(manifest: Manifest): string {
  return `${manifest.document.kind} ${manifest.document.metadata.name}`;
}

/** An object present on both sides whose fields or component differ. */
export interface ObjectChange {
  readonly key: string;
  readonly before: Manifest;
  readonly after: Manifest;
  /** Fields that differ, in path order. */
  readonly fields: readonly FieldChange[];
  /**
   * The component it belonged to, when it moves to another one. The component is the Pulumi parent, so a move
   * changes the URN and Pulumi replaces the object unless an alias says where it came from.
   */
  readonly movedFrom?: string;
}

/** What one step does to a phase's objects. */
export interface ManifestDiff {
  readonly added: readonly Manifest[];
  readonly removed: readonly Manifest[];
  readonly changed: readonly ObjectChange[];
  /** How many objects stay exactly as they were. */
  readonly unchanged: number;
}

function byKey(manifests: readonly Manifest[]): Map<string, Manifest> {
  const map = new Map<string, Manifest>();
  for (const manifest of manifests) {
    const key = objectKey(manifest);
    if (map.has(key)) throw new Error(`two objects are ${key}`);
    map.set(key, manifest);
  }
  return map;
}

/** Compares two phases' objects by identity; the order of each list follows the side it comes from. */
export function diffManifests(before: readonly Manifest[], after: readonly Manifest[]): ManifestDiff {
  const was = byKey(before);
  const is = byKey(after);
  const added = after.filter((m) => !was.has(objectKey(m)));
  const removed = before.filter((m) => !is.has(objectKey(m)));
  const changed: ObjectChange[] = [];
  let unchanged = 0;
  for (const next of after) {
    const key = objectKey(next);
    const previous = was.get(key);
    if (!previous) continue;
    const fields = diffFields(previous.document, next.document);
    const moved = previous.component !== next.component;
    if (fields.length === 0 && !moved) {
      unchanged += 1;
      continue;
    }
    changed.push({ key, before: previous, after: next, fields, ...(moved ? { movedFrom: previous.component } : {}) });
  }
  return { added, removed, changed, unchanged };
}
