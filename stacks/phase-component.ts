import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { dataBearingReason } from '../synthesis/data-bearing';
import { ComponentKind } from '../core/component-kinds';
import { Manifest } from '../core/manifest';
import { podTemplates } from '../policy/pod-templates';
import { kubernetesResource } from './kubernetes-resource';

/** What a component's pods read: mounted files, environment, credentials. */
const CONFIGURATION_KINDS: ReadonlySet<string> = new Set(['ConfigMap', 'Secret']);

/**
 * The type every component had before each got its kind's (`career-copilot:platform:ContextService`): an alias,
 * so that a stack deployed before keeps every URN and nothing is replaced.
 */
export const LEGACY_COMPONENT_TYPE = 'career-copilot:platform:Component';

/** `ContextService` -> `career-copilot:platform:ContextService`: the type a preview shows beside the component's name. */
export function componentType(kind: ComponentKind): string {
  return `career-copilot:platform:${kind}`;
}

/** Args of `PhaseComponent`. */
export interface PhaseComponentArgs {
  /** The component's objects, all of one component (and so of one kind). */
  readonly manifests: readonly Manifest[];
  readonly provider: k8s.Provider;
  /** Resources that must exist first (the namespace, the custom resource definitions' operators). @default [] */
  readonly dependsOn?: pulumi.Resource[];
  /** @default false */
  readonly skipAwait?: boolean;
  /**
   * What an Argo Rollout of the component also waits for, besides the component's own objects (its Services and
   * analysis templates): the mesh's VirtualServices. Argo Rollouts refuses a Rollout whose Services or
   * VirtualService do not exist yet (InvalidSpec). @default []
   */
  readonly rolloutDependsOn?: pulumi.Resource[];
}

/**
 * One component of a phase (a service, the gateway, a database) as a Pulumi component of its kind, so that a
 * preview groups its objects under what they are. The component's name is the model's name: its URN, and its
 * children's, never carry the phase. Objects that hold data are protected: no promotion, rollback or destroy can
 * delete them. Outputs: `objects` (`Kind/name` of each child) and `protectedObjects`.
 */
export class PhaseComponent extends pulumi.ComponentResource {
  private readonly deployments = new Map<string, pulumi.CustomResource>();

  constructor(name: string, args: PhaseComponentArgs, opts?: pulumi.ComponentResourceOptions) {
    const kinds = [...new Set(args.manifests.map((m) => m.componentKind))];
    if (kinds.length !== 1) throw new Error(`component ${name}: its objects must be of one component kind, not ${kinds.join(', ') || 'none'}`);
    super(componentType(kinds[0]), name, {}, { ...opts, aliases: [...(opts?.aliases ?? []), { type: LEGACY_COMPONENT_TYPE }] });
    const register = (m: Manifest, dependsOn: pulumi.Resource[]) => {
      const protect = dataBearingReason(m.document) !== undefined;
      const resource = kubernetesResource(m.document, { parent: this, provider: args.provider, dependsOn, protect }, { skipAwait: args.skipAwait });
      if (m.document.kind === 'Deployment') this.deployments.set(m.document.metadata.name, resource);
      return resource;
    };
    const dependsOn = args.dependsOn ?? [];
    const isRollout = (m: Manifest) => m.document.kind === 'Rollout';
    const makesPods = (m: Manifest) => podTemplates(m.document).length > 0;
    // The component's configuration is applied before the pods that read it: a ConfigMap whose content changes is
    // updated in place (the provider's enableConfigMapMutable), and a pod template that changes with it would
    // otherwise roll out in parallel, its new pods starting on the previous content.
    const configuration = new Map(args.manifests.filter((m) => CONFIGURATION_KINDS.has(m.document.kind)).map((m) => [m, register(m, dependsOn)]));
    const afterConfiguration = [...dependsOn, ...configuration.values()];
    const first = new Map(args.manifests.filter((m) => !isRollout(m)).map((m) => [m, configuration.get(m) ?? register(m, makesPods(m) ? afterConfiguration : dependsOn)]));
    const rolloutDependsOn = [...dependsOn, ...first.values(), ...(args.rolloutDependsOn ?? [])];
    for (const m of args.manifests.filter(isRollout)) register(m, rolloutDependsOn);
    const label = (m: Manifest) => `${m.document.kind}/${m.document.metadata.name}`;
    this.registerOutputs({
      objects: args.manifests.map(label),
      protectedObjects: args.manifests.filter((m) => dataBearingReason(m.document) !== undefined).map(label),
    });
  }

  /** The Deployment of that name among the children, if any. */
  public deploymentNamed(name: string): pulumi.CustomResource | undefined {
    return this.deployments.get(name);
  }
}
