import { changedPhases, phaseOf } from '../../review/changed-stacks';

const stack = (phase: string | number, extra = '') => `config:\n  career-copilot:phase: "${phase}"\n  career-copilot:target: aws\n${extra}`;

describe('changedPhases', () => {
  test('lists each stack whose phase moves, in either direction, and nothing else', () => {
    const before = new Map([
      ['dev', stack(2)],
      ['prod', stack(1)],
      ['staging', stack(1)],
    ]);
    const after = new Map([
      ['dev', stack(1)],
      ['prod', stack(1, '  career-copilot:replicas: "3"\n')],
      ['staging', stack(2)],
    ]);
    expect(changedPhases('career-copilot', before, after)).toEqual([
      { stack: 'dev', from: 2, to: 1 },
      { stack: 'staging', from: 1, to: 2 },
    ]);
  });

  test('a new stack, or one without a readable phase, is no promotion', () => {
    const after = new Map([
      ['new', stack(0)],
      ['broken', 'config:\n  career-copilot:phase: two\n'],
    ]);
    expect(changedPhases('career-copilot', new Map([['broken', stack(1)]]), after)).toEqual([]);
  });

  test("reads the project's own key only", () => {
    expect(phaseOf('career-copilot', 'config:\n  other:phase: "3"\n')).toBeUndefined();
    expect(phaseOf('career-copilot', stack(4))).toBe(4);
    expect(phaseOf('career-copilot', undefined)).toBeUndefined();
  });
});
