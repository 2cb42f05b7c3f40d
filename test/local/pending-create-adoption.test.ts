/**
 * Recording adopted pending creates in a checkpoint, as deployments in and out. `pulumi stack import` checks the
 * result against the real engine in test/e2e (the mid-step kill).
 */
import { CheckpointDeployment, CheckpointResource } from '../../local/checkpoint';
import { adoptPendingCreates } from '../../local/pending-create-adoption';

const PREFIX = 'urn:pulumi:local::career-copilot::career-copilot:platform:Component';
const PLATFORM: CheckpointResource = { urn: `${PREFIX}::platform`, type: 'career-copilot:platform:Component', custom: false };
const PROVIDER: CheckpointResource = { urn: 'urn:pulumi:local::career-copilot::pulumi:providers:kubernetes::default_4_34_2', type: 'pulumi:providers:kubernetes', id: 'b1e0' };
const MONITOR_INPUTS = { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'jobs-service', namespace: 'career-copilot' }, spec: { endpoints: [{ port: 'metrics' }] } };
const monitor: CheckpointResource = {
  urn: `${PREFIX}$kubernetes:monitoring.coreos.com/v1:ServiceMonitor::servicemonitor:career-copilot/jobs-service`,
  type: 'kubernetes:monitoring.coreos.com/v1:ServiceMonitor',
  custom: true,
  parent: PLATFORM.urn,
  provider: `${PROVIDER.urn}::${PROVIDER.id}`,
  dependencies: [PLATFORM.urn],
  protect: false,
  inputs: MONITOR_INPUTS,
};
const job: CheckpointResource = { urn: `${PREFIX}$kubernetes:batch/v1:Job::job:career-copilot/migrate`, type: 'kubernetes:batch/v1:Job', custom: true, parent: PLATFORM.urn, inputs: { apiVersion: 'batch/v1', kind: 'Job' } };

const deployment = (resources: CheckpointResource[], inFlight: Array<[string, CheckpointResource]>): CheckpointDeployment => ({
  manifest: { time: '2026-12-02T06:00:00Z', magic: 'm', version: 'v3.248.0' },
  secrets_providers: { type: 'passphrase', state: { salt: 's' } },
  resources,
  pending_operations: inFlight.map(([type, resource]) => ({ type, resource })),
});

test('records the create as finished: its resource as the engine wrote it, with its ID and what the provider checkpoints, after what it refers to', () => {
  const before = deployment([PROVIDER, PLATFORM], [['creating', monitor], ['creating', job], ['updating', PLATFORM]]);
  const after = adoptPendingCreates(before, [{ urn: monitor.urn, id: 'career-copilot/jobs-service', fieldManager: 'pulumi-kubernetes-1f2e3d4c' }]);
  expect(after.resources).toEqual([
    PROVIDER,
    PLATFORM,
    {
      ...monitor,
      id: 'career-copilot/jobs-service',
      outputs: { ...MONITOR_INPUTS, __inputs: MONITOR_INPUTS, __initialApiVersion: 'monitoring.coreos.com/v1', __fieldManager: 'pulumi-kubernetes-1f2e3d4c' },
    },
  ]);
  // The other operations in flight stay, for the CLI to resolve; everything else of the deployment is kept.
  expect(after.pending_operations).toEqual([{ type: 'creating', resource: job }, { type: 'updating', resource: PLATFORM }]);
  expect(after.manifest).toBe(before.manifest);
  expect(after.secrets_providers).toBe(before.secrets_providers);
  // The deployment it was given is left as it was.
  expect(before.resources).toHaveLength(2);
  expect(before.pending_operations).toHaveLength(3);
});

test('records no field manager when none of pulumi-kubernetes applied the object (the refresh draws one)', () => {
  const after = adoptPendingCreates(deployment([PROVIDER, PLATFORM], [['creating', monitor]]), [{ urn: monitor.urn, id: 'career-copilot/jobs-service' }]);
  expect(after.resources?.[2].outputs).not.toHaveProperty('__fieldManager');
  expect(after.pending_operations).toEqual([]);
});

test('puts the replacement of a delete-before-replace in the place of the old resource, which the cluster no longer has', () => {
  const old: CheckpointResource = { ...job, id: 'career-copilot/migrate', pendingReplacement: true, outputs: { kind: 'Job' } };
  const later: CheckpointResource = { ...monitor, dependencies: [job.urn] };
  const after = adoptPendingCreates(deployment([PROVIDER, PLATFORM, old, later], [['creating', job]]), [{ urn: job.urn, id: 'career-copilot/migrate', fieldManager: 'pulumi-kubernetes-1f2e3d4c' }]);
  expect(after.resources?.map((r) => [r.urn, r.pendingReplacement])).toEqual([
    [PROVIDER.urn, undefined],
    [PLATFORM.urn, undefined],
    [job.urn, undefined],
    [later.urn, undefined],
  ]);
  expect(after.resources?.[2]).toMatchObject({ id: 'career-copilot/migrate', outputs: { __fieldManager: 'pulumi-kubernetes-1f2e3d4c' } });
});

test('refuses a URN that has no pending create', () => {
  expect(() => adoptPendingCreates(deployment([PLATFORM], [['updating', monitor]]), [{ urn: monitor.urn, id: 'x' }])).toThrow(`no pending create of ${monitor.urn} in the state`);
});
