import { MongoDatabase, MongoDatabaseProps } from '../../constructs/mongo-database';
import { ValidationError } from '../../phases';
import { emitted, only } from '../support/synth';

const base: MongoDatabaseProps = { name: 'analytics-db', database: 'analytics', storageGi: 20, partOf: 'career-copilot' };
const build = (props: Partial<MongoDatabaseProps> = {}) => emitted((scope) => new MongoDatabase(scope, 'analytics-db', { ...base, ...props }));

const RESTRICTED_CONTAINER = {
  runAsNonRoot: true,
  runAsUser: 2000,
  runAsGroup: 2000,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  privileged: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

describe('MongoDatabase', () => {
  test('emits one MongoDBCommunity replica set named after the store, and no Secret', () => {
    const objects = build();
    expect(objects.map((o) => `${o.apiVersion}/${o.kind}/${o.metadata.name}`)).toEqual(['mongodbcommunity.mongodb.com/v1/MongoDBCommunity/analytics-db']);
    const spec = only(objects, 'MongoDBCommunity').spec;
    expect(spec).toMatchObject({ type: 'ReplicaSet', members: 3, version: '7.0.12', featureCompatibilityVersion: '7.0' });
    expect(only(build({ members: 1, version: '6.0.16' }), 'MongoDBCommunity').spec).toMatchObject({ members: 1, version: '6.0.16', featureCompatibilityVersion: '6.0' });
  });

  test('authenticates a SCRAM user whose password is a Secret reference, and has the operator write <name>-app', () => {
    const spec = only(build(), 'MongoDBCommunity').spec;
    expect(spec.security).toEqual({ authentication: { modes: ['SCRAM'] } });
    expect(spec.users).toEqual([
      {
        name: 'analytics',
        db: 'admin',
        passwordSecretRef: { name: 'analytics-db-password', key: 'password' },
        roles: [
          { name: 'readWrite', db: 'analytics' },
          { name: 'dbAdmin', db: 'analytics' },
        ],
        scramCredentialsSecretName: 'analytics-db-scram',
        connectionStringSecretName: 'analytics-db-app',
      },
    ]);
  });

  test('sizes the data and log volumes and keeps them when the StatefulSet scales down or goes away', () => {
    const statefulSet = only(build({ storageGi: 40, logsStorageGi: 4, storageClass: 'retained-ssd' }), 'MongoDBCommunity').spec.statefulSet.spec;
    expect(statefulSet.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    expect(statefulSet.volumeClaimTemplates).toEqual([
      { metadata: { name: 'data-volume' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'retained-ssd', resources: { requests: { storage: '40Gi' } } } },
      { metadata: { name: 'logs-volume' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'retained-ssd', resources: { requests: { storage: '4Gi' } } } },
    ]);
  });

  test('runs every container and init container of the pod restricted, with requests and limits', () => {
    const pod = only(build(), 'MongoDBCommunity').spec.statefulSet.spec.template.spec;
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 2000, runAsGroup: 2000, fsGroup: 2000, seccompProfile: { type: 'RuntimeDefault' } });
    const containers = [...pod.containers, ...pod.initContainers];
    expect(containers.map((c: { name: string }) => c.name)).toEqual(['mongod', 'mongodb-agent', 'mongod-posthook', 'mongodb-agent-readinessprobe']);
    for (const container of containers) {
      expect(container.securityContext).toEqual(RESTRICTED_CONTAINER);
      expect(Object.keys(container.resources.requests).sort()).toEqual(['cpu', 'memory']);
      expect(Object.keys(container.resources.limits).sort()).toEqual(['cpu', 'memory']);
    }
    expect(pod.containers[0].resources).toEqual({ requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } });
  });

  test('exposes the Secret and Service names derived from the name', () => {
    let database!: MongoDatabase;
    emitted((scope) => (database = new MongoDatabase(scope, 'analytics-db', { ...base, userName: 'analytics_service' })));
    expect(database).toMatchObject({
      name: 'analytics-db',
      database: 'analytics',
      userName: 'analytics_service',
      connectionSecretName: 'analytics-db-app',
      passwordSecretName: 'analytics-db-password',
      serviceName: 'analytics-db-svc',
      port: 27017,
    });
  });

  test.each<[string, Partial<MongoDatabaseProps>, string]>([
    ['a name that is not a DNS-1123 label', { name: 'Analytics' }, 'name: "Analytics" is not a DNS-1123 label'],
    ['a database name with a dash', { database: 'analytics-data' }, 'database: "analytics-data" is not a database name'],
    ['a bad user name', { userName: 'Analytics User' }, 'userName: "Analytics User" is not a user name'],
    ['zero members', { members: 0 }, 'members: 0 is not an integer from 1 to 50'],
    ['storage below 1 GiB', { storageGi: 0 }, 'storageGi: 0 is not an integer of at least 1'],
    ['log storage below 1 GiB', { logsStorageGi: 0 }, 'logsStorageGi: 0 is not an integer of at least 1'],
    ['an unpinned version', { version: 'latest' }, 'version: "latest" is not a pinned MongoDB version such as 7.0.12'],
    ['a version without a patch', { version: '7.0' }, 'version: "7.0" is not a pinned MongoDB version'],
    [
      'a CPU limit below the request',
      { resources: { requests: { cpu: '2', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } } },
      'resources.limits.cpu: 1 is below the request 2',
    ],
  ])('refuses %s', (_what, props, message) => {
    expect(() => build(props)).toThrow(ValidationError);
    expect(() => build(props)).toThrow(message);
  });
});
