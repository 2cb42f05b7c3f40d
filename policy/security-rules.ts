import { DataEngine } from '../phases/model/data-store';
import { at, elements, firstDefined, isRecord, kindKey, Located, namespaceOf, objectRef, PlainObject, root } from './located';
import { ContainerTemplate, POD_TEMPLATE_KINDS, PodTemplate, podTemplates } from './pod-templates';

/**
 * The security policy as data: one table of rules over single objects and one over the objects of a namespace.
 * The rules are pure functions of plain objects, so the same table checks synthesized manifests in jest and
 * Pulumi resources in the policy pack (`policy/pack`).
 */

/** What a rule found wrong in one object, and where. */
export interface RuleFinding {
  /** JSON path in the object, such as `spec.template.spec.containers[0].securityContext.privileged`. */
  readonly path: string;
  readonly message: string;
}

/** A rule over one object. */
export interface ObjectRule {
  readonly id: string;
  readonly description: string;
  /** The kinds it checks, as `group/Kind` (`apps/Deployment`) or `Kind` for the core group. */
  readonly appliesTo: readonly string[];
  /** The Pulumi stacks it applies to. @default - every stack, and manifests checked without one */
  readonly stacks?: readonly string[];
  check(object: PlainObject): RuleFinding[];
}

/** A rule over all the objects of a deployment (a phase, a stack), checked per namespace. */
export interface NamespaceRule {
  readonly id: string;
  readonly description: string;
  check(objects: readonly PlainObject[]): Violation[];
}

/** A finding with the rule and the object it is about. */
export interface Violation {
  readonly ruleId: string;
  /** `apps/Deployment career-copilot/user-service`, or `Namespace career-copilot` for a namespace rule. */
  readonly object: string;
  /** JSON path in the object; empty for a namespace rule, which is about the namespace as a whole. */
  readonly path: string;
  readonly message: string;
}

/**
 * The data-store engines whose pods mount a service-account token, by their custom resource's kind, and why.
 * Keyed by engine, so that the compiler names this table for a new engine.
 */
const ENGINE_TOKEN_EXCEPTIONS: Readonly<Record<DataEngine, Readonly<Record<string, string>>>> = {
  postgresql: {
    'postgresql.cnpg.io/Cluster':
      "CloudNativePG's instance manager runs in every PostgreSQL pod and talks to the API server (it watches its Cluster, elects the primary and writes status), so the operator mounts the token of the role it creates for the cluster",
  },
  mongodb: {
    'mongodbcommunity.mongodb.com/MongoDBCommunity':
      "the MongoDB agent and its readiness probe read the automation config and patch their own pod through the API server, with the narrow role the operator's service account has",
  },
  // Our StatefulSet's pods mount none.
  redis: {},
};

/**
 * Pods that mount a service-account token, and why they must. A key is a kind (`group/Kind`: every object of it)
 * or `group/Kind namespace/name` (one object). Every other pod must set `automountServiceAccountToken: false`.
 */
export const SERVICE_ACCOUNT_TOKEN_EXCEPTIONS: Readonly<Record<string, string>> = {
  ...Object.assign({}, ...Object.values(ENGINE_TOKEN_EXCEPTIONS)),
  'kafka.strimzi.io/Kafka':
    "the entity operator's topic and user operators watch KafkaTopic and KafkaUser resources and write the users' Secrets through the API server",
  'kafka.strimzi.io/KafkaNodePool':
    "Strimzi's pod template has no automountServiceAccountToken field, so the operator decides; the brokers' service account is bound to no role unless rack awareness is configured, which this event bus does not use",
};

const ALLOWED_SECCOMP_PROFILES = ['RuntimeDefault', 'Localhost'];
const ALLOWED_ADDED_CAPABILITIES = ['NET_BIND_SERVICE'];
/** The volume types the restricted Pod Security Standard allows. */
const RESTRICTED_VOLUME_TYPES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
const HOST_NAMESPACES = ['hostNetwork', 'hostPID', 'hostIPC'];
const RESOURCE_FIELDS: ReadonlyArray<readonly [string, string]> = [['requests', 'cpu'], ['requests', 'memory'], ['limits', 'cpu'], ['limits', 'memory']];
/** The namespace whose PeerAuthentication applies to the whole mesh. */
export const ISTIO_ROOT_NAMESPACE = 'istio-system';

const DIGEST = /@sha256:[a-f0-9]{64}$/;

/**
 * Stacks that run only images pinned by digest (`repository:version@sha256:<digest>`): a tag can be moved to other
 * content after a review, a digest cannot. The program refuses such a stack's config before it registers anything
 * (stacks/image-digests.ts), and rule image-digest-pinned refuses its resources in the policy pack.
 */
export const DIGEST_PINNED_STACKS: readonly string[] = ['prod'];

/**
 * The kinds whose pod templates name their images themselves. The operators' resources are left out: CloudNativePG,
 * the MongoDB operator and Strimzi choose their pods' images from a version (prod runs AWS managed services
 * instead of any of them).
 */
const IMAGE_DIGEST_KINDS: readonly string[] = [
  'Pod',
  'apps/Deployment',
  'apps/StatefulSet',
  'apps/DaemonSet',
  'apps/ReplicaSet',
  'batch/Job',
  'batch/CronJob',
  'argoproj.io/Rollout',
  'argoproj.io/AnalysisTemplate',
  'argoproj.io/ClusterAnalysisTemplate',
];
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const VERSION = /^v?\d+(\.\d+){1,3}([-+.][A-Za-z0-9.-]+)?$/;

const show = (value: unknown): string => (value === undefined ? 'unset' : JSON.stringify(value));
const finding = (located: Located, message: string): RuleFinding => ({ path: located.path, message });

/** Why `image` is not pinned, or undefined when it is. */
export function imagePinProblem(image: unknown): string | undefined {
  if (typeof image !== 'string' || image === '') return `${show(image)} is not an image reference`;
  if (DIGEST.test(image)) return undefined;
  if (image.includes('@')) return `${show(image)} has a malformed digest: give repository@sha256:<64 hex digits>`;
  const name = image.slice(image.lastIndexOf('/') + 1);
  if (name.includes(':sha256:')) return `${show(image)} puts a digest after ":": give repository@sha256:<digest>`;
  const colon = name.lastIndexOf(':');
  if (colon < 0) return `${show(image)} is untagged, so the runtime pulls latest: give repository:version or repository@sha256:digest`;
  const tag = name.slice(colon + 1);
  if (tag === 'latest') return `${show(image)} uses latest: give repository:version or repository@sha256:digest`;
  if (!TAG.test(tag)) return `${show(image)} has a malformed tag`;
  return undefined;
}

/** Why `image` is not pinned by digest, or undefined when it is. */
export function imageDigestProblem(image: unknown): string | undefined {
  if (typeof image === 'string' && DIGEST.test(image)) return undefined;
  return `${show(image)} has no digest: this stack runs only images pinned by digest (repository:version@sha256:<digest>), so that what runs is what was reviewed; a tag can be moved`;
}

/** A rule over every pod template of the kinds that make pods. */
function podRule(id: string, description: string, check: (pod: PodTemplate, object: PlainObject) => RuleFinding[]): ObjectRule {
  return { id, description, appliesTo: POD_TEMPLATE_KINDS, check: (object) => podTemplates(object).flatMap((pod) => check(pod, object)) };
}

/** A rule over every container of every pod template. */
function containerRule(id: string, description: string, check: (container: ContainerTemplate, pod: PodTemplate) => RuleFinding[]): ObjectRule {
  return podRule(id, description, (pod) => pod.containers.flatMap((container) => check(container, pod)));
}

/** A container's setting, or the pod's when the container leaves it unset (as the kubelet resolves it). */
function effective(container: ContainerTemplate, pod: PodTemplate, ...keys: string[]): Located {
  return firstDefined(at(container.securityContext, ...keys), at(pod.securityContext, ...keys));
}

function tokenException(object: PlainObject): string | undefined {
  const name = isRecord(object.metadata) ? object.metadata.name : undefined;
  return SERVICE_ACCOUNT_TOKEN_EXCEPTIONS[`${kindKey(object)} ${namespaceOf(object)}/${String(name)}`] ?? SERVICE_ACCOUNT_TOKEN_EXCEPTIONS[kindKey(object)];
}

function nonEmptyRecord(value: unknown): boolean {
  return isRecord(value) && Object.keys(value).length > 0;
}

/** The rules over single objects. */
export const SECURITY_RULES: readonly ObjectRule[] = [
  containerRule('pod-run-as-non-root', 'every container runs as non-root (runAsNonRoot true, never UID 0)', (container, pod) => {
    const found: RuleFinding[] = [];
    const nonRoot = effective(container, pod, 'runAsNonRoot');
    if (nonRoot.value !== true) found.push(finding(at(container.securityContext, 'runAsNonRoot'), `${show(nonRoot.value)}: runAsNonRoot must be true on the container or its pod`));
    for (const user of [at(pod.securityContext, 'runAsUser'), at(container.securityContext, 'runAsUser')]) {
      if (user.value === 0) found.push(finding(user, 'runs as root (UID 0)'));
    }
    if (at(pod.securityContext, 'runAsNonRoot').value === false) found.push(finding(at(pod.securityContext, 'runAsNonRoot'), 'false: the pod allows root'));
    return found;
  }),
  containerRule('pod-no-privilege-escalation', 'every container sets allowPrivilegeEscalation: false', (container) => {
    const value = at(container.securityContext, 'allowPrivilegeEscalation');
    return value.value === false ? [] : [finding(value, `${show(value.value)}: must be false`)];
  }),
  containerRule('pod-drop-all-capabilities', 'every container drops ALL capabilities and adds none but NET_BIND_SERVICE', (container) => {
    const found: RuleFinding[] = [];
    const drop = at(container.securityContext, 'capabilities', 'drop');
    if (!Array.isArray(drop.value) || !drop.value.includes('ALL')) found.push(finding(drop, `${show(drop.value)}: must include ALL`));
    for (const added of elements(at(container.securityContext, 'capabilities', 'add'))) {
      if (!ALLOWED_ADDED_CAPABILITIES.includes(added.value as string)) found.push(finding(added, `${show(added.value)} is not one of ${ALLOWED_ADDED_CAPABILITIES.join(', ')}`));
    }
    return found;
  }),
  podRule('pod-seccomp-profile', 'every container runs under the RuntimeDefault or a Localhost seccomp profile', (pod) => {
    const found: RuleFinding[] = [];
    const podProfile = at(pod.securityContext, 'seccompProfile', 'type');
    if (podProfile.value !== undefined && !ALLOWED_SECCOMP_PROFILES.includes(podProfile.value as string)) {
      found.push(finding(podProfile, `${show(podProfile.value)} is not one of ${ALLOWED_SECCOMP_PROFILES.join(', ')}`));
    }
    for (const container of pod.containers) {
      const own = at(container.securityContext, 'seccompProfile', 'type');
      const profile = effective(container, pod, 'seccompProfile', 'type');
      if (own.value !== undefined ? !ALLOWED_SECCOMP_PROFILES.includes(own.value as string) : profile.value === undefined) {
        found.push(finding(own, `${show(own.value)}: give RuntimeDefault or Localhost on the container or its pod`));
      }
    }
    return found;
  }),
  podRule('pod-volume-types', 'pods use only the volume types the restricted standard allows; never hostPath', (pod) =>
    elements(at(pod.podSpec ?? { path: pod.path, value: undefined }, 'volumes')).flatMap((volume) => {
      if (isRecord(volume.value) && volume.value.hostPath !== undefined) return [finding(at(volume, 'hostPath'), 'hostPath volumes expose the node\'s filesystem')];
      const types = isRecord(volume.value) ? Object.keys(volume.value).filter((k) => k !== 'name') : [];
      return types.filter((t) => !RESTRICTED_VOLUME_TYPES.includes(t)).map((t) => finding(at(volume, t), `${t} is not one of ${RESTRICTED_VOLUME_TYPES.join(', ')}`));
    }),
  ),
  podRule('pod-no-host-namespaces', 'pods share no host namespace (hostNetwork, hostPID, hostIPC)', (pod) =>
    pod.podSpec === undefined ? [] : HOST_NAMESPACES.map((field) => at(pod.podSpec!, field)).filter((f) => f.value === true).map((f) => finding(f, 'must not be true')),
  ),
  containerRule('pod-not-privileged', 'no container is privileged', (container) => {
    const value = at(container.securityContext, 'privileged');
    return value.value === true ? [finding(value, 'privileged containers have every host device and capability')] : [];
  }),
  containerRule('container-resources', 'every container has cpu and memory requests and limits', (container) =>
    RESOURCE_FIELDS.map((keys) => at(container.resources, ...keys))
      .filter((q) => !((typeof q.value === 'string' && q.value !== '') || typeof q.value === 'number'))
      .map((q) => finding(q, `${show(q.value)}: give a quantity`)),
  ),
  podRule('image-pinned', 'every image is pinned by version or digest, never latest or untagged', (pod) => [
    ...pod.containers.flatMap((c) => (c.image === undefined ? [] : [c.image])).flatMap((image) => {
      const problem = imagePinProblem(image.value);
      return problem ? [finding(image, problem)] : [];
    }),
    ...pod.versions.filter((v) => typeof v.value !== 'string' || !VERSION.test(v.value)).map((v) => finding(v, `${show(v.value)}: the operator picks its images from this version; give one such as 7.0.12`)),
  ]),
  {
    id: 'image-digest-pinned',
    description: `in the stacks ${DIGEST_PINNED_STACKS.join(', ')}, every image of a pod template is pinned by digest, never by a tag alone`,
    appliesTo: IMAGE_DIGEST_KINDS,
    stacks: DIGEST_PINNED_STACKS,
    check: (object) =>
      podTemplates(object).flatMap((pod) => pod.containers.flatMap((c) => (c.image === undefined ? [] : [c.image]))).flatMap((image) => {
        const problem = imageDigestProblem(image.value);
        return problem ? [finding(image, problem)] : [];
      }),
  },
  containerRule('read-only-root-filesystem', 'every container has a read-only root filesystem', (container) => {
    const value = at(container.securityContext, 'readOnlyRootFilesystem');
    return value.value === true ? [] : [finding(value, `${show(value.value)}: must be true (mount an emptyDir where the process writes)`)];
  }),
  podRule('service-account-token-not-mounted', 'pods mount no service-account token, unless named in SERVICE_ACCOUNT_TOKEN_EXCEPTIONS with the reason', (pod, object) => {
    if (tokenException(object) !== undefined) return [];
    if (pod.podSpec === undefined) return [finding({ path: pod.path, value: undefined }, 'the operator decides whether these pods mount a token: name the kind in SERVICE_ACCOUNT_TOKEN_EXCEPTIONS with the reason')];
    const mount = at(pod.podSpec, 'automountServiceAccountToken');
    return mount.value === false ? [] : [finding(mount, `${show(mount.value)}: must be false, or the workload named in SERVICE_ACCOUNT_TOKEN_EXCEPTIONS`)];
  }),
  {
    id: 'secret-no-literal-data',
    description: 'no Secret carries literal data or stringData: credentials come from operators or generated Pulumi secrets',
    appliesTo: ['Secret'],
    check: (object) =>
      ['data', 'stringData'].map((field) => at(root(object), field)).filter((f) => nonEmptyRecord(f.value)).map((f) => finding(f, 'a Secret with literal values puts credentials in the manifest')),
  },
  {
    id: 'peer-authentication-strict',
    description: 'no PeerAuthentication weakens mutual TLS (PERMISSIVE or DISABLE), for the workload or a port',
    appliesTo: ['security.istio.io/PeerAuthentication'],
    check: (object) => {
      const spec = at(root(object), 'spec');
      const modes = [at(spec, 'mtls', 'mode'), ...Object.keys(isRecord(at(spec, 'portLevelMtls').value) ? at(spec, 'portLevelMtls').value as object : {}).map((port) => at(spec, 'portLevelMtls', port, 'mode'))];
      return modes.filter((m) => m.value === 'PERMISSIVE' || m.value === 'DISABLE').map((m) => finding(m, `${show(m.value)}: must be STRICT (or UNSET, inheriting STRICT)`));
    },
  },
  {
    id: 'namespace-pod-security-restricted',
    description: 'every Namespace enforces the restricted Pod Security Standard, so the API server refuses what these rules miss',
    appliesTo: ['Namespace'],
    check: (object) => {
      const label = at(root(object), 'metadata', 'labels', 'pod-security.kubernetes.io/enforce');
      return label.value === 'restricted' ? [] : [finding(label, `${show(label.value)}: must be restricted`)];
    },
  },
];

/** Namespaces that run pods: those of every object of a kind that makes pods. */
function workloadNamespaces(objects: readonly PlainObject[]): string[] {
  return [...new Set(objects.filter((o) => POD_TEMPLATE_KINDS.includes(kindKey(o))).map(namespaceOf))].sort();
}

function emptySelector(selector: unknown): boolean {
  if (selector === undefined) return true;
  if (!isRecord(selector)) return false;
  return !nonEmptyRecord(selector.matchLabels) && !(Array.isArray(selector.matchExpressions) && selector.matchExpressions.length > 0);
}

/** A NetworkPolicy that selects every pod and allows nothing in either direction. */
function isDefaultDeny(object: PlainObject): boolean {
  const spec = object.spec;
  if (kindKey(object) !== 'networking.k8s.io/NetworkPolicy' || !isRecord(spec)) return false;
  const types = Array.isArray(spec.policyTypes) ? spec.policyTypes : [];
  const noRules = (rules: unknown) => rules === undefined || (Array.isArray(rules) && rules.length === 0);
  return isRecord(spec.podSelector) && emptySelector(spec.podSelector) && types.includes('Ingress') && types.includes('Egress') && noRules(spec.ingress) && noRules(spec.egress);
}

/** A PeerAuthentication for every workload of its namespace with STRICT mutual TLS. */
function isStrictForNamespace(object: PlainObject): boolean {
  const spec = object.spec;
  return kindKey(object) === 'security.istio.io/PeerAuthentication' && isRecord(spec) && emptySelector(spec.selector) && isRecord(spec.mtls) && spec.mtls.mode === 'STRICT';
}

const isIstio = (object: PlainObject): boolean => kindKey(object).split('/')[0].endsWith('istio.io');

/** The rules over the objects of each namespace. */
export const NAMESPACE_RULES: readonly NamespaceRule[] = [
  {
    id: 'namespace-default-deny',
    description: 'every namespace with workloads has a default-deny NetworkPolicy (empty podSelector, Ingress and Egress, no rules)',
    check: (objects) =>
      workloadNamespaces(objects)
        .filter((ns) => !objects.some((o) => namespaceOf(o) === ns && isDefaultDeny(o)))
        .map((ns) => ({ ruleId: 'namespace-default-deny', object: `Namespace ${ns}`, path: '', message: 'runs pods but has no NetworkPolicy with podSelector {} and policyTypes [Ingress, Egress] and no rules' })),
  },
  {
    id: 'mesh-mtls-strict',
    description: 'once the mesh is there (any Istio object), every namespace with workloads has a namespace-wide PeerAuthentication with mtls STRICT',
    check: (objects) => {
      if (!objects.some(isIstio)) return [];
      const meshWide = objects.some((o) => namespaceOf(o) === ISTIO_ROOT_NAMESPACE && isStrictForNamespace(o));
      return workloadNamespaces(objects)
        .filter((ns) => !meshWide && !objects.some((o) => namespaceOf(o) === ns && isStrictForNamespace(o)))
        .map((ns) => ({ ruleId: 'mesh-mtls-strict', object: `Namespace ${ns}`, path: '', message: `the mesh is present but no PeerAuthentication without selector sets mtls.mode STRICT here or in ${ISTIO_ROOT_NAMESPACE}` }));
    },
  },
];

/** Whether `rule` applies to the resources of `stack` (undefined: manifests checked without a stack). */
export function ruleAppliesToStack(rule: ObjectRule, stack: string | undefined): boolean {
  return rule.stacks === undefined || (stack !== undefined && rule.stacks.includes(stack));
}

/** The violations of the object rules that apply to `object`, in `stack` when it is given. */
export function checkObject(object: PlainObject, rules: readonly ObjectRule[] = SECURITY_RULES, stack?: string): Violation[] {
  const kind = kindKey(object);
  return rules
    .filter((rule) => rule.appliesTo.includes(kind) && ruleAppliesToStack(rule, stack))
    .flatMap((rule) => rule.check(object).map((f) => ({ ruleId: rule.id, object: objectRef(object), path: f.path, message: f.message })));
}

/** Every violation of the object rules and the namespace rules in a set of objects (a phase, a stack). */
export function checkManifests(objects: readonly PlainObject[], stack?: string): Violation[] {
  return [...objects.flatMap((o) => checkObject(o, SECURITY_RULES, stack)), ...NAMESPACE_RULES.flatMap((rule) => rule.check(objects))];
}

/** `pod-not-privileged: apps/Deployment ns/name spec...privileged: message`. */
export function formatViolation(violation: Violation): string {
  const where = violation.path === '' ? violation.object : `${violation.object} ${violation.path}`;
  return `${violation.ruleId}: ${where}: ${violation.message}`;
}
