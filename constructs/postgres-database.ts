import { Construct } from 'constructs';
import {
  Cluster,
  ClusterSpecPrimaryUpdateMethod,
  ClusterSpecPrimaryUpdateStrategy,
  ClusterSpecResourcesLimits,
  ClusterSpecResourcesRequests,
} from '../imports/postgresql.cnpg.io';
import { ResourceRequirements } from '../phases/model/workload';
import { componentLabels, OUT_OF_MESH_LABELS } from './labels';
import { connectionSecretName, superuserSecretName } from './store-secrets';
import { checkDnsLabel, checkInteger, checkPinnedImage, checkSqlIdentifier } from './prop-checks';
import { checkResources } from './restricted-pod';

/** Props of `PostgresDatabase`. */
export interface PostgresDatabaseProps {
  /** Name of the CloudNativePG Cluster, e.g. `user-db`; its Services and Secrets derive from it. */
  readonly name: string;
  /** The application database that bootstrap creates, e.g. `user_service`. */
  readonly database: string;
  /** Persistent volume size of each instance, in GiB. */
  readonly storageGi: number;
  /** The `app.kubernetes.io/part-of` label. */
  readonly partOf: string;
  /** The role that owns `database`; its credentials are in Secret `<name>-app`. @default - the database name */
  readonly owner?: string;
  /** Streaming replicas beside the primary; they serve `<name>-ro` and take over on failover. @default 0 */
  readonly readReplicas?: number;
  /** Pinned PostgreSQL operand image. @default 'ghcr.io/cloudnative-pg/postgresql:16.4' */
  readonly imageName?: string;
  /** @default requests 250m CPU / 512Mi, limits 1 CPU / 512Mi (memory request = limit, as CloudNativePG advises) */
  readonly resources?: ResourceRequirements;
  /** StorageClass of the volumes; give one whose reclaimPolicy is Retain to keep volumes after a PVC is deleted. @default - the cluster's default StorageClass */
  readonly storageClass?: string;
  /**
   * Let CloudNativePG manage PodDisruptionBudgets: a voluntary disruption (node drain) never evicts the primary.
   * With no replica this blocks a drain until the operator is told (switch it off for a planned maintenance).
   * @default true
   */
  readonly enablePdb?: boolean;
  /**
   * Have CloudNativePG create Secret `<name>-superuser` (keys `username`, `password`) for jobs that need a
   * superuser, e.g. `CREATE EXTENSION postgres_fdw`. Applications never use it.
   * @default false
   */
  readonly enableSuperuserAccess?: boolean;
  /** The `app.kubernetes.io/component` label. @default 'database' */
  readonly component?: string;
}

const DEFAULT_RESOURCES: ResourceRequirements = {
  requests: { cpu: '250m', memory: '512Mi' },
  limits: { cpu: '1', memory: '512Mi' },
};

/** The `postgres` user of CloudNativePG's operand images. */
const POSTGRES_UID = 26;

/** A lower-case SQL identifier: what CloudNativePG accepts for a database and an owner without quoting. */

/**
 * A PostgreSQL database server run by CloudNativePG: one primary plus `readReplicas` streaming replicas, each on
 * its own volume, bootstrapped with one application database whose credentials CloudNativePG writes into
 * Secret `<name>-app` (key `uri`, which services read).
 *
 * What keeps the data: CloudNativePG does not use a StatefulSet and has no PVC retention policy. Scaling down
 * removes a replica together with its volumes (a replica is a copy of the primary, and a scale-down never removes
 * the primary); deleting the Cluster deletes every volume through owner references.
 * So this construct keeps volumes across node maintenance (`reusePVC`), protects the primary from evictions (PDB),
 * grows volumes in place, and leaves deletion to be prevented where it is decided: the stack marks the Cluster
 * `protect`, and a `storageClass` with reclaimPolicy Retain keeps the volumes even then.
 */
export class PostgresDatabase extends Construct {
  public readonly name: string;
  /** The application database. */
  public readonly database: string;
  /** The role that owns the application database. */
  public readonly owner: string;
  /** Service of the primary, for reads and writes: `<name>-rw`. */
  public readonly readWriteService: string;
  /** Service of the replicas, for reads that tolerate replication lag: `<name>-ro` (no endpoints without replicas). */
  public readonly readOnlyService: string;
  /** Secret written by CloudNativePG with `username`, `password`, `host`, `port`, `dbname`, `uri`: `<name>-app`. */
  public readonly appSecretName: string;
  /** Secret with the superuser's `username` and `password`, when `enableSuperuserAccess` is set. */
  public readonly superuserSecretName?: string;
  public readonly port = 5432;
  public readonly cluster: Cluster;

  constructor(scope: Construct, id: string, props: PostgresDatabaseProps) {
    super(scope, id);
    const owner = props.owner ?? props.database;
    const readReplicas = props.readReplicas ?? 0;
    const imageName = props.imageName ?? 'ghcr.io/cloudnative-pg/postgresql:16.4';
    const resources = props.resources ?? DEFAULT_RESOURCES;
    checkDnsLabel('name', props.name);
    checkSqlIdentifier('database', props.database);
    checkSqlIdentifier('owner', owner);
    checkInteger('storageGi', props.storageGi, 1);
    checkInteger('readReplicas', readReplicas, 0);
    checkPinnedImage('imageName', imageName);
    checkResources('resources', resources);
    if (props.storageClass !== undefined) checkDnsLabel('storageClass', props.storageClass);

    this.name = props.name;
    this.database = props.database;
    this.owner = owner;
    this.readWriteService = `${props.name}-rw`;
    this.readOnlyService = `${props.name}-ro`;
    this.appSecretName = connectionSecretName(props);
    this.superuserSecretName = props.enableSuperuserAccess ? superuserSecretName(props) : undefined;
    const labels = componentLabels(props.name, props.component ?? 'database', props.partOf);

    this.cluster = new Cluster(this, 'Cluster', {
      metadata: { name: props.name, labels },
      spec: {
        instances: 1 + readReplicas,
        imageName,
        // Pods, Services, PVCs and Secrets that the operator creates carry our labels too; its pods stay out of the mesh.
        inheritedMetadata: { labels: { ...labels, ...OUT_OF_MESH_LABELS } },
        bootstrap: { initdb: { database: props.database, owner } },
        storage: { size: `${props.storageGi}Gi`, storageClass: props.storageClass, resizeInUseVolumes: true },
        // During node maintenance, wait for the node and its volume rather than rebuild the instance elsewhere.
        nodeMaintenanceWindow: { inProgress: false, reusePvc: true },
        enablePdb: props.enablePdb ?? true,
        enableSuperuserAccess: props.enableSuperuserAccess ?? false,
        // Replicas are updated first; the primary then hands over to an updated replica instead of restarting.
        primaryUpdateStrategy: ClusterSpecPrimaryUpdateStrategy.UNSUPERVISED,
        primaryUpdateMethod: readReplicas > 0 ? ClusterSpecPrimaryUpdateMethod.SWITCHOVER : ClusterSpecPrimaryUpdateMethod.RESTART,
        resources: {
          requests: {
            cpu: ClusterSpecResourcesRequests.fromString(resources.requests.cpu),
            memory: ClusterSpecResourcesRequests.fromString(resources.requests.memory),
          },
          limits: {
            cpu: ClusterSpecResourcesLimits.fromString(resources.limits.cpu),
            memory: ClusterSpecResourcesLimits.fromString(resources.limits.memory),
          },
        },
        // CloudNativePG's defaults already meet the restricted standard; stated here so that a review sees it.
        podSecurityContext: {
          runAsNonRoot: true,
          runAsUser: POSTGRES_UID,
          runAsGroup: POSTGRES_UID,
          fsGroup: POSTGRES_UID,
          seccompProfile: { type: 'RuntimeDefault' },
        },
        securityContext: {
          runAsNonRoot: true,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          privileged: false,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        },
      },
    });
  }
}
