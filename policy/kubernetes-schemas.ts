import Ajv, { ValidateFunction } from 'ajv';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { convertDefinitions, convertOpenApiSchema, SchemaNode } from './convert-openapi-schema';
import { goRegExpEngine } from './go-regexp';

/** The Kubernetes release whose API schemas every manifest must satisfy: the last 1.28 patch. */
export const KUBERNETES_VERSION = '1.28.15';

/**
 * The published OpenAPI v3 file (under `api/openapi-spec/v3/` of k8s.io/kubernetes) of each built-in API group
 * version we emit. Adding a group version here is all it takes to fetch and validate it.
 */
export const KUBERNETES_API_FILES: Readonly<Record<string, string>> = {
  v1: 'api__v1_openapi.json',
  'apps/v1': 'apis__apps__v1_openapi.json',
  'batch/v1': 'apis__batch__v1_openapi.json',
  'policy/v1': 'apis__policy__v1_openapi.json',
  'autoscaling/v2': 'apis__autoscaling__v2_openapi.json',
  'networking.k8s.io/v1': 'apis__networking.k8s.io__v1_openapi.json',
  'rbac.authorization.k8s.io/v1': 'apis__rbac.authorization.k8s.io__v1_openapi.json',
};

/** Where the schemas of one Kubernetes version are cached: `$XDG_CACHE_HOME/career-copilot/kubernetes-schemas/v<version>`. */
export function kubernetesSchemaDir(version: string = KUBERNETES_VERSION): string {
  const cache = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache');
  return path.join(cache, 'career-copilot', 'kubernetes-schemas', `v${version}`);
}

const REPOSITORY_ROOT = path.resolve(__dirname, '..');
/** The `$id` of the one schema document that holds every built-in definition; CRD schemas refer to its ObjectMeta. */
const DEFINITIONS_ID = `kubernetes-v${KUBERNETES_VERSION}.json`;
const DEFINITIONS_PREFIX = `${DEFINITIONS_ID}#/definitions/`;
const OBJECT_META_REF = `${DEFINITIONS_PREFIX}io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`;

/** The syntax of a quantity as resource.ParseQuantity reads it; the pattern controller-gen writes for it. */
const QUANTITY = /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;

/** Syntax the API server enforces when it decodes a value but the published definitions leave out. */
const DECODED_SYNTAX: Readonly<Record<string, SchemaNode>> = {
  'io.k8s.apimachinery.pkg.api.resource.Quantity': { format: 'quantity' },
};

/** One kind's JSON Schema and, once compiled, its validator. */
interface KindEntry {
  readonly schema: SchemaNode;
  validate?: ValidateFunction;
}

/** A custom resource definition source, as listed in crds.json. */
interface CrdSource {
  readonly dir: string;
  readonly tag: string;
  readonly files: readonly string[];
}

/** Where to read schemas from; every field has the project's default. */
export interface SchemaCatalogOptions {
  /** Folder with the Kubernetes OpenAPI v3 files. @default - kubernetesSchemaDir() */
  readonly kubernetesDir?: string;
  /** Folder with the CRD sources of crds.json. @default - $CRD_DIR, else ../shared/crds */
  readonly crdDir?: string;
}

/**
 * Every kind a manifest may have, by `apiVersion` and `kind`, with its JSON Schema. Validators are compiled on
 * first use and kept, so validating many documents of one kind compiles its schema once.
 */
export class SchemaCatalog {
  private readonly ajv: Ajv;
  private readonly kinds: ReadonlyMap<string, KindEntry>;
  /** Group versions that a CRD declares but does not serve: the API server refuses them too. */
  private readonly unserved: ReadonlyMap<string, string>;

  /** CRD patterns that JavaScript cannot evaluate, and so are not checked; filled as validators compile. */
  public readonly uncheckedPatterns: ReadonlySet<string>;

  constructor(ajv: Ajv, kinds: ReadonlyMap<string, KindEntry>, unserved: ReadonlyMap<string, string>, uncheckedPatterns: ReadonlySet<string>) {
    this.ajv = ajv;
    this.kinds = kinds;
    this.unserved = unserved;
    this.uncheckedPatterns = uncheckedPatterns;
  }

  /** The compiled validator of one kind, or undefined when no schema knows it. */
  validator(apiVersion: string, kind: string): ValidateFunction | undefined {
    const entry = this.kinds.get(kindKey(apiVersion, kind));
    if (!entry) return undefined;
    entry.validate ??= this.ajv.compile(entry.schema);
    return entry.validate;
  }

  /** Why a kind has no schema, in words, naming what the catalog does know of that kind. */
  explainMissing(apiVersion: string, kind: string): string {
    const unserved = this.unserved.get(kindKey(apiVersion, kind));
    if (unserved) return `no schema for ${apiVersion} ${kind}: ${unserved} declares this version but does not serve it`;
    const sameKind = [...this.kinds.keys()].filter((key) => key.endsWith(`/${kind}`)).map((key) => key.slice(0, -kind.length - 1));
    const known = sameKind.length > 0 ? `${kind} is known as ${sameKind.join(', ')}` : `no group version has a ${kind}`;
    return `no schema for ${apiVersion} ${kind} (Kubernetes ${KUBERNETES_VERSION} and the CRDs of crds.json): ${known}`;
  }

  /** Every `apiVersion/kind` the catalog can validate. */
  knownKinds(): string[] {
    return [...this.kinds.keys()].sort();
  }
}

const catalogs = new Map<string, SchemaCatalog>();

/**
 * The catalog of the Kubernetes schemas and the CRDs of crds.json, built once per process and folder pair. Fails
 * with the command to run when the Kubernetes schemas are not in the cache.
 */
export function loadSchemaCatalog(options: SchemaCatalogOptions = {}): SchemaCatalog {
  const kubernetesDir = options.kubernetesDir ?? kubernetesSchemaDir();
  const crdDir = options.crdDir ?? process.env.CRD_DIR ?? path.resolve(REPOSITORY_ROOT, '..', 'shared', 'crds');
  const cacheKey = `${kubernetesDir}\n${crdDir}`;
  let catalog = catalogs.get(cacheKey);
  if (!catalog) {
    catalog = buildCatalog(kubernetesDir, crdDir);
    catalogs.set(cacheKey, catalog);
  }
  return catalog;
}

function buildCatalog(kubernetesDir: string, crdDir: string): SchemaCatalog {
  const uncheckedPatterns = new Set<string>();
  // strict: false, because CRD value validations (required inside oneOf/not) name fields without declaring them.
  const ajv = new Ajv({ allErrors: true, strict: false, verbose: true, allowUnionTypes: true, logger: false, code: { regExp: goRegExpEngine(uncheckedPatterns) } });
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
  ajv.addFormat('quantity', { type: 'string', validate: QUANTITY });
  // RFC 3339, as Go's time.Time unmarshals it.
  ajv.addFormat('date-time', { type: 'string', validate: /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/ });

  const kinds = new Map<string, KindEntry>();
  const unserved = new Map<string, string>();
  const definitions: Record<string, SchemaNode> = {};
  for (const [groupVersion, file] of Object.entries(KUBERNETES_API_FILES)) {
    const full = path.join(kubernetesDir, file);
    if (!fs.existsSync(full)) {
      throw new Error(`Kubernetes ${KUBERNETES_VERSION} schema ${file} not found in ${kubernetesDir}: run \`npx ts-node --transpile-only bin/fetch-kubernetes-schemas.ts\` first`);
    }
    const published = JSON.parse(fs.readFileSync(full, 'utf8')) as { components: { schemas: Record<string, SchemaNode> } };
    for (const [name, definition] of Object.entries(published.components.schemas)) {
      definitions[name] = definition;
      // Shared types (DeleteOptions, WatchEvent) list every group; a kind belongs to the file of its own group.
      for (const gvk of (definition['x-kubernetes-group-version-kind'] ?? []) as Array<{ group: string; version: string; kind: string }>) {
        const apiVersion = gvk.group === '' ? gvk.version : `${gvk.group}/${gvk.version}`;
        if (apiVersion === groupVersion) kinds.set(kindKey(apiVersion, gvk.kind), { schema: { $ref: DEFINITIONS_PREFIX + name } });
      }
    }
  }
  const converted = convertDefinitions(definitions, { definitionsPrefix: '#/definitions/', closeObjectsWithoutProperties: false, objectMetaRef: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' });
  for (const [name, syntax] of Object.entries(DECODED_SYNTAX)) Object.assign(converted[name], syntax);
  ajv.addSchema({ $id: DEFINITIONS_ID, definitions: converted });

  for (const source of crdSources()) {
    for (const file of source.files) {
      const full = path.join(crdDir, source.dir, file);
      if (!fs.existsSync(full)) throw new Error(`crds.json: ${source.dir}/${file} not found under ${crdDir} (set CRD_DIR)`);
      for (const document of parseAllDocuments(fs.readFileSync(full, 'utf8'))) {
        const crd = document.toJS() as CustomResourceDefinition | null;
        if (crd?.kind !== 'CustomResourceDefinition') continue;
        const crdOrigin = `crd ${source.dir} ${source.tag} (${crd.metadata.name})`;
        for (const version of crd.spec.versions) {
          const key = kindKey(`${crd.spec.group}/${version.name}`, crd.spec.names.kind);
          const schema = version.schema?.openAPIV3Schema;
          if (!version.served) unserved.set(key, crdOrigin);
          else if (schema) kinds.set(key, { schema: customResourceSchema(schema) });
        }
      }
    }
  }
  return new SchemaCatalog(ajv, kinds, unserved, uncheckedPatterns);
}

/** The parts of a CustomResourceDefinition (apiextensions.k8s.io/v1) that carry its schemas. */
interface CustomResourceDefinition {
  readonly kind: string;
  readonly metadata: { readonly name: string };
  readonly spec: {
    readonly group: string;
    readonly names: { readonly kind: string };
    readonly versions: ReadonlyArray<{ readonly name: string; readonly served: boolean; readonly schema?: { readonly openAPIV3Schema?: SchemaNode } }>;
  };
}

/**
 * A CRD version's schema, closed like the API server's pruning, with the object's own apiVersion, kind and
 * metadata, which the API server always accepts and checks as ObjectMeta whatever the CRD says.
 */
function customResourceSchema(openApiSchema: SchemaNode): SchemaNode {
  const schema = convertOpenApiSchema(openApiSchema, { definitionsPrefix: DEFINITIONS_PREFIX, closeObjectsWithoutProperties: true, objectMetaRef: OBJECT_META_REF });
  schema.properties = {
    ...((schema.properties ?? {}) as Record<string, SchemaNode>),
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { $ref: OBJECT_META_REF },
  };
  return schema;
}

function crdSources(): CrdSource[] {
  return (JSON.parse(fs.readFileSync(path.join(REPOSITORY_ROOT, 'crds.json'), 'utf8')) as { sources: CrdSource[] }).sources;
}

function kindKey(apiVersion: string, kind: string): string {
  return `${apiVersion}/${kind}`;
}
