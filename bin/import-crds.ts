/**
 * `npm run import`: generates typed cdk8s classes for the custom resources we use into imports/, from the
 * unmodified upstream CRDs listed in crds.json. Skips the work when crds.json and the CRD files are unchanged
 * since the last import (a hash in imports/.stamp), so it can run before every synth and test.
 */
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

interface CrdSource {
  dir: string;
  tag: string;
  upstream: string;
  files: string[];
}

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'imports');
const crdDir = process.env.CRD_DIR ?? path.resolve(root, '..', 'shared', 'crds');
const config = fs.readFileSync(path.join(root, 'crds.json'), 'utf8');
const sources = (JSON.parse(config) as { sources: CrdSource[] }).sources;

const hash = createHash('sha256').update(config);
const contents = sources.map((source) =>
  source.files.map((file) => {
    const full = path.join(crdDir, source.dir, file);
    if (!fs.existsSync(full)) throw new Error(`crds.json: ${source.dir}/${file} not found under ${crdDir} (set CRD_DIR, or fetch it from ${source.upstream})`);
    const text = fs.readFileSync(full, 'utf8');
    hash.update(text);
    return text;
  }),
);
const stamp = hash.digest('hex');
const stampFile = path.join(out, '.stamp');
if (fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp) process.exit(0);

fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'crds-'));
const cli = path.join(root, 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s');
sources.forEach((source, i) => {
  // The upstream files do not start with '---': join them with one, or they merge into one wrong document.
  const joined = path.join(work, `${source.dir}.yaml`);
  fs.writeFileSync(joined, contents[i].map((t) => t.replace(/^---\s*\n/, '')).join('\n---\n'));
  // cdk8s-cli's upgrade check fails offline and prints a stack trace; the import itself still succeeds.
  execFileSync(process.execPath, [cli, 'import', joined, '--language', 'typescript', '--output', out], {
    cwd: work,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' },
  });
  console.log(`imported ${source.dir} ${source.tag}: ${source.files.join(', ')}`);
});
fs.rmSync(work, { recursive: true, force: true });
fs.writeFileSync(stampFile, stamp);
