import { SecretEnvRef } from './microservice';
import { PsqlPassword } from './psql-job';

/** One connection of a psql Job: its settings from Secret keys (environment) and its password (a mounted file). */
export interface PsqlConnection {
  readonly env: readonly SecretEnvRef[];
  readonly password: PsqlPassword;
}

/**
 * A connection as the role of a store's `<store>-app` Secret, with the keys CloudNativePG writes (the aws target
 * writes the same): host, port, database and user in `<PREFIX>_HOST`, `_PORT`, `_NAME` and `_USERNAME`, the
 * password mounted as `/secrets/<passwordName>/password`.
 */
export function appConnection(prefix: string, secretName: string, passwordName: string): PsqlConnection {
  const names = { hostEnv: `${prefix}_HOST`, portEnv: `${prefix}_PORT`, databaseEnv: `${prefix}_NAME`, userEnv: `${prefix}_USERNAME` };
  const keys: Array<[string, string]> = [
    [names.hostEnv, 'host'],
    [names.portEnv, 'port'],
    [names.databaseEnv, 'dbname'],
    [names.userEnv, 'username'],
  ];
  return { env: keys.map(([env, key]) => ({ env, secretName, key })), password: { name: passwordName, secretName, ...names } };
}

/**
 * A connection to the server and database of `server`, as the user of a `<store>-superuser` Secret (`username`
 * in `userEnv`, `password` mounted as `/secrets/<passwordName>/password`).
 */
export function superuserConnection(server: PsqlConnection, userEnv: string, secretName: string, passwordName: string): PsqlConnection {
  return { env: [{ env: userEnv, secretName, key: 'username' }], password: { ...server.password, name: passwordName, secretName, userEnv } };
}
