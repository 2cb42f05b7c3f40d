import * as fs from 'fs';
import * as path from 'path';
import { rawUrls } from '../../bin/fetch-crds';

const { sources } = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'crds.json'), 'utf8')) as { sources: Parameters<typeof rawUrls>[0][] };

test('every CRD source of crds.json has a raw URL per file, at its pinned tag', () => {
  for (const source of sources) {
    const urls = rawUrls(source);
    expect(urls.map((u) => u.file)).toEqual(source.files);
    for (const { url } of urls) expect(url).toMatch(new RegExp(`^https://raw\\.githubusercontent\\.com/[^/]+/[^/]+/${source.tag}/`));
  }
  // Istio's CRDs are one generated file upstream, named crds.yaml here.
  expect(rawUrls(sources.find((s) => s.dir === 'istio')!)).toEqual([{ file: 'crds.yaml', url: 'https://raw.githubusercontent.com/istio/api/v1.30.3/kubernetes/customresourcedefinitions.gen.yaml' }]);
});

test('an upstream that is not a GitHub folder or file at the tag is refused', () => {
  expect(() => rawUrls({ dir: 'x', tag: 'v1', upstream: 'https://github.com/o/r/tree/v2/crds', files: ['a.yaml'] })).toThrow('not a GitHub tree or blob URL at tag v1');
  expect(() => rawUrls({ dir: 'x', tag: 'v1', upstream: 'https://github.com/o/r/blob/v1/all.yaml', files: ['a.yaml', 'b.yaml'] })).toThrow('a blob upstream is one file');
});
