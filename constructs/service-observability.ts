import { Construct } from 'constructs';
import {
  PrometheusRule,
  PrometheusRuleSpecGroupsRules,
  PrometheusRuleSpecGroupsRulesExpr,
  ServiceMonitor,
  ServiceMonitorSpecEndpointsRelabelingsAction,
  ServiceMonitorSpecEndpointsScheme,
} from '../imports/monitoring.coreos.com';
import { showValue, ValidationError } from '../core/validation-error';
import { componentLabels, selectorLabels } from './labels';
import { checkDnsLabel, checkInteger } from './prop-checks';

/** Props of `ServiceObservability`. */
export interface ServiceObservabilityProps {
  /** Name of the Kubernetes Service to scrape; its pods carry `app.kubernetes.io/name` with the same value. */
  readonly name: string;
  /** The `app.kubernetes.io/component` label. */
  readonly component: string;
  /** The `app.kubernetes.io/part-of` label. */
  readonly partOf: string;
  /** P95 response time the service must stay under (the seed: < 200 ms). @default 200 */
  readonly p95LatencyMs?: number;
  /** Availability objective, strictly between 0 and 100 (the seed: 99.9% uptime). @default 99.9 */
  readonly availabilityPercent?: number;
  /** Name of the Service port that serves metrics. @default 'http' */
  readonly portName?: string;
  /** @default '/metrics' */
  readonly metricsPath?: string;
  /** @default 30 */
  readonly scrapeIntervalSeconds?: number;
  /** Labels the Prometheus instance selects ServiceMonitors and rules by (e.g. `release: kube-prometheus-stack`). @default {} */
  readonly monitoringLabels?: Record<string, string>;
  /**
   * The pods are in a STRICT mTLS mesh: Prometheus scrapes over mTLS with the workload certificate its own Istio
   * sidecar writes to `/etc/prom-certs` (Istio's documented Prometheus integration). @default false
   */
  readonly scrapeThroughMesh?: boolean;
}

/** Where Istio's sidecar of the Prometheus pod writes its workload certificate (`OUTPUT_CERTS`). */
export const MESH_SCRAPE_CERTS = '/etc/prom-certs';

/**
 * Multi-window burn-rate alerts on the availability error budget (Google SRE workbook, chapter 5): each fires when
 * both windows burn faster than `factor` times the budget, so it fires fast and stops soon after recovery.
 * 14.4x for an hour spends 2% of a 30-day budget; 6x for 6 hours spends 5%.
 */
const BURN_RATE_ALERTS = [
  { speed: 'Fast', factor: 14.4, longWindow: '1h', shortWindow: '5m', for: '2m', severity: 'critical' },
  { speed: 'Slow', factor: 6, longWindow: '6h', shortWindow: '30m', for: '15m', severity: 'critical' },
] as const;

const PORT_NAME = /^(?=.{1,15}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const METRICS_PATH = /^\/[A-Za-z0-9/_.-]*$/;

/**
 * Metrics and alerts for one HTTP service, with the prometheus-operator: a `ServiceMonitor` that scrapes the
 * service's `/metrics` and a `PrometheusRule` that alerts on the seed's success metrics, from the objectives given:
 * P95 latency above the objective for 10 minutes, and the availability error budget burning too fast (ratio of
 * 5xx responses in `http_requests_total`).
 *
 * Only the Service named `name` is scraped: Argo Rollouts adds preview, stable and canary Services that select
 * the same pods, and scraping them too would duplicate every series. The pods' `rollouts-pod-template-hash` label
 * is kept on the series, so that a canary's metrics can be told from the stable version's.
 */
export class ServiceObservability extends Construct {
  public readonly serviceMonitorName: string;
  public readonly prometheusRuleName: string;
  /** Names of the alerts the rule defines. */
  public readonly alertNames: readonly string[];

  constructor(scope: Construct, id: string, props: ServiceObservabilityProps) {
    super(scope, id);
    const p95LatencyMs = props.p95LatencyMs ?? 200;
    const availabilityPercent = props.availabilityPercent ?? 99.9;
    validate(props, p95LatencyMs, availabilityPercent);

    const { name } = props;
    const labels = { ...componentLabels(name, props.component, props.partOf), ...(props.monitoringLabels ?? {}) };
    this.serviceMonitorName = name;
    this.prometheusRuleName = `${name}-slo`;

    new ServiceMonitor(this, 'ServiceMonitor', {
      metadata: { name: this.serviceMonitorName, labels },
      spec: {
        selector: { matchLabels: selectorLabels(name) },
        podTargetLabels: ['rollouts-pod-template-hash'],
        endpoints: [{
          port: props.portName ?? 'http',
          path: props.metricsPath ?? '/metrics',
          interval: `${props.scrapeIntervalSeconds ?? 30}s`,
          ...(props.scrapeThroughMesh
            ? {
                scheme: ServiceMonitorSpecEndpointsScheme.HTTPS,
                // Istio's certificates name a SPIFFE identity, not the pod's DNS name: the chain is checked, the name is not.
                tlsConfig: { caFile: `${MESH_SCRAPE_CERTS}/root-cert.pem`, certFile: `${MESH_SCRAPE_CERTS}/cert-chain.pem`, keyFile: `${MESH_SCRAPE_CERTS}/key.pem`, insecureSkipVerify: true },
              }
            : {}),
          relabelings: [{ sourceLabels: ['__meta_kubernetes_service_name'], regex: name, action: ServiceMonitorSpecEndpointsRelabelingsAction.KEEP }],
        }],
      },
    });

    const alertPrefix = pascalCase(name);
    const service = `service="${name}"`;
    const latencySeconds = round(p95LatencyMs / 1000);
    const errorBudget = round((100 - availabilityPercent) / 100);
    const errorRatio = (window: string) =>
      `sum(rate(http_requests_total{${service},status=~"5.."}[${window}])) / sum(rate(http_requests_total{${service}}[${window}]))`;

    const rules: PrometheusRuleSpecGroupsRules[] = [
      {
        alert: `${alertPrefix}P95LatencyHigh`,
        expr: PrometheusRuleSpecGroupsRulesExpr.fromString(
          `histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{${service}}[5m]))) > ${latencySeconds}`,
        ),
        for: '10m',
        labels: { severity: 'warning', service: name },
        annotations: {
          summary: `${name}: P95 latency above ${p95LatencyMs} ms`,
          description: `The 95th percentile of ${name}'s response time has been above the ${p95LatencyMs} ms objective for 10 minutes.`,
        },
      },
      ...BURN_RATE_ALERTS.map((burn) => {
        const threshold = `(${burn.factor} * ${errorBudget})`;
        return {
          alert: `${alertPrefix}ErrorBudgetBurn${burn.speed}`,
          expr: PrometheusRuleSpecGroupsRulesExpr.fromString(
            `(${errorRatio(burn.longWindow)}) > ${threshold}\nand\n(${errorRatio(burn.shortWindow)}) > ${threshold}`,
          ),
          for: burn.for,
          labels: { severity: burn.severity, service: name },
          annotations: {
            summary: `${name}: error budget of ${availabilityPercent}% availability burning ${burn.factor}x too fast`,
            description: `5xx responses of ${name} exceed ${burn.factor} times the ${availabilityPercent}% availability budget over ${burn.longWindow} and ${burn.shortWindow}.`,
          },
        };
      }),
    ];
    this.alertNames = rules.map((rule) => rule.alert!);

    new PrometheusRule(this, 'Rule', {
      metadata: { name: this.prometheusRuleName, labels },
      spec: { groups: [{ name: `${name}.slo`, rules }] },
    });
  }
}

function validate(props: ServiceObservabilityProps, p95LatencyMs: number, availabilityPercent: number): void {
  checkDnsLabel('name', props.name);
  checkInteger('p95LatencyMs', p95LatencyMs, 1);
  if (typeof availabilityPercent !== 'number' || !Number.isFinite(availabilityPercent) || availabilityPercent <= 0 || availabilityPercent >= 100) {
    // String() so that NaN reads as NaN, not as JSON's null.
    const shown = typeof availabilityPercent === 'number' ? String(availabilityPercent) : showValue(availabilityPercent);
    throw new ValidationError('availabilityPercent', `${shown} is not a percentage strictly between 0 and 100`);
  }
  if (props.portName !== undefined && !PORT_NAME.test(props.portName)) {
    throw new ValidationError('portName', `${showValue(props.portName)} is not a port name (at most 15 lower-case letters, digits and '-')`);
  }
  if (props.metricsPath !== undefined && !METRICS_PATH.test(props.metricsPath)) {
    throw new ValidationError('metricsPath', `${showValue(props.metricsPath)} is not an absolute URL path`);
  }
  checkInteger('scrapeIntervalSeconds', props.scrapeIntervalSeconds ?? 30, 1);
}

/** `user-service` -> `UserService`, the alert-name convention. */
function pascalCase(name: string): string {
  return name.split('-').map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('');
}

/** Drops binary floating-point noise: (100 - 99.9) / 100 is 0.0009999999999999432 in JavaScript. */
function round(value: number): number {
  return Number(value.toPrecision(12));
}
