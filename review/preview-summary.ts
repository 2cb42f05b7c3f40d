import { DATA_BEARING_KINDS } from '../synthesis/data-bearing';
import { ValidationError } from '../core/validation-error';
import { COMMENT_LIMIT } from './plan-report';

/**
 * The parts of `pulumi preview --json` this summary reads. The document is the engine's preview digest
 * (`PreviewDigest` / `PreviewStep` in pulumi/pulumi pkg/display/json.go): `steps` with `op`, `urn`,
 * `oldState` / `newState` (apitype.ResourceV3: `type`, `parent`, `protect`, `inputs`), `diffReasons`,
 * `replaceReasons` and `detailedDiff` (property path -> `{ kind, inputDiff }`), and `changeSummary`.
 */
export interface PreviewDocument {
  readonly steps?: readonly PreviewStep[];
  readonly changeSummary?: Readonly<Record<string, number>>;
}

export interface PreviewStep {
  readonly op: string;
  readonly urn: string;
  readonly oldState?: ResourceState;
  readonly newState?: ResourceState;
  readonly diffReasons?: readonly string[];
  readonly replaceReasons?: readonly string[];
  readonly detailedDiff?: Readonly<Record<string, { readonly kind: string; readonly inputDiff?: boolean }>> | null;
}

export interface ResourceState {
  readonly type?: string;
  readonly parent?: string;
  readonly protect?: boolean;
}

/** How the summary groups the engine's operations. */
export const OPERATIONS = ['create', 'update', 'replace', 'delete', 'same'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** The engine's step ops, folded into the five a reviewer reads. A replacement shows as several steps. */
const OP_GROUPS: Readonly<Record<string, Operation>> = {
  create: 'create',
  import: 'create',
  update: 'update',
  replace: 'replace',
  'create-replacement': 'replace',
  'delete-replaced': 'replace',
  'discard-replaced': 'replace',
  'import-replacement': 'replace',
  'remove-pending-replace': 'replace',
  delete: 'delete',
  discard: 'delete',
  same: 'same',
  read: 'same',
  refresh: 'same',
};

/** One resource of the preview, its steps folded into one operation. */
export interface PreviewResource {
  readonly urn: string;
  /** `kubernetes:apps/v1:StatefulSet`. */
  readonly type: string;
  /** The logical name (last part of the URN). */
  readonly name: string;
  /** The component it belongs to (its parent's name), or `(stack)`. */
  readonly component: string;
  readonly operation: Operation;
  readonly fields: readonly string[];
  readonly replaceReasons: readonly string[];
  /** Why it must not be lost: protected in state, or a data-bearing Kubernetes kind. */
  readonly holdsData?: string;
}

/** The summary of a preview. */
export interface PreviewSummary {
  readonly resources: readonly PreviewResource[];
  readonly counts: Readonly<Record<Operation, number>>;
  /** Every replacement, and every deletion of a protected or data-bearing resource. */
  readonly flagged: readonly PreviewResource[];
}

/** `kubernetes:apps/v1:StatefulSet` -> `apps/v1/StatefulSet`, the key of DATA_BEARING_KINDS. */
function kubernetesKind(type: string): string | undefined {
  const match = /^kubernetes:(?:core\/)?(.+):([A-Za-z]+)$/.exec(type);
  return match ? `${match[1]}/${match[2]}` : undefined;
}

/** Type and name of a URN: `urn:pulumi:<stack>::<project>::<parent type>$<type>::<name>`. */
function parseUrn(urn: string): { type: string; name: string } {
  const parts = urn.split('::');
  if (parts.length < 4 || !parts[0].startsWith('urn:pulumi:')) throw new ValidationError('steps[].urn', `${JSON.stringify(urn)} is not a Pulumi URN (urn:pulumi:<stack>::<project>::<type>::<name>)`);
  const qualified = parts[2];
  return { type: qualified.slice(qualified.lastIndexOf('$') + 1), name: parts.slice(3).join('::') };
}

/** Checks the top of the document: a preview digest with a `steps` list whose steps have `op` and `urn`. */
export function parsePreview(text: string, source = 'preview'): PreviewDocument {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(source, `is not JSON (${error instanceof Error ? error.message : String(error)}); pass the output of \`pulumi preview --json\``);
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) throw new ValidationError(source, 'is not a JSON object; `pulumi preview --json` prints one object with `steps`');
  const steps = (document as { steps?: unknown }).steps;
  if (steps !== undefined && !Array.isArray(steps)) throw new ValidationError(`${source}.steps`, 'is not a list');
  (steps ?? []).forEach((step: unknown, i: number) => {
    const s = step as Partial<PreviewStep> | null;
    if (!s || typeof s.op !== 'string' || typeof s.urn !== 'string') throw new ValidationError(`${source}.steps[${i}]`, 'has no string `op` and `urn`');
    if (!OP_GROUPS[s.op]) throw new ValidationError(`${source}.steps[${i}].op`, `${JSON.stringify(s.op)} is not one of ${Object.keys(OP_GROUPS).join(', ')}`);
  });
  return document as PreviewDocument;
}

/** Folds a preview's steps into one operation per resource and flags what could lose data. */
export function summarisePreview(preview: PreviewDocument): PreviewSummary {
  const byUrn = new Map<string, PreviewStep[]>();
  for (const step of preview.steps ?? []) byUrn.set(step.urn, [...(byUrn.get(step.urn) ?? []), step]);
  const precedence: readonly Operation[] = ['replace', 'delete', 'create', 'update', 'same'];
  const resources: PreviewResource[] = [...byUrn].map(([urn, steps]) => {
    const { type, name } = parseUrn(urn);
    const operation = precedence.find((op) => steps.some((s) => OP_GROUPS[s.op] === op)) ?? 'same';
    const state = steps.map((s) => s.newState ?? s.oldState).find((s) => s !== undefined);
    const parent = steps.map((s) => s.newState?.parent ?? s.oldState?.parent).find((p) => p !== undefined);
    const fields = [...new Set(steps.flatMap((s) => [...Object.keys(s.detailedDiff ?? {}), ...(s.detailedDiff ? [] : s.diffReasons ?? [])]))];
    const replaceReasons = [
      ...new Set(
        steps.flatMap((s) => [...(s.replaceReasons ?? []), ...Object.entries(s.detailedDiff ?? {}).filter(([, d]) => d.kind.endsWith('-replace')).map(([path]) => path)]),
      ),
    ];
    const kind = kubernetesKind(type);
    const protectedInState = steps.some((s) => s.oldState?.protect || s.newState?.protect);
    const holdsData = (kind && DATA_BEARING_KINDS[kind]) ?? (protectedInState ? 'protected in the stack (`protect`)' : undefined);
    return {
      urn,
      type: state?.type ?? type,
      name,
      component: parent ? parent.slice(parent.lastIndexOf('::') + 2) : '(stack)',
      operation,
      fields,
      replaceReasons,
      ...(holdsData ? { holdsData } : {}),
    };
  });
  const counts = Object.fromEntries(OPERATIONS.map((op) => [op, resources.filter((r) => r.operation === op).length])) as Record<Operation, number>;
  const flagged = resources.filter((r) => r.operation === 'replace' || (r.operation === 'delete' && r.holdsData));
  return { resources, counts, flagged };
}

/** The preview summary as Markdown for a pull-request comment, grouped by component, within `limit`. */
export function renderPreviewSummary(summary: PreviewSummary, limit = COMMENT_LIMIT): string {
  const { counts, flagged } = summary;
  const lines = [
    '## Pulumi preview',
    '',
    `**Resources:** ${OPERATIONS.map((op) => `${counts[op]} ${op}`).join(', ')}.`,
    '',
    '### Replacements and deletions of data',
    '',
  ];
  if (flagged.length === 0) {
    lines.push('> [!NOTE]', '> **No replacement, and no protected or data-bearing resource deleted.**');
  } else {
    lines.push('> [!CAUTION]', `> **${flagged.length} flagged:**`);
    for (const r of flagged) {
      const why = r.operation === 'replace' ? `replaced${r.replaceReasons.length ? ` because ${r.replaceReasons.map((p) => `\`${p}\``).join(', ')} changes` : ''}` : 'deleted';
      lines.push(`> - ${r.type} \`${r.name}\` (component ${r.component}): ${why}${r.holdsData ? `; **holds data**: ${r.holdsData}` : ''}`);
    }
  }
  lines.push('', '### By component', '');
  const components = [...new Set(summary.resources.filter((r) => r.operation !== 'same').map((r) => r.component))];
  if (components.length === 0) lines.push('Nothing changes.');
  let truncated = 0;
  for (const component of components) {
    const block = [
      `#### ${component}`,
      '',
      ...summary.resources
        .filter((r) => r.component === component && r.operation !== 'same')
        .map((r) => `- ${r.operation} ${r.type} \`${r.name}\`${r.fields.length ? `: ${r.fields.map((f) => `\`${f}\``).join(', ')}` : ''}`),
      '',
    ].join('\n');
    if (lines.join('\n').length + block.length + 200 > limit) {
      truncated += 1;
      continue;
    }
    lines.push(block);
  }
  if (truncated) lines.push(`_Truncated to fit a pull-request comment: ${truncated} of ${components.length} components left out._`);
  return `${lines.join('\n')}\n`;
}
