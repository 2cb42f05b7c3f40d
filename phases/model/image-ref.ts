import { Static, Type } from '@sinclair/typebox';
import { showValue, ValidationError } from '../../core/validation-error';

/** A registry host (with its port, if any) and the path of the image in it, lower case as registries require. */
const REPOSITORY = '^([a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?/)?[a-z0-9]([a-z0-9._/-]*[a-z0-9])?$';
/** An image tag that pins a version: anything but empty or `latest`. */
const VERSION_TAG = '(?!latest$)[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}';
const DIGEST = 'sha256:[a-f0-9]{64}';
/** The `pinned-image-tag` format of the schema: a version tag or a digest. */
export const PINNED_IMAGE_TAG = new RegExp(`^(${VERSION_TAG}|${DIGEST})$`);
/** The `image-digest` format of the schema: `sha256:` and 64 lower-case hex digits. */
export const IMAGE_DIGEST = new RegExp(`^${DIGEST}$`);

/**
 * A container image pinned to a version: `latest` and empty tags are refused so that a promotion
 * deploys exactly what was reviewed. A digest beside the tag pins the content itself (a tag can be moved to
 * other content, a digest cannot): the stack of production refuses an image without one.
 */
export const ImageRef = Type.Object(
  {
    repository: Type.String({ pattern: REPOSITORY, description: 'an image repository such as career-copilot/user-service or registry.example.com:5000/user-service' }),
    /** The version (`1.4.2`); a `sha256:` digest here names the image by digest alone, without a version. */
    tag: Type.String({ format: 'pinned-image-tag', description: 'a pinned version tag (not latest) or a sha256 digest' }),
    /**
     * The digest of the image the tag names, as the registry reports it (`docker buildx imagetools inspect`): the
     * runtime then pulls exactly that content, whatever the tag points to later.
     * @default - none: the tag alone (refused by the prod stack)
     */
    digest: Type.Optional(Type.String({ format: 'image-digest', description: 'a digest such as sha256:<64 hex digits>' })),
  },
  { additionalProperties: false },
);
export type ImageRef = Static<typeof ImageRef>;

/** The image's digest, beside its tag or as its tag; undefined for a tag alone. */
export function imageDigest(image: ImageRef): string | undefined {
  return image.digest ?? (IMAGE_DIGEST.test(image.tag) ? image.tag : undefined);
}

/**
 * The reference a container runs: `repository:tag`, `repository:tag@sha256:...` with a digest (the runtime pulls by
 * the digest; the tag stays for readers), or `repository@sha256:...` for a digest as the tag.
 */
export function imageReference(image: ImageRef): string {
  if (IMAGE_DIGEST.test(image.tag)) return `${image.repository}@${image.tag}`;
  return image.digest ? `${image.repository}:${image.tag}@${image.digest}` : `${image.repository}:${image.tag}`;
}

/**
 * Reads `repository:tag`, `repository:tag@sha256:<digest>` or `repository@sha256:<digest>` (as `docker pull` takes
 * them) into an `ImageRef`, refusing, with `field` named, an untagged, `latest` or malformed reference.
 */
export function parseImageReference(field: string, reference: string): ImageRef {
  const at = reference.indexOf('@');
  const named = at >= 0 ? reference.slice(0, at) : reference;
  const digest = at >= 0 ? reference.slice(at + 1) : undefined;
  const lastSlash = named.lastIndexOf('/');
  const colon = named.lastIndexOf(':');
  const [repository, tag] = colon > lastSlash ? [named.slice(0, colon), named.slice(colon + 1)] : [named, undefined];
  const rule = 'give repository:version (not latest), repository:version@sha256:digest or repository@sha256:digest, such as career-copilot/user-service:1.4.2';
  if (!new RegExp(REPOSITORY).test(repository)) throw new ValidationError(field, `${showValue(reference)} has no valid repository; ${rule}`);
  if (digest !== undefined && !IMAGE_DIGEST.test(digest)) throw new ValidationError(field, `${showValue(reference)} is not pinned; ${rule}`);
  if (tag === undefined) {
    if (digest === undefined) throw new ValidationError(field, `${showValue(reference)} is not pinned; ${rule}`);
    return { repository, tag: digest };
  }
  if (!new RegExp(`^${VERSION_TAG}$`).test(tag)) throw new ValidationError(field, `${showValue(reference)} is not pinned; ${rule}`);
  return digest === undefined ? { repository, tag } : { repository, tag, digest };
}
