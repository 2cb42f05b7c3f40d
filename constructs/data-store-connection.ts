import { DataEngine, DataStoreSpec } from '../phases/model/data-store';
import { SecretEnvRef } from './microservice';

/**
 * The Secret key that holds a connection URL, per engine. PostgreSQL follows CloudNativePG's `<cluster>-app`
 * secret; the MongoDB operator and the Redis credentials are given the same secret name so that every
 * consumer reads `<store>-app`.
 */
const URL_KEY: Record<DataEngine, string> = {
  postgresql: 'uri',
  mongodb: 'connectionString.standard',
  redis: 'url',
};

/** Name of the Secret that holds a data store's application credentials. */
export function connectionSecretName(store: Pick<DataStoreSpec, 'name'>): string {
  return `${store.name}-app`;
}

/** `user-db` -> `USER_DB_URL`, read from the store's credentials Secret. */
export function connectionEnv(store: DataStoreSpec): SecretEnvRef {
  return {
    env: `${store.name.replace(/-/g, '_').toUpperCase()}_URL`,
    secretName: connectionSecretName(store),
    key: URL_KEY[store.engine],
  };
}
