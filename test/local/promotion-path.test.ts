import { parseLocalArguments } from '../../local/promotion-path';
import { careerCopilot } from '../../phases';

const platform = careerCopilot();

describe('npm run local: arguments', () => {
  test('promotes to the last phase by default', () => {
    expect(parseLocalArguments([], platform)).toEqual({ to: 4, node: false });
  });

  test.each(['0', '2', '4'])('--to %s', (to) => {
    expect(parseLocalArguments(['--to', to], platform)).toEqual({ to: Number(to), node: false });
  });

  test('--node defaults to the last phase the real node runs: 3 needs Kafka, 4 the mesh', () => {
    expect(parseLocalArguments(['--node'], platform)).toEqual({ to: 2, node: true });
    expect(parseLocalArguments(['--node', '--to', '0'], platform)).toEqual({ to: 0, node: true });
  });

  test.each([
    ['3', '--to: phase 3 needs the event bus (Strimzi Kafka), which cannot run on the real node; with --node, N is one of 0, 1, 2'],
    ['4', "--to: phase 4 needs the event bus (Strimzi Kafka) and the service mesh (Istio's Envoy sidecars), which cannot run on the real node; with --node, N is one of 0, 1, 2"],
    ['7', '--to: "7" is not one of 0, 1, 2, 3, 4'],
  ])('--node refuses --to %s, saying why', (to, message) => {
    expect(() => parseLocalArguments(['--node', '--to', to], platform)).toThrow(message);
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
      /^arguments: Unknown option '--phase'.*; usage: npm run local \[-- \[--node\] --to N\], N one of 0, 1, 2, 3, 4$/,
    );
  });
});
