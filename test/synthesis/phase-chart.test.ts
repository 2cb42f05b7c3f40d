import { synthesizePhase } from '../../synthesis/synthesize';
import { KubernetesObject } from '../../core/manifest';
import { careerCopilot, PHASES, selectPhase } from '../../phases';
import { EnvironmentOptions } from '../../synthesis/phase-chart';

type Doc = KubernetesObject & Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const model = careerCopilot();
const objectsOf = (phase: number, environment: EnvironmentOptions = {}) => synthesizePhase(selectPhase(model, phase), environment).map((m) => m.document as Doc);
const byPhase = new Map(PHASES.map((p) => [p, objectsOf(p)]));
const names = (phase: number, kind: string) => byPhase.get(phase as 0)!.filter((o) => o.kind === kind).map((o) => o.metadata.name).sort();
const one = (objects: Doc[], kind: string, name: string) => {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${found.length}`);
  return found[0];
};

describe('PhaseChart', () => {
  test('phase 0 is the monolith only: no gateway, event bus, mesh, release or split job', () => {
    expect(names(0, 'Deployment')).toEqual(['backend', 'frontend']);
    for (const kind of ['Kafka', 'KafkaTopic', 'VirtualService', 'PeerAuthentication', 'Rollout', 'Job']) expect(names(0, kind)).toEqual([]);
    expect(names(0, 'Cluster')).toEqual(['monolith-db']);
    expect(names(0, 'StatefulSet')).toEqual(['cache']);
  });

  test('phase 4 has retired the monolith but kept its database and every context\'s own store', () => {
    expect(names(4, 'Deployment')).not.toContain('backend');
    expect(names(4, 'Cluster')).toEqual(['applications-db', 'auth-db', 'event-store', 'integration-db', 'jobs-db', 'monolith-db', 'user-db']);
    expect(names(4, 'MongoDBCommunity')).toEqual(['analytics-db']);
    expect(names(4, 'StatefulSet')).toEqual(['cache', 'notifications-db']);
  });

  test('phase 4 holds every building block for the seven contexts', () => {
    const objects = byPhase.get(4)!;
    const services = model.contexts.map((c) => c.service.name);
    expect(names(4, 'Deployment')).toEqual(expect.arrayContaining(services));
    // A topic per domain event, plus a compacted data product per context (the seed's data mesh).
    expect(names(4, 'KafkaTopic')).toHaveLength(model.contexts.flatMap((c) => c.publishes).length + model.contexts.length);
    expect(names(4, 'KafkaUser')).toEqual([...services, 'saga-orchestrator'].sort());
    expect(names(4, 'AuthorizationPolicy')).toEqual(expect.arrayContaining(services.map((s) => `${s}-policy`)));
    expect(one(objects, 'PeerAuthentication', 'default').spec.mtls.mode).toBe('STRICT');
    expect(names(4, 'Gateway')).toHaveLength(1);
    expect(names(4, 'ServiceMonitor')).toEqual(expect.arrayContaining(services));
    expect(names(4, 'PrometheusRule')).toEqual(expect.arrayContaining(services.map((s) => `${s}-slo`)));
    expect(names(4, 'Rollout')).toEqual(['applications-service', 'auth-service', 'jobs-service', 'user-service']);
    expect(one(objects, 'Rollout', 'applications-service').spec.strategy.canary).toBeDefined();
    expect(one(objects, 'Rollout', 'user-service').spec.strategy.blueGreen).toBeDefined();
    expect(names(4, 'Job')).toEqual(['event-store-schema']);
    expect(one(objects, 'ConfigMap', 'saga-orchestrator-sagas').data['sagas.json']).toContain('create_application');
    expect(one(objects, 'ConfigMap', 'config-server-files').data['application.properties']).toContain('feature-flags.ai-job-matching=true');
  });

  test('phase 4 turns each context\'s state into a data product that only it writes and analytics reads', () => {
    const objects = byPhase.get(4)!;
    expect(one(objects, 'KafkaTopic', 'user.user-data-product').spec.config).toMatchObject({ 'cleanup.policy': 'compact' });
    expect(names(3, 'KafkaTopic').some((n) => n.endsWith('-data-product'))).toBe(false);
    const acls = (user: string) => one(objects, 'KafkaUser', user).spec.authorization.acls as Array<{ resource: { name: string }; operations: string[] }>;
    expect(acls('user-service').filter((a) => a.resource.name.endsWith('-data-product'))).toEqual([
      expect.objectContaining({ resource: expect.objectContaining({ name: 'user.user-data-product' }), operations: ['Write', 'Describe'] }),
    ]);
    const analyticsReads = acls('analytics-service').filter((a) => a.resource.name.endsWith('-data-product') && a.operations.includes('Read')).map((a) => a.resource.name);
    expect(analyticsReads.sort()).toEqual(model.contexts.filter((c) => c.name !== 'analytics').map((c) => `${c.name}.${c.name}-data-product`).sort());
  });

  test('the auth split runs while the monolith and the auth service coexist (phases 1 to 3)', () => {
    expect(PHASES.map((p) => names(p, 'Job').includes('auth-data-split'))).toEqual([false, true, true, true, false]);
  });

  test('the canary VirtualService splits between the Services the Rollout manages', () => {
    const route = one(byPhase.get(4)!, 'VirtualService', 'applications-service').spec.http[0];
    expect(route.name).toBe('primary');
    expect(route.route.map((r: { destination: { host: string } }) => r.destination.host)).toEqual(['applications-service-stable', 'applications-service-canary']);
  });

  test('every Kafka client mounts its own credentials and the cluster CA, and knows its topics', () => {
    const deployment = one(byPhase.get(3)!, 'Deployment', 'applications-service');
    const container = deployment.spec.template.spec.containers[0];
    expect(deployment.spec.template.spec.volumes).toEqual(expect.arrayContaining([
      { name: 'applications-service', secret: { secretName: 'applications-service' } },
      { name: 'event-bus-cluster-ca-cert', secret: { secretName: 'event-bus-cluster-ca-cert' } },
    ]));
    const config = one(byPhase.get(3)!, 'ConfigMap', 'applications-service-config').data;
    expect(config.KAFKA_PRODUCES).toBe('applications.application-submitted,applications.application-created,applications.status-changed,applications.application-updated');
    expect(config.KAFKA_CONSUMES).toBe('jobs.job-expired,user.user-registered');
    expect(container.envFrom).toEqual([{ configMapRef: { name: 'applications-service-config' } }]);
  });

  test('network policy: each service reaches exactly its callees, stores and the bus; each store admits exactly its users', () => {
    const policy = one(byPhase.get(3)!, 'NetworkPolicy', 'applications-service-traffic');
    const egressTargets = policy.spec.egress.map((r: { to: Array<{ podSelector?: { matchLabels: Record<string, string> } }> }) => JSON.stringify(r.to[0].podSelector?.matchLabels));
    expect(egressTargets).toEqual([
      JSON.stringify({ 'app.kubernetes.io/name': 'user-service' }),
      JSON.stringify({ 'app.kubernetes.io/name': 'jobs-service' }),
      JSON.stringify({ 'cnpg.io/cluster': 'applications-db' }),
      JSON.stringify({ 'strimzi.io/cluster': 'event-bus' }),
    ]);
    const store = one(byPhase.get(1)!, 'NetworkPolicy', 'auth-db-traffic');
    const callers = store.spec.ingress[0].from.map((f: { podSelector: { matchLabels: Record<string, string> } }) => Object.values(f.podSelector.matchLabels)[0]);
    expect(callers.sort()).toEqual(['auth-data-split', 'auth-service', 'monolith-db']);
    expect(names(0, 'NetworkPolicy')).toContain('default-deny');
  });

  test('on managed data services (aws), no store or Kafka runs in the cluster and services reach them by address', () => {
    const objects = objectsOf(3, { inClusterData: false, externalDataCidr: '10.20.0.0/16' });
    for (const kind of ['Cluster', 'MongoDBCommunity', 'StatefulSet', 'Kafka', 'KafkaTopic']) expect(objects.filter((o) => o.kind === kind)).toEqual([]);
    const policy = one(objects, 'NetworkPolicy', 'applications-service-traffic');
    expect(policy.spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '10.20.0.0/16' } }], ports: [{ protocol: 'TCP', port: 5432 }, { protocol: 'TCP', port: 9096 }] });
    const env = one(objects, 'Deployment', 'applications-service').spec.template.spec.containers[0].env;
    expect(env).toContainEqual({ name: 'KAFKA_BOOTSTRAP_SERVERS', valueFrom: { secretKeyRef: { name: 'event-bus-app', key: 'bootstrapServers' } } });
  });

  test('every workload has exactly one autoscaler, on what runs its pods: the Rollout where there is one', () => {
    for (const phase of PHASES) {
      const objects = byPhase.get(phase)!;
      const rollouts = objects.filter((o) => o.kind === 'Rollout');
      const targets = objects.filter((o) => o.kind === 'HorizontalPodAutoscaler').map((h) => `${h.spec.scaleTargetRef.kind}/${h.spec.scaleTargetRef.name}`);
      // A workload scaled twice (its Deployment and its Rollout) would have two controllers fighting over it.
      expect(new Set(targets.map((t) => t.split('/')[1])).size).toBe(targets.length);
      const expected = objects.filter((o) => o.kind === 'Deployment')
        .map((d) => rollouts.some((r) => r.spec.workloadRef.name === d.metadata.name) ? `Rollout/${d.metadata.name}` : `Deployment/${d.metadata.name}`);
      expect(targets.sort()).toEqual(expected.sort());
      if (phase === 4) expect(rollouts.length).toBeGreaterThan(0);
    }
  });

  test('an environment sets replicas at rest and overrides a flag', () => {
    const objects = objectsOf(2, { replicas: 3, featureFlagOverrides: ['read-model-queries=false'] });
    expect(one(objects, 'HorizontalPodAutoscaler', 'jobs-service').spec.minReplicas).toBe(3);
    expect(JSON.parse(one(objects, 'ConfigMap', 'feature-flags').data['flags.json'])['read-model-queries']).toMatchObject({ enabled: false, overridden: true });
  });

  test('an unknown flag override is refused with the known flags', () => {
    expect(() => objectsOf(2, { featureFlagOverrides: ['ai-matching=true'] })).toThrow('overrides.ai-matching: "ai-matching" is not one of ai-job-matching,');
  });

  test('after a rollback from phase 3 to 2, the event bus, its topics and the event store stay', () => {
    const objects = synthesizePhase(selectPhase(model, 2, { retainDataOfPhase: 3 })).map((m) => m.document as Doc);
    expect(objects.filter((o) => o.kind === 'KafkaTopic')).toHaveLength(names(3, 'KafkaTopic').length);
    expect(objects.some((o) => o.kind === 'Cluster' && o.metadata.name === 'event-store')).toBe(true);
    expect(objects.some((o) => o.kind === 'Deployment' && o.metadata.name === 'saga-orchestrator')).toBe(false);
    expect(objects.filter((o) => o.kind === 'KafkaUser')).toEqual([]);
  });
});
