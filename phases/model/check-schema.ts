import Ajv, { ErrorObject } from 'ajv';
import { Static, TSchema } from '@sinclair/typebox';
import { IMAGE_DIGEST, PINNED_IMAGE_TAG } from './image-ref';
import { DNS_1123_LABEL_RULE, isDns1123Label } from './names';
import { notOneOf, showValue, ValidationError } from '../../core/validation-error';

const IPV4_CIDR = /^((25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\/(3[0-2]|[12]?[0-9])$/;
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;

const FORMAT_RULES: Record<string, { test: (value: string) => boolean; rule: string }> = {
  'ipv4-cidr': { test: (v) => IPV4_CIDR.test(v), rule: 'is not an IPv4 CIDR block such as 10.0.0.0/16' },
  hostname: { test: (v) => HOSTNAME.test(v), rule: 'is not a lower-case DNS domain name such as api.example.com' },
  'dns-1123-label': { test: isDns1123Label, rule: `is not ${DNS_1123_LABEL_RULE}` },
  'pinned-image-tag': { test: (v) => PINNED_IMAGE_TAG.test(v), rule: 'is not a pinned image tag: give a version such as 1.4.2 or a sha256 digest, never latest' },
  'image-digest': { test: (v) => IMAGE_DIGEST.test(v), rule: 'is not an image digest: give sha256: and the 64 lower-case hex digits the registry reports' },
};

const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true, verbose: true });
for (const [name, format] of Object.entries(FORMAT_RULES)) {
  ajv.addFormat(name, { type: 'string', validate: format.test });
}
// TypeBox adds these annotation keywords; they carry no validation.
ajv.addVocabulary(['kind', 'modifier']);

/** `/contexts/2/name` -> `contexts[2].name`, prefixed with the root field's name. */
export function fieldPath(root: string, instancePath: string, child?: string): string {
  const parts = instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (child !== undefined) parts.push(child);
  let path = root;
  for (const part of parts) {
    if (/^[0-9]+$/.test(part)) path += `[${part}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(part)) path += path ? `.${part}` : part;
    else path += `[${JSON.stringify(part)}]`;
  }
  return path || '(root)';
}

function valueAt(root: unknown, instancePath: string): unknown {
  let value: unknown = root;
  for (const part of instancePath.split('/').slice(1)) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return value;
}

function toValidationError(root: string, input: unknown, error: ErrorObject): ValidationError {
  const value = valueAt(input, error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return new ValidationError(fieldPath(root, error.instancePath, String(params.missingProperty)), 'is required');
    case 'additionalProperties': {
      const known = Object.keys((error.parentSchema as { properties?: object })?.properties ?? {});
      return new ValidationError(
        fieldPath(root, error.instancePath, String(params.additionalProperty)),
        `is not a known field; known fields are ${known.join(', ')}`,
      );
    }
    case 'enum':
      return new ValidationError(fieldPath(root, error.instancePath), notOneOf(value, params.allowedValues as unknown[]));
    case 'format': {
      const rule = FORMAT_RULES[String(params.format)]?.rule ?? `is not a valid ${String(params.format)}`;
      return new ValidationError(fieldPath(root, error.instancePath), `${showValue(value)} ${rule}`);
    }
    case 'pattern': {
      const described = (error.parentSchema as { description?: string })?.description;
      return new ValidationError(
        fieldPath(root, error.instancePath),
        `${showValue(value)} is not ${described ?? `matching ${String(params.pattern)}`}`,
      );
    }
    case 'type': {
      const allowed = (error.parentSchema as { enum?: unknown[] })?.enum;
      if (allowed) return new ValidationError(fieldPath(root, error.instancePath), notOneOf(value, allowed));
      const type = String(params.type);
      return new ValidationError(fieldPath(root, error.instancePath), `${showValue(value)} is not ${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`);
    }
    case 'minimum':
    case 'maximum':
      return new ValidationError(
        fieldPath(root, error.instancePath),
        `${showValue(value)} is ${error.keyword === 'minimum' ? 'below the minimum' : 'above the maximum'} ${String(params.limit)}`,
      );
    case 'uniqueItems': {
      const { i, j } = params as { i: number; j: number };
      const items = value as unknown[];
      // ajv reports the later of the two as j.
      return new ValidationError(`${fieldPath(root, error.instancePath)}[${j}]`, `${showValue(items[j])} is listed twice (also at ${i}); give each once`);
    }
    default:
      return new ValidationError(fieldPath(root, error.instancePath), `${showValue(value)} ${error.message ?? 'is invalid'}`);
  }
}

const compiled = new WeakMap<TSchema, ReturnType<typeof ajv.compile>>();

/**
 * Checks `input` against a TypeBox schema and returns it typed, or throws a `ValidationError` that names
 * the first bad field (prefixed with `root`), shows the value and, for a closed set, the allowed values.
 */
export function checkSchema<T extends TSchema>(schema: T, input: unknown, root = ''): Static<T> {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (!validate(input)) {
    throw toValidationError(root, input, validate.errors![0]);
  }
  return input as Static<T>;
}
