import { controllerActions } from './controller-actions';
import { dataMoveLines } from './data-moves';
import { dataBearingReason } from '../synthesis/data-bearing';
import { eventTopicName } from '../constructs/event-bus';
import { Manifest } from '../core/manifest';
import { RouteStatus } from '../phases/model/endpoint';
import { managedServices } from '../stacks/aws/managed-services';
import { formatPath } from './field-diff';
import { gatewayLimits, GatewayLimits } from './gateway-limits';
import { objectLabel } from './manifest-diff';
import { PhaseTransition } from './phase-transition';
import { phaseRequests, PhaseRequests } from './resource-requests';
import { trafficReceivers } from './traffic-graph';
import { checkTransition, TransitionViolation } from './transition-check';

/** A route whose status differs between the two phases. */
export interface RouteChange {
  readonly path: string;
  readonly before: RouteStatus;
  readonly after: RouteStatus;
  /** Who answers after the step. */
  readonly service: string;
  readonly monolith: string;
}

/** Names that appear or go in a step. */
export interface Appearing {
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

/** A data-bearing object the step touches. */
export interface DataBearingObject {
  readonly object: string;
  readonly component: string;
  /** Why it holds data (synthesis/data-bearing.ts). */
  readonly holds: string;
}

/** How a phase's requests compare with phase 0's. */
export interface CostCheck {
  readonly baseline: PhaseRequests;
  readonly before: PhaseRequests;
  readonly after: PhaseRequests;
  /** Increase of the phase after the step over phase 0, in percent, for CPU and memory. */
  readonly cpuIncreasePercent: number;
  readonly memoryIncreasePercent: number;
  /** The model's `objectives.costIncreaseLimitPercent`. */
  readonly limitPercent: number;
  /** True when CPU or memory is above the limit. */
  readonly over: boolean;
}

/** Everything a reviewer needs about one step, as data; plan-report.ts renders it. */
export interface PromotionPlan {
  readonly transition: PhaseTransition;
  readonly routes: readonly RouteChange[];
  /** Workloads that start or stop receiving requests, with who sends them (after the step, or before it). */
  readonly trafficStarts: ReadonlyArray<{ readonly workload: string; readonly from: readonly string[] }>;
  readonly trafficStops: ReadonlyArray<{ readonly workload: string; readonly from: readonly string[] }>;
  readonly topics: Appearing;
  readonly databases: Appearing;
  /**
   * The managed services (RDS, DocumentDB, ElastiCache, MSK) that the step adds or removes, when the stores run
   * outside the cluster (the aws target); undefined in-cluster.
   */
  readonly managedServices?: Appearing;
  readonly policies: Appearing;
  readonly dataBearing: {
    /** Deleted, renamed or replaced: each a violation of the transition rules. */
    readonly lost: readonly TransitionViolation[];
    readonly added: readonly DataBearingObject[];
    /** Updated in place: the fields that change. */
    readonly updated: ReadonlyArray<DataBearingObject & { readonly fields: readonly string[] }>;
  };
  /** Every broken transition rule (review/transition-check.ts). */
  readonly violations: readonly TransitionViolation[];
  readonly cost: CostCheck;
  /** The gateway after the step: where unlisted paths go, and its rate limits across its replicas. */
  readonly gateway?: GatewayLimits;
  /** What the cluster's controllers do after `pulumi up` returns (or while the provider waits). */
  readonly controllerActions: readonly string[];
  /** The contexts' data moves that the step runs or stops (review/data-moves.ts). */
  readonly dataMoves: readonly string[];
}

/** Access policies: who may talk to whom, on the network, in the mesh, and on the event bus. */
export const POLICY_KINDS: Readonly<Record<string, string>> = {
  NetworkPolicy: 'NetworkPolicy',
  AuthorizationPolicy: 'Istio AuthorizationPolicy',
  PeerAuthentication: 'Istio PeerAuthentication',
  KafkaUser: 'Kafka ACLs of KafkaUser',
};

function appearing(before: readonly string[], after: readonly string[]): Appearing {
  return { added: after.filter((n) => !before.includes(n)), removed: before.filter((n) => !after.includes(n)) };
}

function dataBearing(manifest: Manifest): DataBearingObject | undefined {
  const holds = dataBearingReason(manifest.document);
  return holds ? { object: objectLabel(manifest), component: manifest.component, holds } : undefined;
}

function percent(after: number, baseline: number): number {
  return baseline === 0 ? 0 : ((after - baseline) / baseline) * 100;
}

/** Works out what a step changes for reviewers: routes, traffic, topics, stores, policies, data, cost. */
export function promotionPlan(transition: PhaseTransition): PromotionPlan {
  const { before, after, diff } = transition;
  const routes = after.plan.routes.flatMap((route) => {
    const was = before.plan.routes.find((r) => r.path === route.path);
    return was && was.status !== route.status ? [{ path: route.path, before: was.status, after: route.status, service: route.service, monolith: route.monolith }] : [];
  });

  const receiving = { before: trafficReceivers(before.plan), after: trafficReceivers(after.plan) };
  const trafficStarts = [...receiving.after].filter(([w]) => !receiving.before.has(w)).map(([workload, from]) => ({ workload, from }));
  const trafficStops = [...receiving.before].filter(([w]) => !receiving.after.has(w)).map(([workload, from]) => ({ workload, from }));

  const topicNames = (t: PhaseTransition['before']) => t.plan.topics.map((topic) => eventTopicName(topic.context, topic.event));
  const storeNames = (t: PhaseTransition['before']) => t.plan.dataStores.map((s) => `${s.name} (${s.engine})`);
  const managedLabels = (t: PhaseTransition['before']) => managedServices(t.plan.dataStores, t.plan.eventBus).map((s) => s.label);
  const policyNames = (manifests: readonly Manifest[]) =>
    manifests.filter((m) => POLICY_KINDS[m.document.kind]).map((m) => `${POLICY_KINDS[m.document.kind]} ${m.document.metadata.name}`);

  const violations = checkTransition(before, after, diff);
  const lostRules = new Set(['data-deleted', 'data-renamed', 'data-replaced']);

  const baseline = phaseRequests(transition.baseline.manifests);
  const afterRequests = phaseRequests(after.manifests);
  const cpuIncreasePercent = percent(afterRequests.total.cpuMillis, baseline.total.cpuMillis);
  const memoryIncreasePercent = percent(afterRequests.total.memoryMebibytes, baseline.total.memoryMebibytes);
  const limitPercent = after.plan.objectives.costIncreaseLimitPercent;

  return {
    transition,
    routes,
    trafficStarts,
    trafficStops,
    topics: appearing(topicNames(before), topicNames(after)),
    databases: appearing(storeNames(before), storeNames(after)),
    ...(transition.environment.inClusterData === false ? { managedServices: appearing(managedLabels(before), managedLabels(after)) } : {}),
    policies: appearing(policyNames(before.manifests), policyNames(after.manifests)),
    dataBearing: {
      lost: violations.filter((v) => lostRules.has(v.rule)),
      added: diff.added.flatMap((m) => dataBearing(m) ?? []),
      updated: diff.changed.flatMap((c) => {
        const object = dataBearing(c.after);
        return object ? [{ ...object, fields: c.fields.map((f) => formatPath(f.segments)) }] : [];
      }),
    },
    violations,
    cost: {
      baseline,
      before: phaseRequests(before.manifests),
      after: afterRequests,
      cpuIncreasePercent,
      memoryIncreasePercent,
      limitPercent,
      over: cpuIncreasePercent > limitPercent || memoryIncreasePercent > limitPercent,
    },
    gateway: gatewayLimits(after.plan, after.manifests),
    controllerActions: controllerActions(diff),
    dataMoves: dataMoveLines(before.plan, after.plan),
  };
}
