import { dataBearingReason } from '../synthesis/data-bearing';
import { Manifest } from '../core/manifest';
import { formatPath, sameValue } from './field-diff';
import { changedField, immutableFieldChanges } from './immutable-fields';
import { diffManifests, ManifestDiff, objectLabel } from './manifest-diff';
import { COMPONENT_INPUTS } from './model-inputs';
import { PhaseState } from './phase-transition';

/** The rules a step between two phases must keep. */
export const TRANSITION_RULES = {
  'data-deleted': 'no data-bearing object is deleted',
  'data-renamed': 'no data-bearing object is renamed (a new name is a new, empty object)',
  'data-replaced': 'no data-bearing object is replaced (an immutable field or its Pulumi URN changes)',
  'immutable-field': 'no immutable field changes on an object that survives the step',
  'not-in-model': "nothing changes that the phase model does not ask for (the component's model inputs differ)",
} as const;
export type TransitionRule = keyof typeof TRANSITION_RULES;

/** One broken rule, naming the object and the field. */
export interface TransitionViolation {
  readonly rule: TransitionRule;
  /** `Cluster user-db (component user-db)`. */
  readonly object: string;
  /** The field that breaks the rule (`metadata.name`, `spec.volumeClaimTemplates[data]...`). */
  readonly field: string;
  /** One line a reviewer can act on. */
  readonly message: string;
}

function describe(manifest: Manifest): string {
  return `${objectLabel(manifest)} (component ${manifest.component})`;
}

function typeOf(manifest: Manifest): string {
  return `${manifest.document.apiVersion}/${manifest.document.kind}`;
}

/** The components whose Job runs again, by design, when the routes it gates change. */
const RERUN_KINDS: readonly string[] = ['DataMove', 'AuthDataSplit'];

/**
 * Checks one step: data-bearing objects are never deleted, renamed or replaced; immutable fields never change
 * on surviving objects; and every added, removed or changed object belongs to a component whose inputs in the
 * phase plan differ between the two phases (see review/model-inputs.ts). Returns every violation, in the order
 * of the rules above.
 */
export function checkTransition(before: PhaseState, after: PhaseState, diff: ManifestDiff = diffManifests(before.manifests, after.manifests)): TransitionViolation[] {
  const violations: TransitionViolation[] = [];

  // A data-bearing object that goes while one of its type arrives is a rename: the data stays with the old name.
  const arrived = diff.added.filter((m) => dataBearingReason(m.document) !== undefined);
  for (const gone of diff.removed) {
    const reason = dataBearingReason(gone.document);
    if (!reason) continue;
    const renamedTo = arrived.find((m) => typeOf(m) === typeOf(gone) && m.component === gone.component) ?? arrived.find((m) => typeOf(m) === typeOf(gone));
    if (renamedTo) {
      violations.push({
        rule: 'data-renamed',
        object: describe(gone),
        field: 'metadata.name',
        message: `${describe(gone)}: metadata.name changes to ${JSON.stringify(renamedTo.document.metadata.name)}, which deletes ${reason} and creates an empty one`,
      });
    } else {
      violations.push({ rule: 'data-deleted', object: describe(gone), field: 'metadata.name', message: `${describe(gone)} is deleted: ${reason}` });
    }
  }

  for (const change of diff.changed) {
    const reason = dataBearingReason(change.after.document);
    const immutable = immutableFieldChanges(typeOf(change.after), change.fields);
    if (reason && change.movedFrom) {
      violations.push({
        rule: 'data-replaced',
        object: describe(change.after),
        field: 'component',
        message: `${describe(change.after)} moves from component ${change.movedFrom}: its Pulumi URN changes, so Pulumi deletes and re-creates ${reason} (add an alias)`,
      });
    }
    for (const hit of immutable) {
      // A data move's Job (the auth split's too) is re-created on purpose when its routes change: that re-run is the
      // catch-up the step needs (review/data-moves.ts), and the model-inputs rule below checks that its inputs changed.
      if (!reason && RERUN_KINDS.includes(change.after.componentKind) && change.after.document.kind === 'Job') continue;
      const field = changedField(hit);
      violations.push({
        rule: reason ? 'data-replaced' : 'immutable-field',
        object: describe(change.after),
        field,
        message: `${describe(change.after)}: ${field} changes (${hit.rule.reason})${reason ? `; it holds data: ${reason}` : ''}`,
      });
    }
  }

  const touched = [
    ...diff.added.map((m) => ({ manifest: m, what: 'is added', field: 'metadata.name' })),
    ...diff.removed.map((m) => ({ manifest: m, what: 'is removed', field: 'metadata.name' })),
    ...diff.changed.map((c) => ({ manifest: c.after, what: 'changes', field: c.fields.length > 0 ? formatPath(c.fields[0].segments) : 'component' })),
  ];
  for (const { manifest, what, field } of touched) {
    const row = COMPONENT_INPUTS[manifest.componentKind];
    if (!row) {
      violations.push({
        rule: 'not-in-model',
        object: describe(manifest),
        field,
        message: `${describe(manifest)} ${what}, but no row of review/model-inputs.ts says what a ${manifest.componentKind} (${manifest.component}) is built from`,
      });
    } else if (sameValue(row.inputs(before.plan, manifest.component), row.inputs(after.plan, manifest.component))) {
      violations.push({
        rule: 'not-in-model',
        object: describe(manifest),
        field,
        message: `${describe(manifest)} ${what} (${field}), but the model does not ask for it: ${row.description} are the same in phase ${before.plan.phase} and phase ${after.plan.phase}`,
      });
    }
  }
  return violations;
}
