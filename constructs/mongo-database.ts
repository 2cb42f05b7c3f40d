import { Construct } from 'constructs';
import {
  MongoDbCommunity,
  MongoDbCommunitySpecSecurityAuthenticationModes,
  MongoDbCommunitySpecType,
} from '../imports/mongodbcommunity.mongodb.com';
import { ResourceRequirements } from '../phases/model/workload';
import { showValue, ValidationError } from '../core/validation-error';
import { componentLabels, OUT_OF_MESH_LABELS } from './labels';
import { connectionSecretName } from './store-secrets';
import { checkDnsLabel, checkInteger } from './prop-checks';
import { checkResources, PodIdentity, resourceQuantities, restrictedContainerSecurityContext, restrictedPodSecurityContext } from './restricted-pod';

/** Props of `MongoDatabase`. */
export interface MongoDatabaseProps {
  /** Name of the MongoDBCommunity resource, e.g. `analytics-db`; Secrets and the StatefulSet derive from it. */
  readonly name: string;
  /** The database the application user reads and writes, e.g. `analytics`. */
  readonly database: string;
  /** Data volume size of each member, in GiB. */
  readonly storageGi: number;
  /** The `app.kubernetes.io/part-of` label. */
  readonly partOf: string;
  /** Data-bearing members of the replica set (primary and secondaries). @default 3 */
  readonly members?: number;
  /** Pinned MongoDB server version, `major.minor.patch`. @default '7.0.12' */
  readonly version?: string;
  /** The SCRAM user of the application. @default - the database name */
  readonly userName?: string;
  /** Log volume size of each member (agent and mongod logs), in GiB. @default 2 */
  readonly logsStorageGi?: number;
  /** StorageClass of the volumes. @default - the cluster's default StorageClass */
  readonly storageClass?: string;
  /** Resources of the `mongod` container. @default requests 250m CPU / 512Mi, limits 1 CPU / 1Gi */
  readonly resources?: ResourceRequirements;
  /** The `app.kubernetes.io/component` label. @default 'database' */
  readonly component?: string;
}

const DEFAULT_RESOURCES: ResourceRequirements = {
  requests: { cpu: '250m', memory: '512Mi' },
  limits: { cpu: '1', memory: '1Gi' },
};

/** The operator's agent sidecar and its two init containers that copy a binary each: small and fixed. */
const HELPER_RESOURCES: ResourceRequirements = {
  requests: { cpu: '50m', memory: '128Mi' },
  limits: { cpu: '250m', memory: '256Mi' },
};

/** The `mongodb` user of the images the Community operator runs (also the operator's default). */
const MONGODB_IDENTITY: PodIdentity = { user: 2000, group: 2000 };

const PINNED_VERSION = /^[0-9]+\.[0-9]+\.[0-9]+$/;
const DATABASE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Containers of the operator's StatefulSet, by the names the operator (v0.13) gives them. */
const CONTAINERS = { mongod: 'mongod', agent: 'mongodb-agent' } as const;
const INIT_CONTAINERS = ['mongod-posthook', 'mongodb-agent-readinessprobe'] as const;

/**
 * A MongoDB replica set run by the MongoDB Community operator, for the analytics context's documents. SCRAM
 * authentication only; the application user's password is read from Secret `<name>-password` (key `password`),
 * which is provisioned elsewhere and never written here. The operator writes the connection strings into
 * Secret `<name>-app` (keys `connectionString.standard`, `connectionString.standardSrv`, `username`, `password`),
 * which services read.
 *
 * The operator builds the StatefulSet; this construct merges into it the volume sizes and a restricted security
 * context for every container. The pods keep their service-account token: the operator's readiness probe
 * patches its own pod's annotations through the Kubernetes API.
 */
/** The Secret with the application user's password (key `password`) that the operator reads: `<name>-password`. */
export function mongoPasswordSecretName(name: string): string {
  return `${name}-password`;
}

export class MongoDatabase extends Construct {
  public readonly name: string;
  public readonly database: string;
  public readonly userName: string;
  /** Secret the operator writes the user's connection strings into: `<name>-app`. */
  public readonly connectionSecretName: string;
  /** Secret holding the user's password (key `password`), provisioned outside this construct: `<name>-password`. */
  public readonly passwordSecretName: string;
  /** Headless Service the operator creates for the replica set: `<name>-svc`. */
  public readonly serviceName: string;
  public readonly port = 27017;
  public readonly resource: MongoDbCommunity;

  constructor(scope: Construct, id: string, props: MongoDatabaseProps) {
    super(scope, id);
    const members = props.members ?? 3;
    const version = props.version ?? '7.0.12';
    const userName = props.userName ?? props.database;
    const logsStorageGi = props.logsStorageGi ?? 2;
    const resources = props.resources ?? DEFAULT_RESOURCES;
    checkDnsLabel('name', props.name);
    if (!DATABASE_NAME.test(props.database)) {
      throw new ValidationError('database', `${showValue(props.database)} is not a database name (lower-case letters, digits and _, not starting with a digit)`);
    }
    if (!DATABASE_NAME.test(userName)) {
      throw new ValidationError('userName', `${showValue(userName)} is not a user name (lower-case letters, digits and _, not starting with a digit)`);
    }
    checkInteger('storageGi', props.storageGi, 1);
    checkInteger('logsStorageGi', logsStorageGi, 1);
    checkInteger('members', members, 1, 50);
    if (!PINNED_VERSION.test(version)) {
      throw new ValidationError('version', `${showValue(version)} is not a pinned MongoDB version such as 7.0.12 (major.minor.patch)`);
    }
    checkResources('resources', resources);
    if (props.storageClass !== undefined) checkDnsLabel('storageClass', props.storageClass);

    this.name = props.name;
    this.database = props.database;
    this.userName = userName;
    this.connectionSecretName = connectionSecretName(props);
    this.passwordSecretName = mongoPasswordSecretName(props.name);
    this.serviceName = `${props.name}-svc`;
    const labels = componentLabels(props.name, props.component ?? 'database', props.partOf);
    const container = (name: string, requirements: ResourceRequirements) => ({
      name,
      resources: resourceQuantities(requirements),
      securityContext: restrictedContainerSecurityContext(MONGODB_IDENTITY),
    });
    const volumeClaim = (name: string, sizeGi: number) => ({
      metadata: { name },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: props.storageClass,
        resources: { requests: { storage: `${sizeGi}Gi` } },
      },
    });

    this.resource = new MongoDbCommunity(this, 'MongoDBCommunity', {
      metadata: { name: props.name, labels },
      spec: {
        type: MongoDbCommunitySpecType.REPLICA_SET,
        members,
        version,
        featureCompatibilityVersion: version.split('.').slice(0, 2).join('.'),
        security: { authentication: { modes: [MongoDbCommunitySpecSecurityAuthenticationModes.SCRAM] } },
        users: [
          {
            name: userName,
            db: 'admin',
            passwordSecretRef: { name: this.passwordSecretName, key: 'password' },
            roles: [
              { name: 'readWrite', db: props.database },
              { name: 'dbAdmin', db: props.database },
            ],
            // The operator appends `-scram-credentials`.
            scramCredentialsSecretName: `${props.name}-scram`,
            connectionStringSecretName: this.connectionSecretName,
          },
        ],
        statefulSet: {
          spec: {
            // Kubernetes' default, stated: volumes outlive a scale-down and the StatefulSet itself.
            persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
            volumeClaimTemplates: [volumeClaim('data-volume', props.storageGi), volumeClaim('logs-volume', logsStorageGi)],
            template: {
              metadata: { labels: { ...labels, ...OUT_OF_MESH_LABELS } },
              spec: {
                securityContext: restrictedPodSecurityContext(MONGODB_IDENTITY),
                containers: [container(CONTAINERS.mongod, resources), container(CONTAINERS.agent, HELPER_RESOURCES)],
                initContainers: INIT_CONTAINERS.map((name) => container(name, HELPER_RESOURCES)),
              },
            },
          },
        },
      },
    });
  }
}
