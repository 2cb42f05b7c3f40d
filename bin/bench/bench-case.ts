/**
 * One benchmark measurement in a process of its own, so that peak memory belongs to this case alone.
 * Prints one JSON line: { seconds, peakRssMiB, objects }.
 *   --mode model: our layers for the workloads (load and validate the model, select the phase, our Microservice
 *                 construct per workload, render YAML)
 *   --mode bare:  the same objects written directly with cdk8s-plus, no model layer
 *   --mode full:  the whole phase as `npm run synth` builds it (stores, event bus, mesh, policies, ...)
 */
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { parseArgs } from 'util';
import { toYaml } from '../../synthesis/manifest-files';
import { Microservice } from '../../constructs/microservice';
import { PlatformNamespace } from '../../constructs/namespace';
import { synthesizePhase } from '../../synthesis/synthesize';
import { careerCopilotInput, loadPlatformModel, PlatformModel, selectPhase } from '../../phases';
import { generatePlatform } from './generate-platform';

const { values } = parseArgs({ options: { mode: { type: 'string' }, services: { type: 'string' }, phase: { type: 'string', default: '3' } } });
const input: PlatformModel = values.services === 'career-copilot' ? careerCopilotInput : generatePlatform(Number(values.services));
const phase = Number(values.phase);

function viaModel(): number {
  const plan = selectPhase(loadPlatformModel(input), phase);
  const app = new App();
  const chart = new Chart(app, 'model', { namespace: plan.namespace, disableResourceNameHashes: true });
  new PlatformNamespace(chart, 'namespace', { name: plan.namespace, partOf: plan.product });
  for (const w of plan.workloads) {
    new Microservice(chart, w.spec.name, {
      name: w.spec.name,
      image: `${w.spec.image.repository}:${w.spec.image.tag}`,
      component: w.role,
      partOf: plan.product,
      containerPort: w.spec.port,
      replicas: w.spec.replicas,
      resources: w.spec.resources,
      autoscaling: w.spec.autoscaling,
      config: { SERVICE_NAME: w.spec.name, PORT: String(w.spec.port) },
    });
  }
  return chart.toJson().map((d) => toYaml(d)).length;
}

function fullPhase(): number {
  return synthesizePhase(selectPhase(loadPlatformModel(input), phase)).map((m) => toYaml(m.document)).length;
}

/** What a team would write by hand with cdk8s-plus for the same workloads, reading the raw data directly. */
function bare(): number {
  const app = new App();
  const chart = new Chart(app, 'bare', { namespace: input.namespace, disableResourceNameHashes: true });
  const spec = input.phases[phase];
  const workloads = [
    ...(spec.monolith ? [input.monolith.backend] : []),
    input.monolith.frontend,
    ...(spec.platform.gateway ? [input.platform.gateway] : []),
    ...input.contexts.filter((c) => spec.services.includes(c.name)).map((c) => c.service),
    ...(spec.platform.sagaOrchestrator ? [input.platform.sagaOrchestrator] : []),
    ...(spec.platform.configServer ? [input.platform.configServer] : []),
  ];
  new kplus.Namespace(chart, 'namespace', { metadata: { name: input.namespace } });
  for (const w of workloads) {
    const metadata = { name: w.name, labels: { 'app.kubernetes.io/name': w.name } };
    const sa = new kplus.ServiceAccount(chart, `${w.name}-sa`, { metadata, automountToken: false });
    const cm = new kplus.ConfigMap(chart, `${w.name}-cm`, { metadata: { name: `${w.name}-config` }, data: { SERVICE_NAME: w.name, PORT: String(w.port) } });
    const deployment = new kplus.Deployment(chart, `${w.name}-deploy`, {
      metadata,
      select: false,
      serviceAccount: sa,
      podMetadata: { labels: metadata.labels },
      containers: [
        {
          image: `${w.image.repository}:${w.image.tag}`,
          portNumber: w.port,
          liveness: kplus.Probe.fromHttpGet('/health'),
          readiness: kplus.Probe.fromHttpGet('/ready'),
          securityContext: { capabilities: { drop: [kplus.Capability.ALL] }, seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT } },
        },
      ],
    });
    deployment.select(kplus.LabelSelector.of({ labels: metadata.labels }));
    deployment.containers[0].env.copyFrom(kplus.Env.fromConfigMap(cm));
    const service = new kplus.Service(chart, `${w.name}-svc`, { metadata, ports: [{ port: 80, targetPort: w.port }] });
    service.selectLabel('app.kubernetes.io/name', w.name);
    new kplus.k8s.KubePodDisruptionBudget(chart, `${w.name}-pdb`, { metadata, spec: { maxUnavailable: kplus.k8s.IntOrString.fromNumber(1), selector: { matchLabels: metadata.labels } } });
    new kplus.HorizontalPodAutoscaler(chart, `${w.name}-hpa`, { metadata, target: deployment, minReplicas: w.replicas, maxReplicas: w.autoscaling.maxReplicas });
  }
  return chart.toJson().map((d) => toYaml(d)).length;
}

const start = process.hrtime.bigint();
const objects = values.mode === 'bare' ? bare() : values.mode === 'full' ? fullPhase() : viaModel();
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
console.log(JSON.stringify({ seconds, peakRssMiB: process.resourceUsage().maxRSS / 1024, objects }));
