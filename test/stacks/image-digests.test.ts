import { SUPPORT_IMAGE_NAMES, SUPPORT_IMAGES } from '../../constructs/support-images';
import { Manifest, synthesizePhase } from '../../constructs/synthesize';
import { careerCopilot, selectPhase, ValidationError } from '../../phases';
import { allWorkloads } from '../../phases/model/check-model';
import { checkImageDigests } from '../../stacks/image-digests';

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
      document: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'debug', namespace: 'career-copilot' }, spec: { containers: [{ name: 'shell', image: 'busybox:1.36' }] } },
    };
    const base = inputs('prod', pinnedModel, { supportImages });
    expect(() => checkImageDigests({ ...base, manifests: [...base.manifests, pod] })).toThrow(
      'Pod career-copilot/debug spec.containers[0].image: "busybox:1.36" has no digest: this stack runs only images pinned by digest',
    );
  });
});
