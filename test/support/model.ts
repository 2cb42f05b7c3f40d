import { careerCopilotInput, PlatformModel } from '../../phases';

/**
 * A deep, mutable copy of the Career Copilot input, for tests that break one field. A JSON round trip, unlike
 * structuredClone, also unshares values the model data reuses (schedules, sizes), so one edit changes one field.
 */
export function modelInput(): PlatformModel {
  return JSON.parse(JSON.stringify(careerCopilotInput)) as PlatformModel;
}

/** Index of a context by name in the input, so tests read as names. */
export function contextIndex(model: PlatformModel, name: string): number {
  const i = model.contexts.findIndex((c) => c.name === name);
  if (i < 0) throw new Error(`no context ${name}`);
  return i;
}

export function endpointIndex(model: PlatformModel, path: string): number {
  const i = model.endpoints.findIndex((e) => e.path === path);
  if (i < 0) throw new Error(`no endpoint ${path}`);
  return i;
}
