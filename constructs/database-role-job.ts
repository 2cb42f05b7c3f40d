import { Construct } from 'constructs';
import { showValue, ValidationError } from '../core/validation-error';
import { ResourceRequirements } from '../phases/model/workload';
import { checkDnsLabel, checkSqlIdentifier } from './prop-checks';
import { PASSWORDS_PATH, PsqlJob } from './psql-job';
import { connectionSecretName, superuserSecretName } from './store-secrets';

/** Where the application role's new password is mounted (the `app` password of `PsqlJob`). */
const ROLE_PASSWORD_FILE = `${PASSWORDS_PATH}/app/password`;

/**
 * The application role of a managed PostgreSQL store (RDS), as CloudNativePG makes it in the cluster: a login role
 * named after the database, which owns the database and its `public` schema and has no other privilege (no
 * superuser, no role or database creation, no replication). Run as the master user, which nothing else uses.
 * Idempotent, and each run sets the role's password again (a rotated password reaches the server on the next run).
 * Tables, partitioned tables and standalone sequences of `public` that the master user owns (written by services
 * that connected as it before) are handed to the role; views stay with their owner, because a view runs with its
 * owner's rights (the auth split's compatibility view reads through the master's foreign-server user mapping).
 * `PUBLIC` loses CONNECT on the database: only the role (and the master) may connect.
 */
export const DATABASE_ROLE_SQL = `-- The store's application role (run as the master user). Creates what is missing; changes only the role's rights.
\\set role_password \`cat ${ROLE_PASSWORD_FILE}\`
SELECT format('CREATE ROLE %I LOGIN', :'role') WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = :'role') \\gexec
-- A role made by a non-superuser is never a superuser, nor replicates, nor bypasses row security (only a
-- superuser may even name those attributes); the rest is set here.
ALTER ROLE :"role" WITH LOGIN NOCREATEDB NOCREATEROLE PASSWORD :'role_password';
-- The master user (on RDS not a superuser) hands over only to a role it may act as.
GRANT :"role" TO CURRENT_USER;
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"database" TO :"role";
ALTER SCHEMA public OWNER TO :"role";
ALTER DATABASE :"database" OWNER TO :"role";
SELECT format('ALTER %s public.%I OWNER TO %I', CASE WHEN c.relkind = 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, c.relname, :'role')
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'S') AND c.relowner = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user)
  -- A sequence of a serial or identity column moves with its table.
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i'))
ORDER BY c.relkind DESC, c.relname \\gexec
`;

/** The shell script of the Job: the SQL in one transaction, as the master user. */
export const DATABASE_ROLE_RUN = `set -eu
echo "database role: $ROLE on $PGDATABASE"
psql -X -q -v ON_ERROR_STOP=1 --single-transaction -v role="$ROLE" -v database="$PGDATABASE" -f /sql/database-role.sql
echo "database role: done"
`;

/** `user-db` -> `user-db-role`: the Job (and the component) of a store's application role. */
export function databaseRoleJobName(store: string): string {
  return `${store}-role`;
}

/** Props of `DatabaseRoleJob`. */
export interface DatabaseRoleJobProps {
  /** The PostgreSQL store, e.g. `user-db`. */
  readonly store: string;
  /** The store's database, which the role owns; the role has its name, as CloudNativePG's owner does. */
  readonly database: string;
  /** The `app.kubernetes.io/part-of` label. */
  readonly partOf: string;
  /** Name of the Job. @default `<store>-role` */
  readonly name?: string;
  /** Secret with the master user's `username`, `password`, `host` and `port`. @default `<store>-superuser` */
  readonly masterSecretName?: string;
  /** Secret with the role's `password` (the one services read). @default `<store>-app` */
  readonly roleSecretName?: string;
  /** Pinned PostgreSQL client image. @default DEFAULT_PSQL_IMAGE */
  readonly image?: string;
  /** @default requests 50m CPU / 64Mi, limits 500m CPU / 256Mi */
  readonly resources?: ResourceRequirements;
}

/**
 * A Job that gives a managed PostgreSQL store its least-privilege application role (`DATABASE_ROLE_SQL`), from
 * credentials only this Job reads: the master user's Secret is mounted by no service. Connection settings come
 * from Secret references, both passwords from the Secrets mounted as files (psql's password file for the master,
 * the role's read by the script). See `PsqlJob` for how the Job behaves under Pulumi.
 */
export class DatabaseRoleJob extends Construct {
  public readonly name: string;
  public readonly job: PsqlJob;

  constructor(scope: Construct, id: string, props: DatabaseRoleJobProps) {
    super(scope, id);
    checkDnsLabel('store', props.store);
    checkSqlIdentifier('database', props.database);
    const master = props.masterSecretName ?? superuserSecretName({ name: props.store });
    const role = props.roleSecretName ?? connectionSecretName({ name: props.store });
    checkDnsLabel('masterSecretName', master);
    checkDnsLabel('roleSecretName', role);
    if (master === role) throw new ValidationError('roleSecretName', `${showValue(role)} is also the master's Secret: the role gets a password of its own`);
    this.name = props.name ?? databaseRoleJobName(props.store);
    checkDnsLabel('name', this.name);
    this.job = new PsqlJob(this, 'Job', {
      name: this.name,
      partOf: props.partOf,
      files: { 'database-role.sql': DATABASE_ROLE_SQL, 'run.sh': DATABASE_ROLE_RUN },
      entrypoint: 'run.sh',
      env: { PGDATABASE: props.database, ROLE: props.database },
      secretEnv: [
        { env: 'PGUSER', secretName: master, key: 'username' },
        { env: 'PGHOST', secretName: master, key: 'host' },
        { env: 'PGPORT', secretName: master, key: 'port' },
      ],
      passwords: [
        { name: 'master', secretName: master, hostEnv: 'PGHOST', portEnv: 'PGPORT', databaseEnv: 'PGDATABASE', userEnv: 'PGUSER' },
        // Not a connection of the Job's: the role's password, which the script sets.
        { name: 'app', secretName: role, hostEnv: 'PGHOST', portEnv: 'PGPORT', databaseEnv: 'PGDATABASE', userEnv: 'ROLE' },
      ],
      image: props.image,
      resources: props.resources,
    });
  }
}
