import { careerCopilot, PHASES, selectPhase } from '../../phases';
import { phaseDiagram } from '../../review/mermaid-diagram';
import { parseMermaid } from '../../review/mermaid-parser';
import { diagramSection } from '../../review/readme-sections';

// Mermaid's parser runs in a child Node process (it ships as ES modules), which takes a few seconds to load.
jest.setTimeout(60_000);

const model = careerCopilot();
const diagrams = PHASES.map((phase) => phaseDiagram(selectPhase(model, phase)));

test('every phase diagram, and the README section, parse as Mermaid flowcharts with the Mermaid parser', () => {
  const readmeBlock = /```mermaid\n([\s\S]*?)```/.exec(diagramSection(model))![1];
  const results = parseMermaid([...diagrams, readmeBlock]);
  expect(results).toEqual([...diagrams, readmeBlock].map(() => ({ ok: true, diagramType: 'flowchart-v2' })));
});

test('the parser rejects a broken diagram, so the check above is not vacuous', () => {
  const [result] = parseMermaid([diagrams[1].replace('w_frontend["frontend"]', 'w_frontend["frontend"')]);
  expect(result.ok).toBe(false);
});

test('phase 0 shows users, the frontend calling the monolith, and its stores', () => {
  expect(diagrams[0]).toContain('u_users --> w_frontend');
  expect(diagrams[0]).toContain('w_frontend --> w_backend');
  expect(diagrams[0]).toContain('w_backend -.-> d_monolith_db');
  expect(diagrams[0]).not.toContain('api_gateway');
});

test('the gateway edges count routes by status: phase 2 sends jobs to its service first and to the monolith as fallback', () => {
  expect(diagrams[2]).toContain('w_api_gateway -->|"2 hybrid"| w_jobs_service');
  expect(diagrams[2]).toMatch(/w_api_gateway -->\|"\d+ monolith, 2 shadow, \d+ hybrid"\| w_backend/);
  // A shadow route's service gets copies of the reads: an edge of its own.
  expect(diagrams[2]).toContain('w_api_gateway -->|"1 shadow"| w_analytics_service');
});

test('from phase 3 the event bus shows who publishes and who consumes', () => {
  expect(diagrams[3]).toContain('subgraph g_events ["Event bus (Kafka topics)"]');
  expect(diagrams[3]).toContain('w_jobs_service -- "publishes" --> t_jobs');
  expect(diagrams[3]).toContain('t_applications -. "consumed by" .-> w_saga_orchestrator');
  expect(diagrams[2]).not.toContain('g_events');
});

test('phase 4 has no monolith backend, and the same plan always gives the same text', () => {
  expect(diagrams[4]).not.toContain('w_backend');
  expect(phaseDiagram(selectPhase(model, 4))).toBe(diagrams[4]);
});
