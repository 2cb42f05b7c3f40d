import { Microservice, MicroserviceProps } from '../../constructs/microservice';
import { ValidationError } from '../../phases';
import { emitted, only } from '../support/synth';

const base: MicroserviceProps = { name: 'user-service', image: 'career-copilot/user-service:1.0.0', component: 'context-service', partOf: 'career-copilot' };
const build = (props: Partial<MicroserviceProps> = {}) => emitted((scope) => new Microservice(scope, 'user-service', { ...base, ...props }));

const sidecar = {
  name: 'exporter',
  image: 'example/exporter:1.2.3',
  port: { name: 'metrics', number: 9100 },
  resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '50m', memory: '32Mi' } },
};

describe('Microservice', () => {
  test('emits a Deployment, Service, ServiceAccount, ConfigMap and PodDisruptionBudget named after the service', () => {
    const objects = build();
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ConfigMap/user-service-config',
      'Deployment/user-service',
      'PodDisruptionBudget/user-service',
      'Service/user-service',
      'ServiceAccount/user-service',
    ]);
  });

  test('selects pods by the stable name label only, in the Deployment, the Service and the PDB', () => {
    const objects = build();
    const selector = { 'app.kubernetes.io/name': 'user-service' };
    expect(only(objects, 'Deployment').spec.selector).toEqual({ matchLabels: selector });
    expect(only(objects, 'Service').spec.selector).toEqual(selector);
    expect(only(objects, 'PodDisruptionBudget').spec.selector).toEqual({ matchLabels: selector });
    expect(only(objects, 'Deployment').spec.template.metadata.labels).toMatchObject(selector);
  });

  test('runs restricted: non-root, read-only root, no escalation, no capabilities, RuntimeDefault seccomp, no token', () => {
    const pod = only(build(), 'Deployment').spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    // Pod-wide too, so that a container added by admission (the mesh's sidecar) runs under it.
    expect(pod.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    expect(pod.containers[0].securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsGroup: 10001,
      runAsNonRoot: true,
      runAsUser: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.volumes).toEqual([{ name: 'writable-tmp', emptyDir: { sizeLimit: '64Mi' } }]);
  });

  test('probes /health for startup and liveness and /ready for readiness, on the container port', () => {
    const container = only(build({ containerPort: 9000 }), 'Deployment').spec.template.spec.containers[0];
    expect(container.startupProbe.httpGet).toMatchObject({ path: '/health', port: 9000 });
    expect(container.livenessProbe.httpGet).toMatchObject({ path: '/health', port: 9000 });
    expect(container.readinessProbe.httpGet).toMatchObject({ path: '/ready', port: 9000 });
  });

  test('sets requests and limits, and rolls one pod at a time without losing capacity', () => {
    const deployment = only(build(), 'Deployment');
    expect(deployment.spec.template.spec.containers[0].resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
    expect(deployment.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    expect(deployment.spec.replicas).toBe(2);
  });

  test('reads config from its ConfigMap and credentials from Secret references, never inline', () => {
    const objects = build({ config: { LOG_LEVEL: 'info' }, secretEnv: [{ env: 'USER_DB_URL', secretName: 'user-db-app', key: 'uri' }] });
    const container = only(objects, 'Deployment').spec.template.spec.containers[0];
    expect(only(objects, 'ConfigMap').data).toEqual({ LOG_LEVEL: 'info' });
    expect(container.envFrom).toEqual([{ configMapRef: { name: 'user-service-config' } }]);
    expect(container.env).toEqual([{ name: 'USER_DB_URL', valueFrom: { secretKeyRef: { name: 'user-db-app', key: 'uri' } } }]);
    expect(objects.some((o) => o.kind === 'Secret')).toBe(false);
  });

  test('rolls its pods when its configuration changes', () => {
    const checksum = (config: Record<string, string>) => only(build({ config }), 'Deployment').spec.template.metadata.annotations['checksum/config'];
    expect(checksum({ A: '1' })).toBe(checksum({ A: '1' }));
    expect(checksum({ A: '1' })).not.toBe(checksum({ A: '2' }));
  });

  test('with autoscaling, leaves replicas to a CPU autoscaler whose floor is the replicas at rest', () => {
    const objects = build({ replicas: 3, autoscaling: { maxReplicas: 9, targetCpuUtilizationPercent: 60 } });
    expect(only(objects, 'Deployment').spec.replicas).toBeUndefined();
    const hpa = only(objects, 'HorizontalPodAutoscaler');
    expect(hpa.spec).toMatchObject({ minReplicas: 3, maxReplicas: 9, scaleTargetRef: { kind: 'Deployment', name: 'user-service' } });
    expect(hpa.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }]);
  });

  test("publishes a sidecar's port with its appProtocol, so that Istio knows it is HTTP whatever its name", () => {
    const service = only(build({ sidecars: [sidecar] }), 'Service');
    expect(service.spec.ports).toEqual([
      { name: 'http', port: 80, targetPort: 8000, protocol: 'TCP' },
      { name: 'metrics', port: 9100, targetPort: 9100, protocol: 'TCP', appProtocol: 'http' },
    ]);
  });

  test.each([{ replicas: 3, autoscaling: { maxReplicas: 9 } }, { replicas: 3 }])('as the template of a Rollout (%j), no autoscaler and no replicas: Argo Rollouts owns them', (props) => {
    const objects = build({ ...props, templateOfRollout: true });
    expect(objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')).toEqual([]);
    // A `replicas` in the applied manifest would conflict with the controller that scales the Deployment to 0.
    expect(only(objects, 'Deployment').spec).not.toHaveProperty('replicas');
  });

  test.each<[string, Partial<MicroserviceProps>, string]>([
    ['a name that is not a DNS-1123 label', { name: 'User_Service' }, 'name: "User_Service" is not a DNS-1123 label'],
    ['an image tagged latest', { image: 'career-copilot/user-service:latest' }, 'image: "career-copilot/user-service:latest" is not pinned'],
    ['an untagged image', { image: 'career-copilot/user-service' }, 'image: "career-copilot/user-service" is not pinned'],
    ['a port out of range', { containerPort: 70000 }, 'containerPort: 70000 is not an integer from 1 to 65535'],
    ['zero replicas', { replicas: 0 }, 'replicas: 0 is not an integer of at least 1'],
    ['an autoscaler below the replicas', { replicas: 3, autoscaling: { maxReplicas: 2 } }, 'autoscaling.maxReplicas: 2 is not an integer of at least 3'],
    ['a limit below the request', { resources: { requests: { cpu: '1', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } } }, 'resources.limits.cpu: 500m is below the request 1'],
    ['a bad memory quantity', { resources: { requests: { cpu: '1', memory: '128MB' }, limits: { cpu: '1', memory: '256Mi' } } }, 'resources.requests.memory: "128MB" is not a memory quantity'],
    ['a bad env name', { config: { 'log-level': 'info' } }, 'config.log-level: "log-level" is not an environment variable name'],
    ['a secret env also in config', { config: { DB_URL: 'x' }, secretEnv: [{ env: 'DB_URL', secretName: 'db', key: 'uri' }] }, 'secretEnv[0].env: DB_URL is also set in config'],
    ['a sidecar named app', { sidecars: [{ ...sidecar, name: 'app' }] }, 'sidecars[0].name: "app" is the service\'s own container'],
    ['an unpinned sidecar', { sidecars: [{ ...sidecar, image: 'exporter:latest' }] }, 'sidecars[0].image: "exporter:latest" is not pinned'],
    ['a sidecar on the app\'s port', { sidecars: [{ ...sidecar, port: { name: 'metrics', number: 8000 } }] }, "sidecars[0].port.number: 8000 is the app's containerPort"],
    ['two ports of one name', { sidecars: [{ ...sidecar, port: { name: 'http', number: 9000 } }] }, 'sidecars[0].port.name: "http" is taken'],
    ['a sidecar mounting files the service lacks', { sidecars: [{ ...sidecar, filesMountPath: '/etc/x' }] }, 'sidecars[0].filesMountPath: is set, but the service has no files'],
    ['a drain of zero seconds', { preStopSleepSeconds: 0 }, 'preStopSleepSeconds: 0 is not an integer from 1 to 120'],
    ['a grace period within the drain', { preStopSleepSeconds: 20, terminationGracePeriodSeconds: 20 }, 'terminationGracePeriodSeconds: 20 is not an integer from 21 to 600'],
  ])('refuses %s', (_what, props, message) => {
    expect(() => build(props)).toThrow(ValidationError);
    expect(() => build(props)).toThrow(message);
  });
});


describe('Microservice sidecars and drain', () => {
  test('a sidecar runs restricted beside the app, its port probed and published on the Service', () => {
    const objects = build({ sidecars: [sidecar], files: { mountPath: '/etc/app', contents: { 'a.conf': 'x' } } });
    const [app, exporter] = only(objects, 'Deployment').spec.template.spec.containers;
    expect(app.name).toBe('app');
    expect(exporter).toMatchObject({
      name: 'exporter',
      image: 'example/exporter:1.2.3',
      ports: [{ containerPort: 9100, name: 'metrics' }],
      livenessProbe: { tcpSocket: { port: 9100 } },
      readinessProbe: { tcpSocket: { port: 9100 } },
      resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '50m', memory: '32Mi' } },
      securityContext: { runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
    });
    expect(exporter.volumeMounts).toBeUndefined();
    expect(only(objects, 'Service').spec.ports.map((p: { name: string }) => p.name)).toEqual(['http', 'metrics']);
    const withFiles = build({ sidecars: [{ ...sidecar, filesMountPath: '/etc/exporter' }], files: { mountPath: '/etc/app', contents: { 'a.conf': 'x' } } });
    expect(only(withFiles, 'Deployment').spec.template.spec.containers[1].volumeMounts).toEqual([{ name: 'files', mountPath: '/etc/exporter', readOnly: true }]);
  });

  test('a drain keeps the app serving for the given seconds after termination starts', () => {
    expect(only(build({ preStopSleepSeconds: 15 }), 'Deployment').spec.template.spec.containers[0].lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '15'] } } });
    expect(only(build(), 'Deployment').spec.template.spec.containers[0].lifecycle).toBeUndefined();
    expect(only(build({ preStopSleepSeconds: 15, terminationGracePeriodSeconds: 40 }), 'Deployment').spec.template.spec.terminationGracePeriodSeconds).toBe(40);
  });
});

describe('Microservice mounts', () => {
  test('mounts ConfigMaps and Secrets made elsewhere read-only, by name', () => {
    const objects = build({ configMapMounts: [{ name: 'feature-flags', mountPath: '/etc/flags' }], secretMounts: [{ name: 'user-service', mountPath: '/etc/kafka/user' }] });
    const pod = only(objects, 'Deployment').spec.template.spec;
    expect(pod.volumes).toEqual(expect.arrayContaining([
      { name: 'feature-flags', configMap: { name: 'feature-flags' } },
      { name: 'user-service', secret: { secretName: 'user-service' } },
    ]));
    expect(pod.containers[0].volumeMounts).toEqual(expect.arrayContaining([
      { name: 'feature-flags', mountPath: '/etc/flags', readOnly: true },
      { name: 'user-service', mountPath: '/etc/kafka/user', readOnly: true },
    ]));
    expect(objects.filter((o) => o.kind === 'ConfigMap' || o.kind === 'Secret').map((o) => o.metadata.name)).toEqual(['user-service-config']);
  });

  test('refuses a mount that is not an absolute path', () => {
    expect(() => build({ secretMounts: [{ name: 'ca', mountPath: 'etc/ca' }] })).toThrow('secretMounts[0].mountPath: "etc/ca" is not an absolute path');
  });
});
