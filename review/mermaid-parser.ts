import { execFileSync } from 'child_process';
import * as path from 'path';

/** What Mermaid's parser said about one diagram. */
export type MermaidParseResult = { readonly ok: true; readonly diagramType: string } | { readonly ok: false; readonly error: string };

/**
 * Parses diagrams with the real Mermaid parser (`mermaid.parse`, from the `mermaid` dev dependency) in a child
 * Node process running review/parse-mermaid.mjs, one result per diagram, in order. Needs `mermaid` and `jsdom`
 * installed (dev dependencies); used by the tests, never by synthesis.
 */
export function parseMermaid(diagrams: readonly string[]): MermaidParseResult[] {
  const output = execFileSync(process.execPath, [path.join(__dirname, 'parse-mermaid.mjs')], {
    input: JSON.stringify(diagrams),
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(output) as MermaidParseResult[];
}
