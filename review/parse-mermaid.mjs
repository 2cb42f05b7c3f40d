// Parses Mermaid diagrams with Mermaid's own parser (mermaid.parse), in a plain Node process: Mermaid ships as
// ES modules, which jest's CommonJS runtime cannot load. Its text sanitizer needs a DOM, so jsdom provides one.
// Reads a JSON list of diagram texts on stdin; writes a JSON list of { ok, diagramType } or { ok, error }.
import { JSDOM } from 'jsdom';

const { window } = new JSDOM('');
globalThis.window = window;
globalThis.document = window.document;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false });

let input = '';
for await (const chunk of process.stdin) input += chunk;
const results = [];
for (const text of JSON.parse(input)) {
  try {
    const parsed = await mermaid.parse(text);
    results.push({ ok: true, diagramType: parsed.diagramType });
  } catch (error) {
    results.push({ ok: false, error: error instanceof Error ? error.message : String(error) });
  }
}
process.stdout.write(JSON.stringify(results));
