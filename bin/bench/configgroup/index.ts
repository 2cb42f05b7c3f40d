/**
 * The baseline of bin/bench-engine.ts: the same manifests the project's stack deploys, as one @pulumi/kubernetes
 * yaml/v2 ConfigGroup built from the YAML files `npm run synth` writes, with no model, no components and no
 * protect, so the engine's cost for the objects alone can be compared with the stack's.
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { readdirSync, readFileSync } from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';

const config = new pulumi.Config();
const manifestDir = path.resolve(config.require('manifestDir'));
// Every YAML file below the folder, in a stable order.
const files = (readdirSync(manifestDir, { recursive: true, encoding: 'utf8' }) as string[])
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => path.join(manifestDir, f));
// Parsed here as YAML 1.2, the version they are written in, and passed as `objs`: given the `files`, the provider
// reads them as YAML 1.1, where the Redis argument `yes` (written unquoted) is the boolean true, and the
// API server refuses the StatefulSet (`args[6]: expected string`).
const objs = files.flatMap((file) => parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as Record<string, unknown>));
const provider = new k8s.Provider('kubernetes', { enableServerSideApply: true });
const group = new k8s.yaml.v2.ConfigGroup('phase', { objs, skipAwait: config.getBoolean('skipAwait') ?? false }, { provider });

export const objects = group.resources.apply((resources) => resources.length);
