import { Construct } from 'constructs';
import { AuthDataSplitScripts } from '../phases/model/auth-data-split';
import { ResourceRequirements } from '../phases/model/workload';
import { showValue, ValidationError } from '../core/validation-error';
import { SecretEnvRef } from './microservice';
import { checkDnsLabel } from './prop-checks';
import { appConnection, PsqlConnection, superuserConnection } from './psql-connections';
import { PASSWORDS_PATH, PsqlJob, PsqlPassword } from './psql-job';
import { connectionSecretName, superuserSecretName } from './store-secrets';

/**
 * Where the auth role's password is mounted (`authDataSplitPasswords`), for the compatibility view's user mapping
 * (`AuthDataSplitScripts.monolithCompatView` reads it).
 */
export const AUTH_PASSWORD_FILE = `${PASSWORDS_PATH}/auth/password`;


/**
 * The shell script that runs the four steps in order; stops at the first failure. Scripts are under `/sql`. Each
 * connection is named by libpq's variables, and libpq finds its password in the password file (`PsqlJob`).
 */
export const AUTH_DATA_SPLIT_RUN = `set -eu
run_psql() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
auth_psql() { PGHOST="$AUTH_DB_HOST" PGPORT="$AUTH_DB_PORT" PGDATABASE="$AUTH_DB_NAME" PGUSER="$AUTH_DB_USERNAME" run_psql "$@"; }
monolith_psql() { PGHOST="$MONOLITH_DB_HOST" PGPORT="$MONOLITH_DB_PORT" PGDATABASE="$MONOLITH_DB_NAME" PGUSER="$MONOLITH_DB_USERNAME" run_psql "$@"; }
monolith_superuser_psql() { PGHOST="$MONOLITH_DB_HOST" PGPORT="$MONOLITH_DB_PORT" PGDATABASE="$MONOLITH_DB_NAME" PGUSER="$MONOLITH_SUPERUSER_USERNAME" run_psql "$@"; }
# The export holds password hashes: never leave it behind, even after a failure.
trap 'rm -f /tmp/monolith-users.csv' EXIT

echo "auth data split for: \${DATA_MOVE_GATES:-nothing listed}"
echo "auth data split 1/3: auth tables"
auth_psql --single-transaction -f /sql/auth-schema.sql

echo "auth data split 2/3: monolith users into the auth database"
monolith_last_id=$(monolith_psql -tA -f /sql/monolith-last-user-id.sql)
case "$monolith_last_id" in ''|*[!0-9]*) echo "auth data split: unexpected monolith sequence value: $monolith_last_id" >&2; exit 1 ;; esac
monolith_psql -f /sql/export-monolith-users.sql > /tmp/monolith-users.csv
auth_psql --single-transaction -v monolith_last_id="$monolith_last_id" -f /sql/import-users.sql < /tmp/monolith-users.csv

echo "auth data split 3/3: compatibility view in the monolith database"
monolith_superuser_psql --single-transaction -f /sql/monolith-compat-view.sql
echo "auth data split: done"
`;

/** The files of the Job's ConfigMap, by name: the product's scripts and the run script. */
export function authDataSplitFiles(scripts: AuthDataSplitScripts): Readonly<Record<string, string>> {
  return {
    'auth-schema.sql': scripts.authSchema,
    'export-monolith-users.sql': scripts.exportMonolithUsers,
    'monolith-last-user-id.sql': scripts.monolithLastUserId,
    'import-users.sql': scripts.importUsers,
    'monolith-compat-view.sql': scripts.monolithCompatView,
    'run.sh': AUTH_DATA_SPLIT_RUN,
  };
}

/** Props of `AuthDataSplitJob`. */
export interface AuthDataSplitJobProps {
  /** The product's SQL of the five steps (Career Copilot's: phases/career-copilot/auth-data-split.ts). */
  readonly scripts: AuthDataSplitScripts;
  /** The monolith's PostgreSQL store (CloudNativePG Cluster name), e.g. `monolith-db`. */
  readonly monolithStore: string;
  /** The auth service's PostgreSQL store, e.g. `auth-db`; its application database is the seed's `auth_service_db`. */
  readonly authStore: string;
  /** The `app.kubernetes.io/part-of` label. */
  readonly partOf: string;
  /**
   * What waits for the split (the auth context's routes as `path=status`), in the Job's environment: when they
   * change, the Job changes, so the split runs again, as a catch-up, at the step that changes them. @default []
   */
  readonly gates?: readonly string[];
  /** Name of the Job. @default 'auth-data-split' */
  readonly name?: string;
  /** Secret with the monolith store's superuser `username` and `password`. @default - `<monolithStore>-superuser`, which CloudNativePG writes when superuser access is enabled */
  readonly monolithSuperuserSecretName?: string;
  /** Pinned PostgreSQL client image. @default DEFAULT_PSQL_IMAGE */
  readonly image?: string;
  /** @default requests 50m CPU / 64Mi, limits 500m CPU / 256Mi */
  readonly resources?: ResourceRequirements;
}

type SecretNames = Pick<AuthDataSplitJobProps, 'monolithStore' | 'authStore' | 'monolithSuperuserSecretName'>;

/**
 * The Job's three connections, from the CloudNativePG Secrets: the two stores' application roles and the monolith
 * store's superuser, on the monolith's server and database.
 */
function connections(props: SecretNames): PsqlConnection[] {
  const monolith = appConnection('MONOLITH_DB', connectionSecretName({ name: props.monolithStore }), 'monolith');
  const superuser = props.monolithSuperuserSecretName ?? superuserSecretName({ name: props.monolithStore });
  return [
    appConnection('AUTH_DB', connectionSecretName({ name: props.authStore }), 'auth'),
    monolith,
    superuserConnection(monolith, 'MONOLITH_SUPERUSER_USERNAME', superuser, 'monolith-superuser'),
  ];
}

/** The environment of the Job: every connection setting but the passwords, from a key of a CloudNativePG Secret. */
export function authDataSplitEnv(props: SecretNames): SecretEnvRef[] {
  return connections(props).flatMap((c) => c.env);
}

/**
 * The Job's three passwords, each its Secret's `password` key mounted as a file, for the connection the
 * environment names: psql reads them from its password file, the compatibility view's user mapping from `auth`'s.
 */
export function authDataSplitPasswords(props: SecretNames): PsqlPassword[] {
  return connections(props).map((c) => c.password);
}

/**
 * An auth database split as a Kubernetes Job, in the five steps of `AuthDataSplitScripts` (Career Copilot's, the
 * seed's phase 1: `AUTH_DATA_SPLIT_SQL` of phases/career-copilot/auth-data-split.ts, says what each step does
 * and why it is safe to re-run, and `PsqlJob` for how the Job behaves under Pulumi. Run it before the auth
 * service takes writes, so that no new auth user can take an id that a monolith user holds.
 */
export class AuthDataSplitJob extends Construct {
  public readonly name: string;
  public readonly job: PsqlJob;

  constructor(scope: Construct, id: string, props: AuthDataSplitJobProps) {
    super(scope, id);
    checkDnsLabel('monolithStore', props.monolithStore);
    checkDnsLabel('authStore', props.authStore);
    if (props.monolithStore === props.authStore) {
      throw new ValidationError('authStore', `${showValue(props.authStore)} is the monolith's store; the split moves auth data to another store`);
    }
    if (props.monolithSuperuserSecretName !== undefined) checkDnsLabel('monolithSuperuserSecretName', props.monolithSuperuserSecretName);

    this.name = props.name ?? 'auth-data-split';
    this.job = new PsqlJob(this, 'Job', {
      name: this.name,
      partOf: props.partOf,
      files: authDataSplitFiles(props.scripts),
      entrypoint: 'run.sh',
      secretEnv: authDataSplitEnv(props),
      passwords: authDataSplitPasswords(props),
      env: { DATA_MOVE_GATES: (props.gates ?? []).join(' ') },
      image: props.image,
      resources: props.resources,
    });
  }
}
