/**
 * `CRD_DIR=DIR npm run fetch-crds`: downloads the upstream CRD files that crds.json lists, at their pinned tags,
 * into DIR/<source dir>/, for a machine without ../shared/crds (a CI runner): then `npm run import` reads them from
 * CRD_DIR. Each source's `upstream` is a GitHub folder (`.../tree/TAG/PATH`: each file of `files` is in it) or one
 * file (`.../blob/TAG/FILE`, saved as the single name in `files`).
 */
import * as fs from 'fs';
import * as path from 'path';

interface CrdSource {
  readonly dir: string;
  readonly tag: string;
  readonly upstream: string;
  readonly files: readonly string[];
}

/** Where each file of a source is served raw. */
export function rawUrls(source: CrdSource): Array<{ file: string; url: string }> {
  const match = /^https:\/\/github\.com\/([^/]+\/[^/]+)\/(tree|blob)\/([^/]+)\/(.+)$/.exec(source.upstream);
  if (!match || match[3] !== source.tag) throw new Error(`crds.json ${source.dir}: upstream ${source.upstream} is not a GitHub tree or blob URL at tag ${source.tag}`);
  const [, repo, kind, tag, where] = match;
  const raw = `https://raw.githubusercontent.com/${repo}/${tag}/${where}`;
  if (kind === 'blob') {
    if (source.files.length !== 1) throw new Error(`crds.json ${source.dir}: a blob upstream is one file, but files lists ${source.files.length}`);
    return [{ file: source.files[0], url: raw }];
  }
  return source.files.map((file) => ({ file, url: `${raw}/${file}` }));
}

async function main(): Promise<void> {
  const target = process.env.CRD_DIR;
  if (!target) throw new Error('set CRD_DIR to the folder to download into (npm run import reads it from there)');
  const { sources } = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', 'crds.json'), 'utf8')) as { sources: CrdSource[] };
  for (const source of sources) {
    fs.mkdirSync(path.join(target, source.dir), { recursive: true });
    for (const { file, url } of rawUrls(source)) {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
      fs.writeFileSync(path.join(target, source.dir, file), await response.text());
    }
    console.log(`fetched ${source.dir} ${source.tag}: ${source.files.join(', ')}`);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
