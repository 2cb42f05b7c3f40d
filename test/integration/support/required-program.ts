import { execFileSync } from 'child_process';
import { accessSync, constants, readdirSync } from 'fs';
import * as path from 'path';

/** A server program the integration tests run, and how to install it when it is missing. */
export interface RequiredProgram {
  /** Executable name, e.g. `nginx`. */
  readonly name: string;
  /** Folders searched before `PATH`, in order; a `*` segment matches every version folder, highest first. */
  readonly folders: readonly string[];
  /** The Debian package that provides it, or the words for how it is built. */
  readonly debianPackage: string;
  /** Whether `PATH` is searched after `folders`. @default true */
  readonly searchPath?: boolean;
}

/** Where scripts/integration-servers.sh builds NGINX (the version of the gateway's image), built or not. */
const BUILT_NGINX = execFileSync('bash', [path.join(__dirname, '..', '..', '..', 'scripts', 'integration-servers.sh'), 'which-nginx'], { encoding: 'utf8' }).trim();

/** The programs, by role: what `bash scripts/integration-servers.sh install` installs and builds. */
export const REQUIRED_PROGRAMS = {
  // Never another NGINX from PATH: Debian's 1.22 cannot resolve upstream names at run time.
  nginx: { name: 'nginx', folders: [path.dirname(BUILT_NGINX)], debianPackage: 'none (built from source by the script)', searchPath: false },
  dnsmasq: { name: 'dnsmasq', folders: ['/usr/sbin'], debianPackage: 'dnsmasq-base' },
  postgres: { name: 'postgres', folders: ['/usr/lib/postgresql/*/bin'], debianPackage: 'postgresql' },
  initdb: { name: 'initdb', folders: ['/usr/lib/postgresql/*/bin'], debianPackage: 'postgresql' },
  psql: { name: 'psql', folders: ['/usr/lib/postgresql/*/bin'], debianPackage: 'postgresql-client' },
  mtail: { name: 'mtail', folders: ['/usr/bin'], debianPackage: 'mtail' },
} as const satisfies Record<string, RequiredProgram>;

const executable = (file: string) => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** `/usr/lib/postgresql/*\/bin` -> the existing version folders, highest version first. */
function expand(folder: string): string[] {
  const star = folder.indexOf('*');
  if (star < 0) return [folder];
  const parent = folder.slice(0, star);
  const rest = folder.slice(star + 1);
  let versions: string[];
  try {
    versions = readdirSync(parent);
  } catch {
    return [];
  }
  return versions.sort((a, b) => Number(b) - Number(a) || b.localeCompare(a)).map((v) => `${parent}${v}${rest}`);
}

/**
 * The absolute path of `program`. Throws (the test fails, it is never skipped) with the command that installs it:
 * these tests exist to run against the real servers.
 */
export function requireProgram(program: RequiredProgram): string {
  const onPath = program.searchPath === false ? [] : (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const searched = [...program.folders.flatMap(expand), ...onPath];
  const found = searched.map((folder) => path.join(folder, program.name)).find(executable);
  if (found) return found;
  throw new Error(
    `${program.name} is not installed (searched ${program.folders.join(', ')}${onPath.length > 0 ? ' and PATH' : ''}). The integration tests run the real server: ` +
      `run \`bash scripts/integration-servers.sh install\` as root (Debian package: ${program.debianPackage}).`,
  );
}
