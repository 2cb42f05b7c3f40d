import Ajv from 'ajv';
import { convertOpenApiSchema, ConversionOptions, SchemaNode } from '../../policy/convert-openapi-schema';

const CRD: ConversionOptions = { definitionsPrefix: 'k8s.json#/definitions/', closeObjectsWithoutProperties: true, objectMetaRef: 'k8s.json#/definitions/ObjectMeta' };
const BUILT_IN: ConversionOptions = { ...CRD, closeObjectsWithoutProperties: false };

/** A validator of one converted schema; `k8s.json` holds a two-field ObjectMeta for embedded resources. */
function validator(schema: SchemaNode, options: ConversionOptions = CRD): (value: unknown) => string[] {
  const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
  ajv.addSchema({ $id: 'k8s.json', definitions: { ObjectMeta: { type: 'object', properties: { name: { type: 'string' }, labels: { type: 'object', additionalProperties: { type: 'string' } } }, additionalProperties: false } } });
  const validate = ajv.compile(convertOpenApiSchema(schema, options));
  return (value) => (validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.keyword}`));
}

describe('convertOpenApiSchema', () => {
  test('an object with properties refuses unknown fields', () => {
    const validate = validator({ type: 'object', properties: { a: { type: 'string' } } }, BUILT_IN);
    expect(validate({ a: 'x' })).toEqual([]);
    expect(validate({ a: 'x', b: 1 })).toEqual([' additionalProperties']);
  });

  test('a CRD object without properties prunes every field, a built-in one (RawExtension) accepts any', () => {
    expect(validator({ type: 'object' }, CRD)({ b: 1 })).toEqual([' additionalProperties']);
    expect(validator({ type: 'object' }, BUILT_IN)({ b: 1 })).toEqual([]);
  });

  test('x-kubernetes-preserve-unknown-fields keeps unknown fields but still checks the declared ones', () => {
    const validate = validator({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { a: { type: 'integer' } } });
    expect(validate({ a: 1, anything: { deep: true } })).toEqual([]);
    expect(validate({ a: 'one' })).toEqual(['/a type']);
  });

  test('x-kubernetes-int-or-string accepts an integer or a string, nothing else', () => {
    const validate = validator({ 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] });
    expect([validate(80), validate('http'), validate(1.5), validate(true)]).toEqual([[], [], [' type'], [' type']]);
  });

  test('nullable allows null; without it null is a wrong type', () => {
    expect(validator({ type: 'string', nullable: true })(null)).toEqual([]);
    expect(validator({ type: 'string' })(null)).toEqual([' type']);
    expect(validator({ type: 'string', enum: ['a'], nullable: true })(null)).toEqual([]);
  });

  test('x-kubernetes-embedded-resource requires apiVersion and kind and checks metadata as ObjectMeta', () => {
    const validate = validator({ type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true });
    expect(validate({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: {} })).toEqual([]);
    expect(validate({ kind: 'Pod', metadata: { nam: 'p' } })).toEqual([' required', '/metadata additionalProperties']);
  });

  test('$ref to a published definition points into the definitions document, and allOf of one $ref is that $ref', () => {
    expect(convertOpenApiSchema({ allOf: [{ $ref: '#/components/schemas/io.k8s.api.core.v1.PodSpec' }], default: {} }, BUILT_IN)).toEqual({ $ref: 'k8s.json#/definitions/io.k8s.api.core.v1.PodSpec' });
    expect(() => convertOpenApiSchema({ $ref: 'other.json#/x' }, BUILT_IN)).toThrow('unsupported $ref other.json#/x');
  });

  test('OpenAPI 3.0 boolean exclusive bounds become JSON Schema bounds', () => {
    const validate = validator({ type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 1, exclusiveMaximum: true });
    expect([validate(0), validate(0.5), validate(1)]).toEqual([[' exclusiveMinimum'], [], [' exclusiveMaximum']]);
  });

  test('value validations under oneOf neither close objects nor change types', () => {
    const schema = convertOpenApiSchema({ type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } }, oneOf: [{ required: ['a'] }, { required: ['b'] }] }, CRD);
    expect(schema.oneOf).toEqual([{ required: ['a'] }, { required: ['b'] }]);
  });

  test('documentation and Kubernetes extensions are dropped', () => {
    expect(convertOpenApiSchema({ type: 'string', description: 'd', default: 'x', 'x-kubernetes-list-type': 'atomic', format: 'hostname' }, CRD)).toEqual({ type: 'string' });
  });
});
