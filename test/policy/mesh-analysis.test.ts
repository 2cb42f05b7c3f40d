import * as fs from 'fs';
import * as path from 'path';
import { synthesizePhase } from '../../synthesis/synthesize';
import { careerCopilot, PHASES, selectPhase } from '../../phases';
import { judgeMeshMessages, prerequisiteObjects, readMeshExceptions, readMeshMessages, samplePods, SeenMessage } from '../../policy/mesh-analysis';

const phase4 = synthesizePhase(selectPhase(careerCopilot(), 4)).map((m) => m.document);
const known = { stacks: ['dev', 'staging', 'prod'], phases: PHASES };
const reason = 'a reason long enough to say why the message does not apply offline, or why accepting it is right.';
const seen = (code: string, origin: string, stack = 'dev', phase = 4): SeenMessage => ({ code, level: 'Info', message: 'm', origin, stack, phase });

describe('mesh analysis input', () => {
  test('one pod per pod template, with the template labels the subsets and policies select', () => {
    const pods = samplePods(phase4);
    const names = pods.map((p) => p.metadata.name);
    expect(names).toContain('api-gateway-deployment-sample');
    expect(names).toContain('user-service-smoke-test-analysistemplate-sample');
    // Rollouts use workloadRef: their pods are the Deployment's, not a second sample.
    expect(names.filter((n) => n.includes('-rollout-'))).toEqual([]);
    const gateway = pods.find((p) => p.metadata.name === 'api-gateway-deployment-sample')!;
    expect(gateway.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': 'api-gateway', version: 'v1' });
    expect(gateway.metadata.namespace).toBe('career-copilot');
    const templates = phase4.filter((d) => ['Deployment', 'StatefulSet', 'Job'].includes(d.kind)).length;
    expect(pods.length).toBe(templates + phase4.filter((d) => d.kind === 'AnalysisTemplate').length);
  });

  test("the prerequisites hold Istio's and monitoring's namespaces and the Secret each Certificate will get", () => {
    const objects = prerequisiteObjects(phase4, { cert: 'CERT', key: 'KEY' }, { name: 'existing-tls', namespace: 'istio-system' });
    expect(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name)).toEqual(['istio-system', 'monitoring']);
    expect(objects.filter((o) => o.kind === 'Secret').map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['istio-system/career-copilot-tls', 'istio-system/existing-tls']);
  });
});

describe('mesh analysis verdict', () => {
  const exceptions = readMeshExceptions(`exceptions:
  - { code: IST0103, origin: "Pod career-copilot/.*-sample", reason: "${reason}" }
  - { code: IST0102, origin: Namespace career-copilot, phases: [0, 1], reason: "${reason}" }
  - { code: IST0118, stacks: [prod], reason: "${reason}" }`, known);

  test('a message is excepted only within its entry\'s origin, phases and stacks; an unused entry is stale', () => {
    const verdict = judgeMeshMessages([
      seen('IST0103', 'Pod career-copilot/api-gateway-deployment-sample'),
      seen('IST0103', 'Pod other/api-gateway-deployment-sample'),
      seen('IST0102', 'Namespace career-copilot', 'dev', 1),
      seen('IST0102', 'Namespace career-copilot', 'dev', 4),
    ], exceptions);
    expect(verdict.excepted.map((m) => m.exception)).toEqual([0, 1]);
    expect(verdict.unexcepted.map((m) => `${m.origin}@${m.phase}`)).toEqual(['Pod other/api-gateway-deployment-sample@4', 'Namespace career-copilot@4']);
    expect(verdict.stale).toEqual([2]);
  });

  test.each([
    [`exceptions:\n  - { code: IST01, reason: "${reason}" }`, 'exceptions[0].code: "IST01" is not an analyzer message code'],
    [`exceptions:\n  - { code: IST0101, reason: short }`, 'exceptions[0].reason: give the reason'],
    [`exceptions:\n  - { code: IST0101, origin: "(", reason: "${reason}" }`, 'Invalid regular expression'],
    [`exceptions:\n  - { code: IST0101, stacks: [qa], reason: "${reason}" }`, 'exceptions[0].stacks: ["qa"] must be a non-empty list of dev, staging, prod'],
    [`exceptions:\n  - { code: IST0101, phases: [5], reason: "${reason}" }`, 'exceptions[0].phases: [5] must be a non-empty list of 0, 1, 2, 3, 4'],
    [`exceptions:\n  - { code: IST0101, resource: x, reason: "${reason}" }`, 'exceptions[0].resource: unknown field'],
  ])('a bad exceptions file is refused, naming the field: %s', (text, message) => {
    expect(() => readMeshExceptions(text, known)).toThrow(message);
  });

  test("the repository's exceptions file reads", () => {
    const text = fs.readFileSync(path.join(__dirname, '..', '..', 'policy', 'mesh-analysis-exceptions.yaml'), 'utf8');
    expect(readMeshExceptions(text, known).length).toBeGreaterThan(0);
  });

  test("istioctl's JSON messages are read, and a malformed one is refused", () => {
    expect(readMeshMessages('[{"code":"IST0101","level":"Error","message":"m","origin":"Gateway a/b","reference":"f.yaml:3"}]'))
      .toEqual([{ code: 'IST0101', level: 'Error', message: 'm', origin: 'Gateway a/b', reference: 'f.yaml:3' }]);
    expect(() => readMeshMessages('[{"code":"IST0101"}]')).toThrow('message 0 lacks code, level or message');
  });
});
