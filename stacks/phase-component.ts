import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { dataBearingReason } from '../constructs/data-bearing';
import { Manifest } from '../constructs/synthesize';
import { kubernetesResource } from './kubernetes-resource';

/** Args of `PhaseComponent`. */
export interface PhaseComponentArgs {
  readonly manifests: readonly Manifest[];
  readonly provider: k8s.Provider;
  /** Resources that must exist first (the namespace, the custom resource definitions' operators). @default [] */
  readonly dependsOn?: pulumi.Resource[];
  /** @default false */
  readonly skipAwait?: boolean;
}

/**
 * One component of a phase (a service, the gateway, a database) as a Pulumi component, so that a preview
 * groups its objects. The component's name is the model's name: its URN, and its children's, never carry the
 * phase. Objects that hold data are protected: no promotion, rollback or destroy can delete them.
 */
export class PhaseComponent extends pulumi.ComponentResource {
  public readonly resources: pulumi.CustomResource[];
  /** The protected children. */
  public readonly dataBearing: pulumi.CustomResource[];

  constructor(name: string, args: PhaseComponentArgs, opts?: pulumi.ComponentResourceOptions) {
    super('career-copilot:platform:Component', name, {}, opts);
    this.dataBearing = [];
    this.resources = args.manifests.map((m) => {
      const protect = dataBearingReason(m.document) !== undefined;
      const resource = kubernetesResource(
        m.document,
        { parent: this, provider: args.provider, dependsOn: args.dependsOn ?? [], protect },
        { skipAwait: args.skipAwait },
      );
      if (protect) this.dataBearing.push(resource);
      return resource;
    });
    this.registerOutputs({});
  }
}
