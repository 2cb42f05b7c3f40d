import { eventTopicName } from '../constructs/event-bus';
import { ROUTE_STATUSES } from '../phases/model/endpoint';
import { PhasePlan, WorkloadRole } from '../phases/phase-plan';
import { trafficEdges, USERS } from './traffic-graph';

/** Which box of the diagram each kind of workload goes in. */
const GROUP_OF_ROLE: Readonly<Record<WorkloadRole, 'edge' | 'services' | 'monolith'>> = {
  frontend: 'edge',
  gateway: 'edge',
  monolith: 'monolith',
  'context-service': 'services',
  'saga-orchestrator': 'services',
  'config-server': 'services',
};

const GROUP_TITLES = { edge: 'Edge', monolith: 'Monolith', services: 'Services' } as const;

/** A Mermaid node id from a name: letters, digits and underscores only, prefixed by what it is. */
function id(prefix: string, name: string): string {
  return `${prefix}_${name.replace(/[^A-Za-z0-9]/g, '_')}`;
}

/** A quoted Mermaid label; quotes inside become the HTML entity Mermaid accepts. */
function label(text: string): string {
  return `"${text.replace(/"/g, '#quot;')}"`;
}

/**
 * A Mermaid flowchart of one phase: users, the frontend and the gateway; the services (and the monolith while it
 * runs); the data stores; the event bus's topics, one node per publishing context; and who calls whom, which
 * service uses which store, who publishes and who consumes. Gateway edges carry the count of routes by status.
 * Built from the phase plan only, so the same plan always gives the same text.
 */
export function phaseDiagram(plan: PhasePlan): string {
  const lines = ['flowchart LR', `  %% Phase ${plan.phase} (${plan.spec.title}), generated from the platform model`];
  lines.push(`  ${id('u', USERS)}((${label('Users')}))`);

  for (const group of ['edge', 'monolith', 'services'] as const) {
    const members = plan.workloads.filter((w) => GROUP_OF_ROLE[w.role] === group);
    if (members.length === 0) continue;
    lines.push(`  subgraph ${id('g', group)} [${label(GROUP_TITLES[group])}]`);
    for (const w of members) lines.push(`    ${id('w', w.spec.name)}[${label(w.spec.name)}]`);
    lines.push('  end');
  }
  if (plan.dataStores.length > 0) {
    lines.push(`  subgraph ${id('g', 'data')} [${label('Data stores')}]`);
    for (const store of plan.dataStores) lines.push(`    ${id('d', store.name)}[(${label(`${store.name}<br/>${store.engine}`)})]`);
    lines.push('  end');
  }
  const publishers = [...new Set(plan.topics.map((t) => t.context))];
  if (plan.eventBus && publishers.length > 0) {
    lines.push(`  subgraph ${id('g', 'events')} [${label('Event bus (Kafka topics)')}]`);
    for (const context of publishers) {
      const topics = plan.topics.filter((t) => t.context === context).map((t) => eventTopicName(t.context, t.event));
      lines.push(`    ${id('t', context)}{{${label(`${context}.*<br/>${topics.length} topics`)}}}`);
    }
    lines.push('  end');
  }

  const deployed = new Set(plan.workloads.map((w) => w.spec.name));
  for (const edge of trafficEdges(plan)) {
    if (!deployed.has(edge.to)) continue;
    const from = edge.from === USERS ? id('u', USERS) : id('w', edge.from);
    const routes = edge.routes
      ? ROUTE_STATUSES.filter((s) => edge.routes?.[s]).map((s) => `${edge.routes?.[s]} ${s}`).join(', ')
      : '';
    lines.push(routes ? `  ${from} -->|${label(routes)}| ${id('w', edge.to)}` : `  ${from} --> ${id('w', edge.to)}`);
  }
  const stores = new Set(plan.dataStores.map((s) => s.name));
  for (const w of plan.workloads) {
    for (const store of w.dataStores) if (stores.has(store.name)) lines.push(`  ${id('w', w.spec.name)} -.-> ${id('d', store.name)}`);
  }
  const contextOfTopic = new Map(plan.topics.map((t) => [t.event, t.context]));
  for (const client of plan.eventClients) {
    const produces = new Set(client.produces.map((e) => contextOfTopic.get(e)).filter((c): c is string => c !== undefined));
    const consumes = new Set(client.consumes.map((e) => contextOfTopic.get(e)).filter((c): c is string => c !== undefined));
    for (const context of produces) lines.push(`  ${id('w', client.service)} -- ${label('publishes')} --> ${id('t', context)}`);
    for (const context of consumes) lines.push(`  ${id('t', context)} -. ${label('consumed by')} .-> ${id('w', client.service)}`);
  }
  return `${lines.join('\n')}\n`;
}
