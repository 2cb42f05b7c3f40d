import { ServiceObservability, ServiceObservabilityProps } from '../../constructs/service-observability';
import { ValidationError } from '../../phases';
import { emitted, only } from '../support/synth';

const base: ServiceObservabilityProps = { name: 'jobs-service', component: 'context-service', partOf: 'career-copilot' };
const build = (props: Partial<ServiceObservabilityProps> = {}) =>
  emitted((scope) => new ServiceObservability(scope, 'jobs-service-observability', { ...base, ...props }));
const alert = (props: Partial<ServiceObservabilityProps>, name: string) =>
  only(build(props), 'PrometheusRule').spec.groups[0].rules.find((r: { alert: string }) => r.alert === name);

describe('ServiceObservability', () => {
  test('emits a ServiceMonitor and a PrometheusRule named after the service', () => {
    expect(build().map((o) => `${o.apiVersion} ${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'monitoring.coreos.com/v1 PrometheusRule/jobs-service-slo',
      'monitoring.coreos.com/v1 ServiceMonitor/jobs-service',
    ]);
  });

  test('scrapes /metrics on the http port every 30 s, from the Service named after the service only', () => {
    const monitor = only(build(), 'ServiceMonitor');
    expect(monitor.spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'jobs-service' } });
    expect(monitor.spec.podTargetLabels).toEqual(['rollouts-pod-template-hash']);
    expect(monitor.spec.endpoints).toEqual([{
      port: 'http',
      path: '/metrics',
      interval: '30s',
      relabelings: [{ sourceLabels: ['__meta_kubernetes_service_name'], regex: 'jobs-service', action: 'keep' }],
    }]);
  });

  test('carries the labels the Prometheus instance selects by', () => {
    const objects = build({ monitoringLabels: { release: 'kube-prometheus-stack' } });
    expect(only(objects, 'ServiceMonitor').metadata.labels).toMatchObject({ release: 'kube-prometheus-stack', 'app.kubernetes.io/name': 'jobs-service' });
    expect(only(objects, 'PrometheusRule').metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
  });

  test('alerts when P95 latency stays above the 200 ms default for 10 minutes', () => {
    expect(alert({}, 'JobsServiceP95LatencyHigh')).toEqual({
      alert: 'JobsServiceP95LatencyHigh',
      expr: 'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{service="jobs-service"}[5m]))) > 0.2',
      for: '10m',
      labels: { severity: 'warning', service: 'jobs-service' },
      annotations: expect.objectContaining({ summary: 'jobs-service: P95 latency above 200 ms' }),
    });
  });

  test('takes the latency threshold from the objective', () => {
    expect(alert({ p95LatencyMs: 150 }, 'JobsServiceP95LatencyHigh').expr).toMatch(/\) > 0\.15$/);
  });

  test('alerts on a fast (14.4x over 1h and 5m) and a slow (6x over 6h and 30m) burn of the 99.9% budget', () => {
    const ratio = (window: string) =>
      `sum(rate(http_requests_total{service="jobs-service",status=~"5.."}[${window}])) / sum(rate(http_requests_total{service="jobs-service"}[${window}]))`;
    expect(alert({}, 'JobsServiceErrorBudgetBurnFast')).toMatchObject({
      expr: `(${ratio('1h')}) > (14.4 * 0.001)\nand\n(${ratio('5m')}) > (14.4 * 0.001)`,
      for: '2m',
      labels: { severity: 'critical', service: 'jobs-service' },
    });
    expect(alert({}, 'JobsServiceErrorBudgetBurnSlow')).toMatchObject({
      expr: `(${ratio('6h')}) > (6 * 0.001)\nand\n(${ratio('30m')}) > (6 * 0.001)`,
      for: '15m',
      labels: { severity: 'critical', service: 'jobs-service' },
    });
  });

  test('takes the error budget from the availability objective', () => {
    expect(alert({ availabilityPercent: 99.95 }, 'JobsServiceErrorBudgetBurnFast').expr).toContain('> (14.4 * 0.0005)');
    expect(alert({ availabilityPercent: 99 }, 'JobsServiceErrorBudgetBurnSlow').expr).toContain('> (6 * 0.01)');
  });

  test('exposes the object and alert names', () => {
    emitted((scope) => {
      const observability = new ServiceObservability(scope, 'o', base);
      expect(observability.serviceMonitorName).toBe('jobs-service');
      expect(observability.prometheusRuleName).toBe('jobs-service-slo');
      expect(observability.alertNames).toEqual(['JobsServiceP95LatencyHigh', 'JobsServiceErrorBudgetBurnFast', 'JobsServiceErrorBudgetBurnSlow']);
    });
  });

  test.each<[string, Partial<ServiceObservabilityProps>, string]>([
    ['a name that is not a DNS-1123 label', { name: 'Jobs' }, 'name: "Jobs" is not a DNS-1123 label'],
    ['a latency objective below 1 ms', { p95LatencyMs: 0 }, 'p95LatencyMs: 0 is not an integer of at least 1'],
    ['a fractional latency objective', { p95LatencyMs: 0.5 }, 'p95LatencyMs: 0.5 is not an integer of at least 1'],
    ['100% availability', { availabilityPercent: 100 }, 'availabilityPercent: 100 is not a percentage strictly between 0 and 100'],
    ['0% availability', { availabilityPercent: 0 }, 'availabilityPercent: 0 is not a percentage strictly between 0 and 100'],
    ['availability above 100', { availabilityPercent: 999 }, 'availabilityPercent: 999 is not a percentage strictly between 0 and 100'],
    ['availability that is not a number', { availabilityPercent: Number.NaN }, 'availabilityPercent: NaN is not a percentage strictly between 0 and 100'],
    ['availability given as a string', { availabilityPercent: '99.9' as never }, 'availabilityPercent: "99.9" is not a percentage strictly between 0 and 100'],
    ['a bad port name', { portName: 'metrics-port-too-long' }, 'portName: "metrics-port-too-long" is not a port name'],
    ['a relative metrics path', { metricsPath: 'metrics' }, 'metricsPath: "metrics" is not an absolute URL path'],
    ['a zero scrape interval', { scrapeIntervalSeconds: 0 }, 'scrapeIntervalSeconds: 0 is not an integer of at least 1'],
  ])('refuses %s', (_what, props, message) => {
    expect(() => build(props)).toThrow(ValidationError);
    expect(() => build(props)).toThrow(message);
  });
});

describe('ServiceObservability in the mesh', () => {
  test("scrapes over mTLS with the workload certificate Istio writes for Prometheus", () => {
    const objects = emitted((scope) => new ServiceObservability(scope, 'obs', { name: 'user-service', component: 'context-service', partOf: 'career-copilot', scrapeThroughMesh: true }));
    expect(only(objects, 'ServiceMonitor').spec.endpoints[0]).toMatchObject({
      scheme: 'https',
      tlsConfig: { caFile: '/etc/prom-certs/root-cert.pem', certFile: '/etc/prom-certs/cert-chain.pem', keyFile: '/etc/prom-certs/key.pem', insecureSkipVerify: true },
    });
    const plain = emitted((scope) => new ServiceObservability(scope, 'obs', { name: 'user-service', component: 'context-service', partOf: 'career-copilot' }));
    expect(only(plain, 'ServiceMonitor').spec.endpoints[0].scheme).toBeUndefined();
  });
});
