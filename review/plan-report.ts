import { HYBRID_FALLBACK_RULE } from '../constructs/nginx-gateway-config';
import { Manifest } from '../core/manifest';
import { RouteStatus } from '../phases/model/endpoint';
import { diffFields, FieldChange, formatPath, showField } from './field-diff';
import { ObjectChange, objectLabel } from './manifest-diff';
import { GatewayLimits } from './gateway-limits';
import { CostCheck, PromotionPlan } from './promotion-plan';
import { Requests } from './resource-requests';
import { diffLines } from './text-diff';
import { TRANSITION_RULES } from './transition-check';

/** GitHub's limit on the body of a pull-request comment. */
export const COMMENT_LIMIT = 65536;
/** An object with more diff lines than this shows them in a collapsed `<details>`. */
const INLINE_DIFF_LINES = 3;
/** Lines of a multi-line text diff shown before the rest is counted. */
const TEXT_DIFF_LINES = 12;

/** Options of `renderPlanReport`. */
export interface PlanReportOptions {
  /** Where the plan was built for, e.g. "stack `dev` (target local)". @default "the model's defaults (data in the cluster)" */
  readonly environment?: string;
  /** @default COMMENT_LIMIT */
  readonly limit?: number;
}

const cores = (r: Requests) => `${(r.cpuMillis / 1000).toFixed(2)} cores`;
const gibibytes = (r: Requests) => `${(r.memoryMebibytes / 1024).toFixed(2)} GiB`;
const signed = (value: number) => `${value >= 0 ? '+' : ''}${value.toFixed(1)}%`;
const code = (text: string) => `\`${text.replace(/`/g, "'")}\``;

/** What a route's status does, in the plan's words. */
const ROUTE_MEANING: Record<RouteStatus, (r: { service: string; monolith: string }) => string> = {
  monolith: (r) => `${r.monolith} only`,
  shadow: (r) => `${r.monolith} answers; ${r.service} gets a copy of each read, counted in the gateway's metrics`,
  hybrid: (r) => `${r.service} first, ${r.monolith} as fallback`,
  migrated: (r) => `${r.service} only`,
};

function list(items: readonly string[], empty: string): string {
  return items.length === 0 ? `- ${empty}` : items.map((i) => `- ${i}`).join('\n');
}

/** What a reviewer needs to know about a field whose value alone says little, by the path's last segment. */
const FIELD_NOTES: Readonly<Record<string, string>> = {
  'checksum/config': 'changes: the pods restart with the new configuration',
};

/** A JSON document held in a string (a ConfigMap's `flags.json`), or undefined. */
function jsonDocument(text: unknown): object | undefined {
  if (typeof text !== 'string' || !/^\s*[[{]/.test(text)) return undefined;
  try {
    return JSON.parse(text) as object;
  } catch {
    return undefined;
  }
}

/** The lines of one field's change: one line; a JSON text diffed by key; other multi-line text by line. */
function fieldLines(field: FieldChange): string[] {
  const path = formatPath(field.segments);
  const note = FIELD_NOTES[field.segments[field.segments.length - 1] ?? ''];
  if (note) return [`- ${code(path)} ${note}`];
  const [before, after] = [jsonDocument(field.before), jsonDocument(field.after)];
  if (before && after) {
    return diffFields(before, after).map((inner) => `- ${code(path)} › ${code(formatPath(inner.segments))}: ${code(showField(inner.before))} -> ${code(showField(inner.after))}`);
  }
  if (typeof field.before === 'string' && typeof field.after === 'string' && (field.before.includes('\n') || field.after.includes('\n'))) {
    const changes = diffLines(field.before, field.after);
    const shown = changes.slice(0, TEXT_DIFF_LINES).map((c) => `${c.sign} ${c.line}`);
    const more = changes.length > shown.length ? [`… ${changes.length - shown.length} more changed lines`] : [];
    return [`- ${code(path)}: ${changes.filter((c) => c.sign === '+').length} lines added, ${changes.filter((c) => c.sign === '-').length} removed`, '', '```diff', ...shown, ...more, '```', ''];
  }
  return [`- ${code(path)}: ${code(showField(field.before))} -> ${code(showField(field.after))}`];
}

function changedObject(change: ObjectChange): string {
  const lines = change.fields.flatMap(fieldLines);
  const moved = change.movedFrom ? [`- moves from component ${code(change.movedFrom)} (its Pulumi URN changes)`] : [];
  const body = [...moved, ...lines];
  const title = `~ ${objectLabel(change.after)}`;
  if (body.length <= INLINE_DIFF_LINES) return [`- ${title}`, ...body.map((l) => `  ${l}`)].join('\n');
  const fields = change.fields.length === 1 ? '1 field' : `${change.fields.length} fields`;
  return ['', '<details>', `<summary>${title}: ${fields}</summary>`, '', ...body, '', '</details>', ''].join('\n');
}

/** One component's block: its added, removed and changed objects. */
function componentBlock(component: string, added: readonly Manifest[], removed: readonly Manifest[], changed: readonly ObjectChange[]): string {
  const counts = [
    added.length ? `${added.length} added` : '',
    removed.length ? `${removed.length} removed` : '',
    changed.length ? `${changed.length} changed` : '',
  ].filter(Boolean);
  return [
    `#### ${component}: ${counts.join(', ')}`,
    '',
    ...(added.length ? [`- added: ${added.map(objectLabel).join(', ')}`] : []),
    ...(removed.length ? [`- removed: ${removed.map(objectLabel).join(', ')}`] : []),
    ...changed.map(changedObject),
    '',
  ].join('\n');
}

/** The gateway after the step: unlisted paths, the fallback rule, and each rate limit across the replica range. */
function gatewaySection(gateway: GatewayLimits | undefined): string[] {
  if (!gateway) return [];
  const { min, max } = gateway.replicas;
  const replicas = min === max ? `${min} replicas` : `${min}-${max} replicas`;
  const range = (l: GatewayLimits['limits'][number]) => (min === max ? `${l.clusterMinPerMinute}` : `${l.clusterMinPerMinute}-${l.clusterMaxPerMinute}`);
  return [
    '### Gateway after the step',
    '',
    `- Unlisted paths: ${gateway.unlistedTo ? `to ${code(gateway.unlistedTo)}, which still owns them` : 'a JSON 404 (the monolith is retired)'}.`,
    `- Fallback on hybrid routes: ${HYBRID_FALLBACK_RULE}.`,
    `- Tokens: ${authenticationLine(gateway.authentication)}`,
    `- Rate limits count per client on each of ${code(gateway.gateway)}'s ${replicas}, which spread a client's requests: per client per minute, one replica / all of them:`,
    '',
    '<details><summary>Per-client limits</summary>',
    '',
    '| path | one replica | all replicas |',
    '|---|---|---|',
    ...gateway.limits.map((l) => `| ${code(l.path)} | ${l.perReplicaPerMinute} | ${range(l)} |`),
    '',
    '</details>',
    '',
  ];
}

function authenticationLine(auth: GatewayLimits['authentication']): string {
  const verifier = `${code(auth.verifier)}${auth.fallback ? ` (${code(auth.fallback)} when it cannot answer)` : ''}`;
  const cache = auth.cacheSeconds > 0 ? `, a verified token reused for ${auth.cacheSeconds} s` : '';
  const mesh = auth.meshIssuer ? `; the mesh's edge also validates the JWT (issuer ${code(auth.meshIssuer)}) and refuses a protected path without one` : '';
  return (
    `${auth.protectedPaths.length} routes need a verified token, checked by ${verifier}${cache}; public: ${auth.publicPaths.map(code).join(', ') || 'none'}` +
    `${mesh}. Unlisted paths are passed on without a check: the monolith checks its own.`
  );
}

function costSection(cost: CostCheck, from: number, to: number): string {
  const row = (label: string, r: { total: Requests; groups: readonly { pods: number }[]; sidecars: number }) =>
    `| ${label} | ${cores(r.total)} | ${gibibytes(r.total)} | ${r.groups.reduce((n, g) => n + g.pods, 0)} |`;
  const verdict = cost.over
    ? `> [!WARNING]\n> **Cost above the objective:** phase ${to} requests ${signed(cost.cpuIncreasePercent)} CPU and ${signed(cost.memoryIncreasePercent)} memory against phase 0; the model allows ${signed(cost.limitPercent)} (objectives.costIncreaseLimitPercent).`
    : `Cost within the objective: phase ${to} requests ${signed(cost.cpuIncreasePercent)} CPU and ${signed(cost.memoryIncreasePercent)} memory against phase 0 (limit ${signed(cost.limitPercent)}).`;
  return [
    '### Cost: resources requested at rest',
    '',
    '| phase | CPU | memory | pods |',
    '|---|---|---|---|',
    row('0 (baseline)', cost.baseline),
    ...(from !== 0 ? [row(`${from} (before)`, cost.before)] : []),
    row(`${to} (after)`, cost.after),
    '',
    verdict,
    '',
    '<sub>Counted: requests of every container of every pod at rest: Deployments and StatefulSets at their autoscaler\'s minReplicas (else spec.replicas); a Deployment run by an Argo Rollout once, at the Rollout\'s floor; CloudNativePG instances, MongoDB members and Kafka node pool replicas times their pod requests; Strimzi\'s entity operator; Istio sidecars at Istio\'s default 100m / 128Mi per pod when the namespace injects them. Not counted: Jobs, smoke-test runs, operators outside the namespace, managed services on the aws target.</sub>',
    '',
  ].join('\n');
}

/** The sections that always appear, before the per-component detail. */
function headSections(plan: PromotionPlan, options: PlanReportOptions): string {
  const { transition, dataBearing } = plan;
  const { from, to, before, after, diff } = transition;
  const kind = transition.direction === 'rollback' ? 'Rollback' : transition.direction === 'promotion' ? 'Promotion' : 'No-op step';
  const components = new Set([...diff.added, ...diff.removed, ...diff.changed.map((c) => c.after)].map((m) => m.component)).size;
  const lines: string[] = [
    `## ${kind}: phase ${from} (${before.plan.spec.title}) -> phase ${to} (${after.plan.spec.title})`,
    '',
    `Built offline from the model for ${options.environment ?? "the model's defaults (data in the cluster)"}.` +
      (transition.retainDataOfPhase > to ? ` The data of phase ${transition.retainDataOfPhase} stays: its data stores, topics and event store are kept.` : ''),
    '',
    `**Objects:** ${diff.added.length} added, ${diff.removed.length} removed, ${diff.changed.length} changed, ${diff.unchanged} unchanged, in ${components} components.`,
    '',
    '### Data-bearing objects',
    '',
  ];
  if (dataBearing.lost.length === 0) {
    lines.push('> [!NOTE]', '> **Data-bearing objects: none deleted or replaced.**');
  } else {
    lines.push('> [!CAUTION]', `> **Data-bearing objects deleted or replaced: ${dataBearing.lost.length}.**`, ...dataBearing.lost.map((v) => `> - ${v.message}`));
  }
  if (dataBearing.added.length) lines.push('>', `> Added: ${dataBearing.added.map((d) => `${d.object} (${d.holds})`).join('; ')}.`);
  if (dataBearing.updated.length) lines.push('>', `> Updated in place: ${dataBearing.updated.map((d) => `${d.object} (${d.fields.map(code).join(', ')})`).join('; ')}.`);
  lines.push('');
  if (plan.dataMoves.length > 0) lines.push('### Data moves', '', list(plan.dataMoves, ''), '');

  lines.push(
    '### Routes',
    '',
    list(
      plan.routes.map((r) => `${r.path}: ${r.before} -> ${r.after} (${ROUTE_MEANING[r.after](r)})`),
      'no route changes status',
    ),
    '',
    ...gatewaySection(plan.gateway),
    '### Traffic',
    '',
    list(
      [
        ...plan.trafficStarts.map((t) => `${code(t.workload)} starts receiving traffic (from ${t.from.join(', ')})`),
        ...plan.trafficStops.map((t) => `${code(t.workload)} stops receiving traffic (was from ${t.from.join(', ')})`),
      ],
      'no service starts or stops receiving traffic',
    ),
    '',
    '### Topics, databases and policies',
    '',
  );
  const appear = (label: string, a: { added: readonly string[]; removed: readonly string[] }, note = '') => [
    ...(a.added.length ? [`- ${label} appear${note}: ${a.added.join(', ')}`] : []),
    ...(a.removed.length ? [`- ${label} go${note}: ${a.removed.join(', ')}`] : []),
  ];
  // On the aws target the stores are managed services, and the topics are MSK's, which this stack does not create.
  const managed = plan.managedServices;
  const moves = [
    ...appear('Databases', plan.databases),
    ...(managed ? appear('Managed services (aws)', managed) : []),
    ...appear('Topics', plan.topics, managed ? " on MSK (not created by this stack: Strimzi's topic operator is not deployed against it)" : ''),
    ...appear('Policies', plan.policies),
  ];
  lines.push(moves.length ? moves.join('\n') : '- none appear or go', '');

  lines.push('### After `pulumi up`: what the controllers do', '', list(plan.controllerActions, 'no Job, Rollout or operator resource to act on'), '');

  lines.push(costSection(plan.cost, from, to));

  lines.push('### Transition checks', '');
  if (plan.violations.length === 0) {
    lines.push(`All hold: ${Object.values(TRANSITION_RULES).join('; ')}.`, '');
  } else {
    lines.push('> [!CAUTION]', `> **${plan.violations.length} broken:**`, ...plan.violations.map((v) => `> - ${v.rule}: ${v.message}`), '');
  }
  return lines.join('\n');
}

/**
 * The plan as Markdown for a pull-request comment: the summary sections first, then the objects of each
 * component. When it would pass `limit`, whole component blocks are left out from the end, with a note.
 */
export function renderPlanReport(plan: PromotionPlan, options: PlanReportOptions = {}): string {
  const limit = options.limit ?? COMMENT_LIMIT;
  const { diff, from, to } = plan.transition;
  const order: string[] = [];
  const remember = (m: Manifest) => (order.includes(m.component) ? undefined : order.push(m.component));
  [...diff.added, ...diff.changed.map((c) => c.after), ...diff.removed].forEach(remember);
  const blocks = order.map((component) =>
    componentBlock(
      component,
      diff.added.filter((m) => m.component === component),
      diff.removed.filter((m) => m.component === component),
      diff.changed.filter((c) => c.after.component === component),
    ),
  );
  const head = `${headSections(plan, options)}\n### Objects by component\n\n`;
  const note = (left: number) =>
    `\n_Truncated to fit a pull-request comment: ${left} of ${blocks.length} components left out. Run \`npm run plan -- --from ${from} --to ${to}\` for the full plan._\n`;
  let body = head;
  let included = 0;
  for (const block of blocks) {
    if (body.length + block.length + note(blocks.length).length > limit) break;
    body += `${block}\n`;
    included += 1;
  }
  if (blocks.length === 0) body += 'Nothing changes.\n';
  if (included < blocks.length) body += note(blocks.length - included);
  // A head alone past the limit (not expected) is cut hard rather than rejected by GitHub.
  return body.length > limit ? `${body.slice(0, limit - 80)}\n\n_Truncated to fit a pull-request comment._\n` : body;
}
