import * as aws from '@pulumi/aws';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import { DATA_ENGINE_PROFILES } from '../../synthesis/data-engines';
import { connectionSecretName, superuserSecretName } from '../../constructs/store-secrets';
import { READ_URL_KEY } from '../../synthesis/data-store-connection';
import { MANAGED_KAFKA_BOOTSTRAP_KEY, MANAGED_KAFKA_SECRET_NAME, managedKafkaCredentialsSecretName } from '../../constructs/event-bus';
import { DataEngine, DataStoreSpec } from '../../phases/model/data-store';
import { documentDbInstances, ELASTICACHE_NODES, MSK_CLUSTER_NAME, rdsReplicaNames } from './managed-services';

/** Args of `ManagedDataStores`. */
export interface ManagedDataStoresArgs {
  readonly stores: readonly DataStoreSpec[];
  /** Whether to run MSK for the event bus. */
  readonly eventBus: boolean;
  /** The services that use the event bus: each gets SCRAM credentials of its own. @default [] */
  readonly eventClients?: readonly string[];
  readonly kafkaBrokers: number;
  /** Days of automated backups (RDS, DocumentDB) and snapshots (ElastiCache) kept. @default 7 */
  readonly backupRetentionDays?: number;
  readonly vpcId: string;
  readonly privateSubnetIds: readonly string[];
  /** The only network the data services admit. */
  readonly clusterCidr: string;
  /** Namespace of the Secrets that hand the endpoints to the services. */
  readonly namespace: string;
  readonly kubernetes: k8s.Provider;
  /** The namespace resource, which the Secrets need first. */
  readonly namespaceResource: pulumi.Resource;
}

const KAFKA_SCRAM_TLS_PORT = 9096;
/** MSK takes only the Secrets Manager secrets whose names start so. */
const MSK_SCRAM_SECRET_PREFIX = 'AmazonMSK_';
/** RDS PostgreSQL's major version; the minor one is AWS's to upgrade. */
const POSTGRES_MAJOR_VERSION = '16';
/**
 * The master user of RDS and DocumentDB. On RDS only the application role's Job (`DatabaseRoleJob`) connects as it;
 * the services connect as the store's application role. DocumentDB's services still use it (its users are made in
 * the mongo shell, which no Job here runs yet).
 */
const MASTER_USERNAME = 'app';

/**
 * The aws target's stateful parts as managed services in the cluster's VPC: RDS PostgreSQL (with read replicas),
 * DocumentDB for MongoDB, ElastiCache Redis and MSK for Kafka. All are encrypted at rest and in transit, in
 * private subnets behind a security group that admits only the cluster, with deletion protection or final
 * snapshots, protected in Pulumi, and with generated credentials that exist only as Pulumi secrets. The services
 * receive their endpoints through the same `<store>-app` Secrets that the local target's operators create.
 */
export class ManagedDataStores extends pulumi.ComponentResource {
  public readonly kafkaBootstrapBrokers?: pulumi.Output<string>;
  /** Connection URL of each store, with its password: a Pulumi secret. */
  public readonly databaseUrls: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: ManagedDataStoresArgs, opts?: pulumi.ComponentResourceOptions) {
    super('career-copilot:aws:ManagedDataStores', name, {}, opts);
    const child = { parent: this };
    const keep = { parent: this, protect: true };
    const urls: Record<string, pulumi.Output<string>> = {};
    const retentionDays = args.backupRetentionDays ?? 7;

    // The children shared by the stores of an engine are named after the component, so that a second one does not
    // clash; each keeps its earlier name as an alias (its AWS name, generated once from that name, stays).
    const sharedName = (suffix: string) => `${name}-${suffix}`;
    const shared = (previous: string): pulumi.CustomResourceOptions => ({ ...child, aliases: [{ name: previous }] });
    const securityGroup = new aws.ec2.SecurityGroup(name, {
      vpcId: args.vpcId,
      description: 'Career Copilot data services: reachable from the cluster only',
      ingress: [...new Set([...args.stores.map((s) => DATA_ENGINE_PROFILES[s.engine].port), ...(args.eventBus ? [KAFKA_SCRAM_TLS_PORT] : [])])].sort().map((port) => ({
        protocol: 'tcp',
        fromPort: port,
        toPort: port,
        cidrBlocks: [args.clusterCidr],
        description: `cluster to port ${port}`,
      })),
      // No egress rule: the data services never open connections of their own.
      egress: [],
    }, child);
    const subnets = [...args.privateSubnetIds];
    const engines = new Set(args.stores.map((s) => s.engine));
    const rdsSubnets = engines.has('postgresql') ? new aws.rds.SubnetGroup(sharedName('postgresql'), { subnetIds: subnets }, shared('postgresql')) : undefined;
    const docdbSubnets = engines.has('mongodb') ? new aws.docdb.SubnetGroup(sharedName('mongodb'), { subnetIds: subnets }, shared('mongodb')) : undefined;
    const cacheSubnets = engines.has('redis') ? new aws.elasticache.SubnetGroup(sharedName('redis'), { subnetIds: subnets }, shared('redis')) : undefined;
    const forceTls = engines.has('postgresql')
      ? new aws.rds.ParameterGroup(sharedName('postgresql-tls'), { family: 'postgres16', parameters: [{ name: 'rds.force_ssl', value: '1' }] }, shared('postgresql-tls'))
      : undefined;
    const docdbTls = engines.has('mongodb')
      ? new aws.docdb.ClusterParameterGroup(sharedName('mongodb-tls'), { family: 'docdb5.0', parameters: [{ name: 'tls', value: 'enabled' }] }, shared('mongodb-tls'))
      : undefined;

    for (const store of args.stores) {
      // Protected as the store it opens: a new password would lock the services out of their data.
      const password = new random.RandomPassword(`${store.name}-password`, { length: 32, special: false }, keep).result;
      let url: pulumi.Output<string>;
      let endpoint: Endpoint;
      let appRole: AppRole | undefined;
      switch (store.engine) {
        case 'postgresql': {
          const common = {
            instanceClass: 'db.t4g.medium',
            storageEncrypted: true,
            deletionProtection: true,
            publiclyAccessible: false,
            vpcSecurityGroupIds: [securityGroup.id],
            parameterGroupName: forceTls!.name,
            copyTagsToSnapshot: true,
          };
          const primary = new aws.rds.Instance(store.name, {
            ...common,
            identifier: store.name,
            engine: 'postgres',
            // The major version only: AWS applies the minor upgrades (autoMinorVersionUpgrade), and a pinned minor
            // would be a diff on the first preview after one. A major upgrade is a reviewed change of this line.
            engineVersion: POSTGRES_MAJOR_VERSION,
            autoMinorVersionUpgrade: true,
            allowMajorVersionUpgrade: false,
            allocatedStorage: store.storageGi,
            dbName: store.database,
            username: MASTER_USERNAME,
            password,
            dbSubnetGroupName: rdsSubnets!.name,
            backupRetentionPeriod: retentionDays,
            multiAz: true,
            skipFinalSnapshot: false,
            finalSnapshotIdentifier: `${store.name}-final`,
          }, keep);
          const replicas = rdsReplicaNames(store).map((replica) => {
            const instance = new aws.rds.Instance(replica, {
              ...common,
              identifier: replica,
              replicateSourceDb: primary.identifier,
              // RDS takes no final snapshot of a read replica (it refuses the identifier): the primary's is the one.
              skipFinalSnapshot: true,
            }, keep);
            return instance;
          });
          // RDS has no reader endpoint for instances: a read model's queries go to the first replica.
          endpoint = { host: primary.address, port: primary.port, ...(replicas.length > 0 ? { readHost: replicas[0].address } : {}) };
          // The services' URL names the application role (`store.database`, as CloudNativePG's owner), whose password
          // is its own, protected as the store's: DatabaseRoleJob sets it from the `<store>-app` Secret.
          const role = { username: store.database, password: new random.RandomPassword(`${store.name}-app-password`, { length: 32, special: false }, keep).result };
          appRole = role;
          url = pulumi.interpolate`postgresql://${role.username}:${role.password}@${primary.address}:${primary.port}/${store.database}?sslmode=require`;
          break;
        }
        case 'mongodb': {
          const cluster = new aws.docdb.Cluster(store.name, {
            clusterIdentifier: store.name,
            engine: 'docdb',
            masterUsername: MASTER_USERNAME,
            masterPassword: password,
            storageEncrypted: true,
            deletionProtection: true,
            skipFinalSnapshot: false,
            finalSnapshotIdentifier: `${store.name}-final`,
            backupRetentionPeriod: retentionDays,
            dbSubnetGroupName: docdbSubnets!.name,
            dbClusterParameterGroupName: docdbTls!.name,
            vpcSecurityGroupIds: [securityGroup.id],
          }, keep);
          // A failover needs a second instance to go to: at least two, whatever the model's read replicas.
          for (let i = 0; i < documentDbInstances(store); i++) {
            new aws.docdb.ClusterInstance(`${store.name}-${i}`, { clusterIdentifier: cluster.id, instanceClass: 'db.t4g.medium' }, child);
          }
          endpoint = { host: cluster.endpoint, port: cluster.port.apply((port) => port ?? DATA_ENGINE_PROFILES.mongodb.port) };
          url = pulumi.interpolate`mongodb://${MASTER_USERNAME}:${password}@${cluster.endpoint}:${cluster.port}/${store.database}?tls=true&replicaSet=rs0&retryWrites=false`;
          break;
        }
        case 'redis': {
          const group = new aws.elasticache.ReplicationGroup(store.name, {
            replicationGroupId: store.name,
            description: `Career Copilot ${store.name}`,
            engine: 'redis',
            engineVersion: '7.1',
            nodeType: 'cache.t4g.small',
            numCacheClusters: ELASTICACHE_NODES,
            automaticFailoverEnabled: true,
            multiAzEnabled: true,
            atRestEncryptionEnabled: true,
            transitEncryptionEnabled: true,
            authToken: password,
            snapshotRetentionLimit: retentionDays,
            finalSnapshotIdentifier: `${store.name}-final`,
            subnetGroupName: cacheSubnets!.name,
            securityGroupIds: [securityGroup.id],
          }, keep);
          endpoint = { host: group.primaryEndpointAddress, port: pulumi.output(DATA_ENGINE_PROFILES.redis.port) };
          url = pulumi.interpolate`rediss://:${password}@${group.primaryEndpointAddress}:6379/0`;
          break;
        }
      }
      urls[store.name] = url;
      this.connectionSecrets(store, url, password, endpoint, appRole, args);
    }

    if (args.eventBus) {
      // MSK needs a broker count that is a multiple of its subnets.
      const brokers = Math.ceil(args.kafkaBrokers / subnets.length) * subnets.length;
      const kafka = new aws.msk.Cluster(MSK_CLUSTER_NAME, {
        clusterName: MSK_CLUSTER_NAME,
        kafkaVersion: '3.7.x',
        numberOfBrokerNodes: brokers,
        brokerNodeGroupInfo: {
          instanceType: 'kafka.m5.large',
          clientSubnets: subnets,
          securityGroups: [securityGroup.id],
          storageInfo: { ebsStorageInfo: { volumeSize: 100 } },
        },
        encryptionInfo: { encryptionInTransit: { clientBroker: 'TLS', inCluster: true } },
        clientAuthentication: { sasl: { scram: true } },
      }, keep);
      this.kafkaBootstrapBrokers = kafka.bootstrapBrokersSaslScram;
      this.kafkaClients(kafka, args);
      new k8s.core.v1.Secret(MANAGED_KAFKA_SECRET_NAME, {
        metadata: { name: MANAGED_KAFKA_SECRET_NAME, namespace: args.namespace },
        stringData: { [MANAGED_KAFKA_BOOTSTRAP_KEY]: kafka.bootstrapBrokersSaslScram },
      }, { parent: this, provider: args.kubernetes, dependsOn: [args.namespaceResource], protect: true });
    }
    this.databaseUrls = pulumi.secret(pulumi.all(urls));
    this.registerOutputs({ kafkaBootstrapBrokers: this.kafkaBootstrapBrokers, databaseUrls: this.databaseUrls });
  }

  /**
   * SCRAM credentials per event client, as MSK takes them: a Secrets Manager secret named `AmazonMSK_<service>`,
   * encrypted with a customer-managed KMS key (MSK refuses the default key), associated with the cluster; and the
   * same credentials in the `<service>-kafka` Secret the service mounts, with the keys of Strimzi's SCRAM users.
   * Not protected: a client's credentials go with the phase that has the client, and a new password is harmless.
   */
  private kafkaClients(kafka: aws.msk.Cluster, args: ManagedDataStoresArgs): void {
    const clients = args.eventClients ?? [];
    if (clients.length === 0) return;
    const child = { parent: this };
    const key = new aws.kms.Key('event-bus-scram', {
      description: 'Career Copilot: the SCRAM credentials of the event bus clients (MSK)',
      enableKeyRotation: true,
      deletionWindowInDays: 30,
    }, child);
    for (const service of clients) {
      const password = new random.RandomPassword(`${service}-kafka-password`, { length: 32, special: false }, child).result;
      const secret = new aws.secretsmanager.Secret(`${service}-kafka`, {
        name: `${MSK_SCRAM_SECRET_PREFIX}${service}`,
        kmsKeyId: key.arn,
        recoveryWindowInDays: 7,
      }, child);
      new aws.secretsmanager.SecretVersion(`${service}-kafka`, {
        secretId: secret.id,
        secretString: pulumi.secret(pulumi.jsonStringify({ username: service, password })),
      }, child);
      new aws.msk.SingleScramSecretAssociation(`${service}-kafka`, { clusterArn: kafka.arn, secretArn: secret.arn }, child);
      const name = managedKafkaCredentialsSecretName(service);
      new k8s.core.v1.Secret(name, {
        metadata: { name, namespace: args.namespace },
        stringData: pulumi.secret({
          password,
          'sasl.jaas.config': pulumi.interpolate`org.apache.kafka.common.security.scram.ScramLoginModule required username="${service}" password="${password}";`,
        }),
      }, { parent: this, provider: args.kubernetes, dependsOn: [args.namespaceResource] });
    }
  }

  /**
   * The `<store>-app` Secret the services and the steps' Jobs read, with the keys the local target's operators write
   * (CloudNativePG's `username`, `password`, `host`, `port`, `dbname` and `uri` for PostgreSQL, of the application
   * role), and for every PostgreSQL store `<store>-superuser` with the master user's, which only the Jobs mount
   * (the application role's, and the auth split's in the monolith's database). The latter is not protected: the
   * password it holds stays in the protected RandomPassword.
   */
  private connectionSecrets(store: DataStoreSpec, url: pulumi.Output<string>, password: pulumi.Output<string>, endpoint: Endpoint, appRole: AppRole | undefined, args: ManagedDataStoresArgs): void {
    const at = { host: endpoint.host, port: pulumi.interpolate`${endpoint.port}`, dbname: pulumi.output(store.database) };
    const master = { username: pulumi.output(MASTER_USERNAME), password, ...at, uri: pulumi.interpolate`postgresql://${MASTER_USERNAME}:${password}@${endpoint.host}:${endpoint.port}/${store.database}?sslmode=require` };
    const role = appRole ?? { username: MASTER_USERNAME, password };
    const readUrl: Record<string, pulumi.Output<string>> = endpoint.readHost
      ? { [READ_URL_KEY]: pulumi.interpolate`postgresql://${role.username}:${role.password}@${endpoint.readHost}:${endpoint.port}/${store.database}?sslmode=require` }
      : {};
    const keys: Record<DataEngine, Record<string, pulumi.Output<string>>> = {
      postgresql: { username: pulumi.output(role.username), password: role.password, ...at, uri: url, ...readUrl },
      mongodb: { 'connectionString.standard': url, username: pulumi.output(MASTER_USERNAME), password },
      redis: { url, password },
    };
    const secret = (name: string, data: Record<string, pulumi.Output<string>>, protect: boolean) =>
      new k8s.core.v1.Secret(name, {
        metadata: { name, namespace: args.namespace },
        // Built from the generated password, so Pulumi keeps the whole Secret encrypted in state.
        stringData: pulumi.secret(data),
      }, { parent: this, provider: args.kubernetes, dependsOn: [args.namespaceResource], protect });
    secret(connectionSecretName(store), keys[store.engine], true);
    if (store.engine === 'postgresql') secret(superuserSecretName(store), master, false);
  }
}

/** A store's application role, for its services. */
interface AppRole {
  readonly username: string;
  readonly password: pulumi.Output<string>;
}

/** Where a managed service answers. */
interface Endpoint {
  readonly host: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  /** A read replica's host, for the read models' `readUri`. */
  readonly readHost?: pulumi.Output<string>;
}
