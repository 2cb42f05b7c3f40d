import { execFileSync } from 'child_process';

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
export class MongoDbCommunityStandIn {
  private readonly done = new Map<string, string>();

  constructor(
    private readonly namespace: string,
    private readonly image: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Makes the objects of every MongoDBCommunity that has none yet; returns the names of those it made. */
  reconcile(): string[] {
    const list = JSON.parse(this.kubectl(['get', 'mongodbcommunity.mongodbcommunity.mongodb.com', '-n', this.namespace, '-o', 'json'])) as {
      items: Array<{ metadata: { name: string }; spec: { users?: Array<{ connectionStringSecretName?: string; roles?: Array<{ db: string }> }> } }>;
    };
    const made: string[] = [];
    for (const item of list.items) {
      const { name } = item.metadata;
      if (this.done.has(name)) continue;
      const user = item.spec.users?.[0];
      const database = user?.roles?.[0]?.db ?? 'admin';
      this.apply(this.objects(name, database, user?.connectionStringSecretName ?? `${name}-app`));
      this.done.set(name, database);
      made.push(name);
    }
    return made;
  }

  /** The MongoDBCommunity resources stood in for so far and their users' databases. */
  servers(): ReadonlyMap<string, string> {
    return this.done;
  }

  private objects(name: string, database: string, secretName: string): object[] {
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

  private apply(objects: object[]): void {
    this.kubectl(['apply', '--server-side', '--field-manager', 'mongodb-community-stand-in', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
  }

  private kubectl(args: string[], input?: string): string {
    return execFileSync('kubectl', args, { env: this.env, encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
  }
}
