import { PostgresDatabase, PostgresDatabaseProps } from '../../constructs/postgres-database';
import { ValidationError } from '../../phases';
import { emitted, only } from '../support/synth';

const base: PostgresDatabaseProps = { name: 'user-db', database: 'user_service', storageGi: 10, partOf: 'career-copilot' };
const build = (props: Partial<PostgresDatabaseProps> = {}) => emitted((scope) => new PostgresDatabase(scope, 'user-db', { ...base, ...props }));

describe('PostgresDatabase', () => {
  test('emits one CloudNativePG Cluster named after the store, and no Secret (CloudNativePG writes <name>-app)', () => {
    const objects = build();
    expect(objects.map((o) => `${o.apiVersion}/${o.kind}/${o.metadata.name}`)).toEqual(['postgresql.cnpg.io/v1/Cluster/user-db']);
  });

  test('bootstraps the application database with its owner, defaulting the owner to the database name', () => {
    expect(only(build(), 'Cluster').spec.bootstrap).toEqual({ initdb: { database: 'user_service', owner: 'user_service' } });
    expect(only(build({ owner: 'users_app' }), 'Cluster').spec.bootstrap.initdb.owner).toBe('users_app');
  });

  test.each([
    [0, 1],
    [1, 2],
    [2, 3],
  ])('runs 1 + %i read replicas = %i instances', (readReplicas, instances) => {
    expect(only(build({ readReplicas }), 'Cluster').spec.instances).toBe(instances);
  });

  test('sizes storage in GiB, grows volumes in place and keeps them through node maintenance', () => {
    const spec = only(build({ storageGi: 50, storageClass: 'retained-ssd' }), 'Cluster').spec;
    expect(spec.storage).toEqual({ size: '50Gi', storageClass: 'retained-ssd', resizeInUseVolumes: true });
    expect(spec.nodeMaintenanceWindow).toEqual({ inProgress: false, reusePVC: true });
  });

  test('pins the image, sets requests and limits, protects the primary with a PDB and keeps superuser access off', () => {
    const spec = only(build(), 'Cluster').spec;
    expect(spec.imageName).toBe('ghcr.io/cloudnative-pg/postgresql:16.4');
    expect(spec.resources).toEqual({ requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '512Mi' } });
    expect(spec.enablePDB).toBe(true);
    expect(spec.enableSuperuserAccess).toBe(false);
    expect(only(build({ enablePdb: false }), 'Cluster').spec.enablePDB).toBe(false);
  });

  test('switches the primary over to an updated replica when there is one, else restarts it', () => {
    expect(only(build({ readReplicas: 1 }), 'Cluster').spec).toMatchObject({ primaryUpdateStrategy: 'unsupervised', primaryUpdateMethod: 'switchover' });
    expect(only(build(), 'Cluster').spec.primaryUpdateMethod).toBe('restart');
  });

  test('runs restricted: non-root, read-only root, no escalation, no capabilities, RuntimeDefault seccomp', () => {
    const spec = only(build(), 'Cluster').spec;
    expect(spec.podSecurityContext).toEqual({ runAsNonRoot: true, runAsUser: 26, runAsGroup: 26, fsGroup: 26, seccompProfile: { type: 'RuntimeDefault' } });
    expect(spec.securityContext).toEqual({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });

  test('labels the Cluster and everything the operator creates for it', () => {
    const cluster = only(build(), 'Cluster');
    const labels = {
      'app.kubernetes.io/name': 'user-db',
      'app.kubernetes.io/component': 'database',
      'app.kubernetes.io/part-of': 'career-copilot',
      'app.kubernetes.io/managed-by': 'career-copilot-migration',
    };
    expect(cluster.metadata.labels).toEqual(labels);
    // Its pods also stay out of the mesh: the operator reaches them directly.
    expect(cluster.spec.inheritedMetadata).toEqual({ labels: { ...labels, 'sidecar.istio.io/inject': 'false' } });
  });

  test('exposes the Services and Secrets that CloudNativePG derives from the name', () => {
    let database!: PostgresDatabase;
    emitted((scope) => (database = new PostgresDatabase(scope, 'user-db', base)));
    expect(database).toMatchObject({
      name: 'user-db',
      database: 'user_service',
      owner: 'user_service',
      readWriteService: 'user-db-rw',
      readOnlyService: 'user-db-ro',
      appSecretName: 'user-db-app',
      port: 5432,
    });
    expect(database.superuserSecretName).toBeUndefined();
  });

  test('with superuser access, has CloudNativePG write <name>-superuser and exposes its name', () => {
    let database!: PostgresDatabase;
    const objects = emitted((scope) => (database = new PostgresDatabase(scope, 'monolith-db', { ...base, name: 'monolith-db', enableSuperuserAccess: true })));
    expect(only(objects, 'Cluster').spec.enableSuperuserAccess).toBe(true);
    expect(database.superuserSecretName).toBe('monolith-db-superuser');
  });

  test.each<[string, Partial<PostgresDatabaseProps>, string]>([
    ['a name that is not a DNS-1123 label', { name: 'User_DB' }, 'name: "User_DB" is not a DNS-1123 label'],
    ['a database that is not an SQL identifier', { database: 'user-service' }, 'database: "user-service" is not a lower-case SQL identifier'],
    ['an owner that is not an SQL identifier', { owner: '1owner' }, 'owner: "1owner" is not a lower-case SQL identifier'],
    ['negative read replicas', { readReplicas: -1 }, 'readReplicas: -1 is not an integer of at least 0'],
    ['fractional read replicas', { readReplicas: 0.5 }, 'readReplicas: 0.5 is not an integer of at least 0'],
    ['storage below 1 GiB', { storageGi: 0 }, 'storageGi: 0 is not an integer of at least 1'],
    ['an image tagged latest', { imageName: 'ghcr.io/cloudnative-pg/postgresql:latest' }, 'imageName: "ghcr.io/cloudnative-pg/postgresql:latest" is not pinned'],
    ['an untagged image', { imageName: 'ghcr.io/cloudnative-pg/postgresql' }, 'imageName: "ghcr.io/cloudnative-pg/postgresql" is not pinned'],
    [
      'a memory limit below the request',
      { resources: { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '1', memory: '512Mi' } } },
      'resources.limits.memory: 512Mi is below the request 1Gi',
    ],
    ['a bad StorageClass name', { storageClass: 'Fast SSD' }, 'storageClass: "Fast SSD" is not a DNS-1123 label'],
  ])('refuses %s', (_what, props, message) => {
    expect(() => build(props)).toThrow(ValidationError);
    expect(() => build(props)).toThrow(message);
  });
});
