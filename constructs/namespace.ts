import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { MANAGED_BY } from './labels';
import { checkDnsLabel } from './prop-checks';

/** Props of `PlatformNamespace`. */
export interface PlatformNamespaceProps {
  readonly name: string;
  /** The `app.kubernetes.io/part-of` label. */
  readonly partOf: string;
  /** Have Istio inject sidecars into the namespace's pods (the Istio CNI plugin keeps them restricted). @default false */
  readonly meshInjection?: boolean;
}

/**
 * The namespace the platform runs in, with the restricted Pod Security Standard enforced by the API server's
 * admission, so that a pod that is not restricted is refused even if it slips past our own checks.
 */
export class PlatformNamespace extends Construct {
  public readonly name: string;

  constructor(scope: Construct, id: string, props: PlatformNamespaceProps) {
    super(scope, id);
    checkDnsLabel('name', props.name);
    this.name = props.name;
    const namespace = new kplus.Namespace(this, 'Namespace', {
      metadata: {
        name: props.name,
        labels: {
          'app.kubernetes.io/part-of': props.partOf,
          'app.kubernetes.io/managed-by': MANAGED_BY,
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'v1.28',
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/warn': 'restricted',
          ...(props.meshInjection ? { 'istio-injection': 'enabled' } : {}),
        },
      },
    });
    // The chart's default namespace must not land on this cluster-scoped object.
    ApiObject.of(namespace).addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  }
}
