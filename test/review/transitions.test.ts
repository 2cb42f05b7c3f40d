import { dataBearingReason } from '../../synthesis/data-bearing';
import { Manifest } from '../../core/manifest';
import { careerCopilot, PhaseNumber } from '../../phases';
import { IMMUTABLE_FIELDS, immutableFieldChanges } from '../../review/immutable-fields';
import { diffFields } from '../../review/field-diff';
import { COMPONENT_KINDS } from '../../core/component-kinds';
import { COMPONENT_INPUTS } from '../../review/model-inputs';
import { PhaseState, PhaseTransition, planTransition } from '../../review/phase-transition';
import { readStackEnvironment } from '../../review/stack-environment';
import { checkTransition, TransitionViolation } from '../../review/transition-check';

// Each step synthesizes two or three phases (a few seconds on a shared machine).
jest.setTimeout(120_000);

/** The eight steps: every promotion, and every rollback (which keeps the data of the phase it leaves). */
const STEPS: ReadonlyArray<[PhaseNumber, PhaseNumber]> = [
  [0, 1],
  [1, 2],
  [2, 3],
  [3, 4],
  [4, 3],
  [3, 2],
  [2, 1],
  [1, 0],
];

const model = careerCopilot();
const transitions = new Map<string, PhaseTransition>();
function step(from: PhaseNumber, to: PhaseNumber): PhaseTransition {
  const key = `${from}->${to}`;
  if (!transitions.has(key)) transitions.set(key, planTransition(from, to, { model }));
  return transitions.get(key)!;
}

const show = (violations: readonly TransitionViolation[]) => violations.map((v) => v.message);

/** A deep copy of a side of a step whose manifests `edit` may change. */
function doctored(state: PhaseState, edit: (manifests: Manifest[]) => Manifest[]): PhaseState {
  return { plan: state.plan, manifests: edit(JSON.parse(JSON.stringify(state.manifests)) as Manifest[]) };
}

/** The document of one object, as plain mutable JSON, for a test to break. */
function find(manifests: readonly Manifest[], kind: string, name: string): Record<string, any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const found = manifests.find((m) => m.document.kind === kind && m.document.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found.document as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe.each(STEPS)('step %i -> %i', (from, to) => {
  test('keeps every transition rule', () => {
    const t = step(from, to);
    expect(show(checkTransition(t.before, t.after, t.diff))).toEqual([]);
  });

  test('deletes no data-bearing object, and a rollback keeps the data of the phase it leaves', () => {
    const t = step(from, to);
    const removedData = t.diff.removed.filter((m) => dataBearingReason(m.document) !== undefined);
    expect(removedData.map((m) => `${m.document.kind} ${m.document.metadata.name}`)).toEqual([]);
    if (to < from) expect(t.after.plan.dataStores.map((s) => s.name)).toEqual(t.before.plan.dataStores.map((s) => s.name));
  });

  test('changes no immutable field on a surviving object, but re-creates the data move Jobs whose routes change', () => {
    const t = step(from, to);
    const hits = t.diff.changed.flatMap((c) =>
      immutableFieldChanges(`${c.after.document.apiVersion}/${c.after.document.kind}`, c.fields).map((h) => ({ component: c.after.component, kind: c.after.componentKind, field: h.rule.field, changed: c.fields.map((f) => f.segments.join('.')) })),
    );
    const rerun = t.after.plan.dataMoves.filter((m) => {
      const was = t.before.plan.dataMoves.find((b) => b.context === m.context);
      return was !== undefined && was.gates.join(' ') !== m.gates.join(' ');
    });
    const split = { before: t.before.plan.authDataSplit, after: t.after.plan.authDataSplit };
    const splitRerun = split.before && split.after && split.before.gates.join(' ') !== split.after.gates.join(' ') ? ['auth-data-split'] : [];
    expect(hits.filter((h) => h.kind !== 'DataMove' && h.kind !== 'AuthDataSplit')).toEqual([]);
    expect(hits.map((h) => h.component).sort()).toEqual([...rerun.map((m) => `${m.context}-data-move`), ...splitRerun].sort());
    // What changes in each is the list of routes it gates, nothing else.
    for (const hit of hits) expect(hit.changed.every((f) => f.includes('DATA_MOVE_GATES'))).toBe(true);
  });
});

describe('a destructive change fails the check, naming the object and the field', () => {
  test('renaming a database (the Cluster user-db becomes users-db in phase 2)', () => {
    const t = step(1, 2);
    const after = doctored(t.after, (manifests) => {
      const cluster = find(manifests, 'Cluster', 'user-db');
      cluster.metadata.name = 'users-db';
      return manifests;
    });
    const violations = checkTransition(t.before, after);
    expect(violations).toContainEqual(expect.objectContaining({ rule: 'data-renamed', object: 'Cluster user-db (component user-db)', field: 'metadata.name' }));
    expect(show(violations).join('\n')).toMatch(/Cluster user-db \(component user-db\): metadata\.name changes to "users-db"/);
  });

  test("changing a StatefulSet's volume claim template", () => {
    const t = step(2, 3);
    const after = doctored(t.after, (manifests) => {
      find(manifests, 'StatefulSet', 'cache').spec.volumeClaimTemplates[0].spec.resources.requests.storage = '10Gi';
      return manifests;
    });
    const violations = checkTransition(t.before, after);
    expect(violations).toContainEqual(
      expect.objectContaining({ rule: 'data-replaced', object: 'StatefulSet cache (component cache)', field: 'spec.volumeClaimTemplates[data].spec.resources.requests.storage' }),
    );
  });

  test('deleting a topic on a rollback', () => {
    const t = step(4, 3);
    const after = doctored(t.after, (manifests) => manifests.filter((m) => !(m.document.kind === 'KafkaTopic' && m.document.metadata.name === 'jobs.job-posted')));
    expect(checkTransition(t.before, after)).toContainEqual(expect.objectContaining({ rule: 'data-deleted', object: 'KafkaTopic jobs.job-posted (component event-bus)' }));
  });

  test('moving a database to another component (its Pulumi URN changes)', () => {
    const t = step(1, 2);
    const after = doctored(t.after, (manifests) => manifests.map((m) => (m.document.kind === 'Cluster' && m.document.metadata.name === 'auth-db' ? { ...m, component: 'auth-database' } : m)));
    expect(checkTransition(t.before, after)).toContainEqual(expect.objectContaining({ rule: 'data-replaced', object: 'Cluster auth-db (component auth-database)', field: 'component' }));
  });

  test("changing a Deployment's selector", () => {
    const t = step(2, 3);
    const after = doctored(t.after, (manifests) => {
      find(manifests, 'Deployment', 'user-service').spec.selector.matchLabels.tier = 'api';
      return manifests;
    });
    expect(checkTransition(t.before, after)).toContainEqual(
      expect.objectContaining({ rule: 'immutable-field', object: 'Deployment user-service (component user-service)', field: 'spec.selector.matchLabels.tier' }),
    );
  });

  test('a change the model does not ask for (the frontend image changes between phases 1 and 2)', () => {
    const t = step(1, 2);
    const after = doctored(t.after, (manifests) => {
      find(manifests, 'Deployment', 'frontend').spec.template.spec.containers[0].image = 'career-copilot/frontend:9.9.9';
      return manifests;
    });
    const violations = checkTransition(t.before, after);
    expect(violations).toContainEqual(expect.objectContaining({ rule: 'not-in-model', object: 'Deployment frontend (component frontend)', field: 'spec.template.spec.containers[app].image' }));
    expect(show(violations).join('\n')).toMatch(/the model does not ask for it/);
  });
});

describe('immutable fields', () => {
  const storage = (before: string, after: string) => diffFields({ spec: { resources: { requests: { storage: before } } } }, { spec: { resources: { requests: { storage: after } } } });

  test('a volume claim may grow but not shrink, and nothing else in its spec may change', () => {
    expect(immutableFieldChanges('v1/PersistentVolumeClaim', storage('5Gi', '10Gi'))).toEqual([]);
    expect(immutableFieldChanges('v1/PersistentVolumeClaim', storage('10Gi', '5Gi')).map((h) => h.rule.field)).toEqual(['spec.resources.requests.storage']);
    const storageClass = diffFields({ spec: { storageClassName: 'gp2' } }, { spec: { storageClassName: 'gp3' } });
    expect(immutableFieldChanges('v1/PersistentVolumeClaim', storageClass).map((h) => h.rule.field)).toEqual(['spec']);
  });

  test('a topic may gain partitions but not lose them', () => {
    const partitions = (a: number, b: number) => diffFields({ spec: { partitions: a } }, { spec: { partitions: b } });
    expect(immutableFieldChanges('kafka.strimzi.io/v1/KafkaTopic', partitions(3, 6))).toEqual([]);
    expect(immutableFieldChanges('kafka.strimzi.io/v1/KafkaTopic', partitions(6, 3))).toHaveLength(1);
  });

  test('every row names a field path and a reason', () => {
    for (const row of IMMUTABLE_FIELDS) {
      expect(row.field).toMatch(/^[a-zA-Z]+(\.[a-zA-Z]+)*$/);
      expect(row.reason.length).toBeGreaterThan(10);
    }
  });
});

test('every kind of component has a row of the model-inputs rule, and every component of every phase has its kind', () => {
  expect(Object.keys(COMPONENT_INPUTS).sort()).toEqual([...COMPONENT_KINDS].sort());
  for (const [from, to] of STEPS.filter(([a, b]) => b > a)) {
    const t = step(from, to);
    const uncovered = t.after.manifests.filter((m) => !COMPONENT_INPUTS[m.componentKind]).map((m) => `${m.component} (${m.componentKind})`);
    expect(uncovered).toEqual([]);
  }
});

describe.each(['dev', 'prod'])('in the %s stack', (stack) => {
  test.each(STEPS)('step %i -> %i keeps every transition rule', (from, to) => {
    const environment = readStackEnvironment(stack);
    const t = planTransition(from, to, { model, environment: environment.environment, selection: environment.selection });
    expect(show(checkTransition(t.before, t.after, t.diff))).toEqual([]);
  });
});
