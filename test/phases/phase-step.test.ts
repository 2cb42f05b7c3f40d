import { checkPhaseStep, parsePhase, promotionPath, retainedPhase, StepRemedy } from '../../phases/phase-step';

const remedy: StepRemedy = { field: 'phase', askFor: (next) => `set phase to ${next}`, allowSkip: 'set allowPhaseSkip to true' };

describe('parsePhase', () => {
  test.each([[0, 0], ['0', 0], ['4', 4], [3, 3]])('%j is phase %i', (value, phase) => {
    expect(parsePhase('--to', value)).toBe(phase);
  });

  // The stack config refuses the same spellings: a phase is written one way everywhere.
  test.each(['03', '3.0', ' 3', '', 'four', '-1', '5', 5, 2.5, null, undefined])('refuses %j, naming the field and the phases', (value) => {
    expect(() => parsePhase('--to', value)).toThrow(/^--to: .* is not one of 0, 1, 2, 3, 4$/);
  });

  test('only among the phases allowed', () => {
    expect(() => parsePhase('--to', '3', [0, 1, 2])).toThrow('--to: "3" is not one of 0, 1, 2');
  });
});

describe('checkPhaseStep', () => {
  test.each([[undefined, 4], [0, 1], [1, 0], [2, 2], [4, 3]] as const)('%s -> %i is one step', (from, to) => {
    expect(() => checkPhaseStep(from, to, remedy)).not.toThrow();
  });

  test('a skip up names the next phase and how to allow it', () => {
    expect(() => checkPhaseStep(1, 3, remedy)).toThrow('phase: 3 is 2 phases from the deployed phase 1; promote one phase at a time (set phase to 2), or set allowPhaseSkip to true');
  });

  test('a skip down names the next phase down', () => {
    expect(() => checkPhaseStep(4, 1, { field: 'to', askFor: (next) => `--to ${next}`, allowSkip: 'pass --allow-skip' })).toThrow(
      'to: 1 is 3 phases from the deployed phase 4; roll back one phase at a time (--to 3), or pass --allow-skip',
    );
  });
});

describe('retainedPhase', () => {
  test('the highest phase ever run keeps its data', () => {
    expect(retainedPhase(2)).toBe(2);
    expect(retainedPhase(2, undefined)).toBe(2);
    expect(retainedPhase(2, 4)).toBe(4);
    expect(retainedPhase(3, 1, 2)).toBe(3);
  });
});

describe('promotionPath', () => {
  test('a new stack deploys phase 0 first, then one phase per step', () => {
    expect(promotionPath(undefined, 0)).toEqual([0]);
    expect(promotionPath(undefined, 4)).toEqual([0, 1, 2, 3, 4]);
  });

  test('a promotion and a rollback step one phase at a time', () => {
    expect(promotionPath(1, 4)).toEqual([2, 3, 4]);
    expect(promotionPath(4, 1)).toEqual([3, 2, 1]);
    expect(promotionPath(3, 2)).toEqual([2]);
  });

  test('at the target already: the target once more (applies model changes, otherwise changes nothing)', () => {
    expect(promotionPath(2, 2)).toEqual([2]);
  });

  test('every path it gives passes the step check', () => {
    for (const deployed of [undefined, 0, 1, 2, 3, 4] as const) {
      for (const target of [0, 1, 2, 3, 4] as const) {
        let at = deployed;
        for (const next of promotionPath(deployed, target)) {
          checkPhaseStep(at, next, remedy);
          at = next;
        }
        expect(at).toBe(target);
      }
    }
  });
});
