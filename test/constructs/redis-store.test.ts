import { RedisStore, RedisStoreProps } from '../../constructs/redis-store';
import { ValidationError } from '../../phases';
import { emitted, only } from '../support/synth';

const base: RedisStoreProps = { name: 'notifications-db', storageGi: 5, partOf: 'career-copilot' };
const build = (props: Partial<RedisStoreProps> = {}) => emitted((scope) => new RedisStore(scope, 'notifications-db', { ...base, ...props }));
const container = (props: Partial<RedisStoreProps> = {}) => only(build(props), 'StatefulSet').spec.template.spec.containers[0];

describe('RedisStore', () => {
  test('emits a StatefulSet, a headless Service and a ClusterIP Service, and no Secret', () => {
    expect(build().map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'Service/notifications-db',
      'Service/notifications-db-headless',
      'StatefulSet/notifications-db',
    ]);
  });

  test('selects the pod by the stable name label in the StatefulSet and both Services', () => {
    const objects = build();
    const selector = { 'app.kubernetes.io/name': 'notifications-db' };
    const statefulSet = only(objects, 'StatefulSet');
    expect(statefulSet.spec.selector).toEqual({ matchLabels: selector });
    expect(statefulSet.spec.template.metadata.labels).toMatchObject(selector);
    expect(statefulSet.spec.serviceName).toBe('notifications-db-headless');
    expect(only(objects, 'Service', 'notifications-db-headless').spec).toMatchObject({ clusterIP: 'None', selector });
    expect(only(objects, 'Service', 'notifications-db').spec).toMatchObject({ type: 'ClusterIP', selector, ports: [{ name: 'redis', port: 6379, targetPort: 'redis', protocol: 'TCP' }] });
  });

  test('keeps its volume claim on scale-down and on deletion, and sizes it in GiB', () => {
    const spec = only(build({ storageGi: 8, storageClass: 'retained-ssd' }), 'StatefulSet').spec;
    expect(spec.replicas).toBe(1);
    expect(spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    expect(spec.volumeClaimTemplates).toHaveLength(1);
    expect(spec.volumeClaimTemplates[0].metadata.name).toBe('data');
    expect(spec.volumeClaimTemplates[0].spec).toEqual({ accessModes: ['ReadWriteOnce'], storageClassName: 'retained-ssd', resources: { requests: { storage: '8Gi' } } });
    expect(spec.template.spec.containers[0].volumeMounts).toEqual([{ name: 'data', mountPath: '/data' }, { name: 'auth', mountPath: '/etc/redis-auth', readOnly: true }]);
  });

  test('persists with an append-only file and reads its password from a file of <name>-app, never from its arguments', () => {
    const redis = container();
    expect(redis.image).toBe('redis:7.2.5-alpine');
    expect(redis.args).toEqual([
      'redis-server', '/etc/redis-auth/redis-auth.conf',
      '--port', '6379',
      '--dir', '/data',
      '--appendonly', 'yes',
      '--appendfsync', 'everysec',
      '--maxmemory', '153mb',
      '--maxmemory-policy', 'noeviction',
    ]);
    // The server's password is only in the mounted file; redis-cli, for the probes, reads it from its variable.
    expect(redis.env).toEqual([{ name: 'REDISCLI_AUTH', valueFrom: { secretKeyRef: { name: 'notifications-db-app', key: 'password' } } }]);
    const pod = only(build(), 'StatefulSet').spec.template.spec;
    expect(pod.volumes).toEqual([{ name: 'auth', secret: { secretName: 'notifications-db-app', items: [{ key: 'redis-auth.conf', path: 'redis-auth.conf' }], defaultMode: 0o440 } }]);
  });

  test('bounds its data below the memory limit with the chosen eviction policy', () => {
    const redis = container({ maxmemoryPolicy: 'allkeys-lru', resources: { requests: { cpu: '100m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } });
    expect(redis.args).toEqual(expect.arrayContaining(['--maxmemory', '614mb', '--maxmemory-policy', 'allkeys-lru']));
  });

  test('probes with redis-cli ping, tolerating a dataset still loading for startup and liveness only', () => {
    const redis = container();
    const command = (probe: { exec: { command: string[] } }) => probe.exec.command;
    expect(command(redis.readinessProbe)).toEqual(['sh', '-c', "redis-cli -p 6379 ping | grep -Eq 'PONG'"]);
    expect(command(redis.livenessProbe)).toEqual(['sh', '-c', "redis-cli -p 6379 ping | grep -Eq 'PONG|LOADING'"]);
    expect(command(redis.startupProbe)).toEqual(command(redis.livenessProbe));
    expect(redis.startupProbe.failureThreshold).toBe(30);
  });

  test('runs restricted with requests and limits and no service-account token', () => {
    const pod = only(build(), 'StatefulSet').spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 999, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0].securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 999,
      runAsGroup: 1000,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.containers[0].resources).toEqual({ requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
  });

  test('exposes its names and port', () => {
    let store!: RedisStore;
    emitted((scope) => (store = new RedisStore(scope, 'cache', { ...base, name: 'cache', port: 6380 })));
    expect(store).toMatchObject({ name: 'cache', serviceName: 'cache', headlessServiceName: 'cache-headless', secretName: 'cache-app', port: 6380 });
  });

  test.each<[string, Partial<RedisStoreProps>, string]>([
    ['a name that is not a DNS-1123 label', { name: 'Cache' }, 'name: "Cache" is not a DNS-1123 label'],
    ['a name too long for the headless Service', { name: 'c'.repeat(55) }, `name: "${'c'.repeat(55)}" is longer than 54 characters`],
    ['storage below 1 GiB', { storageGi: 0 }, 'storageGi: 0 is not an integer of at least 1'],
    ['an image tagged latest', { image: 'redis:latest' }, 'image: "redis:latest" is not pinned'],
    ['an untagged image', { image: 'redis' }, 'image: "redis" is not pinned'],
    ['a port out of range', { port: 0 }, 'port: 0 is not an integer from 1 to 65535'],
    ['an unknown eviction policy', { maxmemoryPolicy: 'lru' as never }, 'maxmemoryPolicy: "lru" is not one of noeviction, allkeys-lru, allkeys-lfu, volatile-lru, volatile-lfu, volatile-ttl'],
    [
      'a memory limit below the request',
      { resources: { requests: { cpu: '100m', memory: '512Mi' }, limits: { cpu: '500m', memory: '256Mi' } } },
      'resources.limits.memory: 256Mi is below the request 512Mi',
    ],
  ])('refuses %s', (_what, props, message) => {
    expect(() => build(props)).toThrow(ValidationError);
    expect(() => build(props)).toThrow(message);
  });
});
