/**
 * Plain-data navigation for the security rules: every value is read together with its JSON path, so that a
 * violation can say exactly where it is (`spec.template.spec.containers[0].securityContext.privileged`).
 * The rules read only fixed keys, and never enumerate or copy an object they were given: under a Pulumi
 * preview, some values are unknown and reading one stops the policy.
 */

/** A Kubernetes object (or a Pulumi resource's inputs) as plain data. */
export type PlainObject = Readonly<Record<string, unknown>>;

/** A value and where it is in its object. `value` is undefined when nothing is there. */
export interface Located {
  readonly path: string;
  readonly value: unknown;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** True for a JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `a.b`, `a[0]`, `a["dotted.key"]`. */
export function joinPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (!IDENTIFIER.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path === '' ? key : `${path}.${key}`;
}

/** The whole object, at the empty path. */
export function root(value: unknown): Located {
  return { path: '', value };
}

/** The value under `keys`, following them from `from`; undefined (with its path) where any step is missing. */
export function at(from: Located, ...keys: ReadonlyArray<string | number>): Located {
  return keys.reduce<Located>((located, key) => {
    const { value } = located;
    const next = typeof key === 'number' ? (Array.isArray(value) ? (value as unknown[])[key] : undefined) : isRecord(value) ? value[key] : undefined;
    return { path: joinPath(located.path, key), value: next };
  }, from);
}

/** The elements of an array value, each with its path; none when the value is not an array. */
export function elements(located: Located): Located[] {
  if (!Array.isArray(located.value)) return [];
  return (located.value as unknown[]).map((value, i) => ({ path: joinPath(located.path, i), value }));
}

/** The first of `candidates` that holds a value, else the first one (list the most specific place first). */
export function firstDefined(...candidates: readonly Located[]): Located {
  return candidates.find((c) => c.value !== undefined) ?? candidates[0];
}

/** `apps/Deployment`, `postgresql.cnpg.io/Cluster`, or just `Secret` for the core group. */
export function kindKey(object: PlainObject): string {
  const apiVersion = typeof object.apiVersion === 'string' ? object.apiVersion : '';
  const kind = typeof object.kind === 'string' ? object.kind : '';
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? kind : `${apiVersion.slice(0, slash)}/${kind}`;
}

/** The object's namespace; `default` when it names none, as the API server would place it. */
export function namespaceOf(object: PlainObject): string {
  const metadata = object.metadata;
  return isRecord(metadata) && typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : 'default';
}

/** `apps/Deployment career-copilot/user-service`: how violations name the object. */
export function objectRef(object: PlainObject): string {
  const metadata = object.metadata;
  const name = isRecord(metadata) && typeof metadata.name === 'string' ? metadata.name : '(unnamed)';
  return `${kindKey(object)} ${namespaceOf(object)}/${name}`;
}
