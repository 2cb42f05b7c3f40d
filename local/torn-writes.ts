import { readdirSync, readFileSync, rmSync, statSync } from 'fs';
import * as path from 'path';

/**
 * Every file below `dir`, recursively (the file backend's folder holds a few dozen).
 */
function filesBelow(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? filesBelow(file) : [file];
  });
}

function isJson(file: string): boolean {
  try {
    JSON.parse(readFileSync(file, 'utf8'));
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes what a killed `pulumi` left half written in a file backend's `.pulumi` folder, and returns the files it
 * removed. The backend (gocloud.dev's fileblob) writes each file to a temporary `*.tmp` beside it and renames it
 * into place, so the state itself is always whole; but it writes the `<file>.attrs` sidecar (content type and an MD5
 * that nothing checks on read) in place, so a kill in the middle leaves it empty, and every later command then fails
 * with `failed to load checkpoint: EOF`. A sidecar that is not JSON is removed (fileblob reads a missing one as
 * default attributes), and so are the `*.tmp` files of writes that never completed. Call it only when no `pulumi`
 * runs on the stack: the caller has checked its locks.
 */
export function repairTornWrites(stateDir: string): string[] {
  const torn = filesBelow(path.join(stateDir, '.pulumi')).filter((file) => (file.endsWith('.attrs') && !isJson(file)) || file.endsWith('.tmp'));
  for (const file of torn) rmSync(file, { force: true });
  return torn.map((file) => path.relative(stateDir, file));
}
