import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { EnvironmentOptions } from '../synthesis/phase-chart';
import { ValidationError } from '../core/validation-error';
import type { PhaseSelection } from '../phases/select-phase';
import { environmentOf, parseStackConfig, phaseSelectionOf, StackConfigValues } from '../stacks/stack-config';

/** What a stack's config file says about the environment a promotion plan is built for. */
export interface StackEnvironment {
  readonly stack: string;
  /** The validated config, defaults filled in, as the Pulumi program sees it. */
  readonly config: StackConfigValues;
  /** The same sizing, flags and data placement that stacks/index.ts passes to `synthesizePhase`. */
  readonly environment: EnvironmentOptions;
  /** What the stack chooses about every phase (routes sent back to the monolith, images), for `selectPhase`. */
  readonly selection: PhaseSelection;
}

/** The stacks of the project in `projectDir`: one per `Pulumi.<stack>.yaml`, sorted. */
export function stackNames(projectDir = process.cwd()): string[] {
  return fs.readdirSync(projectDir).filter((f) => /^Pulumi\..+\.yaml$/.test(f)).map((f) => f.slice('Pulumi.'.length, -'.yaml'.length)).sort();
}

/**
 * Reads `Pulumi.<stack>.yaml` (beside `Pulumi.yaml` in `projectDir`) offline, without the Pulumi engine. Keys of
 * this project (`<project>:key`) become raw strings as `pulumi.Config.get` returns them (a YAML list becomes its
 * JSON text), so `parseStackConfig` validates them exactly as the program does; other providers' keys
 * (`aws:region`) are ignored. Secret values are never read: a secure key is skipped.
 */
export function readStackEnvironment(stack: string, projectDir = process.cwd()): StackEnvironment {
  const project = (parse(fs.readFileSync(path.join(projectDir, 'Pulumi.yaml'), 'utf8')) as { name?: unknown }).name;
  if (typeof project !== 'string') throw new ValidationError('Pulumi.yaml name', 'is missing; it names the project whose config keys to read');
  const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) {
    const stacks = stackNames(projectDir);
    throw new ValidationError('--stack', `${JSON.stringify(stack)} has no ${path.basename(file)}; stacks are ${stacks.join(', ')}`);
  }
  const document = (parse(fs.readFileSync(file, 'utf8')) ?? {}) as { config?: Record<string, unknown> };
  const raw: Record<string, string> = {};
  for (const [key, value] of Object.entries(document.config ?? {})) {
    if (!key.startsWith(`${project}:`)) continue;
    // `{ secure: ... }` is an encrypted value: it stays unread (the review needs no secret).
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && 'secure' in value) continue;
    raw[key.slice(project.length + 1)] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  const config = parseStackConfig(raw);
  return {
    stack,
    config,
    environment: environmentOf(config),
    selection: phaseSelectionOf(config),
  };
}
