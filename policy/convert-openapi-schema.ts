/**
 * Turns Kubernetes OpenAPI v3 schemas (the API server's published definitions and CRDs' `openAPIV3Schema`) into
 * JSON Schemas that ajv evaluates the way the API server's strict field validation does: unknown fields fail,
 * Kubernetes' extensions become plain JSON Schema, and documentation is dropped so compiled validators stay small.
 */

/** A JSON Schema node, as parsed from JSON or YAML. */
export type SchemaNode = { [keyword: string]: unknown };

/** How one source's schemas are read; built-in definitions and CRD schemas differ in a few rules. */
export interface ConversionOptions {
  /**
   * Where a `$ref` to `#/components/schemas/<name>` points after conversion, e.g. `kubernetes.json#/definitions/`.
   * CRD schemas have no `$ref` of their own; they use it for ObjectMeta.
   */
  readonly definitionsPrefix: string;
  /**
   * Whether an object schema without `properties` or `additionalProperties` accepts no field at all. True for CRDs,
   * where the API server prunes (and strict validation reports) every field such a structural schema does not
   * name; false for built-in types, where such a schema stands for free-form data (RawExtension, FieldsV1).
   */
  readonly closeObjectsWithoutProperties: boolean;
  /** The schema that `metadata` of an embedded resource is checked against (ObjectMeta). */
  readonly objectMetaRef: string;
}

/** Formats ajv checks; every other OpenAPI format is dropped, since the API server accepts them as plain strings or numbers. */
export const CHECKED_FORMATS = ['int32', 'int64', 'date-time'] as const;

/** Keywords that only document or drive server-side merging, defaulting or CEL; they never reject a value here. */
const DROPPED_KEYWORDS = new Set(['description', 'default', 'example', 'externalDocs', 'title', 'readOnly', 'writeOnly', 'deprecated', 'discriminator', 'xml']);

/**
 * Converts one schema node. `inJunctor` is true under allOf/anyOf/oneOf/not of a CRD, where subschemas only
 * restrict values of fields the enclosing schema declares, so they must not close objects or change types.
 */
export function convertOpenApiSchema(node: SchemaNode, options: ConversionOptions, inJunctor = false): SchemaNode {
  const out: SchemaNode = {};
  // allOf with a single $ref is how the published definitions attach a default to a reference.
  const allOf = node.allOf as SchemaNode[] | undefined;
  if (allOf?.length === 1 && typeof allOf[0].$ref === 'string' && Object.keys(allOf[0]).length === 1) {
    return { $ref: convertRef(allOf[0].$ref, options) };
  }
  for (const [keyword, value] of Object.entries(node)) {
    if (DROPPED_KEYWORDS.has(keyword) || keyword.startsWith('x-')) continue;
    switch (keyword) {
      case '$ref':
        out.$ref = convertRef(value as string, options);
        break;
      case 'properties':
        out.properties = mapValues(value as Record<string, SchemaNode>, (child) => convertOpenApiSchema(child, options, inJunctor));
        break;
      case 'additionalProperties':
        out.additionalProperties = typeof value === 'boolean' ? value : convertOpenApiSchema(value as SchemaNode, options, inJunctor);
        break;
      case 'items':
        out.items = convertOpenApiSchema(value as SchemaNode, options, inJunctor);
        break;
      case 'allOf':
      case 'anyOf':
      case 'oneOf':
        out[keyword] = (value as SchemaNode[]).map((child) => convertOpenApiSchema(child, options, true));
        break;
      case 'not':
        out.not = convertOpenApiSchema(value as SchemaNode, options, true);
        break;
      case 'format':
        if ((CHECKED_FORMATS as readonly unknown[]).includes(value)) out.format = value;
        break;
      case 'exclusiveMinimum':
      case 'exclusiveMaximum':
        // OpenAPI 3.0 writes these as booleans next to minimum/maximum; JSON Schema wants the bound itself.
        break;
      case 'nullable':
        break;
      default:
        out[keyword] = value;
    }
  }
  applyExclusiveBounds(node, out);
  if (inJunctor) return out;

  if (node['x-kubernetes-int-or-string'] === true) {
    // CRDs spell int-or-string as an anyOf of the two types; one type union reports one clear error instead.
    delete out.anyOf;
    out.type = ['integer', 'string'];
  }
  const unionType = typeUnion(out);
  if (unionType) {
    // IntOrString and Quantity are a oneOf of bare types in the published definitions.
    delete out.oneOf;
    delete out.anyOf;
    out.type = unionType;
  }
  if (node['x-kubernetes-embedded-resource'] === true) embedResource(out, options);
  if (isObjectSchema(out) && out.additionalProperties === undefined && node['x-kubernetes-preserve-unknown-fields'] !== true) {
    if (out.properties !== undefined || options.closeObjectsWithoutProperties) out.additionalProperties = false;
  }
  if (node.nullable === true) allowNull(out);
  return out;
}

/** Builds one JSON Schema document holding every definition of a published OpenAPI v3 file set. */
export function convertDefinitions(definitions: Record<string, SchemaNode>, options: ConversionOptions): Record<string, SchemaNode> {
  return mapValues(definitions, (definition) => convertOpenApiSchema(definition, options));
}

function convertRef(ref: string, options: ConversionOptions): string {
  const prefix = '#/components/schemas/';
  if (!ref.startsWith(prefix)) throw new Error(`unsupported $ref ${ref}: only ${prefix}<name> is published by Kubernetes`);
  return options.definitionsPrefix + ref.slice(prefix.length);
}

function applyExclusiveBounds(node: SchemaNode, out: SchemaNode): void {
  if (node.exclusiveMinimum === true && typeof node.minimum === 'number') {
    out.exclusiveMinimum = node.minimum;
    delete out.minimum;
  }
  if (node.exclusiveMaximum === true && typeof node.maximum === 'number') {
    out.exclusiveMaximum = node.maximum;
    delete out.maximum;
  }
}

/** `oneOf: [{type: integer}, {type: string}]` -> `['integer', 'string']`; undefined for any other schema. */
function typeUnion(schema: SchemaNode): string[] | undefined {
  const branches = (schema.oneOf ?? schema.anyOf) as SchemaNode[] | undefined;
  if (!branches || schema.type !== undefined || (schema.oneOf && schema.anyOf)) return undefined;
  if (!branches.every((b) => Object.keys(b).length === 1 && typeof b.type === 'string')) return undefined;
  return branches.map((b) => b.type as string);
}

/** An embedded resource always carries apiVersion, kind and an ObjectMeta, whatever else its schema says. */
function embedResource(out: SchemaNode, options: ConversionOptions): void {
  const properties = (out.properties ?? {}) as Record<string, SchemaNode>;
  out.properties = {
    ...properties,
    apiVersion: { type: 'string', minLength: 1 },
    kind: { type: 'string', minLength: 1 },
    metadata: { $ref: options.objectMetaRef },
  };
  out.required = [...new Set([...((out.required as string[] | undefined) ?? []), 'apiVersion', 'kind'])];
}

function isObjectSchema(schema: SchemaNode): boolean {
  return schema.type === 'object' || (schema.type === undefined && schema.properties !== undefined && schema.$ref === undefined);
}

function allowNull(out: SchemaNode): void {
  if (typeof out.type === 'string') out.type = [out.type, 'null'];
  else if (Array.isArray(out.type)) out.type = [...out.type, 'null'];
  if (out.enum !== undefined) out.enum = [...(out.enum as unknown[]), null];
}

function mapValues<T, U>(record: Record<string, T>, map: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value)]));
}
