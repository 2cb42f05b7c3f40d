/**
 * Handing an adopted object's fields from the killed provider's field manager to the one the state records, as
 * managedFields in and managedFields out. The patch itself is applied in test/local/interrupted-update.test.ts
 * (against a stand-in kubectl) and on the real API server in test/e2e (the mid-step kill).
 */
import { GENERATED_FIELD_MANAGER, handOverManagedFields, unionOfFields } from '../../local/field-manager-handover';
import { ManagedFieldsEntry } from '../../local/live-objects';

const KILLED = 'pulumi-kubernetes-1f2e3d4c';
const RECORDED = 'pulumi-kubernetes-a0b1c2d3';

const applied = (manager: string, fieldsV1: ManagedFieldsEntry['fieldsV1']): ManagedFieldsEntry => ({
  manager,
  operation: 'Apply',
  apiVersion: 'monitoring.coreos.com/v1',
  time: '2026-12-02T06:00:00Z',
  fieldsType: 'FieldsV1',
  fieldsV1,
});

const SPEC = { 'f:spec': { 'f:endpoints': {}, 'f:selector': { 'f:matchLabels': { 'f:app.kubernetes.io/name': {} } } } };
const LABELS = { 'f:metadata': { 'f:labels': { 'f:app.kubernetes.io/managed-by': {}, 'f:app.kubernetes.io/name': {} } } };
const STATUS: ManagedFieldsEntry = {
  manager: 'kube-controller-manager',
  operation: 'Update',
  apiVersion: 'apps/v1',
  time: '2026-12-02T06:00:05Z',
  fieldsType: 'FieldsV1',
  fieldsV1: { 'f:status': { 'f:replicas': {} } },
  subresource: 'status',
};

describe('GENERATED_FIELD_MANAGER', () => {
  test.each([
    [KILLED, true],
    ['pulumi-kubernetes', false], // client-side apply mode's one name
    ['pulumi-kubernetes-1f2e3d4', false],
    ['career-copilot-rollout-handover', false],
    ['rollouts-controller', false],
    ['kubectl-patch', false],
  ])('%s: %s', (name, generated) => expect(GENERATED_FIELD_MANAGER.test(name)).toBe(generated));
});

describe('unionOfFields', () => {
  test('merges the tries, keeping each field once', () => {
    expect(unionOfFields({ 'f:spec': { 'f:a': {}, 'f:b': { '.': {} } } }, { 'f:spec': { 'f:b': { 'f:c': {} } }, 'f:metadata': {} })).toEqual({
      'f:spec': { 'f:a': {}, 'f:b': { '.': {}, 'f:c': {} } },
      'f:metadata': {},
    });
  });
});

describe('handOverManagedFields', () => {
  test('renames the killed manager to the recorded one, with the fields and everything else of its entry', () => {
    const entries = [applied(KILLED, { ...LABELS, ...SPEC })];
    expect(handOverManagedFields(entries, RECORDED)).toEqual({ entries: [{ ...entries[0], manager: RECORDED }], from: [KILLED] });
  });

  test("merges the killed manager's fields into the recorded one's entry when it has one, in the first one's place", () => {
    const own = { ...applied(RECORDED, LABELS), time: '2026-12-02T06:10:00Z' };
    const handover = handOverManagedFields([STATUS, applied(KILLED, { ...LABELS, ...SPEC }), own], RECORDED);
    expect(handover?.entries).toEqual([STATUS, { ...own, fieldsV1: { ...LABELS, ...SPEC } }]);
    expect(handover?.from).toEqual([KILLED]);
  });

  test("keeps every other manager's entry as it is: controllers, Argo, the rollout handover, a person's kubectl", () => {
    const others: ManagedFieldsEntry[] = [
      STATUS,
      { ...applied('career-copilot-rollout-handover', { 'f:spec': { 'f:replicas': {} } }), apiVersion: 'apps/v1' },
      { ...applied('rollouts-controller', { 'f:spec': { 'f:http': {} } }), operation: 'Update' },
      applied('kubectl', { 'f:metadata': { 'f:annotations': {} } }),
    ];
    const handover = handOverManagedFields([others[0], applied(KILLED, SPEC), ...others.slice(1)], RECORDED);
    expect(handover?.entries).toEqual([others[0], applied(RECORDED, SPEC), ...others.slice(1)]);
  });

  test('is nothing to do when only the recorded manager applied, or no generated one did', () => {
    expect(handOverManagedFields([applied(RECORDED, SPEC), STATUS], RECORDED)).toBeUndefined();
    expect(handOverManagedFields([applied('kubectl', SPEC), STATUS], RECORDED)).toBeUndefined();
    expect(handOverManagedFields([], RECORDED)).toBeUndefined();
  });

  test('leaves a generated manager that only updated a subresource or wrote without applying', () => {
    const status = { ...STATUS, manager: KILLED };
    const update = { ...applied(KILLED, SPEC), operation: 'Update' as const };
    expect(handOverManagedFields([status, update], RECORDED)).toBeUndefined();
  });
});
