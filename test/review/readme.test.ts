import * as fs from 'fs';
import * as path from 'path';
import { careerCopilot } from '../../phases';
import { routesSection, updateReadme } from '../../review/readme-sections';

const README = path.join(__dirname, '..', '..', 'README.md');

test("README.md's generated sections (phase-4 diagram, route status by phase) match the model; run `npm run readme` when this fails", () => {
  const readme = fs.readFileSync(README, 'utf8');
  expect(updateReadme(readme, careerCopilot())).toBe(readme);
});

test('rewriting replaces only the text between the markers, and a second run changes nothing', () => {
  const before = 'intro\n<!-- generated:diagram -->\nold\n<!-- /generated:diagram -->\nmiddle\n<!-- generated:routes -->\n<!-- /generated:routes -->\nend\n';
  const once = updateReadme(before, careerCopilot());
  expect(once.startsWith('intro\n<!-- generated:diagram -->\nPhase 4 (full-microservices)')).toBe(true);
  expect(once).toContain('```mermaid\nflowchart LR');
  expect(once).toContain('\n<!-- /generated:routes -->\nend\n');
  expect(once).not.toContain('\nold\n');
  expect(updateReadme(once, careerCopilot())).toBe(once);
});

test('a missing marker is named', () => {
  expect(() => updateReadme('no markers', careerCopilot())).toThrow('README.md <!-- generated:diagram -->: is missing');
});

test('the route table has a row per endpoint, whether it needs a token, and a column per phase', () => {
  const table = routesSection(careerCopilot());
  expect(table).toContain('| `/api/v1/auth/register` | POST | auth | public | monolith | hybrid | migrated | migrated | migrated |');
  expect(table).toContain('| `/api/v1/analytics` | GET | analytics | required | monolith | monolith | shadow | hybrid | migrated |');
  expect(table).toContain('| endpoint | methods | context | token | 0 monolith | 1 strangler-fig | 2 domain-services | 3 event-driven | 4 full-microservices |');
});
