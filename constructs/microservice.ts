import { createHash } from 'crypto';
import { ApiObject, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ResourceRequirements } from '../phases/model/workload';
import { notOneOf, ValidationError } from '../core/validation-error';
import { componentLabels, selectorLabels } from './labels';
import { checkDnsLabel, checkEnvName, checkInteger, checkPinnedImage } from './prop-checks';
import { cpuMillis, memoryMebibytes, parseCpu, parseMemory } from './quantities';

/** An environment variable read from a key of a Secret that something else provisions. */
export interface SecretEnvRef {
  /** Environment variable name, e.g. `USER_DB_URL`. */
  readonly env: string;
  readonly secretName: string;
  readonly key: string;
}

/**
 * An environment variable composed from others by Kubernetes' `$(NAME)` expansion, such as a connection URL built
 * from a Secret's username and password: the manifest holds only the references, the kubelet the values.
 */
export interface ComposedEnvVar {
  readonly env: string;
  /** The value, whose every `$(NAME)` names a variable of `config` or `secretEnv`. Never a secret itself. */
  readonly value: string;
}

/** Horizontal autoscaling of a microservice. */
export interface MicroserviceAutoscaling {
  readonly maxReplicas: number;
  /** @default 70 */
  readonly targetCpuUtilizationPercent?: number;
}

/** Props of `Microservice`. */
export interface MicroserviceProps {
  /** Name of the Deployment, Service, ServiceAccount and ConfigMap; selector labels derive from it. */
  readonly name: string;
  /** Pinned image, `repository:version` or `repository@sha256:digest`. */
  readonly image: string;
  /** The `app.kubernetes.io/component` label. */
  readonly component: string;
  /** The `app.kubernetes.io/part-of` label. */
  readonly partOf: string;
  /** Container port serving HTTP, /health and /ready. @default 8000 */
  readonly containerPort?: number;
  /** Port of the ClusterIP Service. @default 80 */
  readonly servicePort?: number;
  /** Replicas at rest; with autoscaling, the autoscaler's floor. @default 2 */
  readonly replicas?: number;
  /** @default requests 100m CPU / 128Mi, limits 500m CPU / 256Mi */
  readonly resources?: ResourceRequirements;
  /** @default - no autoscaler; the Deployment keeps `replicas` */
  readonly autoscaling?: MicroserviceAutoscaling;
  /**
   * The Deployment is the pod template of an Argo Rollout (`workloadRef`): the Rollout runs the pods, scales the
   * Deployment to 0 and has its own autoscaler, so the Deployment gets none (two would fight over one workload).
   * @default false
   */
  readonly templateOfRollout?: boolean;
  /** Non-secret configuration, delivered through the component's ConfigMap as environment variables. @default {} */
  readonly config?: Record<string, string>;
  /** Credentials, as references to Secret keys; never inline values. @default [] */
  readonly secretEnv?: readonly SecretEnvRef[];
  /** Variables composed from `config` and `secretEnv`, set after them (expansion reads only earlier ones). @default [] */
  readonly composedEnv?: readonly ComposedEnvVar[];
  /** Liveness and startup probe path. @default '/health' */
  readonly healthPath?: string;
  /** Readiness probe path. @default '/ready' */
  readonly readyPath?: string;
  /** Writable directories (emptyDir) under the read-only root filesystem. @default ['/tmp'] */
  readonly writablePaths?: readonly string[];
  /**
   * Writable directories held in memory (a tmpfs emptyDir, counted against the container's memory), for what must
   * never reach a node's disk: the gateway's cache of verified tokens. @default []
   */
  readonly memoryPaths?: readonly string[];
  /** Mount the service-account token; only workloads that call the Kubernetes API need it. @default false */
  readonly mountServiceAccountToken?: boolean;
  /** Extra pod labels (e.g. Istio's `version`). Never used in selectors. @default {} */
  readonly podLabels?: Record<string, string>;
  /** Configuration files, mounted read-only from a ConfigMap `<name>-files`. @default - none */
  readonly files?: MicroserviceFiles;
  /**
   * ConfigMaps made elsewhere, mounted read-only; their changes reach running pods without a restart (feature
   * flags). @default []
   */
  readonly configMapMounts?: readonly NamedMount[];
  /** Secrets made elsewhere (client certificates), mounted read-only. @default [] */
  readonly secretMounts?: readonly NamedMount[];
  /** Containers beside the app in every pod, such as a metrics exporter. @default [] */
  readonly sidecars?: readonly MicroserviceSidecar[];
  /**
   * Seconds the app keeps serving after its pod starts terminating, before it is signalled: meanwhile the
   * endpoints controller takes the pod out of its Services and proxies stop sending it new requests, so a rolling
   * update drops none. The image needs a `sleep` program. @default - signalled at once
   */
  readonly preStopSleepSeconds?: number;
  /** Seconds from the start of termination (preStop included) until the pod is killed. @default 30 (Kubernetes') */
  readonly terminationGracePeriodSeconds?: number;
}

/** A container beside the app, restricted like it. */
export interface MicroserviceSidecar {
  /** Container name. */
  readonly name: string;
  /** Pinned image, `repository:version` or `repository@sha256:digest`. */
  readonly image: string;
  /** @default - the image's own */
  readonly args?: readonly string[];
  /**
   * A port it serves: probed, and published on the Service under the same name with `appProtocol` (Istio picks
   * the protocol from it, as the name does not follow its `http-...` convention). @default - none
   */
  readonly port?: { readonly name: string; readonly number: number; /** @default 'http' */ readonly appProtocol?: 'http' | 'tcp' };
  readonly resources: ResourceRequirements;
  /** Where the service's `files` also appear, read-only, in this container. @default - not mounted */
  readonly filesMountPath?: string;
}

/** An existing ConfigMap or Secret, by name, and where it appears. */
export interface NamedMount {
  readonly name: string;
  readonly mountPath: string;
}

/** Files a service reads from a directory, e.g. a proxy's configuration. */
export interface MicroserviceFiles {
  /** Directory the files appear in. */
  readonly mountPath: string;
  /** File name to contents. */
  readonly contents: Record<string, string>;
}

const DEFAULT_RESOURCES: ResourceRequirements = {
  requests: { cpu: '100m', memory: '128Mi' },
  limits: { cpu: '500m', memory: '256Mi' },
};

/**
 * A stateless HTTP service, secure by default: restricted pod security (non-root, read-only root filesystem, no
 * privilege escalation, all capabilities dropped, RuntimeDefault seccomp), no service-account token, requests and
 * limits, startup/liveness probes on /health and readiness on /ready, a rolling update that never drops below the
 * desired replicas, a PodDisruptionBudget and, optionally, a CPU autoscaler.
 */
export class Microservice extends Construct {
  public readonly name: string;
  /** Labels that select this service's pods; stable across phases. */
  public readonly selector: Record<string, string>;
  public readonly containerPort: number;
  public readonly servicePort: number;
  /** Replicas at rest (the autoscaler's floor, with autoscaling). */
  public readonly replicas: number;
  public readonly autoscaling?: MicroserviceAutoscaling;
  public readonly deployment: kplus.Deployment;
  public readonly service: kplus.Service;
  public readonly serviceAccount: kplus.ServiceAccount;
  public readonly configMap: kplus.ConfigMap;

  constructor(scope: Construct, id: string, props: MicroserviceProps) {
    super(scope, id);
    const containerPort = props.containerPort ?? 8000;
    const servicePort = props.servicePort ?? 80;
    const replicas = props.replicas ?? 2;
    const resources = props.resources ?? DEFAULT_RESOURCES;
    validate(props, { containerPort, servicePort, replicas, resources });

    this.name = props.name;
    this.selector = selectorLabels(props.name);
    this.containerPort = containerPort;
    this.servicePort = servicePort;
    this.replicas = replicas;
    this.autoscaling = props.autoscaling;
    const labels = componentLabels(props.name, props.component, props.partOf);
    const metadata = { name: props.name, labels };
    const config = sortedRecord(props.config ?? {});
    const files = props.files ? sortedRecord(props.files.contents) : undefined;

    this.serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata,
      automountToken: false,
    });
    this.configMap = new kplus.ConfigMap(this, 'ConfigMap', { metadata: { name: `${props.name}-config`, labels }, data: config });

    this.deployment = new kplus.Deployment(this, 'Deployment', {
      metadata,
      select: false,
      replicas: props.autoscaling ? undefined : replicas,
      serviceAccount: this.serviceAccount,
      automountServiceAccountToken: props.mountServiceAccountToken ?? false,
      // Surge one pod and never go below the desired count during a rollout.
      strategy: kplus.DeploymentStrategy.rollingUpdate({
        maxSurge: kplus.PercentOrAbsolute.absolute(1),
        maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
      }),
      podMetadata: {
        labels: { ...labels, ...(props.podLabels ?? {}) },
        // A config change rolls the pods, which read their environment only at start.
        annotations: { 'checksum/config': createHash('sha256').update(JSON.stringify(files ? { config, files } : config)).digest('hex') },
      },
      securityContext: { ensureNonRoot: true, user: 10001, group: 10001, fsGroup: 10001 },
      terminationGracePeriod: props.terminationGracePeriodSeconds ? Duration.seconds(props.terminationGracePeriodSeconds) : undefined,
      containers: [this.container(props, containerPort, resources)],
    });
    this.deployment.select(kplus.LabelSelector.of({ labels: this.selector }));
    // RuntimeDefault seccomp for the whole pod (cdk8s-plus sets it per container only), so that containers added
    // by admission (the mesh's sidecar) are covered too, as the restricted Pod Security Standard expects.
    ApiObject.of(this.deployment).addJsonPatch(JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }));
    for (const path of props.writablePaths ?? ['/tmp']) {
      const volume = kplus.Volume.fromEmptyDir(this, `Writable${path}`, volumeName(path), { sizeLimit: parseMemory('writablePaths', '64Mi') });
      this.deployment.containers[0].mount(path, volume);
    }
    for (const path of props.memoryPaths ?? []) {
      const volume = kplus.Volume.fromEmptyDir(this, `Memory${path}`, volumeName(path), { medium: kplus.EmptyDirMedium.MEMORY, sizeLimit: parseMemory('memoryPaths', '16Mi') });
      this.deployment.containers[0].mount(path, volume);
    }
    let filesVolume: kplus.Volume | undefined;
    if (props.files && files) {
      const filesMap = new kplus.ConfigMap(this, 'Files', { metadata: { name: `${props.name}-files`, labels }, data: files });
      filesVolume = kplus.Volume.fromConfigMap(this, 'FilesVolume', filesMap, { name: 'files' });
      this.deployment.containers[0].mount(props.files.mountPath, filesVolume, { readOnly: true });
    }
    for (const sidecar of props.sidecars ?? []) {
      const container = this.deployment.addContainer(this.sidecar(sidecar));
      if (sidecar.filesMountPath && filesVolume) container.mount(sidecar.filesMountPath, filesVolume, { readOnly: true });
    }
    for (const mount of props.configMapMounts ?? []) {
      const configMap = kplus.ConfigMap.fromConfigMapName(this, `ConfigMap-${mount.name}`, mount.name);
      this.deployment.containers[0].mount(mount.mountPath, kplus.Volume.fromConfigMap(this, `Mount-${mount.name}`, configMap, { name: mount.name }), { readOnly: true });
    }
    for (const mount of props.secretMounts ?? []) {
      const secret = kplus.Secret.fromSecretName(this, `SecretMount-${mount.name}`, mount.name);
      this.deployment.containers[0].mount(mount.mountPath, kplus.Volume.fromSecret(this, `Mount-${mount.name}`, secret, { name: mount.name }), { readOnly: true });
    }
    this.deployment.containers[0].env.copyFrom(kplus.Env.fromConfigMap(this.configMap));
    for (const ref of props.secretEnv ?? []) {
      const secret = kplus.Secret.fromSecretName(this, `Secret-${ref.env}`, ref.secretName);
      this.deployment.containers[0].env.addVariable(ref.env, kplus.EnvValue.fromSecretValue({ secret, key: ref.key }));
    }
    for (const composed of props.composedEnv ?? []) this.deployment.containers[0].env.addVariable(composed.env, kplus.EnvValue.fromValue(composed.value));

    this.service = new kplus.Service(this, 'Service', {
      metadata,
      type: kplus.ServiceType.CLUSTER_IP,
      ports: [
        { name: 'http', port: servicePort, targetPort: containerPort, protocol: kplus.Protocol.TCP },
        ...(props.sidecars ?? []).flatMap((s) => (s.port ? [{ name: s.port.name, port: s.port.number, targetPort: s.port.number, protocol: kplus.Protocol.TCP }] : [])),
      ],
    });
    for (const [key, value] of Object.entries(this.selector)) this.service.selectLabel(key, value);
    // cdk8s-plus has no field for a port's appProtocol; the sidecars' ports follow the app's `http` port.
    (props.sidecars ?? []).filter((sidecar) => sidecar.port).forEach((sidecar, i) => {
      ApiObject.of(this.service).addJsonPatch(JsonPatch.add(`/spec/ports/${i + 1}/appProtocol`, sidecar.port!.appProtocol ?? 'http'));
    });

    new kplus.k8s.KubePodDisruptionBudget(this, 'PodDisruptionBudget', {
      metadata,
      spec: { maxUnavailable: kplus.k8s.IntOrString.fromNumber(1), selector: { matchLabels: this.selector } },
    });

    // Under a Rollout, Argo Rollouts owns the Deployment's replicas (it scales them to 0): never set them here,
    // or the next apply would conflict with it.
    if (props.templateOfRollout) this.deployment.markHasAutoscaler();
    if (props.autoscaling && !props.templateOfRollout) {
      new kplus.HorizontalPodAutoscaler(this, 'Autoscaler', {
        metadata,
        target: this.deployment,
        minReplicas: replicas,
        maxReplicas: props.autoscaling.maxReplicas,
        metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(props.autoscaling.targetCpuUtilizationPercent ?? 70))],
      });
    }
  }

  private container(props: MicroserviceProps, port: number, resources: ResourceRequirements): kplus.ContainerProps {
    const http = (path: string, failureThreshold: number) =>
      kplus.Probe.fromHttpGet(path, { port, periodSeconds: Duration.seconds(10), timeoutSeconds: Duration.seconds(2), failureThreshold });
    return {
      name: 'app',
      image: props.image,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      ports: [{ name: 'http', number: port }],
      // Up to 5 minutes to start, then restarted after 30 s without /health.
      startup: http(props.healthPath ?? '/health', 30),
      liveness: http(props.healthPath ?? '/health', 3),
      readiness: http(props.readyPath ?? '/ready', 3),
      ...(props.preStopSleepSeconds ? { lifecycle: { preStop: kplus.Handler.fromCommand(['sleep', String(props.preStopSleepSeconds)]) } } : {}),
      resources: containerResources('resources', resources),
      securityContext: RESTRICTED_CONTAINER,
    };
  }

  private sidecar(sidecar: MicroserviceSidecar): kplus.ContainerProps {
    const at = `sidecars.${sidecar.name}`;
    const tcp = (failureThreshold: number) =>
      kplus.Probe.fromTcpSocket({ port: sidecar.port!.number, periodSeconds: Duration.seconds(10), timeoutSeconds: Duration.seconds(2), failureThreshold });
    return {
      name: sidecar.name,
      image: sidecar.image,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      args: sidecar.args ? [...sidecar.args] : undefined,
      ...(sidecar.port ? { ports: [{ name: sidecar.port.name, number: sidecar.port.number }], liveness: tcp(3), readiness: tcp(3) } : {}),
      resources: containerResources(`${at}.resources`, sidecar.resources),
      securityContext: RESTRICTED_CONTAINER,
    };
  }
}

/** Every container runs restricted: non-root, read-only root filesystem, no privilege, no capability. */
const RESTRICTED_CONTAINER: kplus.ContainerSecurityContextProps = {
  ensureNonRoot: true,
  user: 10001,
  group: 10001,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  privileged: false,
  capabilities: { drop: [kplus.Capability.ALL] },
  seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
};

function containerResources(field: string, resources: ResourceRequirements): kplus.ContainerResources {
  return {
    cpu: { request: parseCpu(`${field}.requests.cpu`, resources.requests.cpu), limit: parseCpu(`${field}.limits.cpu`, resources.limits.cpu) },
    memory: {
      request: parseMemory(`${field}.requests.memory`, resources.requests.memory),
      limit: parseMemory(`${field}.limits.memory`, resources.limits.memory),
    },
  };
}

function validate(
  props: MicroserviceProps,
  resolved: { containerPort: number; servicePort: number; replicas: number; resources: ResourceRequirements },
): void {
  checkDnsLabel('name', props.name);
  checkPinnedImage('image', props.image);
  checkInteger('containerPort', resolved.containerPort, 1, 65535);
  checkInteger('servicePort', resolved.servicePort, 1, 65535);
  checkInteger('replicas', resolved.replicas, 1);
  if (props.autoscaling) {
    checkInteger('autoscaling.maxReplicas', props.autoscaling.maxReplicas, resolved.replicas);
    checkInteger('autoscaling.targetCpuUtilizationPercent', props.autoscaling.targetCpuUtilizationPercent ?? 70, 1, 100);
  }
  const { requests, limits } = resolved.resources;
  if (cpuMillis('resources.limits.cpu', limits.cpu) < cpuMillis('resources.requests.cpu', requests.cpu)) {
    throw new ValidationError('resources.limits.cpu', `${limits.cpu} is below the request ${requests.cpu}`);
  }
  if (memoryMebibytes('resources.limits.memory', limits.memory) < memoryMebibytes('resources.requests.memory', requests.memory)) {
    throw new ValidationError('resources.limits.memory', `${limits.memory} is below the request ${requests.memory}`);
  }
  Object.keys(props.config ?? {}).forEach((name) => checkEnvName(`config.${name}`, name));
  (props.secretEnv ?? []).forEach((ref, i) => {
    checkEnvName(`secretEnv[${i}].env`, ref.env);
    checkDnsLabel(`secretEnv[${i}].secretName`, ref.secretName);
    if (props.config && ref.env in props.config) {
      throw new ValidationError(`secretEnv[${i}].env`, `${ref.env} is also set in config; a variable comes from one place`);
    }
  });
  const defined = [...Object.keys(props.config ?? {}), ...(props.secretEnv ?? []).map((ref) => ref.env)];
  (props.composedEnv ?? []).forEach((composed, i) => {
    checkEnvName(`composedEnv[${i}].env`, composed.env);
    if (defined.includes(composed.env)) throw new ValidationError(`composedEnv[${i}].env`, `${composed.env} is also set in config or secretEnv; a variable comes from one place`);
    // An unknown $(NAME) is left as it is by the kubelet: the service would get the literal text.
    for (const [, name] of composed.value.matchAll(/\$\(([^)]*)\)/g)) {
      if (!defined.includes(name)) throw new ValidationError(`composedEnv[${i}].value`, `$(${name}) ${notOneOf(name, defined).replace(/^"[^"]*" /, '')}: it must name a variable of config or secretEnv`);
    }
  });
  if (props.files && !/^\/[a-z0-9/_.-]*$/.test(props.files.mountPath)) {
    throw new ValidationError('files.mountPath', `${JSON.stringify(props.files.mountPath)} is not an absolute path`);
  }
  for (const field of ['configMapMounts', 'secretMounts'] as const) {
    (props[field] ?? []).forEach((mount, i) => {
      checkDnsLabel(`${field}[${i}].name`, mount.name);
      if (!/^\/[a-z0-9/_.-]*$/.test(mount.mountPath)) throw new ValidationError(`${field}[${i}].mountPath`, `${JSON.stringify(mount.mountPath)} is not an absolute path`);
    });
  }
  if (props.preStopSleepSeconds !== undefined) checkInteger('preStopSleepSeconds', props.preStopSleepSeconds, 1, 120);
  if (props.terminationGracePeriodSeconds !== undefined) {
    checkInteger('terminationGracePeriodSeconds', props.terminationGracePeriodSeconds, (props.preStopSleepSeconds ?? 0) + 1, 600);
  }
  const portNames = new Set(['http']);
  (props.sidecars ?? []).forEach((sidecar, i) => {
    const at = `sidecars[${i}]`;
    checkDnsLabel(`${at}.name`, sidecar.name);
    if (sidecar.name === 'app') throw new ValidationError(`${at}.name`, '"app" is the service\'s own container; give the sidecar another name');
    checkPinnedImage(`${at}.image`, sidecar.image);
    if (sidecar.port) {
      checkInteger(`${at}.port.number`, sidecar.port.number, 1, 65535);
      if (sidecar.port.number === resolved.containerPort) throw new ValidationError(`${at}.port.number`, `${sidecar.port.number} is the app's containerPort`);
      if (portNames.has(sidecar.port.name)) throw new ValidationError(`${at}.port.name`, `${JSON.stringify(sidecar.port.name)} is taken; port names must differ`);
      portNames.add(sidecar.port.name);
    }
    if (sidecar.filesMountPath !== undefined && !props.files) throw new ValidationError(`${at}.filesMountPath`, 'is set, but the service has no files to mount');
  });
  (props.writablePaths ?? []).forEach((path, i) => {
    if (!/^\/[a-z0-9/_.-]*$/.test(path)) throw new ValidationError(`writablePaths[${i}]`, `${JSON.stringify(path)} is not an absolute path`);
  });
  (props.memoryPaths ?? []).forEach((path, i) => {
    if (!/^\/[a-z0-9/_.-]*$/.test(path)) throw new ValidationError(`memoryPaths[${i}]`, `${JSON.stringify(path)} is not an absolute path`);
    if ((props.writablePaths ?? ['/tmp']).includes(path)) throw new ValidationError(`memoryPaths[${i}]`, `${JSON.stringify(path)} is also a writable path on disk`);
  });
}

function volumeName(path: string): string {
  return `writable${path.replace(/[^a-z0-9]+/g, '-')}`.replace(/-+$/, '');
}

function sortedRecord(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
