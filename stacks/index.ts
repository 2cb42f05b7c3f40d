/**
 * The Pulumi program: deploys one environment of Career Copilot at one phase. `pulumi config set phase N`
 * followed by `pulumi preview` and `pulumi up` promotes (or rolls back) the environment.
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { synthesizePhase } from '../constructs/synthesize';
import { careerCopilot, selectPhase } from '../phases';
import { readStackConfig } from './stack-config';
import { PhaseComponent } from './phase-deployment';

const config = readStackConfig(new pulumi.Config());
const plan = selectPhase(careerCopilot(), config.phase);
const manifests = synthesizePhase(plan);

const provider = new k8s.Provider('kubernetes', {
  ...(config.kubeconfig ? { kubeconfig: config.kubeconfig } : {}),
  enableServerSideApply: true,
});

const byComponent = new Map<string, typeof manifests>();
for (const manifest of manifests) byComponent.set(manifest.component, [...(byComponent.get(manifest.component) ?? []), manifest]);

const namespace = new PhaseComponent('namespace', { manifests: byComponent.get('namespace') ?? [], provider });
for (const [component, objects] of byComponent) {
  if (component === 'namespace') continue;
  new PhaseComponent(component, { manifests: objects, provider, dependsOn: [namespace] });
}

export const phase = plan.phase;
export const routes = plan.routes.map((r) => ({ path: r.path, status: r.status, service: r.status === 'monolith' ? r.monolith : r.service }));
