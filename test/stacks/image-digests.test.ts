import { SUPPORT_IMAGE_NAMES, SUPPORT_IMAGES } from '../../constructs/support-images';
import { synthesizePhase } from '../../synthesis/synthesize';
import { Manifest } from '../../core/manifest';
import { careerCopilot, selectPhase, ValidationError } from '../../phases';
import { allWorkloads } from '../../phases/model/check-model';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { PlainObject } from '../../policy/located';
import { podTemplates } from '../../policy/pod-templates';
import { checkImageDigests } from '../../stacks/image-digests';
import { ProgramError, runProgram } from './run-program';

const digest = `sha256:${'f'.repeat(64)}`;
const model = careerCopilot();
const pinnedModel = structuredClone(model);
for (const { workload } of allWorkloads(pinnedModel)) workload.image.digest = digest;
const supportImages = Object.fromEntries(SUPPORT_IMAGE_NAMES.map((name) => [name, `${SUPPORT_IMAGES[name].image}@${digest}`]));

const inputs = (stack: string, m = model, environment = {}) => {
  const plan = selectPhase(m, 3);
  return { stack, model: m, plan, manifests: synthesizePhase(plan, environment), imageOverrides: {}, ...environment };
};

describe('checkImageDigests', () => {
  test('only a stack of DIGEST_PINNED_STACKS (prod) needs digests: dev and staging may run tags', () => {
    for (const stack of ['dev', 'staging', 'test', 'local']) expect(() => checkImageDigests(inputs(stack))).not.toThrow();
    expect(() => checkImageDigests(inputs('prod'))).toThrow(ValidationError);
  });

  test('prod passes when the model and the support images carry digests', () => {
    expect(() => checkImageDigests(inputs('prod', pinnedModel, { supportImages }))).not.toThrow();
  });

  test('names the in-cluster Redis stores of a local-target prod stack, which only the redis entry pins', () => {
    const { redis, ...others } = supportImages;
    expect(redis).toBeDefined();
    expect(() => checkImageDigests(inputs('prod', pinnedModel, { supportImages: others }))).toThrow(
      /^images\.redis: .*, and the image of the in-cluster Redis stores, "redis:7\.2\.5-alpine" \(apps\/StatefulSet career-copilot\/cache, apps\/StatefulSet career-copilot\/notifications-db\), has none; add "redis=redis:7\.2\.5-alpine@sha256:<digest>" to images$/,
    );
  });

  test('any other image of a pod template is refused as the policy pack would, by object and path', () => {
    const pod: Manifest = {
      component: 'debug',
      componentKind: 'ContextService',
      document: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'debug', namespace: 'career-copilot' }, spec: { containers: [{ name: 'shell', image: 'busybox:1.36' }] } },
    };
    const base = inputs('prod', pinnedModel, { supportImages });
    expect(() => checkImageDigests({ ...base, manifests: [...base.manifests, pod] })).toThrow(
      'Pod career-copilot/debug spec.containers[0].image: "busybox:1.36" has no digest: this stack runs only images pinned by digest',
    );
  });
});

/** A committed stack file's config as Pulumi hands it to the program: this project's keys, strings, lists as JSON. */
function committedConfig(stack: string): Record<string, string> {
  const file = parse(fs.readFileSync(path.join(__dirname, '..', '..', `Pulumi.${stack}.yaml`), 'utf8')) as { config: Record<string, unknown> };
  return Object.fromEntries(
    Object.entries(file.config)
      .filter(([key]) => key.startsWith('career-copilot:'))
      .map(([key, value]) => [key.slice('career-copilot:'.length), typeof value === 'string' ? value : JSON.stringify(value)]),
  );
}

describe('the Pulumi program and image digests', () => {
  // Made up, as every test value: the release pipeline gives the real ones.
  const digest = `sha256:${'0123456789abcdef'.repeat(4)}`;
  const pinned = (workload: string) => `${workload}@${digest}`;

  test('the committed prod stack is refused until each image it runs has a digest, before registering anything', async () => {
    const error = (await runProgram(committedConfig('prod'), {}, 'prod').then(() => undefined, (e: ProgramError) => e))!;
    expect(error.message).toMatch(/^images\.backend: stack "prod" runs only images pinned by digest .* add "backend=career-copilot\/backend:2\.4\.1@sha256:<digest>" to images \(without a digest too: frontend, psql\)$/);
    expect(error.registered).toEqual([]);
  });

  test('prod with a digest for each image of phase 1 registers it, every pod template pinned by digest', async () => {
    const images = [
      'backend=career-copilot/backend:2.4.1',
      'frontend=career-copilot/frontend:2.4.1',
      'api-gateway=nginxinc/nginx-unprivileged:1.28.3-alpine',
      'user-service=career-copilot/user-service:1.0.0',
      'auth-service=career-copilot/auth-service:1.0.0',
      'psql=postgres:16.4-alpine',
      'mtail=ghcr.io/google/mtail:v3.2.26',
    ].map(pinned);
    const { resources } = await runProgram({ ...committedConfig('prod'), phase: '1', images: JSON.stringify(images) }, { phase: 0, highestPhase: 0 }, 'prod');
    const podImages = resources.filter((r) => r.type.startsWith('kubernetes:')).flatMap((r) => podTemplates(r.inputs as PlainObject)).flatMap((pod) => pod.containers.map((c) => String(c.image?.value)));
    expect(podImages.length).toBeGreaterThanOrEqual(7);
    expect(podImages.filter((image) => !image.endsWith(`@${digest}`))).toEqual([]);
    expect(podImages).toContain(`career-copilot/user-service:1.0.0@${digest}`);
    expect(podImages).toContain(`postgres:16.4-alpine@${digest}`);
  });

  test('dev may run tags', async () => {
    const { resources } = await runProgram(committedConfig('dev'), {}, 'dev');
    expect(resources.find((r) => r.name === 'deployment:career-copilot/backend')).toBeDefined();
    expect(JSON.stringify(resources.find((r) => r.name === 'deployment:career-copilot/backend')!.inputs)).toContain('"image":"career-copilot/backend:2.4.1"');
  });
});
