import { Static, Type } from '@sinclair/typebox';
import { showValue, ValidationError } from './validation-error';

/** A registry host (with its port, if any) and the path of the image in it, lower case as registries require. */
const REPOSITORY = '^([a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?/)?[a-z0-9]([a-z0-9._/-]*[a-z0-9])?$';
/** An image tag that pins a version: anything but empty or `latest`. */
const VERSION_TAG = '(?!latest$)[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}';
const DIGEST = 'sha256:[a-f0-9]{64}';
/** The `pinned-image-tag` format of the schema: a version tag or a digest. */
export const PINNED_IMAGE_TAG = new RegExp(`^(${VERSION_TAG}|${DIGEST})$`);

/**
 * A container image pinned to a version: `latest` and empty tags are refused so that a promotion
 * deploys exactly what was reviewed.
 */
export const ImageRef = Type.Object(
  {
    repository: Type.String({ pattern: REPOSITORY, description: 'an image repository such as career-copilot/user-service or registry.example.com:5000/user-service' }),
    tag: Type.String({ format: 'pinned-image-tag', description: 'a pinned version tag (not latest) or a sha256 digest' }),
  },
  { additionalProperties: false },
);
export type ImageRef = Static<typeof ImageRef>;

/** The reference a container runs: `repository:tag`, or `repository@sha256:...` for a digest. */
export function imageReference(image: ImageRef): string {
  return image.tag.startsWith('sha256:') ? `${image.repository}@${image.tag}` : `${image.repository}:${image.tag}`;
}

/**
 * Reads `repository:tag` or `repository@sha256:<digest>` (as `docker pull` takes them) into an `ImageRef`,
 * refusing, with `field` named, an untagged, `latest` or malformed reference.
 */
export function parseImageReference(field: string, reference: string): ImageRef {
  const at = reference.indexOf('@');
  const lastSlash = reference.lastIndexOf('/');
  const colon = reference.lastIndexOf(':');
  const [repository, tag] = at >= 0
    ? [reference.slice(0, at), reference.slice(at + 1)]
    : colon > lastSlash ? [reference.slice(0, colon), reference.slice(colon + 1)] : [reference, ''];
  const rule = 'give repository:version (not latest) or repository@sha256:digest, such as career-copilot/user-service:1.4.2';
  if (!new RegExp(REPOSITORY).test(repository)) throw new ValidationError(field, `${showValue(reference)} has no valid repository; ${rule}`);
  const pinned = at >= 0 ? new RegExp(`^${DIGEST}$`).test(tag) : new RegExp(`^${VERSION_TAG}$`).test(tag);
  if (!pinned) throw new ValidationError(field, `${showValue(reference)} is not pinned; ${rule}`);
  return { repository, tag };
}
