import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import { Manifest } from '../core/manifest';

/**
 * YAML for one object: block style, no line folding, so that diffs show whole values. Written as YAML 1.1, so
 * strings such as `yes` and `on` are quoted: readers that follow 1.1 (kubectl, the Pulumi provider's ConfigGroup)
 * would otherwise read them as booleans.
 */
export function toYaml(document: unknown): string {
  return stringify(document, { lineWidth: 0, aliasDuplicateObjects: false, version: '1.1' });
}

/** `user-service/deployment-user-service.yaml`: a folder per component, a file per object. */
export function manifestPath(manifest: Manifest): string {
  const { kind, metadata } = manifest.document;
  return path.join(manifest.component, `${kind.toLowerCase()}-${metadata.name}.yaml`);
}

/**
 * Replaces `dir` with the phase's manifests. Removing the folder first means an object that left the phase
 * leaves the folder too.
 */
export function writeManifests(dir: string, manifests: readonly Manifest[]): string[] {
  fs.rmSync(dir, { recursive: true, force: true });
  const written: string[] = [];
  for (const manifest of manifests) {
    const file = path.join(dir, manifestPath(manifest));
    if (written.includes(file)) throw new Error(`two objects would be written to ${file}`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, toYaml(manifest.document));
    written.push(file);
  }
  return written;
}
