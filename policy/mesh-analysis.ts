import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { toYaml } from '../synthesis/manifest-files';
import { KubernetesObject } from '../core/manifest';
import { isRecord } from './located';

/**
 * Istio's analyzers (tools/istio-analyze, the checks `istioctl analyze` runs) over what a stack deploys at a phase,
 * judged against `policy/mesh-analysis-exceptions.yaml`: every message must be matched by a reasoned exception,
 * and every exception must still match a message.
 *
 * The analyzers judge routing against pods and namespaces, which a rendered phase does not hold. The input is
 * completed as a running cluster would be: one pod per pod template (what the controllers make from it) and the
 * objects the cluster's prerequisites provide before the stack runs.
 */

/** Namespaces the README's cluster requirements create before the stack runs, and phase 4 refers to. */
export const PREREQUISITE_NAMESPACES = ['istio-system', 'monitoring'] as const;

/** One message of the analyzers (istioctl's `-o json` fields). */
export interface MeshMessage {
  readonly code: string;
  readonly level: 'Error' | 'Warning' | 'Info';
  readonly message: string;
  /** `Kind namespace/name` of the object the message is about. */
  readonly origin: string;
  /** `file:line` of that object, when known. */
  readonly reference?: string;
}

/** A message where it was seen: the stack and phase whose objects were analysed. */
export interface SeenMessage extends MeshMessage {
  readonly stack: string;
  readonly phase: number;
}

/** A reasoned exception: a message code, narrowed by origin, stacks and phases. */
export interface MeshException {
  readonly code: string;
  /** Regular expression over the origin (`Kind namespace/name`). @default - every origin */
  readonly origin?: string;
  /** @default - every stack */
  readonly stacks?: readonly string[];
  /** @default - every phase */
  readonly phases?: readonly number[];
  readonly reason: string;
}

/** The verdict on a set of messages. */
export interface MeshVerdict {
  readonly excepted: ReadonlyArray<SeenMessage & { readonly exception: number }>;
  readonly unexcepted: readonly SeenMessage[];
  /** Indexes of exceptions that matched nothing. */
  readonly stale: readonly number[];
}

type Doc = KubernetesObject & Record<string, unknown>;
type PodTemplateSpec = { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: unknown };

/** Where each kind keeps its pod template(s). */
function podTemplates(doc: Doc): PodTemplateSpec[] {
  const spec = isRecord(doc.spec) ? doc.spec : {};
  switch (doc.kind) {
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'Job':
      return isRecord(spec.template) ? [spec.template as PodTemplateSpec] : [];
    case 'Rollout':
      // With workloadRef the referenced Deployment's template is the pods', and is taken from the Deployment.
      return isRecord(spec.template) ? [spec.template as PodTemplateSpec] : [];
    case 'CronJob': {
      const job = isRecord(spec.jobTemplate) && isRecord(spec.jobTemplate.spec) ? spec.jobTemplate.spec : {};
      return isRecord(job.template) ? [job.template as PodTemplateSpec] : [];
    }
    case 'AnalysisTemplate':
      return (Array.isArray(spec.metrics) ? spec.metrics : []).flatMap((metric: unknown) => {
        const job = isRecord(metric) && isRecord(metric.provider) && isRecord(metric.provider.job) ? metric.provider.job : undefined;
        return job && isRecord(job.spec) && isRecord(job.spec.template) ? [job.spec.template as PodTemplateSpec] : [];
      });
    default:
      return [];
  }
}

/**
 * One pod per pod template, as its controller would create it (before sidecar injection): the template's labels,
 * annotations and spec, in the object's namespace.
 */
export function samplePods(documents: readonly KubernetesObject[]): KubernetesObject[] {
  return documents.flatMap((document) => {
    const doc = document as Doc;
    return podTemplates(doc).map((template, i) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `${doc.metadata.name}-${doc.kind.toLowerCase()}${i === 0 ? '' : `-${i}`}-sample`,
        ...(doc.metadata.namespace ? { namespace: doc.metadata.namespace } : {}),
        labels: { ...(template.metadata?.labels ?? {}) },
        annotations: { ...(template.metadata?.annotations ?? {}) },
      },
      spec: template.spec ?? {},
    }));
  });
}

/**
 * What the cluster holds before the stack runs: the prerequisite namespaces, and the TLS Secret of each
 * cert-manager `Certificate` (cert-manager writes it) or the one the stack config names as existing, holding
 * `certificate` (a stand-in: the analyzers check that the credential is a valid certificate).
 */
export function prerequisiteObjects(
  documents: readonly KubernetesObject[],
  certificate: { readonly cert: string; readonly key: string },
  existingTlsSecret?: { readonly name: string; readonly namespace: string },
): KubernetesObject[] {
  const data = { 'tls.crt': Buffer.from(certificate.cert).toString('base64'), 'tls.key': Buffer.from(certificate.key).toString('base64') };
  const tls = (name: string, namespace: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, type: 'kubernetes.io/tls', data });
  const certificates = documents.filter((d) => d.kind === 'Certificate').map((d) => {
    const spec = (d as Doc).spec as { secretName: string };
    return tls(spec.secretName, d.metadata.namespace ?? 'default');
  });
  return [
    ...PREREQUISITE_NAMESPACES.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })),
    ...certificates,
    ...(existingTlsSecret ? [tls(existingTlsSecret.name, existingTlsSecret.namespace)] : []),
  ];
}

const LEVELS = ['Error', 'Warning', 'Info'] as const;

/** The messages of `istio-analyze -o json`. */
export function readMeshMessages(json: string): MeshMessage[] {
  const parsed: unknown = JSON.parse(json);
  if (!Array.isArray(parsed)) throw new Error('istio-analyze -o json: expected an array of messages');
  return parsed.map((m: unknown, i) => {
    if (!isRecord(m) || typeof m.code !== 'string' || typeof m.message !== 'string' || !(LEVELS as readonly unknown[]).includes(m.level)) {
      throw new Error(`istio-analyze -o json: message ${i} lacks code, level or message`);
    }
    return {
      code: m.code,
      level: m.level as MeshMessage['level'],
      message: m.message,
      origin: typeof m.origin === 'string' ? m.origin : '',
      ...(typeof m.reference === 'string' ? { reference: m.reference } : {}),
    };
  });
}

/** Reasons shorter than this say nothing; an exception must explain itself. */
const MIN_REASON_LENGTH = 80;
const CODE = /^IST\d{4}$/;

/** The exceptions file, checked: a code, a compilable origin pattern, known stacks and phases, a real reason. */
export function readMeshExceptions(text: string, known: { stacks: readonly string[]; phases: readonly number[] }): MeshException[] {
  const document: unknown = parse(text);
  const list = isRecord(document) ? document.exceptions : undefined;
  if (!Array.isArray(list)) throw new Error('mesh analysis exceptions: `exceptions` must be a list');
  return list.map((entry: unknown, i) => {
    const field = `exceptions[${i}]`;
    if (!isRecord(entry)) throw new Error(`${field}: must be a mapping with code, reason and optionally origin, stacks, phases`);
    const { code, origin, stacks, phases, reason } = entry;
    const unknownKeys = Object.keys(entry).filter((k) => !['code', 'origin', 'stacks', 'phases', 'reason'].includes(k));
    if (unknownKeys.length > 0) throw new Error(`${field}.${unknownKeys[0]}: unknown field; allowed: code, origin, stacks, phases, reason`);
    if (typeof code !== 'string' || !CODE.test(code)) throw new Error(`${field}.code: ${JSON.stringify(code)} is not an analyzer message code such as IST0101`);
    if (origin !== undefined) {
      if (typeof origin !== 'string') throw new Error(`${field}.origin: must be a regular expression over "Kind namespace/name"`);
      new RegExp(origin); // throws on a malformed pattern
    }
    if (stacks !== undefined && (!Array.isArray(stacks) || stacks.length === 0 || stacks.some((s) => !known.stacks.includes(s as string)))) {
      throw new Error(`${field}.stacks: ${JSON.stringify(stacks)} must be a non-empty list of ${known.stacks.join(', ')}`);
    }
    if (phases !== undefined && (!Array.isArray(phases) || phases.length === 0 || phases.some((p) => !known.phases.includes(p as number)))) {
      throw new Error(`${field}.phases: ${JSON.stringify(phases)} must be a non-empty list of ${known.phases.join(', ')}`);
    }
    if (typeof reason !== 'string' || reason.trim().length < MIN_REASON_LENGTH) {
      throw new Error(`${field}.reason: give the reason the message does not apply or why accepting it is right (at least ${MIN_REASON_LENGTH} characters)`);
    }
    return {
      code,
      reason: reason.trim(),
      ...(origin !== undefined ? { origin: origin as string } : {}),
      ...(stacks !== undefined ? { stacks: stacks as string[] } : {}),
      ...(phases !== undefined ? { phases: phases as number[] } : {}),
    };
  });
}

/** Matches each message to the first exception that covers it. */
export function judgeMeshMessages(messages: readonly SeenMessage[], exceptions: readonly MeshException[]): MeshVerdict {
  const patterns = exceptions.map((e) => (e.origin !== undefined ? new RegExp(`^(?:${e.origin})$`) : undefined));
  const used = new Set<number>();
  const excepted: Array<SeenMessage & { exception: number }> = [];
  const unexcepted: SeenMessage[] = [];
  for (const message of messages) {
    const index = exceptions.findIndex((e, i) =>
      e.code === message.code &&
      (patterns[i] === undefined || patterns[i]!.test(message.origin)) &&
      (e.stacks === undefined || e.stacks.includes(message.stack)) &&
      (e.phases === undefined || e.phases.includes(message.phase)));
    if (index < 0) {
      unexcepted.push(message);
    } else {
      used.add(index);
      excepted.push({ ...message, exception: index });
    }
  }
  return { excepted, unexcepted, stale: exceptions.map((_, i) => i).filter((i) => !used.has(i)) };
}

/** One line per message: where, what and which object. */
export function formatMeshMessage(m: SeenMessage): string {
  return `${m.stack} phase ${m.phase}: ${m.level} [${m.code}] (${m.origin}) ${m.message}`;
}

/**
 * A throwaway self-signed certificate and key in `dir`, standing in for what cert-manager (or the operator) puts
 * in the TLS Secrets; `dir` is the caller's temporary folder, removed after the run.
 */
function throwawayCertificate(dir: string): { cert: string; key: string } {
  const key = path.join(dir, 'tls.key');
  const cert = path.join(dir, 'tls.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=analyze-mesh', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { cert: fs.readFileSync(cert, 'utf8'), key: fs.readFileSync(key, 'utf8') };
}

/**
 * Runs the analyzer over `documents` completed with their sample pods and the prerequisites, in folder `dir`
 * (created). Returns its messages, how many objects were added and its own summary line.
 */
export function analyzeObjects(
  analyzer: string,
  documents: readonly KubernetesObject[],
  dir: string,
  existingTlsSecret?: { readonly name: string; readonly namespace: string },
): { messages: MeshMessage[]; added: number; summary: string } {
  fs.mkdirSync(dir, { recursive: true });
  const added = [...samplePods(documents), ...prerequisiteObjects(documents, throwawayCertificate(dir), existingTlsSecret)];
  const file = path.join(dir, 'objects.yaml');
  fs.writeFileSync(file, [...documents, ...added].map(toYaml).join('---\n'));
  const run = spawnSync(analyzer, ['-o', 'json', file], { encoding: 'utf8' });
  // 79: messages at the failure threshold, which the caller judges; any other non-zero status is a failure.
  if (run.status !== 0 && run.status !== 79) throw new Error(`${analyzer} exited ${run.status}: ${run.stderr.trim()}`);
  return { messages: readMeshMessages(run.stdout), added: added.length, summary: run.stderr.trim().split('\n').pop() ?? '' };
}
