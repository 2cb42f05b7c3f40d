import { HYBRID_FALLBACK_RULE } from '../constructs/nginx-gateway-config';
import { DEFAULT_TOKEN_CACHE_SECONDS } from '../phases/model/edge-authentication';
import { PHASES } from '../phases/model/phase-spec';
import { PlatformModel } from '../phases/model/platform-model';
import { ValidationError } from '../core/validation-error';
import { selectPhase } from '../phases/select-phase';
import { phaseDiagram } from './mermaid-diagram';

/** The README's generated sections, each between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`. */
export const README_SECTIONS = {
  diagram: (model: PlatformModel) => diagramSection(model),
  routes: (model: PlatformModel) => routesSection(model),
} as const;
export type ReadmeSection = keyof typeof README_SECTIONS;

/** The last phase's diagram as a fenced Mermaid block, which GitHub renders. */
export function diagramSection(model: PlatformModel): string {
  const last = PHASES[PHASES.length - 1];
  return [
    `Phase ${last} (${model.phases[last].title}), generated from the model by \`npm run readme\`; \`npm run synth\` writes every phase's diagram to \`dist/phase-N/diagram.mmd\`.`,
    '',
    '```mermaid',
    phaseDiagram(selectPhase(model, last)).trimEnd(),
    '```',
  ].join('\n');
}

/** The status of every endpoint in every phase, as a Markdown table. */
export function routesSection(model: PlatformModel): string {
  const header = `| endpoint | methods | context | token | ${PHASES.map((p) => `${p} ${model.phases[p].title}`).join(' | ')} |`;
  const rule = `|---|---|---|---|${PHASES.map(() => '---').join('|')}|`;
  const rows = model.endpoints.map(
    (e) => `| \`${e.path}\` | ${e.methods.join(', ')} | ${e.context} | ${e.public ? 'public' : 'required'} | ${PHASES.map((p) => e.statusByPhase[p]).join(' | ')} |`,
  );
  const auth = model.edgeAuthentication;
  return [
    '`monolith`: the monolith answers; `shadow`: the monolith answers, the service gets a copy of each read (never of a write) whose status and latency only the gateway\'s metrics see (`gateway_shadow_requests_total`, `gateway_shadow_request_duration_seconds`); `hybrid`: the service answers, the monolith is the fallback; `migrated`: only the service. Generated from `phases/career-copilot/endpoints.ts` by `npm run readme`.',
    '',
    `On a route whose token is required, the gateway first asks the ${auth.context} context (\`${auth.verifyPath}\`, on its service once extracted, the monolith before it and whenever the service cannot answer) to verify the bearer token: no token, an expired or a forged one get a JSON 401; a verified token is reused for ${auth.cacheSeconds ?? DEFAULT_TOKEN_CACHE_SECONDS} s per gateway replica; the service gets the caller in \`X-User-Id\` and \`X-User-Roles\`, which a client can never set itself. In the mesh (phase 4) the gateway's sidecar validates the JWT as well (issuer \`${auth.issuer}\`, signing keys from \`${auth.jwksPath}\`).`,
    '',
    `On a hybrid route, ${HYBRID_FALLBACK_RULE}. Paths that no endpoint lists go to the monolith while it runs (${model.unlistedPaths.rateLimitPerMinute} requests a minute per client), and get a JSON 404 once it is retired. Rate limits count per client on each gateway replica: \`npm run plan\` shows what they come to across the replicas of the step.`,
    '',
    header,
    rule,
    ...rows,
  ].join('\n');
}

function markers(name: string): { start: string; end: string } {
  return { start: `<!-- generated:${name} -->`, end: `<!-- /generated:${name} -->` };
}

/**
 * `readme` with the text between each section's markers replaced by what the model generates now. Fails when a
 * marker is missing, naming it, rather than appending somewhere a reader would not look.
 */
export function updateReadme(readme: string, model: PlatformModel): string {
  let text = readme;
  for (const [name, render] of Object.entries(README_SECTIONS) as Array<[ReadmeSection, (m: PlatformModel) => string]>) {
    const { start, end } = markers(name);
    const from = text.indexOf(start);
    const to = text.indexOf(end);
    if (from < 0 || to < from) {
      throw new ValidationError(`README.md ${start}`, `is missing (or after ${end}); add both markers where the ${name} section goes; the generated sections are ${Object.keys(README_SECTIONS).join(', ')}`);
    }
    text = `${text.slice(0, from + start.length)}\n${render(model)}\n${text.slice(to)}`;
  }
  return text;
}
