import { DataStoreSpec } from '../phases/model/data-store';
import { clusterHost } from '../core/cluster-dns';
import { DATA_ENGINE_PROFILES } from './data-engines';
import { connectionSecretName } from '../constructs/store-secrets';
import { ComposedEnvVar, SecretEnvRef } from '../constructs/microservice';

/** The key of `<store>-app` with the read replicas' URL, where the stack writes the Secret (the aws target). */
export const READ_URL_KEY = 'readUri';

/** `user-db` -> `USER_DB`: the prefix of a store's variables. */
function envPrefix(store: Pick<DataStoreSpec, 'name'>): string {
  return store.name.replace(/-/g, '_').toUpperCase();
}

/** `user-db` -> `USER_DB_URL`, read from the store's credentials Secret. */
export function connectionEnv(store: DataStoreSpec): SecretEnvRef {
  return {
    env: `${envPrefix(store)}_URL`,
    secretName: connectionSecretName(store),
    // CloudNativePG's `<cluster>-app`; the MongoDB operator and the Redis credentials get the same name.
    key: DATA_ENGINE_PROFILES[store.engine].urlKey,
  };
}

/** Where a read model's URL comes from: the store in the cluster (CloudNativePG), or a managed service. */
export interface ReadConnectionOptions {
  readonly inCluster: boolean;
  readonly namespace: string;
}

/**
 * `applications-db` -> `APPLICATIONS_DB_READ_URL`: the URL of a PostgreSQL store's read replicas, for the queries of
 * a CQRS read model. In the cluster, CloudNativePG's `<store>-ro` Service (replicas only) with the application role
 * from `<store>-app`, composed by the kubelet so no password is in the manifest; on aws, the `readUri` key the
 * stack writes beside `uri`.
 */
export function readConnectionEnv(store: DataStoreSpec, options: ReadConnectionOptions): { secretEnv: SecretEnvRef[]; composedEnv: ComposedEnvVar[] } {
  const prefix = `${envPrefix(store)}_READ`;
  const secretName = connectionSecretName(store);
  if (!options.inCluster) return { secretEnv: [{ env: `${prefix}_URL`, secretName, key: READ_URL_KEY }], composedEnv: [] };
  return {
    secretEnv: [
      { env: `${prefix}_USERNAME`, secretName, key: 'username' },
      { env: `${prefix}_PASSWORD`, secretName, key: 'password' },
    ],
    composedEnv: [{
      env: `${prefix}_URL`,
      value: `postgresql://$(${prefix}_USERNAME):$(${prefix}_PASSWORD)@${clusterHost(`${store.name}-ro`, options.namespace)}:5432/${store.database}`,
    }],
  };
}
