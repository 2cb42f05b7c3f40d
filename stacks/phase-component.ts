import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { dataBearingReason } from '../constructs/data-bearing';
import { Manifest } from '../constructs/synthesize';
import { podTemplates } from '../policy/pod-templates';
import { kubernetesResource } from './kubernetes-resource';

/** What a component's pods read: mounted files, environment, credentials. */
const CONFIGURATION_KINDS: ReadonlySet<string> = new Set(['ConfigMap', 'Secret']);

/** Args of `PhaseComponent`. */
export interface PhaseComponentArgs {
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
 * One component of a phase (a service, the gateway, a database) as a Pulumi component, so that a preview
 * groups its objects. The component's name is the model's name: its URN, and its children's, never carry the
 * phase. Objects that hold data are protected: no promotion, rollback or destroy can delete them.
 */
export class PhaseComponent extends pulumi.ComponentResource {
  public readonly resources: pulumi.CustomResource[];
  private readonly manifests: readonly Manifest[];
  /** The protected children. */
  public readonly dataBearing: pulumi.CustomResource[];

  constructor(name: string, args: PhaseComponentArgs, opts?: pulumi.ComponentResourceOptions) {
    super('career-copilot:platform:Component', name, {}, opts);
    this.dataBearing = [];
    this.manifests = args.manifests;
    const register = (m: Manifest, dependsOn: pulumi.Resource[]) => {
      const protect = dataBearingReason(m.document) !== undefined;
      const resource = kubernetesResource(m.document, { parent: this, provider: args.provider, dependsOn, protect }, { skipAwait: args.skipAwait });
      if (protect) this.dataBearing.push(resource);
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
    this.resources = args.manifests.map((m) => first.get(m) ?? register(m, rolloutDependsOn));
    this.registerOutputs({});
  }

  /** The Deployment of that name among the children, if any. */
  public deploymentNamed(name: string): pulumi.CustomResource | undefined {
    const index = this.manifests.findIndex((m) => m.document.kind === 'Deployment' && m.document.metadata.name === name);
    return index < 0 ? undefined : this.resources[index];
  }
}
