import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { careerCopilot, PhaseNumber, ValidationError } from '../../phases';
import { planTransition } from '../../review/phase-transition';
import { COMMENT_LIMIT, renderPlanReport } from '../../review/plan-report';
import { parsePreview, renderPreviewSummary, summarisePreview } from '../../review/preview-summary';
import { promotionPlan, PromotionPlan } from '../../review/promotion-plan';
import { readStackEnvironment } from '../../review/stack-environment';

// Each step synthesizes two or three phases; the CLI tests start ts-node.
jest.setTimeout(120_000);

const model = careerCopilot();
const plans = new Map<string, { plan: PromotionPlan; report: string }>();
function review(from: PhaseNumber, to: PhaseNumber) {
  const key = `${from}->${to}`;
  if (!plans.has(key)) {
    const plan = promotionPlan(planTransition(from, to, { model }));
    plans.set(key, { plan, report: renderPlanReport(plan) });
  }
  return plans.get(key)!;
}

/** Key lines each step's plan must show, and lines it must not. */
const KEY_LINES: ReadonlyArray<{ step: [PhaseNumber, PhaseNumber]; shows: string[]; hides?: string[] }> = [
  {
    step: [0, 1],
    shows: ['## Promotion: phase 0 (monolith) -> phase 1 (strangler-fig)', '/api/v1/auth/login: monolith -> migrated', '/api/v1/auth/register: monolith -> hybrid', '`api-gateway` starts receiving traffic', '`auth-service` starts receiving traffic', 'Databases appear: user-db (postgresql), auth-db (postgresql)'],
  },
  {
    step: [1, 2],
    shows: ['/api/v1/jobs: monolith -> hybrid', '/api/v1/auth/register: hybrid -> migrated', 'jobs-db (postgresql)', '`jobs-service` starts receiving traffic', 'CloudNativePG creates the PostgreSQL cluster'],
    hides: ['Databases go', 'stops receiving traffic'],
  },
  {
    step: [2, 3],
    shows: ['/api/v1/jobs: hybrid -> migrated', '/api/v1/integrations/webhooks: monolith -> hybrid', 'Topics appear: ', 'jobs.job-posted', 'event-store (postgresql)', '`integration-service` starts receiving traffic'],
  },
  {
    step: [3, 4],
    shows: [
      '/api/v1/analytics: hybrid -> migrated', '`backend` stops receiving traffic', 'Policies appear: Istio PeerAuthentication default',
      '### After `pulumi up`: what the controllers do',
      'Argo Rollouts takes over Deployment `applications-service` (canary)', 'Argo Rollouts takes over Deployment `user-service` (blue-green)',
      'cert-manager issues the certificate into its Secret: `career-copilot-tls`',
    ],
    hides: ['Databases go', 'gets its replicas back'],
  },
  {
    step: [4, 3],
    shows: [
      '## Rollback: phase 4 (full-microservices) -> phase 3 (event-driven)', 'The data of phase 4 stays', '/api/v1/analytics: migrated -> hybrid', '`backend` starts receiving traffic', 'Policies go: Istio PeerAuthentication default',
      'Deployment `auth-service` gets its replicas back (the rollout handover), and the provider waits for its pods before Rollout `auth-service` is deleted.',
    ],
    hides: ['Databases go', 'Topics go', 'Argo Rollouts takes over'],
  },
  {
    step: [3, 2],
    shows: ['The data of phase 3 stays', '/api/v1/jobs: migrated -> hybrid', '`integration-service` stops receiving traffic'],
    hides: ['Databases go', 'Topics go'],
  },
  { step: [2, 1], shows: ['The data of phase 2 stays', '/api/v1/jobs: hybrid -> monolith', '`jobs-service` stops receiving traffic'], hides: ['Databases go'] },
  { step: [1, 0], shows: ['The data of phase 1 stays', '/api/v1/auth/login: migrated -> monolith', '`api-gateway` stops receiving traffic'], hides: ['Databases go'] },
];

describe.each(KEY_LINES)('the plan of step $step', ({ step: [from, to], shows, hides }) => {
  test('shows its key lines', () => {
    const { report } = review(from, to);
    for (const line of shows) expect(report).toContain(line);
    for (const line of hides ?? []) expect(report).not.toContain(line);
  });

  test('says no data-bearing object is deleted or replaced, and every transition check holds', () => {
    const { report, plan } = review(from, to);
    expect(report).toContain('**Data-bearing objects: none deleted or replaced.**');
    expect(plan.violations).toEqual([]);
    expect(report).toContain('### Transition checks\n\nAll hold');
  });

  test('compares requested CPU and memory with phase 0 and flags what passes the objective', () => {
    const { report, plan } = review(from, to);
    expect(report).toMatch(/\| 0 \(baseline\) \| \d+\.\d\d cores \| \d+\.\d\d GiB \| \d+ \|/);
    expect(report).toMatch(new RegExp(`phase ${to} requests [+-]\\d+\\.\\d% CPU and [+-]\\d+\\.\\d% memory against phase 0`));
    expect(plan.cost.limitPercent).toBe(20);
    expect(report.includes('Cost above the objective')).toBe(plan.cost.over);
  });

  test('fits a pull-request comment', () => {
    expect(review(from, to).report.length).toBeLessThanOrEqual(COMMENT_LIMIT);
  });
});

test('phase 0 requests what its pods request: backend and frontend at their floors, the database instances, the cache', () => {
  const { plan } = review(0, 1);
  const groups = Object.fromEntries(plan.cost.baseline.groups.map((g) => [g.object, g.pods]));
  expect(groups).toEqual({ 'Cluster monolith-db': 2, 'StatefulSet cache': 1, 'Deployment backend': expect.any(Number), 'Deployment frontend': expect.any(Number) });
  expect(plan.cost.baseline.sidecars).toBe(0);
});

test('phase 4 counts a Deployment run by a Rollout once, and a sidecar per meshed pod (the stores stay out of the mesh)', () => {
  const { plan } = review(3, 4);
  const names = plan.cost.after.groups.map((g) => g.object);
  expect(names.filter((n) => n === 'Deployment user-service')).toHaveLength(1);
  expect(names).not.toContain('Rollout user-service');
  // Strimzi's entity operator (the topic and user operators) is meshed; the stores are not.
  const meshed = plan.cost.after.groups.filter((g) => g.object.startsWith('Deployment ') || g.object === 'Kafka event-bus');
  expect(plan.cost.after.sidecars).toBe(meshed.reduce((n, g) => n + g.pods, 0));
  expect(plan.cost.after.groups.some((g) => g.object === 'Cluster user-db')).toBe(true);
});

test("the plan shows where the gateway sends unlisted paths, its fallback rule and each limit across its replicas", () => {
  const { plan, report } = review(1, 2);
  expect(plan.gateway).toMatchObject({ gateway: 'api-gateway', replicas: { min: 2, max: 6 }, unlistedTo: 'backend' });
  expect(plan.gateway?.limits).toContainEqual({ path: '/api/v1/auth/register', perReplicaPerMinute: 10, clusterMinPerMinute: 20, clusterMaxPerMinute: 60 });
  expect(report).toContain('- Unlisted paths: to `backend`, which still owns them.');
  expect(report).toContain('a write (POST, PUT, PATCH, DELETE) goes to the monolith only when the gateway sent the service nothing');
  expect(report).toContain('| `/api/v1/auth/register` | 10 | 20-60 |');
  // After the monolith retires, unlisted paths get 404; a stack's replicas count (dev runs one gateway replica).
  expect(review(3, 4).report).toContain('- Unlisted paths: a JSON 404 (the monolith is retired).');
  const dev = promotionPlan(planTransition(1, 2, { model, environment: readStackEnvironment('dev').environment }));
  expect(dev.gateway?.replicas).toEqual({ min: 1, max: 6 });
  expect(review(1, 0).plan.gateway).toBeUndefined();
});

test('a long plan is cut at whole components, with a note, to fit the limit', () => {
  const { plan } = review(3, 4);
  const short = renderPlanReport(plan, { limit: 9000 });
  expect(short.length).toBeLessThanOrEqual(9000);
  expect(short).toMatch(/_Truncated to fit a pull-request comment: \d+ of \d+ components left out/);
  expect(short).toContain('**Data-bearing objects: none deleted or replaced.**');
});

test('a step of more than one phase is refused unless asked for', () => {
  expect(() => planTransition(0, 2, { model })).toThrow(ValidationError);
  expect(() => planTransition(4, 1, { model })).toThrow(/roll back one phase at a time \(--to 3\), or pass --allow-skip/);
  expect(planTransition(0, 2, { model, allowSkip: true }).to).toBe(2);
});

test('a stack file gives the environment: dev runs one replica and one broker in the cluster, prod keeps data in AWS', () => {
  const dev = readStackEnvironment('dev');
  expect(dev.environment).toMatchObject({ replicas: 1, kafkaBrokers: 1, inClusterData: true });
  const prod = readStackEnvironment('prod');
  expect(prod.environment).toMatchObject({ replicas: 3, inClusterData: false });
  const plan = promotionPlan(planTransition(1, 2, { model, environment: prod.environment }));
  // Managed stores are not Kubernetes objects, but the plan still names the databases that appear.
  expect(plan.transition.after.manifests.some((m) => m.document.kind === 'Cluster')).toBe(false);
  expect(plan.databases.added).toContain('jobs-db (postgresql)');
  expect(() => readStackEnvironment('qa')).toThrow(/--stack: "qa" has no Pulumi.qa.yaml; stacks are .*dev/);
});

test('the plan of an aws stack names the managed services a step adds, and that its topics are not created', () => {
  const prod = readStackEnvironment('prod').environment;
  const report = renderPlanReport(promotionPlan(planTransition(2, 3, { model, environment: prod })));
  expect(report).toContain('- Managed services (aws) appear: RDS PostgreSQL event-store (Multi-AZ), RDS PostgreSQL integration-db (Multi-AZ), MSK event-bus\n');
  expect(report).toMatch(/^- Topics appear on MSK \(not created by this stack: Strimzi's topic operator is not deployed against it\): user\.user-registered, /m);
  // A rollback keeps them, with their data (the stack keeps the stores of the highest phase it ran); in-cluster
  // stacks have none.
  expect(promotionPlan(planTransition(3, 2, { model, environment: prod })).managedServices).toEqual({ added: [], removed: [] });
  const dev = renderPlanReport(promotionPlan(planTransition(2, 3, { model, environment: readStackEnvironment('dev').environment })));
  expect(dev).not.toContain('Managed services');
  expect(dev).toMatch(/^- Topics appear: user\.user-registered, /m);
});

describe('the pulumi preview summary', () => {
  // The fixture is hand-made in the shape of `pulumi preview --json`: the engine's preview digest (PreviewDigest
  // and PreviewStep in pulumi/pulumi pkg/display/json.go: `steps` of `op`, `urn`, `oldState`/`newState` as
  // apitype.ResourceV3 with `type`, `parent`, `protect`; `diffReasons`, `replaceReasons`, `detailedDiff` of
  // `{ kind, inputDiff }`; then `changeSummary`), a replacement showing as replace, create-replacement and
  // delete-replaced steps of one URN, with this stack's URNs (stacks/kubernetes-resource.ts).
  const fixture = fs.readFileSync(path.join(__dirname, 'fixtures', 'pulumi-preview.json'), 'utf8');

  test('counts one operation per resource, folding a replacement into one', () => {
    const summary = summarisePreview(parsePreview(fixture));
    expect(summary.counts).toEqual({ create: 1, update: 1, replace: 1, delete: 2, same: 1 });
  });

  test('flags every replacement and every deletion of protected or data-bearing resources, but not other deletions', () => {
    const report = renderPreviewSummary(summarisePreview(parsePreview(fixture)));
    expect(report).toContain('**2 flagged:**');
    expect(report).toContain(
      '> - kubernetes:apps/v1:StatefulSet `statefulset:career-copilot/cache` (component cache): replaced because `spec`, `spec.volumeClaimTemplates[0].spec.resources.requests.storage` changes; **holds data**: owns volume claims (Redis data)',
    );
    expect(report).toContain('> - kubernetes:kafka.strimzi.io/v1:KafkaTopic `kafkatopic:career-copilot/jobs.job-posted` (component event-bus): deleted; **holds data**: a topic and its events');
    expect(report).toContain('- delete kubernetes:core/v1:ConfigMap `configmap:career-copilot/auth-data-split-sql`');
    expect(report).not.toMatch(/>.*auth-data-split-sql/);
  });

  test('a preview without replacements or lost data says so', () => {
    const calm = JSON.stringify({ steps: [JSON.parse(fixture).steps[1]] });
    expect(renderPreviewSummary(summarisePreview(parsePreview(calm)))).toContain('**No replacement, and no protected or data-bearing resource deleted.**');
  });

  test('refuses what is not a preview, naming the field', () => {
    expect(() => parsePreview('{"steps": [{"op": "explode", "urn": "urn:pulumi:a::b::c::d"}]}')).toThrow('preview.steps[0].op: "explode" is not one of');
    expect(() => parsePreview('not json')).toThrow(/preview: is not JSON/);
  });
});

describe('npm run plan', () => {
  const run = (...args: string[]) => {
    try {
      return { status: 0, out: execFileSync(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--transpile-only', 'bin/plan.ts', ...args], { cwd: path.join(__dirname, '..', '..'), encoding: 'utf8', stdio: 'pipe' }) };
    } catch (error) {
      const e = error as { status: number; stderr: string };
      return { status: e.status, out: e.stderr };
    }
  };

  test('refuses a skipped phase without --allow-skip', () => {
    const result = run('--from', '1', '--to', '3');
    expect(result.status).toBe(1);
    expect(result.out).toContain('to: 3 is 2 phases from the deployed phase 1; promote one phase at a time (--to 2), or pass --allow-skip');
  });

  test('summarises a preview file', () => {
    const result = run('--preview-json', 'test/review/fixtures/pulumi-preview.json');
    expect(result.status).toBe(0);
    expect(result.out).toContain('## Pulumi preview');
  });
});
