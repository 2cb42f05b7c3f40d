import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { TSchema } from '@sinclair/typebox';
import { PHASES } from '../../phases';
import { parseStackConfig, SECRET_KEYS, StackConfigSchema } from '../../stacks/stack-config';

const root = path.join(__dirname, '..', '..');
const project = parse(fs.readFileSync(path.join(root, 'Pulumi.yaml'), 'utf8')) as { config: Record<string, { type: string; default: unknown; description: string; items?: { type: string } }> };

/** Pulumi's project config types for a JSON Schema type. */
const PULUMI_TYPE: Record<string, string> = { integer: 'integer', boolean: 'boolean', string: 'string', array: 'array' };

describe('Pulumi.yaml', () => {
  test('declares exactly the keys the program validates, each with its type, default and a description', () => {
    const schemaKeys = [...Object.keys(StackConfigSchema.properties), ...SECRET_KEYS].sort();
    expect(Object.keys(project.config).sort()).toEqual(schemaKeys);
    for (const [key, schema] of Object.entries(StackConfigSchema.properties) as Array<[string, TSchema]>) {
      const declared = project.config[key];
      expect({ key, type: declared.type, default: declared.default }).toEqual({ key, type: PULUMI_TYPE[schema.type as string], default: schema.default });
      expect(declared.description.length).toBeGreaterThan(10);
    }
  });

  test.each(['dev', 'staging', 'prod'])('stack %s is valid, with its phase, target and sizing', (stack) => {
    const file = parse(fs.readFileSync(path.join(root, `Pulumi.${stack}.yaml`), 'utf8')) as { config: Record<string, unknown> };
    // Pulumi hands the program strings, and lists as JSON.
    const raw = Object.fromEntries(
      Object.entries(file.config)
        .filter(([k]) => k.startsWith('career-copilot:'))
        .map(([k, v]) => [k.slice('career-copilot:'.length), typeof v === 'string' ? v : JSON.stringify(v)]),
    );
    const config = parseStackConfig(raw);
    // Each stack names its phase itself (a promotion is a change of this line): any phase of the model.
    expect(raw.phase).toBeDefined();
    expect(PHASES).toContain(config.phase);
    expect(['local', 'aws']).toContain(config.target);
    expect(config.replicas).toBeGreaterThanOrEqual(1);
  });
});
