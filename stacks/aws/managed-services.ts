import { DataStoreSpec } from '../../phases/model/data-store';

/**
 * What the aws target runs for a phase's data stores and event bus, as Pulumi names it and a reviewer reads it.
 * Pure, without the AWS provider, so that the offline promotion plan can name what a step adds or removes;
 * `ManagedDataStores` creates exactly these (a test holds the two together).
 */

/** One managed data service. */
export interface ManagedService {
  /** The Pulumi type token, such as `aws:rds/instance:Instance`. */
  readonly type: string;
  /** The Pulumi resource name. */
  readonly name: string;
  /** What it is, for the plan: `RDS PostgreSQL event-store (Multi-AZ)`. */
  readonly label: string;
}

/** The Pulumi type tokens of the managed services that hold data. */
export const RDS_INSTANCE = 'aws:rds/instance:Instance';
export const DOCDB_CLUSTER = 'aws:docdb/cluster:Cluster';
export const ELASTICACHE_GROUP = 'aws:elasticache/replicationGroup:ReplicationGroup';
export const MSK_CLUSTER = 'aws:msk/cluster:Cluster';
export const MANAGED_DATA_TYPES: readonly string[] = [RDS_INSTANCE, DOCDB_CLUSTER, ELASTICACHE_GROUP, MSK_CLUSTER];

/** DocumentDB instances per cluster at least: the primary and one replica to fail over to. */
export const MIN_DOCUMENTDB_INSTANCES = 2;
/** ElastiCache Redis nodes per replication group: a primary and a replica in another zone. */
export const ELASTICACHE_NODES = 2;
/** The MSK cluster's name. */
export const MSK_CLUSTER_NAME = 'event-bus';

/** DocumentDB instances of `store`: one per read replica beside the primary, and never fewer than two. */
export function documentDbInstances(store: DataStoreSpec): number {
  return Math.max(MIN_DOCUMENTDB_INSTANCES, 1 + store.readReplicas);
}

/** Names of the RDS read replicas of `store`. */
export function rdsReplicaNames(store: DataStoreSpec): string[] {
  return Array.from({ length: store.readReplicas }, (_, i) => `${store.name}-replica-${i + 1}`);
}

/** The managed services for `stores`, and MSK with the event bus. */
export function managedServices(stores: readonly DataStoreSpec[], eventBus: boolean): ManagedService[] {
  const services = stores.flatMap((store): ManagedService[] => {
    switch (store.engine) {
      case 'postgresql':
        return [
          { type: RDS_INSTANCE, name: store.name, label: `RDS PostgreSQL ${store.name} (Multi-AZ)` },
          ...rdsReplicaNames(store).map((name) => ({ type: RDS_INSTANCE, name, label: `RDS read replica ${name}` })),
        ];
      case 'mongodb':
        return [{ type: DOCDB_CLUSTER, name: store.name, label: `DocumentDB ${store.name} (${documentDbInstances(store)} instances)` }];
      case 'redis':
        return [{ type: ELASTICACHE_GROUP, name: store.name, label: `ElastiCache Redis ${store.name} (${ELASTICACHE_NODES} nodes, Multi-AZ)` }];
    }
  });
  return eventBus ? [...services, { type: MSK_CLUSTER, name: MSK_CLUSTER_NAME, label: `MSK ${MSK_CLUSTER_NAME}` }] : services;
}
