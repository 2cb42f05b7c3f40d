import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { notOneOf, showValue, ValidationError } from '../core/validation-error';
import { componentLabels } from './labels';
import { checkDnsLabel } from './prop-checks';

/** A feature flag's value in a phase (the shape of the phase plan's `FeatureFlagPlan`). */
export interface FeatureFlag {
  /** Dotted or kebab lower-case name, e.g. `ai-job-matching` or `dual-write.jobs`. */
  readonly name: string;
  readonly enabled: boolean;
  readonly description: string;
}

/** A flag as served: its phase value, or the environment's override. */
export interface ResolvedFeatureFlag extends FeatureFlag {
  /** True when `overrides` set the value, whether or not it differs from the phase's. */
  readonly overridden: boolean;
}

/** Files for the config server (Spring Cloud Config, native backend), one per service. */
export interface ConfigServerFiles {
  /** Service name -> non-secret property -> value; served as `<service>.properties`. Secrets stay in Secrets. */
  readonly services: Record<string, Record<string, string>>;
}

/** Props of `FeatureFlags`. */
export interface FeatureFlagsProps {
  /** Every flag of the phase, including the `dual-write.<context>` flags derived from the phase's `dualWrite`. */
  readonly flags: readonly FeatureFlag[];
  /** The `app.kubernetes.io/part-of` label. */
  readonly partOf: string;
  /**
   * Per-environment values that win over the phase's, filled by the Pulumi stack from its config (e.g.
   * `pulumi config set --path 'featureFlagOverrides["ai-job-matching"]' false`). Only known flags may be overridden.
   * @default {}
   */
  readonly overrides?: Record<string, boolean>;
  /** Name of the ConfigMap. @default 'feature-flags' */
  readonly name?: string;
  /** Also build the config server's files (`serverFiles`). @default - no config server files */
  readonly server?: ConfigServerFiles;
}

const FLAG_NAME = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;
const FLAG_NAME_RULE = 'a lower-case flag name of letters, digits, "." and "-"';
/** The limit of a ConfigMap key, which a flag name becomes in the config server's properties. */
const FLAG_NAME_MAX_LENGTH = 253;
const PROPERTY_KEY = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * The feature flags of a phase, as the ConfigMap `feature-flags` whose `flags.json` maps each flag name (sorted) to
 * `{ enabled, description, overridden }`. Services read the file from a mounted volume, so a change needs no restart.
 *
 * A flag's value comes from the phase (the model's `enabledByPhase`, or the phase's `dualWrite` list for
 * `dual-write.<context>`); an environment overrides it through `overrides`, which the stack fills from its config.
 * Overriding an unknown flag is refused, so a typo never leaves a flag at its default unnoticed.
 *
 * With `server`, `serverFiles` holds the config server's files: `application.properties` (served to every service)
 * with the flags as `feature-flags.<name>=true|false`, and one `<service>.properties` per service. Pass them to the
 * config server's `Microservice` as `files.contents`, which mounts them read-only and rolls the server when they change.
 */
export class FeatureFlags extends Construct {
  public readonly configMapName: string;
  /** The key of the flags document in the ConfigMap. */
  public readonly fileName = 'flags.json';
  /** Every flag, sorted by name, with its served value. */
  public readonly flags: readonly ResolvedFeatureFlag[];
  /** Flag name -> served value. */
  public readonly enabled: Readonly<Record<string, boolean>>;
  /** File name -> contents for the config server's mounted directory; only with `server`. */
  public readonly serverFiles?: Readonly<Record<string, string>>;
  public readonly configMap: kplus.ConfigMap;

  constructor(scope: Construct, id: string, props: FeatureFlagsProps) {
    super(scope, id);
    validate(props);
    const overrides = props.overrides ?? {};

    this.configMapName = props.name ?? 'feature-flags';
    this.flags = [...props.flags]
      .sort((a, b) => compare(a.name, b.name))
      .map((flag) => {
        const overridden = Object.prototype.hasOwnProperty.call(overrides, flag.name);
        return { name: flag.name, description: flag.description, enabled: overridden ? overrides[flag.name] : flag.enabled, overridden };
      });
    this.enabled = Object.fromEntries(this.flags.map((flag) => [flag.name, flag.enabled]));

    const document = Object.fromEntries(
      this.flags.map((flag) => [flag.name, { enabled: flag.enabled, description: flag.description, overridden: flag.overridden }]),
    );
    this.configMap = new kplus.ConfigMap(this, 'ConfigMap', {
      metadata: { name: this.configMapName, labels: componentLabels(this.configMapName, 'feature-flags', props.partOf) },
      data: { [this.fileName]: `${JSON.stringify(document, null, 2)}\n` },
    });

    if (props.server) {
      const files: Record<string, string> = {
        'application.properties': properties(Object.fromEntries(this.flags.map((flag) => [`feature-flags.${flag.name}`, String(flag.enabled)]))),
      };
      for (const service of Object.keys(props.server.services).sort(compare)) {
        files[`${service}.properties`] = properties(props.server.services[service]);
      }
      this.serverFiles = files;
    }
  }
}

function validate(props: FeatureFlagsProps): void {
  checkDnsLabel('name', props.name ?? 'feature-flags');
  const declaredAt = new Map<string, string>();
  props.flags.forEach((flag, i) => {
    const at = `flags[${i}]`;
    if (typeof flag.name !== 'string' || !FLAG_NAME.test(flag.name) || flag.name.length > FLAG_NAME_MAX_LENGTH) {
      throw new ValidationError(`${at}.name`, `${showValue(flag.name)} is not ${FLAG_NAME_RULE}, at most ${FLAG_NAME_MAX_LENGTH} characters`);
    }
    const first = declaredAt.get(flag.name);
    if (first !== undefined) throw new ValidationError(`${at}.name`, `duplicate flag ${showValue(flag.name)}, already declared at ${first}`);
    declaredAt.set(flag.name, `${at}.name`);
    if (typeof flag.enabled !== 'boolean') throw new ValidationError(`${at}.enabled`, `${showValue(flag.enabled)} is not a boolean`);
    if (typeof flag.description !== 'string' || flag.description.trim() === '') {
      throw new ValidationError(`${at}.description`, `${showValue(flag.description)} is empty: say what the flag switches`);
    }
  });

  const known = [...declaredAt.keys()].sort(compare);
  for (const [name, value] of Object.entries(props.overrides ?? {})) {
    if (!declaredAt.has(name)) throw new ValidationError(`overrides.${name}`, notOneOf(name, known.length > 0 ? known : ['(no flags)']));
    if (typeof value !== 'boolean') throw new ValidationError(`overrides.${name}`, `${showValue(value)} is not a boolean`);
  }

  for (const [service, config] of Object.entries(props.server?.services ?? {})) {
    checkDnsLabel(`server.services.${service}`, service);
    for (const [key, value] of Object.entries(config)) {
      const at = `server.services.${service}.${key}`;
      if (!PROPERTY_KEY.test(key)) throw new ValidationError(at, `${showValue(key)} is not a property name (letters, digits, ".", "_" and "-")`);
      if (typeof value !== 'string' || /[\r\n]/.test(value)) throw new ValidationError(at, `${showValue(value)} is not a one-line string`);
    }
  }
}

/** A `.properties` file, keys sorted; `\` escaped, the one character of a one-line value that the format interprets. */
function properties(values: Record<string, string>): string {
  return Object.keys(values)
    .sort(compare)
    .map((key) => `${key}=${values[key].replace(/\\/g, '\\\\')}\n`)
    .join('');
}

/** Code-point order: the same on every machine, unlike `localeCompare`. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
