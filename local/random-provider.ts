/**
 * The `random` resource provider's `RandomPassword`, for stacks on the local control plane only (`npm run local`,
 * the e2e tests, the engine bench). Real clusters and AWS use the upstream plugin, which `pulumi` installs.
 *
 * Why: the stack's GeneratedCredentials use @pulumi/random, whose provider plugin is a Go module
 * (github.com/pulumi/pulumi-random/provider/v4) that the Go module proxy here refuses for every version (403), and
 * the local engine never downloads plugins (PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION). This speaks the same
 * provider protocol through @pulumi/pulumi's own provider server, so the engine, the SDK and the program run
 * unchanged; the characters come from Node's CSPRNG (crypto.randomInt), the result is kept as a secret in the
 * state as upstream keeps it. Started by the engine as the ambient plugin `pulumi-resource-random` (a launcher
 * written by `writeRandomProviderLauncher`).
 */
import { randomInt } from 'crypto';
import * as provider from '@pulumi/pulumi/provider';

// Named as the plugin it stands in for, in the process list too: it is how a plugin left running by a killed engine
// is recognised and stopped (local/orphaned-plugins.ts); otherwise it reads as node running a .ts file.
process.title = 'pulumi-resource-random';

/** The @pulumi/random version the lockfile holds: the version the SDK asks the engine for. */
const RANDOM_PROVIDER_VERSION = '4.21.2';
const PASSWORD_TYPE = 'random:index/randomPassword:RandomPassword';

/** The inputs of RandomPassword that shape the result; any change makes a new password, as upstream. */
interface PasswordInputs {
  readonly length: number;
  readonly special?: boolean;
  readonly upper?: boolean;
  readonly lower?: boolean;
  readonly numeric?: boolean;
  readonly overrideSpecial?: string;
  readonly [key: string]: unknown;
}

/** Character classes and the input that switches each on (all on by default, as upstream). */
const CHARACTER_CLASSES: ReadonlyArray<{ readonly input: keyof PasswordInputs; readonly characters: string }> = [
  { input: 'lower', characters: 'abcdefghijklmnopqrstuvwxyz' },
  { input: 'upper', characters: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ' },
  { input: 'numeric', characters: '0123456789' },
  { input: 'special', characters: '!@#$%&*()-_=+[]{}<>:?' },
];

function password(inputs: PasswordInputs): string {
  const alphabet = CHARACTER_CLASSES.filter((c) => inputs[c.input] !== false)
    .map((c) => (c.input === 'special' && inputs.overrideSpecial !== undefined ? inputs.overrideSpecial : c.characters))
    .join('');
  if (alphabet.length === 0) throw new Error('RandomPassword: every character class is switched off');
  return Array.from({ length: inputs.length }, () => alphabet[randomInt(alphabet.length)]).join('');
}

function checkType(urn: string): void {
  // urn:pulumi:<stack>::<project>::<parent types>$<type>::<name>
  const type = urn.split('::')[2]?.split('$').pop();
  if (type !== PASSWORD_TYPE) throw new Error(`the local random provider only implements ${PASSWORD_TYPE}, not ${urn}`);
}

const randomProvider: provider.Provider = {
  version: RANDOM_PROVIDER_VERSION,
  async check(urn, _olds, news) {
    checkType(urn);
    const inputs = news as PasswordInputs;
    if (!Number.isInteger(inputs.length) || inputs.length < 1) return { failures: [{ property: 'length', reason: `${JSON.stringify(inputs.length)} is not a positive integer` }] };
    return { inputs };
  },
  async diff(_id, urn, olds, news) {
    checkType(urn);
    const keys = [...new Set([...Object.keys(news as object), ...Object.keys(olds as object)])].filter((k) => k !== 'result' && k !== 'bcryptHash');
    const changed = keys.filter((k) => JSON.stringify((olds as Record<string, unknown>)[k]) !== JSON.stringify((news as Record<string, unknown>)[k]));
    return { changes: changed.length > 0, replaces: changed, deleteBeforeReplace: false };
  },
  async create(urn, inputs) {
    checkType(urn);
    const result = password(inputs as PasswordInputs);
    return { id: `none-${randomInt(1e9)}`, outs: { ...(inputs as object), result, bcryptHash: '' } };
  },
  async read(id, urn, props) {
    checkType(urn);
    return { id, props };
  },
  async delete() {
    // Nothing lives outside the state.
  },
};

void provider.main(randomProvider, process.argv.slice(2));
