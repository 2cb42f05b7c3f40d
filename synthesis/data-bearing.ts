import { DATA_ENGINE_PROFILES } from './data-engines';
import { KubernetesObject } from '../core/manifest';

/**
 * Kinds whose objects hold data, or own what holds it, and why. Deleting or replacing one loses data, so the
 * stack protects them and the promotion plan and transition tests refuse any step that would delete one.
 */
export const DATA_BEARING_KINDS: Readonly<Record<string, string>> = {
  'v1/Namespace': 'deleting it deletes every volume claim in it',
  'v1/PersistentVolumeClaim': 'holds a volume',
  // Each data-store engine's own (a CloudNativePG Cluster, Redis's StatefulSet).
  ...Object.assign({}, ...Object.values(DATA_ENGINE_PROFILES).map((profile) => profile.dataBearingKinds)),
  'kafka.strimzi.io/v1/Kafka': 'the Kafka cluster',
  'kafka.strimzi.io/v1/KafkaNodePool': "the Kafka brokers' volumes",
  'kafka.strimzi.io/v1/KafkaTopic': 'a topic and its events',
};

/** Why an object holds data, or undefined when it does not. */
export function dataBearingReason(object: Pick<KubernetesObject, 'apiVersion' | 'kind'>): string | undefined {
  return DATA_BEARING_KINDS[`${object.apiVersion}/${object.kind}`];
}
