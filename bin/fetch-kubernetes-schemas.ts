/**
 * Caches the Kubernetes API schemas that `npm run validate` and the schema tests check manifests against: the
 * OpenAPI v3 files of the API groups we emit, from the module k8s.io/kubernetes at KUBERNETES_VERSION, fetched
 * through the Go module proxy (`go mod download`, checksummed by sum.golang.org). Does nothing when the cache
 * already holds them, so it can run before every test. The schemas are never committed.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { KUBERNETES_API_FILES, KUBERNETES_VERSION, kubernetesSchemaDir } from '../policy/kubernetes-schemas';

const MODULE = 'k8s.io/kubernetes';
/** Where the published OpenAPI v3 files live inside the module. */
const SPEC_DIR = path.join('api', 'openapi-spec', 'v3');

/** What `go mod download -json` prints for one module. */
interface DownloadedModule {
  readonly Path: string;
  readonly Version: string;
  readonly Dir?: string;
  readonly Sum?: string;
  readonly Error?: string;
  readonly Origin?: { readonly URL?: string; readonly Hash?: string; readonly Ref?: string };
}

function main(): void {
  const target = kubernetesSchemaDir();
  const files = Object.values(KUBERNETES_API_FILES);
  if (files.every((file) => fs.existsSync(path.join(target, file)))) return;

  const module = download(`${MODULE}@v${KUBERNETES_VERSION}`);
  // Fill a sibling folder and rename it into place, so an interrupted run never leaves a partial cache.
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const staging = fs.mkdtempSync(`${target}.partial-`);
  for (const file of files) {
    const source = path.join(module.Dir!, SPEC_DIR, file);
    if (!fs.existsSync(source)) throw new Error(`${MODULE}@${module.Version} has no ${path.join(SPEC_DIR, file)}`);
    fs.copyFileSync(source, path.join(staging, file));
    fs.chmodSync(path.join(staging, file), 0o644);
  }
  fs.writeFileSync(path.join(staging, 'source.json'), `${JSON.stringify({ module: MODULE, version: module.Version, sum: module.Sum, origin: module.Origin, files }, null, 2)}\n`);
  fs.chmodSync(staging, 0o755);
  fs.rmSync(target, { recursive: true, force: true });
  fs.renameSync(staging, target);
  console.log(`cached ${files.length} Kubernetes ${module.Version} schema files in ${target}`);
}

/** Runs `go mod download` outside any Go module, with the toolchain installed here and the default proxy. */
function download(moduleVersion: string): DownloadedModule {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kubernetes-schemas-'));
  try {
    const output = execFileSync('go', ['mod', 'download', '-json', moduleVersion], {
      cwd: work,
      env: { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 16 * 1024 * 1024,
    });
    const module = JSON.parse(output) as DownloadedModule;
    if (module.Error || !module.Dir) throw new Error(`go mod download ${moduleVersion}: ${module.Error ?? 'no module folder reported'}`);
    return module;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`the go command is not on PATH; it downloads ${moduleVersion} from the Go module proxy`);
    // go prints a JSON object with Error on stdout when the proxy refuses the version.
    const output = (error as { stdout?: string; stderr?: string }).stdout ?? '';
    const detail = output.includes('"Error"') ? (JSON.parse(output) as DownloadedModule).Error : (error as { stderr?: string }).stderr || (error as Error).message;
    throw new Error(`could not download ${moduleVersion} through the Go module proxy: ${String(detail).trim()}`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

try {
  main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
