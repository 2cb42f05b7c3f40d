import { Manifest } from '../core/manifest';
import { ManifestDiff } from './manifest-diff';

/**
 * What the cluster's controllers do after `pulumi up` returns, or while it waits, for one step: the work a
 * reviewer should expect to see happen (and to watch) that no object in the diff states by itself.
 */

type Doc = Manifest['document'] & { spec?: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Who reconciles each custom resource kind the phases use, and what it makes. */
const OPERATORS: Readonly<Record<string, string>> = {
  Cluster: 'CloudNativePG creates the PostgreSQL cluster (instances, Services `<name>-rw`/`-ro`, the app Secret)',
  MongoDBCommunity: 'the MongoDB Community operator creates the replica set',
  Kafka: 'Strimzi creates the Kafka cluster',
  KafkaTopic: 'Strimzi creates the topic',
  KafkaUser: 'Strimzi creates the user, its credentials Secret and its ACLs',
  Certificate: 'cert-manager issues the certificate into its Secret',
};

const name = (d: Doc) => `\`${d.metadata.name}\``;

/** One line per controller action the step sets off, in a stable order. */
export function controllerActions(diff: ManifestDiff): string[] {
  const added = diff.added.map((m) => m.document as Doc);
  const removed = diff.removed.map((m) => m.document as Doc);
  const changed = diff.changed.map((c) => c.after.document as Doc);
  const lines: string[] = [];

  for (const job of [...added, ...changed].filter((d) => d.kind === 'Job')) {
    lines.push(`Job ${name(job)} runs to completion; the provider waits for it (it fails the step if the Job fails).`);
  }
  for (const rollout of added.filter((d) => d.kind === 'Rollout')) {
    const target = rollout.spec?.workloadRef?.name as string | undefined;
    const strategy = rollout.spec?.strategy?.blueGreen ? 'blue-green' : 'canary';
    lines.push(
      `Argo Rollouts takes over ${target ? `Deployment \`${target}\`` : name(rollout)} (${strategy}): it starts the Rollout's pods, and once the ` +
        `Rollout is healthy scales the Deployment to 0. Later releases of ${name(rollout)} ${strategy === 'blue-green' ? 'run the smoke test on the preview Service, then wait for `kubectl argo rollouts promote`' : 'follow the canary steps, the first of which waits for `kubectl argo rollouts promote`'}.`,
    );
  }
  const rolloutsAfter = new Set(added.concat(diff.changed.map((c) => c.after.document as Doc)).filter((d) => d.kind === 'Rollout').map((d) => d.metadata.name));
  for (const rollout of removed.filter((d) => d.kind === 'Rollout' && !rolloutsAfter.has(d.metadata.name))) {
    const target = rollout.spec?.workloadRef?.name as string | undefined;
    if (target) {
      lines.push(`Deployment \`${target}\` gets its replicas back (the rollout handover), and the provider waits for its pods before Rollout ${name(rollout)} is deleted.`);
    }
  }
  for (const [kind, action] of Object.entries(OPERATORS)) {
    const objects = added.filter((d) => d.kind === kind);
    if (objects.length > 0) lines.push(`${action}: ${objects.map(name).join(', ')}. The provider does not wait for the operator.`);
  }
  return lines;
}
