import { ErrorObject } from 'ajv';
import { Manifest } from '../core/manifest';
import { notOneOf, showValue } from '../core/validation-error';
import { loadSchemaCatalog, SchemaCatalog } from './kubernetes-schemas';
import { SchemaNode } from './convert-openapi-schema';

/** A document to check and where it came from: a file, or the component of a phase that emitted it. */
export interface LocatedDocument {
  /** A file path, or a component name. */
  readonly source: string;
  /** The parsed document; anything, since a file may hold something that is not a Kubernetes object. */
  readonly document: unknown;
}

/** One way in which a document breaks the schema of its kind, as the API server's strict validation would report it. */
export interface SchemaFinding {
  /** The file or component the document came from. */
  readonly source: string;
  readonly kind: string;
  readonly name: string;
  /** The field, e.g. `spec.template.spec.containers[0].resourcez`; empty when the document as a whole is refused. */
  readonly path: string;
  readonly message: string;
}

/** Validates the synthesized objects of a phase; each finding names the component that emitted the object. */
export function validateManifests(manifests: readonly Manifest[], catalog: SchemaCatalog = loadSchemaCatalog()): SchemaFinding[] {
  return validateDocuments(manifests.map((m) => ({ source: m.component, document: m.document })), catalog);
}

/**
 * Validates documents against the Kubernetes schemas and the CRDs of crds.json. A document whose apiVersion and
 * kind no schema knows is a finding too: it could not be applied.
 */
export function validateDocuments(documents: readonly LocatedDocument[], catalog: SchemaCatalog = loadSchemaCatalog()): SchemaFinding[] {
  return documents.flatMap(({ source, document }) => validateDocument(source, document, catalog));
}

/** `user-service: Deployment/user-service spec.replicas: "3" is not of type integer`. */
export function formatFinding(finding: SchemaFinding): string {
  const where = finding.path === '' ? '' : ` ${finding.path}`;
  return `${finding.source}: ${finding.kind}/${finding.name}${where}: ${finding.message}`;
}

function validateDocument(source: string, document: unknown, catalog: SchemaCatalog): SchemaFinding[] {
  if (!isRecord(document)) return [{ source, kind: '(none)', name: '(none)', path: '', message: `${preview(document)} is not a Kubernetes object` }];
  const { apiVersion, kind, metadata } = document;
  const name = isRecord(metadata) && typeof metadata.name === 'string' ? metadata.name : '(unnamed)';
  const finding = (path: string, message: string): SchemaFinding => ({ source, kind: typeof kind === 'string' ? kind : '(none)', name, path, message });
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
    return [typeof apiVersion === 'string' ? finding('kind', 'required field missing') : finding('apiVersion', 'required field missing')];
  }
  const validate = catalog.validator(apiVersion, kind);
  if (!validate) return [finding('', catalog.explainMissing(apiVersion, kind))];

  const findings: SchemaFinding[] = [];
  // The API server needs a name (or a prefix to generate one); the schemas leave both optional.
  if (!isRecord(metadata) || (metadata.name === undefined && metadata.generateName === undefined)) findings.push(finding('metadata.name', 'required field missing'));
  if (!validate(document)) {
    for (const { pointer, message } of describeErrors(validate.errors ?? [])) findings.push(finding(fieldPath(document, pointer), message));
  }
  // Two branches of a schema can report the same field twice.
  const unique = new Map(findings.map((f) => [`${f.path}\n${f.message}`, f]));
  return [...unique.values()];
}

/** An ajv error in the project's words, at the JSON pointer of the field it is about. */
interface Described {
  readonly pointer: string;
  readonly message: string;
}

/**
 * ajv's errors in the project's words. Errors inside a failed oneOf/anyOf are alternatives that did not match;
 * they are folded into one message about the oneOf/anyOf itself.
 */
function describeErrors(errors: readonly ErrorObject[]): Described[] {
  const junctors = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  const branchOf = (e: ErrorObject): ErrorObject | undefined =>
    junctors.find((j) => j !== e && e.schemaPath.startsWith(`${j.schemaPath}/`) && e.instancePath.startsWith(j.instancePath));
  const described: Described[] = [];
  for (const error of errors) {
    if (branchOf(error)) continue;
    if (error.keyword === 'oneOf' || error.keyword === 'anyOf') {
      const branches = errors.filter((e) => branchOf(e) === error);
      described.push({ pointer: error.instancePath, message: describeJunctor(error, branches) });
    } else {
      described.push(describeError(error));
    }
  }
  return described;
}

/** Messages per ajv keyword; the ones not listed use ajv's own wording after the value. */
const KEYWORD_MESSAGES: Readonly<Record<string, (error: ErrorObject) => Described>> = {
  additionalProperties: (e) => ({ pointer: `${e.instancePath}/${escapePointer(String(e.params.additionalProperty))}`, message: 'unknown field' }),
  required: (e) => ({ pointer: `${e.instancePath}/${escapePointer(String(e.params.missingProperty))}`, message: 'required field missing' }),
  type: (e) => ({ pointer: e.instancePath, message: `${preview(e.data)} is not of type ${String(e.params.type).split(',').join(' or ')}` }),
  enum: (e) => ({ pointer: e.instancePath, message: notOneOf(e.data, e.params.allowedValues as unknown[]) }),
  const: (e) => ({ pointer: e.instancePath, message: `${preview(e.data)} is not ${showValue(e.params.allowedValue)}` }),
  format: (e) => ({ pointer: e.instancePath, message: `${preview(e.data)} is not a valid ${String(e.params.format)}` }),
  pattern: (e) => ({ pointer: e.instancePath, message: `${preview(e.data)} does not match ${String(e.params.pattern)}` }),
  not: (e) => ({ pointer: e.instancePath, message: `${preview(e.data)} has a form that is not allowed here` }),
};

function describeError(error: ErrorObject): Described {
  const describe = KEYWORD_MESSAGES[error.keyword];
  return describe ? describe(error) : { pointer: error.instancePath, message: `${preview(error.data)} ${error.message ?? `fails ${error.keyword}`}` };
}

/**
 * A failed oneOf/anyOf. CRDs (Istio's, mostly) use them to say which fields exclude each other, as branches of
 * `required` lists; those become "at most one of a, b may be set". Other shapes list what each branch said.
 */
function describeJunctor(error: ErrorObject, branches: readonly ErrorObject[]): string {
  const alternatives = error.schema as SchemaNode[];
  const requiredOf = (branch: SchemaNode): string[] | undefined => {
    if (Object.keys(branch).length === 1 && Array.isArray(branch.required)) return branch.required as string[];
    const not = branch.not as SchemaNode | undefined;
    if (Object.keys(branch).length === 1 && not && Object.keys(not).length === 1 && Array.isArray(not.anyOf)) {
      const nested = (not.anyOf as SchemaNode[]).map(requiredOf);
      return nested.every((n) => n !== undefined) ? [] : undefined;
    }
    return undefined;
  };
  const required = alternatives.map(requiredOf);
  if (required.every((r) => r !== undefined)) {
    const fields = [...new Set(required.flat())];
    const data: unknown = error.data;
    const present = isRecord(data) ? fields.filter((f) => data[f] !== undefined) : [];
    const found = `found ${present.length === 0 ? 'none' : present.join(', ')}`;
    const atMost = required.some((r) => r!.length === 0);
    const rule = error.keyword === 'anyOf' ? 'at least one of' : atMost ? 'at most one of' : 'exactly one of';
    return `${rule} ${fields.join(', ')} may be set (${found})`;
  }
  const reasons = [...new Set(branches.map((b) => describeError(b).message))].slice(0, 3);
  return `${preview(error.data)} matches ${error.keyword === 'oneOf' ? 'not exactly one' : 'none'} of the allowed forms${reasons.length > 0 ? `: ${reasons.join('; ')}` : ''}`;
}

/**
 * `/spec/template/spec/containers/0/name` -> `spec.template.spec.containers[0].name`, reading the document to tell
 * array indexes from map keys; keys that are not identifiers are quoted: `metadata.labels["app.kubernetes.io/name"]`.
 */
function fieldPath(document: unknown, pointer: string): string {
  let node: unknown = document;
  let out = '';
  for (const segment of pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))) {
    if (Array.isArray(node)) out += `[${segment}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
    node = isRecord(node) || Array.isArray(node) ? (node as Record<string, unknown>)[segment] : undefined;
  }
  return out;
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** A value for a message, cut short: a whole pod template would bury the point. */
function preview(value: unknown): string {
  const shown = showValue(value);
  return shown.length > 80 ? `${shown.slice(0, 77)}...` : shown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
