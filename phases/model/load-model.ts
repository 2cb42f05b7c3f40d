import { checkModel } from './check-model';
import { checkSchema } from './check-schema';
import { PlatformModel } from './platform-model';

/**
 * Validates a platform model (shape first, then cross-references) and returns it typed and frozen.
 * Throws a `ValidationError` naming the first bad field.
 */
export function loadPlatformModel(input: unknown): PlatformModel {
  const model = checkSchema(PlatformModel, input);
  checkModel(model);
  return deepFreeze(structuredClone(model));
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
