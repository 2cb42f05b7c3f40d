import { TUnsafe, Type } from '@sinclair/typebox';

/**
 * A string restricted to a fixed list, as a JSON Schema `enum`: validators then report the allowed
 * values in one error instead of one error per union branch.
 */
export function StringEnum<T extends readonly string[]>(values: T, description?: string): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });
}
