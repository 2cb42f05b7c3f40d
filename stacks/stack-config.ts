import * as pulumi from '@pulumi/pulumi';
import { Static, TSchema, Type } from '@sinclair/typebox';
import type { EnvironmentOptions } from '../synthesis/phase-chart';
import { isSupportImage, SUPPORT_IMAGE_NAMES, SupportImage } from '../constructs/support-images';
import { imageReference, parseImageReference } from '../phases/model/image-ref';
import { checkSchema } from '../phases/model/check-schema';
import { PHASES, PhaseNumber } from '../phases/model/phase-spec';
import type { PhaseSelection } from '../phases/select-phase';
import { StringEnum } from '../phases/model/string-enum';
import { ValidationError } from '../core/validation-error';

/** Where the stateful parts run: in the cluster, or as AWS managed services. */
export const TARGETS = ['local', 'aws'] as const;
export type Target = (typeof TARGETS)[number];

const Cidr = Type.String({ format: 'ipv4-cidr', description: 'an IPv4 CIDR block such as 10.0.0.0/16' });

/**
 * Every config key of the project, with its default. Pulumi.yaml declares the same keys (a test keeps the two
 * in step); this schema is what the program checks before it registers anything.
 */
export const StackConfigSchema = Type.Object(
  {
    phase: Type.Unsafe<PhaseNumber>({
      type: 'integer',
      enum: [...PHASES],
      description: 'Migration phase this environment runs (0 monolith ... 4 full microservices); required: a stack without it is refused, never taken for phase 0.',
    }),
    allowPhaseSkip: Type.Boolean({ default: false, description: 'Allow a promotion or rollback by more than one phase from the last deployed one.' }),
    target: StringEnum(TARGETS, 'Where stateful parts run: local (in-cluster operators) or aws (managed services).'),
    replicas: Type.Integer({ minimum: 1, default: 2, description: 'Replicas at rest of every service (the autoscalers\' floor).' }),
    kafkaBrokers: Type.Integer({ minimum: 1, default: 3, description: 'Kafka brokers; with 3 or more, topics get 3 replicas and min.insync.replicas 2.' }),
    backupRetentionDays: Type.Integer({
      minimum: 1,
      maximum: 35,
      default: 7,
      description: 'aws target: days of automated backups kept (RDS and DocumentDB point-in-time recovery, ElastiCache snapshots; AWS allows 1 to 35).',
    }),
    routesToMonolith: Type.Array(Type.String(), { default: [], description: 'Endpoint paths sent back to the monolith in this phase (rollback of one route).' }),
    images: Type.Array(Type.String({ pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?=[^=]+$', description: 'a workload and its image such as user-service=career-copilot/user-service:1.4.3' }), {
      default: [],
      description: `Images that replace the model's, each "workload=repository:version", "workload=repository:version@sha256:digest" or "workload=repository@sha256:digest": a release of one service, images mirrored into a private registry, or the digests the prod stack requires. Besides the workloads, the support images: ${SUPPORT_IMAGE_NAMES.join(', ')}.`,
    }),
    featureFlags: Type.Array(Type.String({ pattern: '^[a-z0-9]([a-z0-9.-]*[a-z0-9])?=(true|false)$', description: 'a flag setting such as ai-job-matching=false' }), {
      default: [],
      description: 'Per-environment feature flag overrides, each "name=true" or "name=false".',
    }),
    domain: Type.String({ format: 'hostname', default: 'api.career-copilot.local', description: 'Public host name of the API gateway.' }),
    clusterCidr: Cidr,
    trustedProxyCidrs: Type.Array(Cidr, {
      default: [],
      description: 'Address ranges of the proxies in front of the API gateway (ingress controller, load balancer); only their X-Forwarded-For names the client that rate limits key on.',
    }),
    tlsClusterIssuer: Type.String({
      default: '',
      pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$',
      description: 'Phase 4: the cert-manager ClusterIssuer that issues the public certificate of the mesh\'s edge (a Certificate in istio-system). With neither this nor tlsSecretName, a local stack gets a self-signed certificate; an aws stack is refused.',
    }),
    tlsSecretName: Type.String({
      default: '',
      pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$',
      description: 'Phase 4: an existing TLS Secret in istio-system with the public certificate, instead of tlsClusterIssuer.',
    }),
    vpcId: Type.String({ default: '', description: 'aws target: VPC of the cluster; the managed data services are placed in it.' }),
    privateSubnetIds: Type.Array(Type.String({ pattern: '^subnet-[0-9a-f]+$', description: 'a subnet id such as subnet-0abc' }), {
      default: [],
      uniqueItems: true,
      description: 'aws target: private subnets (two or more) for the managed data services.',
    }),
    skipAwait: Type.Boolean({ default: false, description: 'Do not wait for workloads to become ready (API servers without kubelets, such as the local test control plane).' }),
  },
  { additionalProperties: false },
);
// Defaults that TypeBox helpers cannot carry inline.
(StackConfigSchema.properties.target as TSchema).default = 'local';
(StackConfigSchema.properties.clusterCidr as TSchema).default = '10.0.0.0/16';
(StackConfigSchema.properties.clusterCidr as TSchema).description = 'CIDR of the cluster\'s nodes and pods: the only network the managed data services admit.';

export type StackConfigValues = Static<typeof StackConfigSchema>;

/** The validated stack config; `kubeconfig` stays a Pulumi secret. */
export interface StackConfig extends StackConfigValues {
  /** @default - the ambient kubeconfig */
  readonly kubeconfig?: pulumi.Output<string>;
}

/** Keys that are not plain values: read as secrets, never validated into plain text. */
export const SECRET_KEYS = ['kubeconfig'] as const;

/** Turns a config string into the type its key declares, leaving it as it is when it does not parse. */
function coerce(schema: TSchema, raw: string): unknown {
  switch (schema.type) {
    // Only the canonical spelling is a number: "03" or "3.0" stay strings, and the schema refuses them.
    case 'integer':
      return /^(0|-?[1-9][0-9]*)$/.test(raw) ? Number(raw) : raw;
    case 'number':
      return /^(0|-?[1-9][0-9]*)(\.[0-9]*[1-9])?$/.test(raw) ? Number(raw) : raw;
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : raw;
    case 'array':
    case 'object':
      try {
        return JSON.parse(raw);
      } catch {
        return raw;
      }
    default:
      return raw;
  }
}

/**
 * Checks raw config values (as Pulumi stores them: strings) against the schema, with defaults for missing keys.
 * Errors name the key, show the value and list what is allowed.
 */
export function parseStackConfig(raw: Record<string, string | undefined>): StackConfigValues {
  const known = [...Object.keys(StackConfigSchema.properties), ...SECRET_KEYS];
  for (const key of Object.keys(raw)) {
    if (!known.includes(key)) throw new ValidationError(key, `is not a config key of this project; keys are ${known.join(', ')}`);
  }
  // Nothing stands in for the phase: a stack that lost it must not be rolled back to phase 0.
  if (raw.phase === undefined || raw.phase.trim() === '') {
    throw new ValidationError('phase', 'is not set; every stack names the phase it runs, 0 to 4: pulumi config set phase N');
  }
  const values: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(StackConfigSchema.properties) as Array<[string, TSchema]>) {
    const value = raw[key];
    values[key] = value === undefined || value === '' ? structuredClone(schema.default) : coerce(schema, value);
  }
  const config = checkSchema(StackConfigSchema, values);
  if (config.clusterCidr.endsWith('/0')) {
    throw new ValidationError('clusterCidr', `${JSON.stringify(config.clusterCidr)} is every address: the data stores would admit the world; give the cluster's own range`);
  }
  config.trustedProxyCidrs.forEach((cidr, i) => {
    if (cidr.endsWith('/0')) throw new ValidationError(`trustedProxyCidrs[${i}]`, `${JSON.stringify(cidr)} would let any client choose its own address; name the proxies' range`);
  });
  config.images.forEach((entry, i) => {
    const [workload, reference] = entry.split('=');
    const first = config.images.findIndex((e) => e.split('=')[0] === workload);
    if (first !== i) throw new ValidationError(`images[${i}]`, `names ${workload} again (images[${first}]); give each workload one image`);
    // A workload's image is checked against the model in selectPhase; a support image's here.
    if (isSupportImage(workload)) parseImageReference(`images.${workload}`, reference);
  });
  if (config.tlsClusterIssuer && config.tlsSecretName) {
    throw new ValidationError('tlsSecretName', `is set with tlsClusterIssuer (${JSON.stringify(config.tlsClusterIssuer)}); the certificate comes from one of them`);
  }
  if (config.target === 'aws' && config.phase === 4 && !config.tlsClusterIssuer && !config.tlsSecretName) {
    throw new ValidationError('tlsClusterIssuer', 'is empty, and so is tlsSecretName: phase 4 serves the public host through the mesh\'s edge, which needs its certificate from one of them');
  }
  if (config.target === 'aws') {
    if (!/^vpc-[0-9a-f]+$/.test(config.vpcId)) throw new ValidationError('vpcId', `${JSON.stringify(config.vpcId)} is not a VPC id such as vpc-0abc; the aws target needs the cluster's VPC`);
    if (config.privateSubnetIds.length < 2) {
      throw new ValidationError('privateSubnetIds', `has ${config.privateSubnetIds.length} subnets; the aws target needs two or more private subnets in different zones`);
    }
  }
  return config;
}

/** The `images` entries as name and reference: the workloads' for `selectPhase`, the support images' for the chart. */
function imageEntries(config: StackConfigValues): { workloads: Record<string, string>; support: Partial<Record<SupportImage, string>> } {
  const entries = config.images.map((entry) => entry.split('=') as [string, string]);
  return {
    workloads: Object.fromEntries(entries.filter(([name]) => !isSupportImage(name))),
    support: Object.fromEntries(entries.filter(([name]) => isSupportImage(name)).map(([name, reference]) => [name, imageReference(parseImageReference(`images.${name}`, reference))])),
  };
}

/** What the stack's config chooses about every phase it runs, for `selectPhase`. */
export function phaseSelectionOf(config: StackConfigValues): PhaseSelection {
  return { routesToMonolith: config.routesToMonolith, images: imageEntries(config).workloads };
}

/**
 * The environment a stack's config asks the phase to be synthesized for: the program deploys it, the promotion
 * plan and the e2e expectations rebuild it from the same config, so all three see the same objects.
 */
export function environmentOf(config: StackConfigValues): EnvironmentOptions {
  return {
    replicas: config.replicas,
    kafkaBrokers: config.kafkaBrokers,
    featureFlagOverrides: config.featureFlags,
    domain: config.domain,
    inClusterData: config.target === 'local',
    // On aws the managed services sit in the cluster's VPC: the network policies admit that range.
    externalDataCidr: config.clusterCidr,
    trustedProxyCidrs: config.trustedProxyCidrs,
    tls: { clusterIssuer: config.tlsClusterIssuer || undefined, secretName: config.tlsSecretName || undefined },
    supportImages: imageEntries(config).support,
  };
}

/**
 * Reads the stack's whole config in the project's namespace from Pulumi and validates it, so that a misspelt key
 * (`phaze`) is refused rather than ignored; nothing is registered before this returns.
 */
export function readStackConfig(config: pulumi.Config): StackConfig {
  const prefix = `${config.name}:`;
  const present = Object.keys(pulumi.runtime.allConfig()).filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
  const raw = Object.fromEntries(present.filter((k) => !(SECRET_KEYS as readonly string[]).includes(k)).map((k) => [k, config.get(k)]));
  for (const key of SECRET_KEYS) if (present.includes(key)) raw[key] = undefined;
  const values = parseStackConfig(raw);
  return { ...values, kubeconfig: config.get('kubeconfig') ? config.requireSecret('kubeconfig') : undefined };
}
