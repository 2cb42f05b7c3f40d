import { accessSync, constants, readdirSync } from 'fs';
import * as path from 'path';

/** A server program the integration tests run, and how to install it when it is missing. */
export interface RequiredProgram {
  /** Executable name, e.g. `nginx`. */
  readonly name: string;
  /** Folders searched before `PATH`, in order; a `*` segment matches every version folder, highest first. */
  readonly folders: readonly string[];
  /** The Debian package that provides it. */
  readonly debianPackage: string;
}

/** The programs, by role: what CI installs with `apt-get install -y nginx postgresql mtail`. */
export const REQUIRED_PROGRAMS = {
  nginx: { name: 'nginx', folders: ['/usr/sbin'], debianPackage: 'nginx' },
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
  const searched = [...program.folders.flatMap(expand), ...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean)];
  const found = searched.map((folder) => path.join(folder, program.name)).find(executable);
  if (found) return found;
  throw new Error(
    `${program.name} is not installed (searched ${program.folders.join(', ')} and PATH). The integration tests run the real server: ` +
      `install Debian's package as root with \`apt-get update && apt-get install -y ${program.debianPackage}\`, ` +
      'or run `bash scripts/integration-servers.sh install`.',
  );
}
