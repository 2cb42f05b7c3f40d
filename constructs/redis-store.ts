import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ResourceRequirements } from '../phases/model/workload';
import { notOneOf, showValue, ValidationError } from '../core/validation-error';
import { componentLabels, OUT_OF_MESH_LABELS, selectorLabels } from './labels';
import { connectionSecretName } from './store-secrets';
import { checkDnsLabel, checkInteger, checkPinnedImage } from './prop-checks';
import { memoryMebibytes } from './quantities';
import { checkResources, kubeResources, PodIdentity, restrictedContainerSecurityContext, restrictedPodSecurityContext } from './restricted-pod';

/** Props of `RedisStore`. */
export interface RedisStoreProps {
  /** Name of the StatefulSet and its ClusterIP Service, e.g. `cache`; the headless Service is `<name>-headless`. */
  readonly name: string;
  /** Persistent volume size for the append-only file, in GiB. */
  readonly storageGi: number;
  /** The `app.kubernetes.io/part-of` label. */
  readonly partOf: string;
  /** Pinned Redis image. @default DEFAULT_REDIS_IMAGE */
  readonly image?: string;
  /** Port of the Services and the container. @default 6379 */
  readonly port?: number;
  /** StorageClass of the volume. @default - the cluster's default StorageClass */
  readonly storageClass?: string;
  /** @default requests 100m CPU / 256Mi, limits 500m CPU / 256Mi */
  readonly resources?: ResourceRequirements;
  /**
   * What Redis does when its data reaches `maxmemory`: `noeviction` refuses writes and keeps every key (queues,
   * sessions); an `allkeys-*` policy drops keys (a cache).
   * @default 'noeviction'
   */
  readonly maxmemoryPolicy?: RedisMaxmemoryPolicy;
  /** The `app.kubernetes.io/component` label. @default 'cache' */
  readonly component?: string;
}

/** Redis' eviction policies. */
export const REDIS_MAXMEMORY_POLICIES = ['noeviction', 'allkeys-lru', 'allkeys-lfu', 'volatile-lru', 'volatile-lfu', 'volatile-ttl'] as const;
export type RedisMaxmemoryPolicy = (typeof REDIS_MAXMEMORY_POLICIES)[number];

/**
 * Share of the memory limit that data may use: the rest covers the fork that rewrites the append-only file
 * (copy-on-write), buffers and fragmentation, so that Redis refuses writes or evicts instead of being OOM-killed.
 */
const MAXMEMORY_SHARE = 0.6;

const DEFAULT_RESOURCES: ResourceRequirements = {
  requests: { cpu: '100m', memory: '256Mi' },
  limits: { cpu: '500m', memory: '256Mi' },
};

/** The Redis server the stores run by default: the official Alpine image. */
export const DEFAULT_REDIS_IMAGE = 'redis:7.2.5-alpine';

/** The `redis` user and group of the official Alpine image. */
const REDIS_IDENTITY: PodIdentity = { user: 999, group: 1000 };

const DATA_PATH = '/data';
const VOLUME = 'data';
/**
 * The key of the store's `<name>-app` Secret that holds a Redis configuration file with its `requirepass`:
 * mounted as a file, so that the password is in neither the container's arguments nor its environment.
 */
export const REDIS_AUTH_CONFIG_KEY = 'redis-auth.conf';
const AUTH_CONFIG_PATH = '/etc/redis-auth';
const AUTH_VOLUME = 'auth';

/** `<name>-headless` must stay a DNS-1123 label. */
const MAX_NAME_LENGTH = 63 - '-headless'.length;

/**
 * A single Redis server with its data on a persistent volume: append-only file with an fsync every second, so a
 * restart loses at most a second of writes. The password is read from Secret `<name>-app` (key `password`),
 * provisioned elsewhere, and the volume claim is never deleted, neither on scale-down nor when the StatefulSet
 * goes away. One replica: Redis replication needs Sentinel for failover, which this store does not run.
 */
export class RedisStore extends Construct {
  public readonly name: string;
  /** ClusterIP Service that clients connect to. */
  public readonly serviceName: string;
  /** Headless Service that gives the pod its stable DNS name. */
  public readonly headlessServiceName: string;
  /** Secret with the password (key `password`), read by the server and the clients: `<name>-app`. */
  public readonly secretName: string;
  public readonly port: number;
  /** Labels that select the Redis pod. */
  public readonly selector: Record<string, string>;
  public readonly statefulSet: kplus.k8s.KubeStatefulSet;

  constructor(scope: Construct, id: string, props: RedisStoreProps) {
    super(scope, id);
    const image = props.image ?? DEFAULT_REDIS_IMAGE;
    const port = props.port ?? 6379;
    const resources = props.resources ?? DEFAULT_RESOURCES;
    checkDnsLabel('name', props.name);
    if (props.name.length > MAX_NAME_LENGTH) {
      throw new ValidationError('name', `${showValue(props.name)} is longer than ${MAX_NAME_LENGTH} characters, so "<name>-headless" would not be a DNS-1123 label`);
    }
    checkInteger('storageGi', props.storageGi, 1);
    checkPinnedImage('image', image);
    checkInteger('port', port, 1, 65535);
    checkResources('resources', resources);
    const maxmemoryPolicy = props.maxmemoryPolicy ?? 'noeviction';
    if (!(REDIS_MAXMEMORY_POLICIES as readonly string[]).includes(maxmemoryPolicy)) {
      throw new ValidationError('maxmemoryPolicy', notOneOf(maxmemoryPolicy, REDIS_MAXMEMORY_POLICIES));
    }
    const maxmemoryMebibytes = Math.floor(memoryMebibytes('resources.limits.memory', resources.limits.memory) * MAXMEMORY_SHARE);
    if (props.storageClass !== undefined) checkDnsLabel('storageClass', props.storageClass);

    this.name = props.name;
    this.serviceName = props.name;
    this.headlessServiceName = `${props.name}-headless`;
    this.secretName = connectionSecretName(props);
    this.port = port;
    this.selector = selectorLabels(props.name);
    const labels = componentLabels(props.name, props.component ?? 'cache', props.partOf);
    const password = { secretKeyRef: { name: this.secretName, key: 'password' } };
    // `redis-cli` reads REDISCLI_AUTH, so the probes never put the password on a command line.
    const ping = (accept: string): kplus.k8s.Probe => ({
      exec: { command: ['sh', '-c', `redis-cli -p ${port} ping | grep -Eq '${accept}'`] },
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 3,
    });
    const servicePorts = [{ name: 'redis', port, targetPort: kplus.k8s.IntOrString.fromString('redis'), protocol: 'TCP' }];

    new kplus.k8s.KubeService(this, 'HeadlessService', {
      metadata: { name: this.headlessServiceName, labels },
      spec: { clusterIp: 'None', selector: this.selector, ports: servicePorts, publishNotReadyAddresses: true },
    });
    new kplus.k8s.KubeService(this, 'Service', {
      metadata: { name: this.serviceName, labels },
      spec: { type: 'ClusterIP', selector: this.selector, ports: servicePorts },
    });

    this.statefulSet = new kplus.k8s.KubeStatefulSet(this, 'StatefulSet', {
      metadata: { name: props.name, labels },
      spec: {
        serviceName: this.headlessServiceName,
        replicas: 1,
        selector: { matchLabels: this.selector },
        podManagementPolicy: 'OrderedReady',
        updateStrategy: { type: 'RollingUpdate' },
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        volumeClaimTemplates: [
          {
            metadata: { name: VOLUME, labels },
            spec: {
              accessModes: ['ReadWriteOnce'],
              storageClassName: props.storageClass,
              resources: { requests: { storage: kplus.k8s.Quantity.fromString(`${props.storageGi}Gi`) } },
            },
          },
        ],
        template: {
          metadata: { labels: { ...labels, ...OUT_OF_MESH_LABELS } },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext(REDIS_IDENTITY),
            // Time to finish the AOF fsync on SIGTERM.
            terminationGracePeriodSeconds: 30,
            // Readable by the Redis user's group (fsGroup) only.
            volumes: [{ name: AUTH_VOLUME, secret: { secretName: this.secretName, items: [{ key: REDIS_AUTH_CONFIG_KEY, path: REDIS_AUTH_CONFIG_KEY }], defaultMode: 0o440 } }],
            containers: [
              {
                name: 'redis',
                image,
                imagePullPolicy: 'IfNotPresent',
                args: [
                  // The config file first: its `requirepass`, then the options below.
                  'redis-server', `${AUTH_CONFIG_PATH}/${REDIS_AUTH_CONFIG_KEY}`,
                  '--port', String(port),
                  '--dir', DATA_PATH,
                  '--appendonly', 'yes',
                  '--appendfsync', 'everysec',
                  // Redis' `mb` is a mebibyte.
                  '--maxmemory', `${maxmemoryMebibytes}mb`,
                  '--maxmemory-policy', maxmemoryPolicy,
                ],
                // redis-cli (the probes) reads no password file: REDISCLI_AUTH is its only way besides `-a`.
                env: [{ name: 'REDISCLI_AUTH', valueFrom: password }],
                ports: [{ name: 'redis', containerPort: port, protocol: 'TCP' }],
                volumeMounts: [{ name: VOLUME, mountPath: DATA_PATH }, { name: AUTH_VOLUME, mountPath: AUTH_CONFIG_PATH, readOnly: true }],
                // Loading a large append-only file takes a while: up to 5 minutes before liveness counts.
                startupProbe: { ...ping('PONG|LOADING'), failureThreshold: 30 },
                livenessProbe: ping('PONG|LOADING'),
                readinessProbe: ping('PONG'),
                resources: kubeResources(resources),
                securityContext: restrictedContainerSecurityContext(REDIS_IDENTITY),
              },
            ],
          },
        },
      },
    });
  }
}
