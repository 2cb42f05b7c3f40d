/**
 * `npm run --silent changed-stacks -- --base REV`: one line `stack from to` per stack whose phase the working tree
 * changes against git revision REV (a pull request's base), for the workflow that posts their plans and previews.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import { parse } from 'yaml';
import { parseArgs } from 'util';
import { changedPhases } from '../review/changed-stacks';
import { stackNames } from '../review/stack-environment';

const { values } = parseArgs({ options: { base: { type: 'string' } } });
if (!values.base) {
  console.error('usage: npm run --silent changed-stacks -- --base REV');
  process.exit(2);
}
const base = values.base;
const project = (parse(fs.readFileSync('Pulumi.yaml', 'utf8')) as { name: string }).name;
/** The file at the base revision; absent there (a new stack) reads as undefined. */
const atBase = (file: string): string | undefined => {
  try {
    return execFileSync('git', ['show', `${base}:${file}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
};
const stacks = stackNames();
const before = new Map(stacks.flatMap((s) => {
  const text = atBase(`Pulumi.${s}.yaml`);
  return text === undefined ? [] : [[s, text] as const];
}));
const after = new Map(stacks.map((s) => [s, fs.readFileSync(`Pulumi.${s}.yaml`, 'utf8')] as const));
for (const change of changedPhases(project, before, after)) console.log(`${change.stack} ${change.from} ${change.to}`);
