import { OperatorStandIn, StoodInResource } from './operator-stand-in';

/** What the MongoDBCommunity spec says that the stand-in reads. */
interface MongoDbCommunitySpec {
  readonly users?: ReadonlyArray<{ readonly connectionStringSecretName?: string; readonly roles?: ReadonlyArray<{ readonly db: string }> }>;
}

/**
 * What stands in for the MongoDB Community operator on the live node (Debian does not package MongoDB, and the
 * operator's module is refused by the Go module proxy): for each `mongodbcommunity.mongodb.com/v1`
 * MongoDBCommunity of the namespace, a FerretDB pod (MongoDB's wire protocol over SQLite, the `ferretdb` image of
 * scripts/images.sh) named and labelled as the operator's first member (`<name>-0`, `app: <name>-svc`), the
 * operator's Service `<name>-svc` on 27017 and, for its first user, the connection Secret the services read
 * (`connectionString.standard`). FerretDB's SQLite handler does not authenticate, so that string carries no
 * credentials; SCRAM, replica sets and the data's volume (an emptyDir that lives as long as the pod) are not stood
 * in for.
 */

export class MongoDbCommunityStandIn extends OperatorStandIn<MongoDbCommunitySpec> {
  protected readonly resourceType = 'mongodbcommunity.mongodbcommunity.mongodb.com';
  protected readonly fieldManager = 'mongodb-community-stand-in';

  protected databaseOf(server: StoodInResource<MongoDbCommunitySpec>): string {
    return server.spec.users?.[0]?.roles?.[0]?.db ?? 'admin';
  }

  protected objects(server: StoodInResource<MongoDbCommunitySpec>, database: string): object[] {
    const { name } = server.metadata;
    const secretName = server.spec.users?.[0]?.connectionStringSecretName ?? `${name}-app`;
    const ns = this.namespace;
    const service = `${name}-svc`;
    const url = `mongodb://${service}.${ns}.svc.cluster.local:27017/${database}`;
    return [
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: secretName, namespace: ns, labels: { app: service } },
        stringData: { 'connectionString.standard': url, 'connectionString.standardSrv': url },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: service, namespace: ns, labels: { app: service } },
        spec: { selector: { app: service }, ports: [{ name: 'mongodb', port: 27017, targetPort: 27017 }] },
      },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `${name}-0`, namespace: ns, labels: { app: service, 'app.kubernetes.io/name': name } },
        spec: {
          securityContext: { runAsUser: 2000, runAsGroup: 2000, fsGroup: 2000, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'mongod',
              image: this.image,
              imagePullPolicy: 'IfNotPresent',
              args: ['--handler=sqlite', '--sqlite-url=file:/data/', '--state-dir=/data', '--listen-addr=:27017', '--telemetry=disable', '--log-level=WARN'],
              ports: [{ containerPort: 27017, name: 'mongodb' }],
              readinessProbe: { tcpSocket: { port: 27017 }, periodSeconds: 2 },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
            },
          ],
          volumes: [{ name: 'data', emptyDir: {} }],
        },
      },
    ];
  }
}
