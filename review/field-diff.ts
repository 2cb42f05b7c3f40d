/** One field that differs between two versions of a Kubernetes object. */
export interface FieldChange {
  /**
   * Where the field is, one segment per step: object keys, and for list items either `[name]` (lists of named
   * items, matched by name as Kubernetes merges them) or `[index]`.
   */
  readonly segments: readonly string[];
  /** The value before; undefined when the field was added. */
  readonly before?: unknown;
  /** The value after; undefined when the field was removed. */
  readonly after?: unknown;
}

/** `spec.template.spec.containers[app].image`: segments joined as a reviewer would write the path. */
export function formatPath(segments: readonly string[]): string {
  return segments.reduce((path, segment) => (segment.startsWith('[') || path === '' ? `${path}${segment}` : `${path}.${segment}`), '');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep equality of JSON values (key order does not matter). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => sameValue(a[k], b[k]));
  }
  return false;
}

/**
 * The key of every item when all items are objects with distinct string names (`name`, or `metadata.name` for
 * claim templates), which Kubernetes merges such lists by.
 */
function namesOf(items: readonly unknown[]): string[] | undefined {
  const names = items.map((item) => {
    if (!isRecord(item)) return undefined;
    if (typeof item.name === 'string') return item.name;
    const metadata = item.metadata;
    return isRecord(metadata) && typeof metadata.name === 'string' ? metadata.name : undefined;
  });
  if (names.some((n) => n === undefined)) return undefined;
  return new Set(names).size === names.length ? (names as string[]) : undefined;
}

/**
 * Items of two unkeyed lists that only one side has, compared as multisets, so that an item inserted in the
 * middle shows as one added item rather than a shift of every item after it.
 */
function unmatched(before: readonly unknown[], after: readonly unknown[]): { removed: number[]; added: number[] } {
  const free = after.map(() => true);
  const removed: number[] = [];
  before.forEach((item, i) => {
    const j = after.findIndex((other, k) => free[k] && sameValue(item, other));
    if (j < 0) removed.push(i);
    else free[j] = false;
  });
  return { removed, added: free.flatMap((isFree, k) => (isFree ? [k] : [])) };
}

/**
 * The fields that differ between `before` and `after`, deepest first reached. Objects are compared key by key;
 * lists of named items (containers, env, ports, volumes, claim templates) item by item by name; other lists of
 * objects as multisets (items removed at their old index, added at their new one); lists of plain values (args,
 * access modes), and lists only reordered, as one value, since an index-wise diff of a shifted list says less.
 */
export function diffFields(before: unknown, after: unknown, segments: readonly string[] = []): FieldChange[] {
  if (sameValue(before, after)) return [];
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => diffFields(before[key], after[key], [...segments, key]));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const beforeNames = namesOf(before);
    const afterNames = namesOf(after);
    if (beforeNames && afterNames && (before.length > 0 || after.length > 0)) {
      const byName = (items: unknown[], names: string[]) => new Map(names.map((n, i) => [n, items[i]]));
      const was = byName(before, beforeNames);
      const is = byName(after, afterNames);
      const names = [...beforeNames, ...afterNames.filter((n) => !was.has(n))];
      const changes = names.flatMap((name) => diffFields(was.get(name), is.get(name), [...segments, `[${name}]`]));
      if (changes.length > 0) return changes;
    }
    const objects = [...before, ...after].some((item) => isRecord(item) || Array.isArray(item));
    if (objects && !(beforeNames && afterNames)) {
      const { removed, added } = unmatched(before, after);
      // Same items in another order: positional lists change as a whole.
      if (removed.length > 0 || added.length > 0) {
        return [
          ...removed.map((i) => ({ segments: [...segments, `[${i}]`], before: before[i] })),
          ...added.map((j) => ({ segments: [...segments, `[${j}]`], after: after[j] })),
        ];
      }
    }
  }
  return [{ segments, ...(before === undefined ? {} : { before }), ...(after === undefined ? {} : { after }) }];
}

/** A value on one line for a diff: JSON, shortened past `maxLength` characters. */
export function showField(value: unknown, maxLength = 80): string {
  if (value === undefined) return '(none)';
  const text = JSON.stringify(value);
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}
