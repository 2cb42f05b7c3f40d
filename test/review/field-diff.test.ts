import { diffFields, formatPath } from '../../review/field-diff';
import { diffLines } from '../../review/text-diff';

const paths = (before: unknown, after: unknown) => diffFields(before, after).map((c) => formatPath(c.segments));

test('objects are compared key by key, and named list items by name', () => {
  const before = { spec: { containers: [{ name: 'app', image: 'a:1', env: [{ name: 'X', value: '1' }] }] } };
  const after = { spec: { containers: [{ name: 'app', image: 'a:2', env: [{ name: 'X', value: '1' }, { name: 'Y', value: '2' }] }] } };
  expect(paths(before, after)).toEqual(['spec.containers[app].env[Y]', 'spec.containers[app].image']);
});

test('claim templates are matched by metadata.name', () => {
  const template = (size: string) => ({ volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { resources: { requests: { storage: size } } } }] });
  expect(paths(template('5Gi'), template('10Gi'))).toEqual(['volumeClaimTemplates[data].spec.resources.requests.storage']);
});

test('an item inserted into an unnamed list is one added item, not a shift of the rest', () => {
  const rule = (name: string) => ({ from: [{ podSelector: { matchLabels: { app: name } } }] });
  const changes = diffFields({ ingress: [rule('a'), rule('c')] }, { ingress: [rule('a'), rule('b'), rule('c')] });
  expect(changes).toEqual([{ segments: ['ingress', '[1]'], after: rule('b') }]);
});

test('plain lists and reordered lists change as one value', () => {
  expect(paths({ args: ['a', 'b'] }, { args: ['b', 'a'] })).toEqual(['args']);
  expect(paths({ rules: [{ a: 1 }, { b: 2 }] }, { rules: [{ b: 2 }, { a: 1 }] })).toEqual(['rules']);
  expect(paths({ a: 1 }, { a: 1 })).toEqual([]);
});

test('a text diff lists the lines only one side has', () => {
  expect(diffLines('a\nb\nc', 'a\nx\nc')).toEqual([
    { sign: '+', line: 'x' },
    { sign: '-', line: 'b' },
  ]);
});
