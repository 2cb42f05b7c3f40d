import { Type } from '@sinclair/typebox';

/**
 * A Kubernetes DNS-1123 label (RFC 1123): what Service, Deployment and most object names must be.
 * Lower-case alphanumerics and '-', starting and ending with an alphanumeric, at most 63 characters.
 */
export const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS_1123_LABEL_MAX_LENGTH = 63;

export const DNS_1123_LABEL_RULE =
  "a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters";

export function isDns1123Label(value: string): boolean {
  return value.length <= DNS_1123_LABEL_MAX_LENGTH && DNS_1123_LABEL.test(value);
}

/** Schema of a name that becomes (part of) a Kubernetes object name. */
export const DnsLabel = Type.String({ format: 'dns-1123-label', description: DNS_1123_LABEL_RULE });

/** A domain event's name, in the seed's PascalCase (`UserRegistered`). */
export const EventName = Type.String({ pattern: '^[A-Z][A-Za-z0-9]*$', description: 'a PascalCase event name' });
