import { DataStoreSpec } from '../phases/model/data-store';

/**
 * Name of the Secret with a data store's application credentials, `<store>-app`, on every engine and target:
 * CloudNativePG names it so, the MongoDB operator and our Redis are given the name, and the aws target writes it.
 */
export function connectionSecretName(store: Pick<DataStoreSpec, 'name'>): string {
  return `${store.name}-app`;
}
