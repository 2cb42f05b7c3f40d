import { memoryMebibytes } from '../constructs/quantities';
import { DataEngine } from '../phases/model/data-store';
import { FieldChange, formatPath } from './field-diff';

/**
 * A field that must not change on an object that survives a step. Either the API server rejects the update
 * and Pulumi's Kubernetes provider replaces the object (delete, then create), or an operator reads the field
 * only when it creates the object, so a change means a different object than the one running.
 */
export interface ImmutableField {
  /** `apiVersion/kind`, as in synthesis/data-bearing.ts. */
  readonly kind: string;
  /** Dotted path of the field (`spec.volumeClaimTemplates`); every field below it is covered too. */
  readonly field: string;
  /** What happens when it changes. */
  readonly reason: string;
  /** Fields below `field` that follow a rule of their own (another row). */
  readonly except?: readonly string[];
  /** The value may grow (a storage size, a partition count) but not shrink or change otherwise. */
  readonly mayGrow?: boolean;
}

const REPLACED = 'immutable: the API server refuses the update, so Pulumi deletes and re-creates the object';

/**
 * The immutable fields of each data-store engine's custom resource (Redis has none: its StatefulSet's are the built-in kind's).
 * Keyed by engine, so that the compiler names this table for a new engine.
 */
const ENGINE_IMMUTABLE_FIELDS: Readonly<Record<DataEngine, readonly ImmutableField[]>> = {
  postgresql: [
    {
      kind: 'postgresql.cnpg.io/v1/Cluster',
      field: 'spec.bootstrap',
      reason: 'read by CloudNativePG only when it creates the cluster: a changed bootstrap (another database or owner) no longer describes the running one, and a re-created cluster starts empty',
    },
    { kind: 'postgresql.cnpg.io/v1/Cluster', field: 'spec.storage.size', reason: 'CloudNativePG can expand volumes, never shrink them', mayGrow: true },
  ],
  mongodb: [
    {
      kind: 'mongodbcommunity.mongodb.com/v1/MongoDBCommunity',
      field: 'spec.statefulSet.spec.volumeClaimTemplates',
      reason: "the operator's StatefulSet cannot change its claim templates: the operator fails to reconcile, or re-creates the set on new, empty volumes",
    },
  ],
  redis: [],
};

/**
 * The immutable fields of the kinds this project emits. Built-in kinds follow the API server's validation and
 * the replace-on-change table of Pulumi's Kubernetes provider (`forceNew` in pulumi/pulumi-kubernetes
 * provider/pkg/provider/diff.go: Deployment and StatefulSet selectors, StatefulSet volumeClaimTemplates,
 * serviceName and podManagementPolicy, Job selector and template, Service clusterIP and type, PVC spec,
 * RoleBinding roleRef); custom resources follow their operators' documentation.
 */
export const IMMUTABLE_FIELDS: readonly ImmutableField[] = [
  { kind: 'apps/v1/Deployment', field: 'spec.selector', reason: `${REPLACED}; every pod restarts at once` },
  { kind: 'apps/v1/StatefulSet', field: 'spec.selector', reason: `${REPLACED}; the pods lose their stable identity` },
  { kind: 'apps/v1/StatefulSet', field: 'spec.serviceName', reason: `${REPLACED}; the pods' DNS names change` },
  { kind: 'apps/v1/StatefulSet', field: 'spec.podManagementPolicy', reason: REPLACED },
  {
    kind: 'apps/v1/StatefulSet',
    field: 'spec.volumeClaimTemplates',
    reason: `${REPLACED}; claims made from a changed template are new, empty volumes`,
  },
  { kind: 'batch/v1/Job', field: 'spec.template', reason: `${REPLACED}; the Job runs again` },
  { kind: 'batch/v1/Job', field: 'spec.selector', reason: `${REPLACED}; the Job runs again` },
  { kind: 'v1/Service', field: 'spec.clusterIP', reason: `${REPLACED}; clients holding the old address lose it` },
  { kind: 'v1/Service', field: 'spec.type', reason: `Pulumi replaces a Service whose type changes; its address changes` },
  {
    kind: 'v1/PersistentVolumeClaim',
    field: 'spec',
    reason: `${REPLACED}; a new claim is a new, empty volume`,
    except: ['spec.resources.requests.storage'],
  },
  { kind: 'v1/PersistentVolumeClaim', field: 'spec.resources.requests.storage', reason: 'a volume can be expanded, never shrunk', mayGrow: true },
  { kind: 'rbac.authorization.k8s.io/v1/RoleBinding', field: 'roleRef', reason: REPLACED },
  ...Object.values(ENGINE_IMMUTABLE_FIELDS).flat(),
  {
    kind: 'kafka.strimzi.io/v1/KafkaNodePool',
    field: 'spec.storage',
    reason: "Strimzi cannot change the brokers' storage type or claims in place",
    except: ['spec.storage.size'],
  },
  { kind: 'kafka.strimzi.io/v1/KafkaNodePool', field: 'spec.storage.size', reason: 'Strimzi can expand broker volumes, never shrink them', mayGrow: true },
  { kind: 'kafka.strimzi.io/v1/KafkaTopic', field: 'spec.partitions', reason: 'Kafka can add partitions, never remove them', mayGrow: true },
  { kind: 'kafka.strimzi.io/v1/KafkaTopic', field: 'spec.topicName', reason: 'a renamed topic is a new, empty topic' },
];

/** A change to an immutable field of an object that survives a step. */
export interface ImmutableFieldChange {
  readonly rule: ImmutableField;
  readonly change: FieldChange;
}

function startsWith(segments: readonly string[], field: string): boolean {
  const prefix = field.split('.');
  return prefix.length <= segments.length && prefix.every((part, i) => segments[i] === part);
}

/** A size or count, comparable when both sides are numbers or memory quantities (`20Gi`). */
function magnitude(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^[0-9]+(Mi|Gi)$/.test(value)) return memoryMebibytes('size', value);
  return undefined;
}

function grows(change: FieldChange): boolean {
  const before = magnitude(change.before);
  const after = magnitude(change.after);
  return before !== undefined && after !== undefined && after >= before;
}

/**
 * The changes among `fields` (of one object of `kind`) that touch an immutable field, each with the first
 * rule it breaks.
 */
export function immutableFieldChanges(kind: string, fields: readonly FieldChange[], rules: readonly ImmutableField[] = IMMUTABLE_FIELDS): ImmutableFieldChange[] {
  const found: ImmutableFieldChange[] = [];
  for (const change of fields) {
    const rule = rules.find(
      (r) =>
        r.kind === kind &&
        startsWith(change.segments, r.field) &&
        !(r.except ?? []).some((e) => startsWith(change.segments, e)) &&
        !(r.mayGrow && grows(change)),
    );
    if (rule) found.push({ rule, change });
  }
  return found;
}

/** `spec.volumeClaimTemplates[data].spec.resources.requests.storage` of a change, for messages. */
export function changedField(change: ImmutableFieldChange): string {
  return formatPath(change.change.segments);
}
