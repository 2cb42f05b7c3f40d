import { Manifest } from '../core/manifest';
import { SUPPORT_IMAGE_NAMES, SUPPORT_IMAGES, supportImageReferences, SupportImage } from '../constructs/support-images';
import { allWorkloads } from '../phases/model/check-model';
import { imageDigest, imageReference } from '../phases/model/image-ref';
import { PlatformModel } from '../phases/model/platform-model';
import { showValue, ValidationError } from '../core/validation-error';
import { PhasePlan } from '../phases/phase-plan';
import { objectRef, PlainObject } from '../policy/located';
import { podTemplates } from '../policy/pod-templates';
import { checkObject, DIGEST_PINNED_STACKS, SECURITY_RULES } from '../policy/security-rules';

/** What the digest check of a stack reads: the phase it would deploy and where each image came from. */
export interface ImageDigestInputs {
  /** The Pulumi stack's name (`pulumi.getStack()`). */
  readonly stack: string;
  readonly model: PlatformModel;
  /** The phase as `selectPhase` resolved it, the stack's `images` already applied. */
  readonly plan: PhasePlan;
  /** The objects it synthesizes to. */
  readonly manifests: readonly Manifest[];
  /** The workloads the stack's `images` key replaced, by name. */
  readonly imageOverrides: Readonly<Record<string, string>>;
  /** The support images the stack's `images` key replaced. @default - none: every support image is its construct's default */
  readonly supportImages?: Readonly<Partial<Record<SupportImage, string>>>;
}

const why = (stack: string) => `stack ${showValue(stack)} runs only images pinned by digest (a tag can be moved to other content after the review, a digest cannot)`;

/**
 * Refuses, in a stack of `DIGEST_PINNED_STACKS` (prod), a phase that would run an image without a digest: first
 * each workload of the phase, naming it, where its image came from and the `images` entry that pins it; then every
 * other image of the phase's pod templates (the support images: the Jobs' psql, the gateway's mtail, ...), by the
 * same rule as the policy pack's image-digest-pinned. Other stacks may run tags. Nothing is registered before
 * this returns.
 */
export function checkImageDigests(inputs: ImageDigestInputs): void {
  const { stack, model, plan } = inputs;
  if (!DIGEST_PINNED_STACKS.includes(stack)) return;
  const declaredAt = new Map(allWorkloads(model).map((w) => [w.workload.name, w.field]));
  const unpinned = plan.workloads.filter((w) => imageDigest(w.spec.image) === undefined);
  const supportReferences = supportImageReferences(inputs.supportImages);
  const unpinnedSupport = SUPPORT_IMAGE_NAMES.filter((name) => usedBy(inputs.manifests, supportReferences[name]).length > 0 && !/@sha256:[a-f0-9]{64}$/.test(supportReferences[name]));
  const others = (first: string) => {
    const rest = [...unpinned.map((w) => w.spec.name), ...unpinnedSupport].filter((name) => name !== first);
    return rest.length === 0 ? '' : ` (without a digest too: ${rest.join(', ')})`;
  };

  const workload = unpinned[0];
  if (workload !== undefined) {
    const { name } = workload.spec;
    const reference = imageReference(workload.spec.image);
    const source = name in inputs.imageOverrides ? 'from the images key' : `the model's, ${declaredAt.get(name)}.image`;
    throw new ValidationError(
      `images.${name}`,
      `${why(stack)}, and workload ${name}'s image ${showValue(reference)} (${source}) has none; add ${showValue(`${name}=${reference}@sha256:<digest>`)} to images${others(name)}`,
    );
  }
  const support = unpinnedSupport[0];
  if (support !== undefined) {
    const reference = supportReferences[support];
    throw new ValidationError(
      `images.${support}`,
      `${why(stack)}, and the image of ${SUPPORT_IMAGES[support].description}, ${showValue(reference)} (${usedBy(inputs.manifests, reference).join(', ')}), has none; add ${showValue(`${support}=${reference}@sha256:<digest>`)} to images${others(support)}`,
    );
  }
  // Whatever else a pod template names (nothing today): the policy pack's rule, so that the pack never refuses
  // what the program let through.
  const digestRule = SECURITY_RULES.filter((rule) => rule.id === 'image-digest-pinned');
  const violation = inputs.manifests.flatMap((m) => checkObject(m.document as PlainObject, digestRule, stack))[0];
  if (violation !== undefined) throw new ValidationError(`${violation.object} ${violation.path}`, violation.message);
}

/** The objects (`group/Kind namespace/name`) whose pod templates run `reference`. */
function usedBy(manifests: readonly Manifest[], reference: string): string[] {
  return manifests
    .map((m) => m.document as PlainObject)
    .filter((object) => podTemplates(object).some((pod) => pod.containers.some((c) => c.image?.value === reference)))
    .map(objectRef);
}
