import { DNS_1123_LABEL_RULE, isDns1123Label } from '../phases/model/names';
import { showValue, ValidationError } from '../core/validation-error';

/** Prop checks shared by the constructs. Each throws a `ValidationError` naming `field`. */

export function checkDnsLabel(field: string, value: string): void {
  if (!isDns1123Label(value)) throw new ValidationError(field, `${showValue(value)} is not ${DNS_1123_LABEL_RULE}`);
}

/** PostgreSQL's unquoted identifiers as CloudNativePG and the Jobs take them: lower case, at most 63 bytes. */
const SQL_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export function checkSqlIdentifier(field: string, value: string): void {
  if (!SQL_IDENTIFIER.test(value)) {
    throw new ValidationError(field, `${showValue(value)} is not a lower-case SQL identifier (letters, digits and _, not starting with a digit, at most 63 characters)`);
  }
}

export function checkInteger(field: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer of at least ${min}` : `an integer from ${min} to ${max}`;
    throw new ValidationError(field, `${showValue(value)} is not ${range}`);
  }
}

const PINNED_TAG = /^(?!latest$)[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** `repo:tag` or `repo@sha256:...`, never `latest` or an untagged image. */
export function checkPinnedImage(field: string, image: string): void {
  const at = image.lastIndexOf('@');
  if (at > 0 && DIGEST.test(image.slice(at + 1))) return;
  const colon = image.lastIndexOf(':');
  const tag = colon > image.lastIndexOf('/') ? image.slice(colon + 1) : '';
  if (!PINNED_TAG.test(tag)) {
    throw new ValidationError(field, `${showValue(image)} is not pinned: give repository:version (not latest) or repository@sha256:digest`);
  }
}

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

export function checkEnvName(field: string, name: string): void {
  if (!ENV_NAME.test(name)) throw new ValidationError(field, `${showValue(name)} is not an environment variable name (upper-case letters, digits, _)`);
}
