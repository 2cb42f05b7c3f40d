import { ApiObject, App } from 'cdk8s';
import { PhasePlan } from '../phases/phase-plan';
import { KubernetesObject, Manifest } from '../core/manifest';
import { EnvironmentOptions, PhaseChart } from './phase-chart';

/** Construct id of the chart: fixed, so that construct paths never carry the phase. */
export const CHART_ID = 'career-copilot';

/**
 * Builds the objects of one phase, in a deterministic order (construct creation order), and runs every
 * construct's validation as `cdk8s synth` would.
 */
export function synthesizePhase(plan: PhasePlan, environment: EnvironmentOptions = {}): Manifest[] {
  const app = new App();
  const chart = new PhaseChart(app, CHART_ID, { plan, environment });
  const errors = app.node.findAll().flatMap((c) => c.node.validate().map((e) => `${c.node.path}: ${e}`));
  if (errors.length > 0) throw new Error(`invalid constructs:\n${errors.join('\n')}`);
  return chart.node
    .findAll()
    .filter((c): c is ApiObject => c instanceof ApiObject)
    .map((object) => {
      const component = object.node.scopes[2].node.id;
      return { component, componentKind: chart.componentKind(component), document: object.toJson() as KubernetesObject };
    });
}
