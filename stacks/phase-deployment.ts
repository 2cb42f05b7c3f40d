import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { Manifest } from '../constructs/synthesize';
import { kubernetesResource } from './kubernetes-resource';

/** Args of `PhaseComponent`. */
export interface PhaseComponentArgs {
  readonly manifests: readonly Manifest[];
  readonly provider: k8s.Provider;
  /** Resources that must exist first (the namespace). @default [] */
  readonly dependsOn?: pulumi.Resource[];
}

/**
 * One component of a phase (a service, the gateway, a database) as a Pulumi component, so that a preview
 * groups its objects. The component's name is the model's name: its URN, and its children's, never carry the
 * phase.
 */
export class PhaseComponent extends pulumi.ComponentResource {
  public readonly resources: pulumi.CustomResource[];

  constructor(name: string, args: PhaseComponentArgs, opts?: pulumi.ComponentResourceOptions) {
    super('career-copilot:platform:Component', name, {}, opts);
    this.resources = args.manifests.map((m) =>
      kubernetesResource(m.document, { parent: this, provider: args.provider, dependsOn: args.dependsOn ?? [] }),
    );
    this.registerOutputs({});
  }
}
