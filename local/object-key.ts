/** The identity of a Kubernetes object: group/version, kind, namespace and name. */
export interface ObjectIdentity {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
}

/** A stable string for an object's identity, e.g. `apps/v1/Deployment career-copilot/backend`. */
export function objectKey(object: ObjectIdentity): string {
  const namespace = object.metadata.namespace ? `${object.metadata.namespace}/` : '';
  return `${object.apiVersion}/${object.kind} ${namespace}${object.metadata.name}`;
}
