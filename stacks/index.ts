/**
 * The Pulumi program: deploys one environment of Career Copilot at one phase. `pulumi config set phase N`
 * followed by `pulumi preview` and `pulumi up` promotes (or rolls back) the environment by one phase.
 *
 * Order of work: validate the config, the model and the phase's objects, and in prod that every image is pinned by
 * digest (nothing registered yet); read what the stack deployed last and refuse a skipped phase; only then
 * register resources.
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { serviceUrl } from '../core/cluster-dns';
import { dataBearingReason } from '../synthesis/data-bearing';
import { MESH_COMPONENT } from '../synthesis/phase-chart';
import { synthesizePhase } from '../synthesis/synthesize';
import { ComponentKind } from '../core/component-kinds';
import { Manifest } from '../core/manifest';
import { careerCopilot, PhaseNumber, retainedPhase, selectPhase } from '../phases';
import { ValidationError } from '../core/validation-error';
import { ManagedDataStores } from './aws/managed-data-stores';
import { GeneratedCredentials } from './local/generated-credentials';
import { checkDeployedStep, readDeploymentHistory } from './deployment-history';
import { checkImageDigests } from './image-digests';
import { PhaseComponent } from './phase-component';
import { registerRolloutHandover, rolloutHandovers } from './rollout-handover';
import { environmentOf, phaseSelectionOf, readStackConfig } from './stack-config';

export = async () => {
  try {
    return await deploy();
  } catch (error) {
    // A bad input is reported by its message alone, which names the field: a RunError ends the program without
    // the stack trace, whose formatting under ts-node's source maps also took a failing run from 15 s to 90 s.
    if (error instanceof ValidationError) throw new pulumi.RunError(error.message);
    throw error;
  }
};

async function deploy() {
  const config = readStackConfig(new pulumi.Config());
  const model = careerCopilot();
  const environment = environmentOf(config);
  const options = phaseSelectionOf(config);
  // The phase's objects, built with the data of `retained` (a higher phase the stack ran before a rollback), and in
  // prod checked to run only images pinned by digest.
  const digestInputs = { stack: pulumi.getStack(), model, imageOverrides: options.images ?? {}, supportImages: environment.supportImages };
  const build = (retained: PhaseNumber) => {
    const plan = selectPhase(model, config.phase, { ...options, retainDataOfPhase: retained });
    const manifests = synthesizePhase(plan, environment);
    checkImageDigests({ ...digestInputs, plan, manifests });
    return { plan, manifests };
  };
  // Everything the phase deploys is built, and so validated, before the stack is touched: its history is a read
  // of the stack's own outputs, and only a rollback (data of a higher phase kept) builds the phase a second time.
  const asAsked = build(config.phase);
  const history = await readDeploymentHistory();
  checkDeployedStep(history, config.phase, config.allowPhaseSkip);
  const highestPhase = retainedPhase(config.phase, history.highestPhase);
  const { plan, manifests } = highestPhase === config.phase ? asAsked : build(highestPhase);

  const provider = new k8s.Provider('kubernetes', {
    ...(config.kubeconfig ? { kubeconfig: config.kubeconfig } : {}),
    enableServerSideApply: true,
    // A ConfigMap whose data changes is updated, not replaced: with its fixed name a replacement is a delete, then a
    // create, while the pods that mount it roll out (pulumi/pulumi-kubernetes#1567). Each component's pods are
    // applied after its ConfigMaps (PhaseComponent), and a pod template carries its files' checksum, so it rolls.
    enableConfigMapMutable: true,
  });

  const byComponent = new Map<string, Manifest[]>();
  for (const manifest of manifests) byComponent.set(manifest.component, [...(byComponent.get(manifest.component) ?? []), manifest]);
  const namespace = new PhaseComponent('namespace', { manifests: byComponent.get('namespace') ?? [], provider });
  byComponent.delete('namespace');

  // Data first: jobs and services that use a database are created after it.
  const holdsData = (objects: Manifest[]) => objects.some((m) => dataBearingReason(m.document) !== undefined);
  const dataComponents: pulumi.Resource[] = [];
  // Stores read their generated passwords (local) or are replaced by managed services (aws).
  const credentials: pulumi.Resource[] = [];
  let managed: ManagedDataStores | undefined;
  if (config.target === 'aws') {
    managed = new ManagedDataStores('data-stores', {
      stores: plan.dataStores,
      eventBus: plan.eventBus,
      eventClients: plan.eventClients.map((c) => c.service),
      kafkaBrokers: config.kafkaBrokers,
      backupRetentionDays: config.backupRetentionDays,
      vpcId: config.vpcId,
      privateSubnetIds: config.privateSubnetIds,
      clusterCidr: config.clusterCidr,
      namespace: plan.namespace,
      kubernetes: provider,
      namespaceResource: namespace,
    });
    dataComponents.push(managed);
  } else {
    credentials.push(new GeneratedCredentials('credentials', { stores: plan.dataStores, namespace: plan.namespace, provider, dependsOn: [namespace] }));
  }
  // What every workload waits for, tier by tier, each after the ones before it: the stores; the network policies
  // (the Jobs below connect only where they allow); the managed stores' application roles (aws: every Job and
  // service connects as one); the data moves (the auth split and each context's), so that a route leaves the
  // monolith, and a writer starts, only after its context's move is verified.
  const hasKind = (...kinds: ComponentKind[]) => (objects: Manifest[]) => objects.some((m) => kinds.includes(m.componentKind));
  const tiers = [holdsData, hasKind('NetworkPolicies'), hasKind('DatabaseRole'), hasKind('DataMove', 'AuthDataSplit')];
  for (const inTier of tiers) {
    const before = [namespace, ...credentials, ...dataComponents];
    for (const [component, objects] of byComponent) {
      if (inTier(objects)) dataComponents.push(new PhaseComponent(component, { manifests: objects, provider, dependsOn: before, skipAwait: config.skipAwait }));
    }
  }
  const inAnyTier = (objects: Manifest[]) => tiers.some((inTier) => inTier(objects));
  const components = new Map<string, PhaseComponent>();
  // The mesh first: the Rollouts name its VirtualServices, and Argo Rollouts refuses a Rollout whose are missing.
  const ordered = [...byComponent]
    .filter(([, objects]) => !inAnyTier(objects))
    .sort(([a], [b]) => Number(b === MESH_COMPONENT) - Number(a === MESH_COMPONENT));
  for (const [component, objects] of ordered) {
    const mesh = components.get(MESH_COMPONENT);
    components.set(component, new PhaseComponent(component, {
      manifests: objects,
      provider,
      dependsOn: [namespace, ...dataComponents],
      skipAwait: config.skipAwait,
      rolloutDependsOn: mesh ? [mesh] : [],
    }));
  }

  // Deployments that the highest phase released through Argo Rollouts get their replicas back before the Rollouts go.
  // (The workloads of a phase do not depend on the routes sent back to the monolith, which phase 4 refuses.)
  const progressiveBefore = new Set(highestPhase > config.phase ? selectPhase(model, highestPhase).workloads.filter((w) => w.release !== 'rolling').map((w) => w.spec.name) : []);
  for (const handover of rolloutHandovers(manifests, progressiveBefore)) {
    const owner = [...components.values()].find((c) => c.deploymentNamed(handover.deployment));
    registerRolloutHandover(handover, { parent: owner, provider, dependsOn: owner?.deploymentNamed(handover.deployment) }, config.skipAwait);
  }

  const gateway = plan.workloads.find((w) => w.role === 'gateway');
  return {
    phase: plan.phase,
    highestPhase,
    target: config.target,
    gatewayEndpoint: gateway ? `https://${config.domain}` : serviceUrl(model.monolith.backend.name, plan.namespace),
    serviceEndpoints: Object.fromEntries(plan.workloads.map((w) => [w.spec.name, serviceUrl(w.spec.name, plan.namespace)])),
    routes: plan.routes.map((r) => ({ path: r.path, status: r.status, service: r.status === 'migrated' ? r.service : r.monolith, overridden: r.overridden })),
    dataStores: plan.dataStores.map((s) => s.name),
    // aws only (an undefined output is a warning on every run). Connection URLs embed the generated passwords:
    // kept, and shown, only as secrets.
    ...(managed ? { kafkaBootstrapServers: managed.kafkaBootstrapBrokers, databaseUrls: managed.databaseUrls } : {}),
  };
}
