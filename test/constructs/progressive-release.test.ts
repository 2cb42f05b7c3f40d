import { CanaryStep, ProgressiveRelease, ProgressiveReleaseProps } from '../../constructs/progressive-release';
import { ValidationError } from '../../phases';
import { emitted, only } from '../support/synth';

const base: ProgressiveReleaseProps = { name: 'user-service', component: 'context-service', partOf: 'career-copilot', strategy: 'blue-green' };
const build = (props: Partial<ProgressiveReleaseProps> = {}) =>
  emitted((scope) => new ProgressiveRelease(scope, 'user-service-release', { ...base, ...props }));
const names = (objects: ReturnType<typeof build>) => objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();
const selector = { 'app.kubernetes.io/name': 'user-service' };

describe('ProgressiveRelease', () => {
  test('takes the pod template from the existing Deployment, and scales it down only once the Rollout is healthy', () => {
    const rollout = only(build(), 'Rollout', 'user-service');
    expect(rollout.apiVersion).toBe('argoproj.io/v1alpha1');
    expect(rollout.spec.workloadRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'user-service', scaleDown: 'onsuccess' });
    expect(rollout.spec.selector).toEqual({ matchLabels: selector });
    expect(rollout.spec.template).toBeUndefined();
    expect(rollout.spec.replicas).toBe(2);
  });

  describe('blue-green', () => {
    test('emits the Rollout, a preview Service, the smoke test and its ServiceAccount, and never the active Service', () => {
      expect(names(build())).toEqual([
        'AnalysisTemplate/user-service-smoke-test',
        'Rollout/user-service',
        'Service/user-service-preview',
        'ServiceAccount/user-service-smoke-test',
      ]);
    });

    test('serves users from the existing Service and waits for a person to promote after the smoke test', () => {
      const objects = build();
      expect(only(objects, 'Rollout').spec.strategy).toEqual({
        blueGreen: {
          activeService: 'user-service',
          previewService: 'user-service-preview',
          autoPromotionEnabled: false,
          scaleDownDelaySeconds: 300,
          prePromotionAnalysis: { templates: [{ templateName: 'user-service-smoke-test' }] },
        },
      });
      expect(only(objects, 'Service', 'user-service-preview').spec).toEqual({
        type: 'ClusterIP',
        selector,
        ports: [{ name: 'http', port: 80, targetPort: 8000, protocol: 'TCP' }],
      });
    });

    test('smoke-tests /health and /ready on the preview Service with a pinned curl, run restricted', () => {
      const template = only(build({ servicePort: 8080 }), 'AnalysisTemplate');
      const metric = template.spec.metrics[0];
      const pod = metric.provider.job.spec.template;
      const container = pod.spec.containers[0];
      expect(metric.provider.job.spec.backoffLimit).toBe(0);
      expect(container.image).toBe('curlimages/curl:8.11.1');
      expect(container.command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
      expect(container.command[2]).toContain("'http://user-service-preview:8080/health'");
      expect(container.command[2]).toContain("'http://user-service-preview:8080/ready'");
      expect(container.command[2]).toContain('--fail');
      expect(container.resources).toEqual({ requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '32Mi' } });
      expect(pod.spec.automountServiceAccountToken).toBe(false);
      expect(pod.spec.serviceAccountName).toBe('user-service-smoke-test');
      expect(pod.spec.restartPolicy).toBe('Never');
      expect(pod.spec.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } });
      expect(container.securityContext).toEqual({
        runAsNonRoot: true,
        runAsUser: 10001,
        runAsGroup: 10001,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        privileged: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      // Never selected by the service's Services or PodDisruptionBudget.
      expect(pod.metadata.labels['app.kubernetes.io/name']).toBe('user-service-smoke-test');
    });

    test('exposes the names other constructs need', () => {
      emitted((scope) => {
        const release = new ProgressiveRelease(scope, 'release', base);
        expect(release.rolloutName).toBe('user-service');
        expect(release.deploymentName).toBe('user-service');
        expect(release.activeServiceName).toBe('user-service');
        expect(release.previewServiceName).toBe('user-service-preview');
        expect(release.analysisTemplateName).toBe('user-service-smoke-test');
        expect(release.smokeTestServiceAccountName).toBe('user-service-smoke-test');
        expect(release.canaryRouting).toBeUndefined();
      });
    });
  });

  describe('canary', () => {
    const canary = (props: Partial<ProgressiveReleaseProps> = {}) => build({ strategy: 'canary', ...props });

    test('emits the Rollout and the stable and canary Services, both selecting the service pods', () => {
      const objects = canary();
      expect(names(objects)).toEqual(['Rollout/user-service', 'Service/user-service-canary', 'Service/user-service-stable']);
      expect(only(objects, 'Service', 'user-service-stable').spec.selector).toEqual(selector);
      expect(only(objects, 'Service', 'user-service-canary').spec.selector).toEqual(selector);
    });

    test('splits traffic through the service VirtualService and routes x-canary: true to the canary first', () => {
      const { canary: strategy } = only(canary(), 'Rollout').spec.strategy;
      expect(strategy.stableService).toBe('user-service-stable');
      expect(strategy.canaryService).toBe('user-service-canary');
      expect(strategy.trafficRouting).toEqual({
        istio: { virtualService: { name: 'user-service', routes: ['primary', 'primary-writes'] } },
        managedRoutes: [{ name: 'canary-header' }],
      });
      expect(strategy.steps).toEqual([
        { setWeight: 10 },
        { setHeaderRoute: { name: 'canary-header', match: [{ headerName: 'x-canary', headerValue: { exact: 'true' } }] } },
        { pause: {} },
        { setWeight: 25 },
        { pause: { duration: '300s' } },
        { setWeight: 50 },
        { pause: { duration: '300s' } },
        { setWeight: 100 },
      ]);
    });

    test('uses the given steps and route name', () => {
      const steps: CanaryStep[] = [{ weightPercent: 20, pauseSeconds: 60 }, { weightPercent: 60, pauseSeconds: 120 }];
      const { canary: strategy } = only(canary({ canarySteps: steps, virtualServiceRoute: 'http' }), 'Rollout').spec.strategy;
      expect(strategy.trafficRouting.istio.virtualService.routes).toEqual(['http', 'http-writes']);
      expect(strategy.steps.filter((s: object) => !('setHeaderRoute' in s))).toEqual([
        { setWeight: 20 },
        { pause: { duration: '60s' } },
        { setWeight: 60 },
        { pause: { duration: '120s' } },
      ]);
    });

    test('exposes what the mesh VirtualService must route to', () => {
      emitted((scope) => {
        const release = new ProgressiveRelease(scope, 'release', { ...base, strategy: 'canary' });
        expect(release.canaryRouting).toEqual({
          virtualService: 'user-service',
          routes: ['primary', 'primary-writes'],
          stableService: 'user-service-stable',
          canaryService: 'user-service-canary',
          headerRoute: 'canary-header',
        });
        expect(release.previewServiceName).toBeUndefined();
      });
    });
  });

  test('with autoscaling, leaves replicas to an autoscaler that targets the Rollout', () => {
    const objects = build({ replicas: 3, autoscaling: { maxReplicas: 9 } });
    expect(only(objects, 'Rollout').spec.replicas).toBeUndefined();
    expect(only(objects, 'HorizontalPodAutoscaler', 'user-service-rollout').spec).toEqual({
      scaleTargetRef: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'user-service' },
      minReplicas: 3,
      maxReplicas: 9,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
    });
  });

  test.each<[string, Partial<ProgressiveReleaseProps>, string]>([
    ['a name that is not a DNS-1123 label', { name: 'User_Service' }, 'name: "User_Service" is not a DNS-1123 label of at most 52 characters'],
    ['a name too long for its suffixes', { name: 'a'.repeat(53) }, `name: "${'a'.repeat(53)}" is not a DNS-1123 label of at most 52 characters`],
    ['the rolling strategy', { strategy: 'rolling' as never }, 'strategy: "rolling" is not one of blue-green, canary'],
    ['a port out of range', { containerPort: 0 }, 'containerPort: 0 is not an integer from 1 to 65535'],
    ['zero replicas', { replicas: 0 }, 'replicas: 0 is not an integer of at least 1'],
    ['an autoscaler below the replicas', { replicas: 3, autoscaling: { maxReplicas: 2 } }, 'autoscaling.maxReplicas: 2 is not an integer of at least 3'],
    ['a negative scale-down delay', { scaleDownDelaySeconds: -1 }, 'scaleDownDelaySeconds: -1 is not an integer of at least 0'],
    ['an unpinned smoke-test image', { smokeTestImage: 'curlimages/curl:latest' }, 'smokeTestImage: "curlimages/curl:latest" is not pinned'],
    ['no smoke-test paths', { smokeTestPaths: [] }, 'smokeTestPaths: is empty: the smoke test needs at least one path'],
    ['a relative smoke-test path', { smokeTestPaths: ['health'] }, 'smokeTestPaths[0]: "health" is not an absolute URL path'],
    ['canary steps for blue-green', { canarySteps: [{ weightPercent: 50 }] }, 'canarySteps: applies to strategy canary only, and strategy is "blue-green"'],
    ['a smoke test for a canary', { strategy: 'canary', smokeTestImage: 'curlimages/curl:8.11.1' }, 'smokeTestImage: applies to strategy blue-green only, and strategy is "canary"'],
    ['no canary steps', { strategy: 'canary', canarySteps: [] }, 'canarySteps: is empty: give at least one step'],
    ['a weight above 100', { strategy: 'canary', canarySteps: [{ weightPercent: 150 }] }, 'canarySteps[0].weightPercent: 150 is not an integer from 1 to 100'],
    ['weights that do not increase', { strategy: 'canary', canarySteps: [{ weightPercent: 50 }, { weightPercent: 50 }] }, "canarySteps[1].weightPercent: 50 is not above the previous step's 50"],
    ['a zero pause', { strategy: 'canary', canarySteps: [{ weightPercent: 10, pauseSeconds: 0 }] }, 'canarySteps[0].pauseSeconds: 0 is not an integer of at least 1'],
    ['a bad route name', { strategy: 'canary', virtualServiceRoute: 'Primary' }, 'virtualServiceRoute: "Primary" is not a DNS-1123 label'],
  ])('refuses %s', (_what, props, message) => {
    expect(() => build(props)).toThrow(ValidationError);
    expect(() => build(props)).toThrow(message);
  });
});
