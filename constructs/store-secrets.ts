import { DataStoreSpec } from '../phases/model/data-store';

/**
 * Name of the Secret with a data store's application credentials, `<store>-app`, on every engine and target:
 * CloudNativePG names it so, the MongoDB operator and our Redis are given the name, and the aws target writes it.
 */
export function connectionSecretName(store: Pick<DataStoreSpec, 'name'>): string {
  return `${store.name}-app`;
}

/**
 * Name of the Secret with a PostgreSQL store's superuser (CloudNativePG's, when superuser access is on) or master
 * user (RDS, which the aws target writes), `<store>-superuser`: mounted by Jobs only.
 */
export function superuserSecretName(store: Pick<DataStoreSpec, 'name'>): string {
  return `${store.name}-superuser`;
}
