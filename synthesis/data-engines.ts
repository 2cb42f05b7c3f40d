import { Construct } from 'constructs';
import { DataEngine, DataStoreSpec } from '../phases/model/data-store';
import { ComponentKind } from '../core/component-kinds';
import { MongoDatabase, mongoPasswordSecretName } from '../constructs/mongo-database';
import { NamespaceIngress } from '../constructs/network-policies';
import { PostgresDatabase } from '../constructs/postgres-database';
import { REDIS_AUTH_CONFIG_KEY, RedisStore } from '../constructs/redis-store';
import { connectionSecretName } from '../constructs/store-secrets';

/** How an engine's pods are reached, labelled and managed in the cluster. */
export interface EngineNetwork {
  /** Ports the store's own pods use among themselves. */
  readonly peerPorts: readonly number[];
  /** Pod labels the operator (or our StatefulSet) puts on the store's pods. @default - the component's selector labels */
  readonly podSelector?: (name: string) => Record<string, string>;
  /** The operator's own connections into the pods. @default - none */
  readonly operator?: NamespaceIngress;
  /** The pods' instance manager talks to the Kubernetes API. */
  readonly apiServerEgress: boolean;
}

/** What the chart gives an engine's construct besides the store. */
export interface EngineBuildContext {
  readonly partOf: string;
  /** A step of the phase needs the store's superuser (PostgreSQL's `<store>-superuser`). */
  readonly superuser: boolean;
  /** The Redis image (a support image the stack config may override). */
  readonly redisImage: string;
}

/**
 * A Secret the stack writes for an in-cluster store whose operator generates no password: its name, and its keys
 * from the generated password and the store's in-cluster host.
 */
export interface GeneratedSecret {
  readonly secretName: (store: Pick<DataStoreSpec, 'name'>) => string;
  readonly keys: (password: string, host: string) => Record<string, string>;
}

/**
 * Everything the layers know about one data-store engine, in one row: the construct that runs it in the cluster,
 * its port, the key of its connection URL in `<store>-app`, its network rules, the password the local stack
 * generates for it, and the kinds of its objects that hold data. The aws target's mapping is the row of the same
 * engine in stacks/aws/managed-engines.ts. A new engine is one row here, one there, and its construct: the
 * compiler names every table that lacks it.
 */
export interface DataEngineProfile {
  /** What a preview calls the store's component. */
  readonly componentKind: ComponentKind;
  /** The port its clients connect to. */
  readonly port: number;
  /** The key of `<store>-app` with the URL the services read. */
  readonly urlKey: string;
  readonly network: EngineNetwork;
  /** @default - none: the operator writes the store's Secrets itself */
  readonly generatedSecret?: GeneratedSecret;
  /** The kinds (`apiVersion/kind`) of the construct's objects that hold data, and why. */
  readonly dataBearingKinds: Readonly<Record<string, string>>;
  /** Builds the store's component in the chart. */
  readonly build: (scope: Construct, store: DataStoreSpec, context: EngineBuildContext) => Construct;
}

const REDIS_PORT = 6379;

export const DATA_ENGINE_PROFILES: Readonly<Record<DataEngine, DataEngineProfile>> = {
  postgresql: {
    componentKind: 'PostgresDatabase',
    port: 5432,
    // CloudNativePG's `<cluster>-app` Secret.
    urlKey: 'uri',
    // CloudNativePG: streaming replication and the instance manager's status port, polled by the operator.
    network: {
      peerPorts: [5432, 8000],
      podSelector: (name) => ({ 'cnpg.io/cluster': name }),
      operator: { namespace: 'cnpg-system', podSelector: { 'app.kubernetes.io/name': 'cloudnative-pg' }, ports: [8000, 5432] },
      apiServerEgress: true,
    },
    dataBearingKinds: { 'postgresql.cnpg.io/v1/Cluster': 'a PostgreSQL cluster and its volumes' },
    build: (scope, store, context) =>
      new PostgresDatabase(scope, store.name, {
        name: store.name,
        storageGi: store.storageGi,
        partOf: context.partOf,
        database: store.database,
        readReplicas: store.readReplicas,
        enableSuperuserAccess: context.superuser,
      }),
  },
  mongodb: {
    componentKind: 'MongoDatabase',
    port: 27017,
    // The MongoDB operator writes `<store>-app` with the user's connection strings.
    urlKey: 'connectionString.standard',
    // Replica set members talk to each other; the agent's readiness probe patches its pod.
    network: { peerPorts: [27017], apiServerEgress: true },
    // The operator reads the user's password from `<store>-password`.
    generatedSecret: { secretName: (store) => mongoPasswordSecretName(store.name), keys: (password) => ({ password }) },
    dataBearingKinds: { 'mongodbcommunity.mongodb.com/v1/MongoDBCommunity': 'a MongoDB replica set and its volumes' },
    build: (scope, store, context) =>
      new MongoDatabase(scope, store.name, { name: store.name, storageGi: store.storageGi, partOf: context.partOf, database: store.database, members: 1 + store.readReplicas }),
  },
  redis: {
    componentKind: 'RedisStore',
    port: REDIS_PORT,
    urlKey: 'url',
    network: { peerPorts: [], apiServerEgress: false },
    // Our StatefulSet's server, the clients and the probes read `<store>-app`.
    generatedSecret: {
      secretName: connectionSecretName,
      keys: (password, host) => ({ password, url: `redis://:${password}@${host}:${REDIS_PORT}/0`, [REDIS_AUTH_CONFIG_KEY]: `requirepass ${password}\n` }),
    },
    dataBearingKinds: { 'apps/v1/StatefulSet': 'owns volume claims (Redis data)' },
    build: (scope, store, context) => new RedisStore(scope, store.name, { name: store.name, storageGi: store.storageGi, partOf: context.partOf, image: context.redisImage }),
  },
};

/** The profile of `engine`. */
export function engineProfile(engine: DataEngine): DataEngineProfile {
  return DATA_ENGINE_PROFILES[engine];
}
