import { randomBytes } from 'crypto';
import { OperatorStandIn, StoodInResource } from './operator-stand-in';

/** What CloudNativePG's Cluster spec says that the stand-in reads. */
interface ClusterSpec {
  readonly bootstrap?: { readonly initdb?: { readonly database?: string; readonly owner?: string } };
}

/**
 * What stands in for the CloudNativePG operator on the live node (its module is refused by the Go module proxy, so
 * it cannot be built here): for each `postgresql.cnpg.io/v1` Cluster of the namespace, the objects the operator
 * would make and the platform relies on, with the operator's names and labels:
 * - one PostgreSQL pod (Debian's server, the `postgres` image of scripts/images.sh), labelled
 *   `cnpg.io/cluster: <name>` as the network policies expect, its data in an emptyDir that lives as long as the
 *   pod (a Cluster is never deleted by a step, so neither is the pod);
 * - the Services `<name>-rw`, `-ro` and `-r` on port 5432;
 * - the Secrets `<name>-app` (the owner of `bootstrap.initdb.database`) and `<name>-superuser` with the keys the
 *   operator writes: username, password, host, port, dbname, uri, pgpass.
 * Replication, failover, backups and a replica cluster's copy of its source are not stood in for: every Cluster is
 * a single empty server.
 */

export class CloudNativePgStandIn extends OperatorStandIn<ClusterSpec> {
  protected readonly resourceType = 'clusters.postgresql.cnpg.io';
  protected readonly fieldManager = 'cloudnative-pg-stand-in';

  protected databaseOf(cluster: StoodInResource<ClusterSpec>): string {
    return cluster.spec.bootstrap?.initdb?.database ?? 'app';
  }

  protected objects(cluster: StoodInResource<ClusterSpec>, database: string): object[] {
    const { name } = cluster.metadata;
    const owner = cluster.spec.bootstrap?.initdb?.owner ?? database;
    const ns = this.namespace;
    const host = `${name}-rw`;
    const existing = this.existingPasswords(name);
    const appPassword = existing.app ?? randomBytes(24).toString('base64url');
    const superPassword = existing.superuser ?? randomBytes(24).toString('base64url');
    const secret = (suffix: string, username: string, password: string, dbname: string) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `${name}-${suffix}`, namespace: ns, labels: { 'cnpg.io/cluster': name } },
      type: 'kubernetes.io/basic-auth',
      stringData: {
        username,
        password,
        host,
        port: '5432',
        dbname,
        uri: `postgresql://${username}:${password}@${host}.${ns}:5432/${dbname}`,
        pgpass: `${host}:5432:${dbname}:${username}:${password}\n`,
      },
    });
    const labels = { 'cnpg.io/cluster': name, 'cnpg.io/instanceRole': 'primary', 'app.kubernetes.io/name': name };
    const service = (suffix: string) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `${name}-${suffix}`, namespace: ns, labels: { 'cnpg.io/cluster': name } },
      spec: { selector: { 'cnpg.io/cluster': name }, ports: [{ name: 'postgres', port: 5432, targetPort: 5432 }] },
    });
    // initdb with the superuser's password, then the owner and its database, as the operator's bootstrap does.
    const script = [
      'set -eu',
      'export PGDATA=/var/lib/postgresql/data/pgdata',
      'if [ ! -s "$PGDATA/PG_VERSION" ]; then',
      '  printf %s "$SUPERUSER_PASSWORD" > /tmp/pwfile',
      '  initdb --username=postgres --pwfile=/tmp/pwfile --auth-local=trust --auth-host=scram-sha-256 >/dev/null',
      '  rm /tmp/pwfile',
      '  echo "host all all 0.0.0.0/0 scram-sha-256" >> "$PGDATA/pg_hba.conf"',
      '  pg_ctl -w -o "-c listen_addresses= -k /tmp" start >/dev/null',
      '  psql -h /tmp -U postgres -v ON_ERROR_STOP=1 -v owner="$APP_USER" -v password="$APP_PASSWORD" -v db="$APP_DATABASE" >/dev/null <<\'SQL\'',
      "CREATE ROLE :\"owner\" LOGIN PASSWORD :'password';",
      'CREATE DATABASE :"db" OWNER :"owner";',
      'SQL',
      '  pg_ctl -w stop >/dev/null',
      'fi',
      'exec postgres -c listen_addresses=* -c unix_socket_directories=/tmp -c max_connections=200',
    ].join('\n');
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `${name}-1`, namespace: ns, labels },
      spec: {
        securityContext: { runAsUser: 26, runAsGroup: 26, fsGroup: 26, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [
          {
            name: 'postgres',
            image: this.image,
            imagePullPolicy: 'IfNotPresent',
            command: ['sh', '-c', script],
            env: [
              { name: 'SUPERUSER_PASSWORD', valueFrom: { secretKeyRef: { name: `${name}-superuser`, key: 'password' } } },
              { name: 'APP_PASSWORD', valueFrom: { secretKeyRef: { name: `${name}-app`, key: 'password' } } },
              { name: 'APP_USER', value: owner },
              { name: 'APP_DATABASE', value: database },
            ],
            ports: [{ containerPort: 5432, name: 'postgres' }],
            readinessProbe: { exec: { command: ['pg_isready', '-h', '127.0.0.1', '-p', '5432'] }, periodSeconds: 2 },
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
            volumeMounts: [
              { name: 'data', mountPath: '/var/lib/postgresql/data' },
              { name: 'tmp', mountPath: '/tmp' },
              { name: 'run', mountPath: '/var/run/postgresql' },
            ],
          },
        ],
        volumes: [
          { name: 'data', emptyDir: {} },
          { name: 'tmp', emptyDir: {} },
          { name: 'run', emptyDir: {} },
        ],
      },
    };
    return [secret('app', owner, appPassword, database), secret('superuser', 'postgres', superPassword, '*'), service('rw'), service('ro'), service('r'), pod];
  }

  /** The passwords of Secrets made before (by this stand-in in an earlier run), so a rerun keeps them. */
  private existingPasswords(name: string): { app?: string; superuser?: string } {
    const read = (suffix: string) => {
      try {
        const value = this.kubectl(['get', 'secret', `${name}-${suffix}`, '-n', this.namespace, '-o', 'jsonpath={.data.password}']);
        return value ? Buffer.from(value, 'base64').toString('utf8') : undefined;
      } catch {
        return undefined;
      }
    };
    return { app: read('app'), superuser: read('superuser') };
  }

  /** One SQL script run as the superuser inside a stood-in cluster's pod, its rows as `|`-separated lines. */
  psql(cluster: string, database: string, sql: string): string[] {
    const out = this.kubectl(['exec', '-i', '-n', this.namespace, `${cluster}-1`, '-c', 'postgres', '--', 'psql', '-h', '/tmp', '-U', 'postgres', '-d', database, '-v', 'ON_ERROR_STOP=1', '-At', '-f', '-'], sql);
    return out.split('\n').filter((line) => line.length > 0);
  }
}
