import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  AnalysisTemplate,
  Rollout,
  RolloutSpecStrategy,
  RolloutSpecStrategyCanarySteps,
  RolloutSpecStrategyCanaryStepsPauseDuration,
} from '../imports/argoproj.io';
import { DNS_1123_LABEL_MAX_LENGTH, isDns1123Label } from '../phases/model/names';
import { notOneOf, showValue, ValidationError } from '../core/validation-error';
import { componentLabels, selectorLabels } from './labels';
import { MicroserviceAutoscaling } from './microservice';
import { checkInteger, checkPinnedImage } from './prop-checks';

/** The progressive strategies; a service that is not released progressively keeps its Deployment's rolling update. */
export const PROGRESSIVE_STRATEGIES = ['blue-green', 'canary'] as const;
export type ProgressiveStrategy = (typeof PROGRESSIVE_STRATEGIES)[number];

/** One canary step: send `weightPercent` of the traffic to the new version, then wait. */
export interface CanaryStep {
  /** Share of the traffic the canary receives, 1-100; steps must increase. */
  readonly weightPercent: number;
  /** How long to hold this weight before the next step. @default - wait for `kubectl argo rollouts promote` */
  readonly pauseSeconds?: number;
}

/**
 * 10% until someone promotes (look at the canary's latency and errors first), then 25% and 50% for 5 minutes
 * each, then 100%.
 */
export const DEFAULT_CANARY_STEPS: readonly CanaryStep[] = [
  { weightPercent: 10 },
  { weightPercent: 25, pauseSeconds: 300 },
  { weightPercent: 50, pauseSeconds: 300 },
  { weightPercent: 100 },
];

/** The header that sends a request to the canary whatever the weights (the seed's `x-canary: true` route). */
export const CANARY_HEADER = { name: 'x-canary', value: 'true' } as const;

/** Pinned curl image of the blue-green smoke test (runs as any non-root user, writes nothing). */
export const DEFAULT_SMOKE_TEST_IMAGE = 'curlimages/curl:8.11.1';

/** Where the Istio routing of a canary service must point, for the mesh's `VirtualService` to match. */
export interface CanaryRouting {
  /** The `VirtualService` Argo Rollouts edits: named after the service (the mesh's per-service route). */
  readonly virtualService: string;
  /**
   * Names of its HTTP routes (reads, then writes: they retry differently), each with exactly two destinations:
   * `stableService` and `canaryService`. Argo Rollouts sets the weights of both.
   */
  readonly routes: readonly [reads: string, writes: string];
  readonly stableService: string;
  readonly canaryService: string;
  /** The route Argo Rollouts adds in front of `routes` from the first weight on, matching `x-canary: true`. */
  readonly headerRoute: string;
}

/** Props of `ProgressiveRelease`. */
export interface ProgressiveReleaseProps {
  /** Name of the service's existing Deployment and Service (from `Microservice`); the Rollout gets the same name. */
  readonly name: string;
  /** The `app.kubernetes.io/component` label. */
  readonly component: string;
  /** The `app.kubernetes.io/part-of` label. */
  readonly partOf: string;
  readonly strategy: ProgressiveStrategy;
  /** The container's HTTP port, as in the Deployment. @default 8000 */
  readonly containerPort?: number;
  /** Port of the service's ClusterIP Services. @default 80 */
  readonly servicePort?: number;
  /** Replicas at rest; with autoscaling, the autoscaler's floor. @default 2 */
  readonly replicas?: number;
  /** Autoscaling of the Rollout, its only autoscaler (the Deployment it references gets none). @default - fixed `replicas` */
  readonly autoscaling?: MicroserviceAutoscaling;
  /** How long the previous version stays scaled up after a promotion, so switching back is instant. @default 300 */
  readonly scaleDownDelaySeconds?: number;
  /** Canary steps (canary only). @default DEFAULT_CANARY_STEPS */
  readonly canarySteps?: readonly CanaryStep[];
  /** Name of the HTTP route in the service's `VirtualService` that Argo Rollouts weights (canary only). @default 'primary' */
  readonly virtualServiceRoute?: string;
  /** Pinned image with `curl` and `sh` for the blue-green smoke test. @default DEFAULT_SMOKE_TEST_IMAGE */
  readonly smokeTestImage?: string;
  /** Paths the smoke test requires a 2xx from. @default ['/health', '/ready'] */
  readonly smokeTestPaths?: readonly string[];
}

const NAME_SUFFIXES = ['-preview', '-stable', '-canary', '-smoke-test', '-rollout'] as const;
const LONGEST_SUFFIX = Math.max(...NAME_SUFFIXES.map((s) => s.length));
const SMOKE_TEST_IDENTITY = { user: 10001, group: 10001 };
const PATH = /^\/[A-Za-z0-9/_.-]*$/;

/**
 * Blue-green or canary releases of a service that `Microservice` already runs, with Argo Rollouts.
 *
 * The Rollout references the existing Deployment through `workloadRef`, so the Deployment, its name, selector and
 * Service stay exactly as they were under a rolling update: switching strategy between phases replaces nothing.
 * A release is still a change to the Deployment's pod template; the Rollout copies it and runs its own ReplicaSets.
 *
 * `workloadRef.scaleDown` is `onsuccess`: the Deployment keeps all its pods until the Rollout's first ReplicaSet is
 * healthy (Argo switches a Service only to a fully available ReplicaSet), then Argo scales the Deployment to 0, so
 * no later pod template runs outside the release gate. `never` would leave the Deployment running every new
 * template at once, outside the gate (its pods get no Service traffic but do consume events); `progressively`
 * removes Deployment pods before the Rollout is proven. The Deployment manifest must not set `replicas` (Microservice
 * omits it when autoscaling), or the next `pulumi up` would scale it back up.
 *
 * - blue-green: `activeService` is the existing Service; the new version is reachable at `<name>-preview`, a smoke
 *   test Job (pre-promotion analysis) requires 2xx from /health and /ready there, and promotion is manual.
 * - canary: Istio host-level traffic splitting. The mesh's `VirtualService` `<name>` weights its route between the
 *   Services `<name>-stable` and `<name>-canary`, whose selectors Argo pins to a ReplicaSet only once it is fully
 *   available (subset-level routing re-labels the DestinationRule at once, which drops traffic while the first
 *   ReplicaSet starts). Requests with `x-canary: true` always reach the canary.
 *
 * Rollback: before a blue-green promotion or during a canary, `kubectl argo rollouts abort <name>` sends all traffic
 * back to the stable/active ReplicaSet at once. After a promotion, `kubectl argo rollouts undo <name>` (under
 * `workloadRef` it writes the previous pod template into the Deployment) goes back to the previous ReplicaSet, which
 * stays scaled up for `scaleDownDelaySeconds` so the switch is immediate. Either way, revert the image in the model
 * and run `pulumi up` next, or the following `up` releases the bad version again.
 */
export class ProgressiveRelease extends Construct {
  public readonly strategy: ProgressiveStrategy;
  public readonly rolloutName: string;
  /** The Deployment the Rollout takes its pod template from. */
  public readonly deploymentName: string;
  /** Blue-green: the Service that serves users (the existing one). */
  public readonly activeServiceName?: string;
  /** Blue-green: the Service of the version waiting for promotion. */
  public readonly previewServiceName?: string;
  /** Blue-green: the smoke test run before promotion. */
  public readonly analysisTemplateName?: string;
  /** Blue-green: the smoke test's identity; the mesh must let it call the service. */
  public readonly smokeTestServiceAccountName?: string;
  /** Canary: what the mesh's `VirtualService` for this service must contain. */
  public readonly canaryRouting?: CanaryRouting;
  /** The Rollout's autoscaler, when `autoscaling` is set. */
  public readonly autoscalerName?: string;

  constructor(scope: Construct, id: string, props: ProgressiveReleaseProps) {
    super(scope, id);
    const containerPort = props.containerPort ?? 8000;
    const servicePort = props.servicePort ?? 80;
    const replicas = props.replicas ?? 2;
    validate(props, { containerPort, servicePort, replicas });

    const { name } = props;
    const labels = componentLabels(name, props.component, props.partOf);
    const selector = selectorLabels(name);
    const sameServiceAs = (serviceName: string, constructId: string) =>
      new kplus.k8s.KubeService(this, constructId, {
        metadata: { name: serviceName, labels },
        spec: {
          type: 'ClusterIP',
          selector,
          ports: [{ name: 'http', port: servicePort, targetPort: kplus.k8s.IntOrString.fromNumber(containerPort), protocol: 'TCP' }],
        },
      });

    this.strategy = props.strategy;
    this.rolloutName = name;
    this.deploymentName = name;
    const scaleDownDelaySeconds = props.scaleDownDelaySeconds ?? 300;

    let strategy: RolloutSpecStrategy;
    if (props.strategy === 'blue-green') {
      const smokeTest = { template: `${name}-smoke-test`, serviceAccount: `${name}-smoke-test`, previewService: `${name}-preview` };
      this.activeServiceName = name;
      this.previewServiceName = smokeTest.previewService;
      this.analysisTemplateName = smokeTest.template;
      this.smokeTestServiceAccountName = smokeTest.serviceAccount;
      sameServiceAs(this.previewServiceName, 'PreviewService');
      this.smokeTest(props, servicePort, smokeTest);
      strategy = {
        blueGreen: {
          activeService: this.activeServiceName,
          previewService: this.previewServiceName,
          autoPromotionEnabled: false,
          scaleDownDelaySeconds,
          prePromotionAnalysis: { templates: [{ templateName: this.analysisTemplateName }] },
        },
      };
    } else {
      this.canaryRouting = {
        virtualService: name,
        routes: [props.virtualServiceRoute ?? 'primary', `${props.virtualServiceRoute ?? 'primary'}-writes`],
        stableService: `${name}-stable`,
        canaryService: `${name}-canary`,
        headerRoute: 'canary-header',
      };
      sameServiceAs(this.canaryRouting.stableService, 'StableService');
      sameServiceAs(this.canaryRouting.canaryService, 'CanaryService');
      strategy = {
        canary: {
          stableService: this.canaryRouting.stableService,
          canaryService: this.canaryRouting.canaryService,
          scaleDownDelaySeconds,
          trafficRouting: {
            istio: { virtualService: { name: this.canaryRouting.virtualService, routes: [...this.canaryRouting.routes] } },
            managedRoutes: [{ name: this.canaryRouting.headerRoute }],
          },
          steps: canarySteps(props.canarySteps ?? DEFAULT_CANARY_STEPS, this.canaryRouting.headerRoute),
        },
      };
    }

    new Rollout(this, 'Rollout', {
      metadata: { name, labels },
      spec: {
        // Left to the autoscaler when there is one, as Microservice does for its Deployment.
        replicas: props.autoscaling ? undefined : replicas,
        selector: { matchLabels: selector },
        workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: this.deploymentName, scaleDown: 'onsuccess' },
        strategy,
      },
    });

    if (props.autoscaling) {
      this.autoscalerName = `${name}-rollout`;
      new kplus.k8s.KubeHorizontalPodAutoscalerV2(this, 'Autoscaler', {
        metadata: { name: this.autoscalerName, labels },
        spec: {
          scaleTargetRef: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name },
          minReplicas: replicas,
          maxReplicas: props.autoscaling.maxReplicas,
          metrics: [{
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: props.autoscaling.targetCpuUtilizationPercent ?? 70 } },
          }],
        },
      });
    }
  }

  /** The pre-promotion smoke test: a Job that requires 2xx from each path on the preview Service. */
  private smokeTest(
    props: ProgressiveReleaseProps,
    servicePort: number,
    names: { template: string; serviceAccount: string; previewService: string },
  ): void {
    const previewUrl = `http://${names.previewService}${servicePort === 80 ? '' : `:${servicePort}`}`;
    const paths = props.smokeTestPaths ?? ['/health', '/ready'];
    const script = [
      'status=0',
      ...paths.map((path) => `curl --fail --silent --show-error --max-time 5 --retry 5 --retry-delay 2 --retry-all-errors --output /dev/null '${previewUrl}${path}' || status=1`),
      // An Istio sidecar would keep the pod, and so the Job, running; without one this call just fails.
      'curl --silent --max-time 2 --output /dev/null -X POST http://127.0.0.1:15020/quitquitquit || true',
      'exit $status',
    ].join('\n');

    new kplus.ServiceAccount(this, 'SmokeTestServiceAccount', {
      metadata: { name: names.serviceAccount, labels: componentLabels(names.serviceAccount, 'smoke-test', props.partOf) },
      automountToken: false,
    });
    // Its own name label: with the service's, the Services and the PodDisruptionBudget would select the test pod.
    const podLabels = componentLabels(names.template, 'smoke-test', props.partOf);
    new AnalysisTemplate(this, 'SmokeTest', {
      metadata: { name: names.template, labels: componentLabels(props.name, props.component, props.partOf) },
      spec: {
        metrics: [{
          name: 'smoke-test',
          provider: {
            job: {
              metadata: { labels: podLabels },
              spec: {
                backoffLimit: 0,
                activeDeadlineSeconds: 180,
                template: {
                  metadata: {
                    labels: podLabels,
                    // Start curl only once the sidecar (if injected) can carry mTLS traffic.
                    annotations: { 'proxy.istio.io/config': '{"holdApplicationUntilProxyStarts": true}' },
                  },
                  spec: {
                    restartPolicy: 'Never',
                    serviceAccountName: names.serviceAccount,
                    automountServiceAccountToken: false,
                    securityContext: {
                      runAsNonRoot: true,
                      runAsUser: SMOKE_TEST_IDENTITY.user,
                      runAsGroup: SMOKE_TEST_IDENTITY.group,
                      seccompProfile: { type: 'RuntimeDefault' },
                    },
                    containers: [{
                      name: 'smoke-test',
                      image: props.smokeTestImage ?? DEFAULT_SMOKE_TEST_IMAGE,
                      imagePullPolicy: 'IfNotPresent',
                      command: ['/bin/sh', '-c', script],
                      resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '32Mi' } },
                      securityContext: {
                        runAsNonRoot: true,
                        runAsUser: SMOKE_TEST_IDENTITY.user,
                        runAsGroup: SMOKE_TEST_IDENTITY.group,
                        readOnlyRootFilesystem: true,
                        allowPrivilegeEscalation: false,
                        privileged: false,
                        capabilities: { drop: ['ALL'] },
                        seccompProfile: { type: 'RuntimeDefault' },
                      },
                    }],
                  },
                },
              },
            },
          },
        }],
      },
    });
  }
}

function canarySteps(steps: readonly CanaryStep[], headerRoute: string): RolloutSpecStrategyCanarySteps[] {
  // After the first weight, when the canary's pods are available: Argo Rollouts removes its managed routes while
  // the new ReplicaSet has no available pod, so a header route set before them is gone at once and never comes back.
  const header: RolloutSpecStrategyCanarySteps = {
    setHeaderRoute: {
      name: headerRoute,
      match: [{ headerName: CANARY_HEADER.name, headerValue: { exact: CANARY_HEADER.value } }],
    },
  };
  return steps.flatMap((step, i): RolloutSpecStrategyCanarySteps[] => {
    const weight: RolloutSpecStrategyCanarySteps = { setWeight: step.weightPercent };
    const withHeader = i === 0 ? [weight, header] : [weight];
    // After the last step Argo promotes by itself: a pause there would only delay it.
    if (i === steps.length - 1 && step.pauseSeconds === undefined) return withHeader;
    const pause = step.pauseSeconds === undefined ? {} : { duration: RolloutSpecStrategyCanaryStepsPauseDuration.fromString(`${step.pauseSeconds}s`) };
    return [...withHeader, { pause }];
  });
}

function validate(props: ProgressiveReleaseProps, resolved: { containerPort: number; servicePort: number; replicas: number }): void {
  if (!isDns1123Label(props.name) || props.name.length > DNS_1123_LABEL_MAX_LENGTH - LONGEST_SUFFIX) {
    throw new ValidationError(
      'name',
      `${showValue(props.name)} is not a DNS-1123 label of at most ${DNS_1123_LABEL_MAX_LENGTH - LONGEST_SUFFIX} characters (room for the ${NAME_SUFFIXES.join(', ')} suffixes)`,
    );
  }
  if (!(PROGRESSIVE_STRATEGIES as readonly string[]).includes(props.strategy)) {
    throw new ValidationError('strategy', notOneOf(props.strategy, PROGRESSIVE_STRATEGIES));
  }
  checkInteger('containerPort', resolved.containerPort, 1, 65535);
  checkInteger('servicePort', resolved.servicePort, 1, 65535);
  checkInteger('replicas', resolved.replicas, 1);
  if (props.autoscaling) {
    checkInteger('autoscaling.maxReplicas', props.autoscaling.maxReplicas, resolved.replicas);
    checkInteger('autoscaling.targetCpuUtilizationPercent', props.autoscaling.targetCpuUtilizationPercent ?? 70, 1, 100);
  }
  checkInteger('scaleDownDelaySeconds', props.scaleDownDelaySeconds ?? 300, 0);

  const onlyFor = (field: keyof ProgressiveReleaseProps, strategy: ProgressiveStrategy) => {
    if (props[field] !== undefined && props.strategy !== strategy) {
      throw new ValidationError(field, `applies to strategy ${strategy} only, and strategy is ${showValue(props.strategy)}`);
    }
  };
  onlyFor('canarySteps', 'canary');
  onlyFor('virtualServiceRoute', 'canary');
  onlyFor('smokeTestImage', 'blue-green');
  onlyFor('smokeTestPaths', 'blue-green');

  if (props.virtualServiceRoute !== undefined && !isDns1123Label(props.virtualServiceRoute)) {
    throw new ValidationError('virtualServiceRoute', `${showValue(props.virtualServiceRoute)} is not a DNS-1123 label`);
  }
  if (props.smokeTestImage !== undefined) checkPinnedImage('smokeTestImage', props.smokeTestImage);
  if (props.smokeTestPaths !== undefined) {
    if (props.smokeTestPaths.length === 0) throw new ValidationError('smokeTestPaths', 'is empty: the smoke test needs at least one path');
    props.smokeTestPaths.forEach((path, i) => {
      if (!PATH.test(path)) throw new ValidationError(`smokeTestPaths[${i}]`, `${showValue(path)} is not an absolute URL path`);
    });
  }

  const steps = props.canarySteps;
  if (steps !== undefined) {
    if (steps.length === 0) throw new ValidationError('canarySteps', 'is empty: give at least one step');
    steps.forEach((step, i) => {
      checkInteger(`canarySteps[${i}].weightPercent`, step.weightPercent, 1, 100);
      if (i > 0 && step.weightPercent <= steps[i - 1].weightPercent) {
        throw new ValidationError(`canarySteps[${i}].weightPercent`, `${step.weightPercent} is not above the previous step's ${steps[i - 1].weightPercent}`);
      }
      if (step.pauseSeconds !== undefined) checkInteger(`canarySteps[${i}].pauseSeconds`, step.pauseSeconds, 1);
    });
  }
}
