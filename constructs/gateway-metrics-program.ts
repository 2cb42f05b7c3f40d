/** Options of `renderGatewayMetricsProgram`. */
export interface GatewayMetricsProgramOptions {
  /**
   * Upper bounds of the latency histogram's buckets, in seconds, ascending. Include the latency objective (the
   * seed's 200 ms P95) so that `histogram_quantile` is exact at the threshold the alert compares with.
   */
  readonly latencyBucketsSeconds: readonly number[];
}

/** The default buckets, from 5 ms to the gateway's 10 s worst case (a read timeout, then the fallback's). */
export const DEFAULT_LATENCY_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10] as const;

/**
 * The mtail program that turns the gateway's metrics log (`gateway_metrics` in `renderNginxConfig`, one line per
 * request over syslog/UDP) into Prometheus series:
 * - `http_requests_total{route, method, status, upstream}`, `upstream` being `service`, `monolith`, `fallback`
 *   (the monolith answered behind a hybrid route) or `none` (the gateway answered itself: 404, 405, 413, 429);
 * - `http_request_duration_seconds{route, upstream}`, a histogram;
 * - for a shadow route's copies, which no client sees: `gateway_shadow_requests_total{route, method, status}` and
 *   `gateway_shadow_request_duration_seconds{route}`, the service's error rate and latency under real traffic.
 * The names are those the services export, so the SLO rules of `ServiceObservability` read the gateway too.
 * mtail (google/mtail) is the exporter because NGINX open source has no per-route metrics of its own and Debian
 * packages neither the VTS nor a Prometheus Lua module; it reads the log NGINX already writes.
 */
export function renderGatewayMetricsProgram(options: GatewayMetricsProgramOptions): string {
  const buckets = options.latencyBucketsSeconds;
  return [
    '# Generated from the platform model: the API gateway\'s request metrics. Do not edit.',
    'counter http_requests_total by route, method, status, upstream',
    `histogram http_request_duration_seconds by route, upstream buckets ${buckets.map(String).join(', ')}`,
    '',
    '/route=(?P<route>\\S+) method=(?P<method>[A-Za-z]+) status=(?P<status>\\d{3}) upstream=(?P<upstream>[a-z]+) seconds=(?P<seconds>\\d+\\.\\d+)$/ {',
    '  http_requests_total[$route][$method][$status][$upstream]++',
    '  http_request_duration_seconds[$route][$upstream] = $seconds',
    '}',
    '',
    'counter gateway_shadow_requests_total by route, method, status',
    `histogram gateway_shadow_request_duration_seconds by route buckets ${buckets.map(String).join(', ')}`,
    '',
    '/shadow=(?P<route>\\S+) method=(?P<method>[A-Za-z]+) status=(?P<status>\\d{3}) seconds=(?P<seconds>\\d+\\.\\d+)$/ {',
    '  gateway_shadow_requests_total[$route][$method][$status]++',
    '  gateway_shadow_request_duration_seconds[$route] = $seconds',
    '}',
    '',
  ].join('\n');
}
