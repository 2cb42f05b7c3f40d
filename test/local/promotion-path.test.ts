import { parseLocalArguments } from '../../local/promotion-path';
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
    [['--to', '5'], '--to: "5" is not one of 0, 1, 2, 3, 4'],
    [['--to=-1'], '--to: "-1" is not one of 0, 1, 2, 3, 4'],
    [['--to', '2.5'], '--to: "2.5" is not one of 0, 1, 2, 3, 4'],
    [['--to', 'four'], '--to: "four" is not one of 0, 1, 2, 3, 4'],
    [['--to', ''], '--to: "" is not one of 0, 1, 2, 3, 4'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseLocalArguments(argv, platform)).toThrow(message);
  });

  test('refuses an unknown option, saying how to call it', () => {
    expect(() => parseLocalArguments(['--phase', '2'], platform)).toThrow(
      /^arguments: Unknown option '--phase'.*; usage: npm run local \[-- --to N\], N one of 0, 1, 2, 3, 4$/,
    );
  });
});
