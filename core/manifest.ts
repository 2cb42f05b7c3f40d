import { ComponentKind } from './component-kinds';

/** One Kubernetes object of a phase and the component (top-level construct) it belongs to. */
export interface Manifest {
  readonly component: string;
  /** What the component is (`ContextService`, `PostgresDatabase`). */
  readonly componentKind: ComponentKind;
  readonly document: KubernetesObject;
}

/** The fields every Kubernetes object has. */
export interface KubernetesObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}
