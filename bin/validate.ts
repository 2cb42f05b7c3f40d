/**
 * `npm run validate [-- --dir DIR]`: checks every YAML document under DIR (default dist/) against the Kubernetes
 * 1.28 API schemas and the CRDs of crds.json, as the API server's strict field validation would. Prints one line
 * per finding and a summary, `N documents, M findings`; exits non-zero on any finding, including a document whose
 * apiVersion and kind no schema knows, and when DIR holds no document at all.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { parseAllDocuments } from 'yaml';
import { KUBERNETES_VERSION, loadSchemaCatalog } from '../policy/kubernetes-schemas';
import { formatFinding, LocatedDocument, SchemaFinding, validateDocuments } from '../policy/validate-manifests';

function main(): number {
  const { values } = parseArgs({ options: { dir: { type: 'string', default: 'dist' } } });
  const dir = path.resolve(values.dir!);
  if (!fs.existsSync(dir)) {
    console.error(`${path.relative(process.cwd(), dir) || dir}: no such folder (run \`npm run synth\` first, or pass --dir)`);
    return 1;
  }
  const documents: LocatedDocument[] = [];
  const findings: SchemaFinding[] = [];
  for (const file of yamlFiles(dir)) {
    const source = path.relative(process.cwd(), file);
    for (const parsed of parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
      if (parsed.errors.length > 0) {
        findings.push({ source, kind: '(none)', name: '(none)', path: '', message: `not valid YAML: ${parsed.errors[0].message.split('\n')[0].replace(/:$/, '')}` });
        continue;
      }
      const document: unknown = parsed.toJS();
      if (document !== null && document !== undefined) documents.push({ source, document });
    }
  }
  findings.push(...validateDocuments(documents, loadSchemaCatalog()));
  for (const finding of findings) console.log(formatFinding(finding));
  console.log(`${documents.length} documents, ${findings.length} findings (Kubernetes ${KUBERNETES_VERSION} and the CRDs of crds.json)`);
  if (documents.length === 0) {
    console.error(`no YAML document under ${path.relative(process.cwd(), dir) || dir}`);
    return 1;
  }
  return findings.length > 0 ? 1 : 0;
}

/** Every .yaml and .yml file under `dir`, in a stable order. */
function yamlFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return yamlFiles(full);
      return /\.ya?ml$/.test(entry.name) ? [full] : [];
    });
}

try {
  process.exitCode = main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
