/** Who manages our objects: lets tooling tell ours from anything else in a cluster. */
export const MANAGED_BY = 'career-copilot-migration';

/**
 * The labels a component's pods are selected by. They come from the component's model name only, never from
 * the phase or the construct path, so a Deployment's selector (immutable) and a Service's selector are the same
 * in every phase where the component exists.
 */
export function selectorLabels(name: string): Record<string, string> {
  return { 'app.kubernetes.io/name': name };
}

/**
 * Descriptive labels for every object of a component. `app` and `version` are the labels Istio's telemetry
 * and subsets read.
 */
export function componentLabels(name: string, component: string, partOf: string): Record<string, string> {
  return {
    ...selectorLabels(name),
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/part-of': partOf,
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
}

/**
 * Pods that stay out of the service mesh even where the namespace injects sidecars: the data stores, whose
 * operators reach them directly and which speak their own protocols (and TLS), and one-off Jobs, which a sidecar
 * would keep from completing. Meshed clients reach them in plaintext (Istio's auto mTLS sees no sidecar), and the
 * NetworkPolicies are what admits their callers.
 */
export const OUT_OF_MESH_LABELS: Readonly<Record<string, string>> = { 'sidecar.istio.io/inject': 'false' };
