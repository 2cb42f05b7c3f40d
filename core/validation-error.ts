/**
 * The one error type for bad input anywhere in the project: the platform model, construct props and stack
 * config. It always names the field (as a path such as `endpoints[3].statusByPhase[2]`), the value received
 * and, where the set is finite, the values allowed.
 */
export class ValidationError extends Error {
  /** Path of the offending field, e.g. `contexts[2].dependsOn[0]`. */
  public readonly field: string;

  constructor(field: string, problem: string) {
    super(`${field}: ${problem}`);
    this.name = 'ValidationError';
    this.field = field;
  }
}

/** Renders a received value for an error message: strings quoted, everything else as JSON. */
export function showValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  // JSON would print NaN and Infinity as null, hiding the value that was actually received.
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return JSON.stringify(value) ?? String(value);
}

/** `"x" is not one of a, b, c` — the standard wording for a value outside a finite set. */
export function notOneOf(value: unknown, allowed: readonly unknown[]): string {
  return `${showValue(value)} is not one of ${allowed.map((a) => String(a)).join(', ')}`;
}
