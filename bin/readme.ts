/**
 * `npm run readme [-- --check]`: rewrites README.md's generated sections (the phase-4 diagram and the route
 * status table, between their `<!-- generated:NAME -->` markers) from the model. With `--check`, changes
 * nothing and exits 1 when the README's copy is stale.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { careerCopilot } from '../phases';
import { updateReadme } from '../review/readme-sections';

function main(): void {
  const { values } = parseArgs({ options: { check: { type: 'boolean', default: false }, file: { type: 'string', default: 'README.md' } } });
  const file = path.resolve(values.file!);
  const current = fs.readFileSync(file, 'utf8');
  const updated = updateReadme(current, careerCopilot());
  if (values.check) {
    if (updated !== current) {
      console.error(`${path.relative(process.cwd(), file)}: generated sections are stale; run npm run readme`);
      process.exit(1);
    }
    console.log(`${path.relative(process.cwd(), file)}: generated sections are up to date`);
    return;
  }
  if (updated !== current) fs.writeFileSync(file, updated);
  console.log(`${path.relative(process.cwd(), file)}: generated sections ${updated === current ? 'already up to date' : 'rewritten'}`);
}

try {
  main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
