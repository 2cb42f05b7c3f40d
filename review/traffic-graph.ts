import { RouteStatus } from '../phases/model/endpoint';
import { PhasePlan } from '../phases/phase-plan';

/** Where requests come from before they reach the platform. */
export const USERS = 'users';

/** One caller -> callee edge of synchronous traffic in a phase. */
export interface TrafficEdge {
  readonly from: string;
  readonly to: string;
  /** For the gateway's edges: how many routes of each status send requests down this edge. */
  readonly routes?: Readonly<Partial<Record<RouteStatus, number>>>;
}

/**
 * Who sends requests to whom in a phase: users reach the frontend and, from phase 1, the gateway; the
 * gateway forwards each route to the context's service (`hybrid`, `migrated`) and to the monolith (`monolith`,
 * and `hybrid` as the fallback); every other workload calls what its plan says it calls.
 */
export function trafficEdges(plan: PhasePlan): TrafficEdge[] {
  const edges: TrafficEdge[] = [];
  const gateway = plan.workloads.find((w) => w.role === 'gateway');
  const frontend = plan.workloads.find((w) => w.role === 'frontend');
  if (frontend) edges.push({ from: USERS, to: frontend.spec.name });
  if (gateway) {
    edges.push({ from: USERS, to: gateway.spec.name });
    const byTarget = new Map<string, Partial<Record<RouteStatus, number>>>();
    const count = (target: string, status: RouteStatus) => {
      const counts = byTarget.get(target) ?? {};
      counts[status] = (counts[status] ?? 0) + 1;
      byTarget.set(target, counts);
    };
    for (const route of plan.routes) {
      if (route.status !== 'monolith') count(route.service, route.status);
      if (route.status !== 'migrated') count(route.monolith, route.status);
    }
    for (const [target, routes] of byTarget) edges.push({ from: gateway.spec.name, to: target, routes });
  }
  for (const workload of plan.workloads) {
    if (workload.role === 'gateway') continue;
    for (const callee of workload.calls) edges.push({ from: workload.spec.name, to: callee });
  }
  return edges;
}

/** Each workload that receives requests in a phase, with who sends them (sorted). */
export function trafficReceivers(plan: PhasePlan): Map<string, string[]> {
  const receivers = new Map<string, string[]>();
  const deployed = new Set(plan.workloads.map((w) => w.spec.name));
  for (const edge of trafficEdges(plan)) {
    if (!deployed.has(edge.to)) continue;
    receivers.set(edge.to, [...new Set([...(receivers.get(edge.to) ?? []), edge.from])].sort());
  }
  return receivers;
}
