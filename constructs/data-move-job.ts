import { Construct } from 'constructs';
import { MonolithTableSpec } from '../phases/model/monolith-table';
import { ResourceRequirements } from '../phases/model/workload';
import { showValue, ValidationError } from '../core/validation-error';
import { compatViewsSql, DATA_MOVE_SCRATCH, importSql, lastKeyFile, monolithExportSql, rowsFile, serviceSchemaSql } from './data-move-sql';
import { checkDnsLabel } from './prop-checks';
import { appConnection, superuserConnection } from './psql-connections';
import { PsqlJob } from './psql-job';
import { connectionSecretName, superuserSecretName } from './store-secrets';

/** Props of `DataMoveJob`. */
export interface DataMoveJobProps {
  /** The context whose tables move, e.g. `jobs`; the Job is `<context>-data-move`. */
  readonly context: string;
  /** Its tables, in the order they move (the model's BoundedContextSpec.monolithTables). */
  readonly tables: readonly MonolithTableSpec[];
  /** The monolith's PostgreSQL store (CloudNativePG Cluster name), e.g. `monolith-db`. */
  readonly monolithStore: string;
  /** The context's PostgreSQL store, e.g. `jobs-db`. */
  readonly store: string;
  /** The store's application database (the postgres_fdw server and schema of the monolith's views are named after it). */
  readonly database: string;
  /** The `app.kubernetes.io/part-of` label. */
  readonly partOf: string;
  /**
   * What waits for the move (the context's routes as `path=status`), in the Job's environment: when they change,
   * the Job changes, so the move runs again, as a catch-up, at the step that changes them. @default []
   */
  readonly gates?: readonly string[];
  /** Pinned PostgreSQL client image. @default DEFAULT_PSQL_IMAGE */
  readonly image?: string;
  /** @default requests 50m CPU / 64Mi, limits 500m CPU / 256Mi */
  readonly resources?: ResourceRequirements;
}

/** The name of a context's data move Job. */
export const dataMoveJobName = (context: string) => `${context}-data-move`;

const importFile = (table: MonolithTableSpec) => `import-${table.table}.sql`;

/** The shell script that runs the four steps in order and stops at the first failure. */
function runScript(context: string, tables: readonly MonolithTableSpec[]): string {
  const imports = tables.map((table) => {
    const run = `store_psql --single-transaction${table.generatedKey ? ' -v monolith_last_key="$last_key"' : ''} -f /sql/${importFile(table)} < ${rowsFile(table)}`;
    if (!table.generatedKey) return run;
    return `last_key=$(cat ${lastKeyFile(table)})
case "$last_key" in ''|*[!0-9]*) echo "${context} data move: unexpected monolith sequence value for ${table.table}: $last_key" >&2; exit 1 ;; esac
${run}`;
  });
  return `set -eu
run_psql() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
store_psql() { PGHOST="$STORE_DB_HOST" PGPORT="$STORE_DB_PORT" PGDATABASE="$STORE_DB_NAME" PGUSER="$STORE_DB_USERNAME" run_psql "$@"; }
monolith_psql() { PGHOST="$MONOLITH_DB_HOST" PGPORT="$MONOLITH_DB_PORT" PGDATABASE="$MONOLITH_DB_NAME" PGUSER="$MONOLITH_DB_USERNAME" run_psql "$@"; }
monolith_superuser_psql() { PGHOST="$MONOLITH_DB_HOST" PGPORT="$MONOLITH_DB_PORT" PGDATABASE="$MONOLITH_DB_NAME" PGUSER="$MONOLITH_SUPERUSER_USERNAME" run_psql "$@"; }
# The monolith's rows: never leave them behind, even after a failure.
trap 'rm -rf ${DATA_MOVE_SCRATCH}' EXIT
mkdir -p ${DATA_MOVE_SCRATCH}

echo "${context} data move for: \${DATA_MOVE_GATES:-nothing listed}"
echo "${context} data move 1/4: service tables"
store_psql --single-transaction -f /sql/service-schema.sql

echo "${context} data move 2/4: monolith rows, from one snapshot"
monolith_psql -f /sql/monolith-export.sql

echo "${context} data move 3/4: rows into the service's tables, each verified"
${imports.join('\n')}

echo "${context} data move 4/4: compatibility views in the monolith database"
monolith_superuser_psql --single-transaction -f /sql/compat-views.sql
echo "${context} data move: done"
`;
}

/** The files of the Job's ConfigMap, by name. */
export function dataMoveFiles(props: Pick<DataMoveJobProps, 'context' | 'tables' | 'database'>): Readonly<Record<string, string>> {
  return {
    'service-schema.sql': serviceSchemaSql(props.context, props.tables),
    'monolith-export.sql': monolithExportSql(props.context, props.tables),
    ...Object.fromEntries(props.tables.map((table) => [importFile(table), importSql(props.context, table)])),
    'compat-views.sql': compatViewsSql(props.context, props.database, props.tables),
    'run.sh': runScript(props.context, props.tables),
  };
}

/**
 * A context's data move as a Kubernetes Job: its monolith tables copied into its own store, each verified (row
 * counts and a checksum per table, recorded in the store and printed), then read-only views of them for the
 * monolith. constructs/data-move-sql.ts says what each step does and why a re-run is safe: the Job runs in every
 * phase where the monolith and the service run, as a catch-up, and never overwrites what the service owns. The
 * stack runs it before any route or writer of the phase changes, so a route leaves the monolith only after it.
 */
export class DataMoveJob extends Construct {
  public readonly name: string;
  public readonly job: PsqlJob;

  constructor(scope: Construct, id: string, props: DataMoveJobProps) {
    super(scope, id);
    checkDnsLabel('context', props.context);
    checkDnsLabel('monolithStore', props.monolithStore);
    checkDnsLabel('store', props.store);
    if (props.store === props.monolithStore) throw new ValidationError('store', `${showValue(props.store)} is the monolith's store; a data move copies into another store`);
    if (props.tables.length === 0) throw new ValidationError('tables', 'is empty: a data move copies at least one table');

    const monolith = appConnection('MONOLITH_DB', connectionSecretName({ name: props.monolithStore }), 'monolith');
    const connections = [
      appConnection('STORE_DB', connectionSecretName({ name: props.store }), 'store'),
      monolith,
      superuserConnection(monolith, 'MONOLITH_SUPERUSER_USERNAME', superuserSecretName({ name: props.monolithStore }), 'monolith-superuser'),
    ];

    this.name = dataMoveJobName(props.context);
    this.job = new PsqlJob(this, 'Job', {
      name: this.name,
      partOf: props.partOf,
      files: dataMoveFiles(props),
      entrypoint: 'run.sh',
      secretEnv: connections.flatMap((c) => c.env),
      passwords: connections.map((c) => c.password),
      env: { DATA_MOVE_GATES: (props.gates ?? []).join(' ') },
      image: props.image,
      resources: props.resources,
    });
  }
}
