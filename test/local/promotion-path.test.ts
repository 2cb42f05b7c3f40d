import { parseLocalArguments, promotionPath } from '../../local/promotion-path';
import { careerCopilot } from '../../phases';

const platform = careerCopilot();

describe('npm run local: arguments', () => {
  test('promotes to the last phase by default', () => {
    expect(parseLocalArguments([], platform)).toEqual({ to: 4 });
  });

  test.each(['0', '2', '4'])('--to %s', (to) => {
    expect(parseLocalArguments(['--to', to], platform)).toEqual({ to: Number(to) });
  });

  test.each([
    [['--to', '5'], '--to: "5" is not a phase; allowed: 0, 1, 2, 3, 4'],
    [['--to=-1'], '--to: "-1" is not a phase; allowed: 0, 1, 2, 3, 4'],
    [['--to', '2.5'], '--to: "2.5" is not a phase; allowed: 0, 1, 2, 3, 4'],
    [['--to', 'four'], '--to: "four" is not a phase; allowed: 0, 1, 2, 3, 4'],
    [['--to', ''], '--to: "" is not a phase; allowed: 0, 1, 2, 3, 4'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseLocalArguments(argv, platform)).toThrow(message);
  });

  test('refuses an unknown option, saying how to call it', () => {
    expect(() => parseLocalArguments(['--phase', '2'], platform)).toThrow(
      /^arguments: Unknown option '--phase'.*; usage: npm run local \[-- --to N\], N one of 0, 1, 2, 3, 4$/,
    );
  });
});

describe('npm run local: the steps it takes', () => {
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
});
