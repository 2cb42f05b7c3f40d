import { ApiGateway } from '../constructs/api-gateway';
import { EventBus } from '../constructs/event-bus';
import { Microservice } from '../constructs/microservice';
import { PostgresDatabase } from '../constructs/postgres-database';
import { PsqlJob } from '../constructs/psql-job';
import { DatabaseRoleJob } from '../constructs/database-role-job';
import { RedisStore } from '../constructs/redis-store';
import { ServiceMesh } from '../constructs/service-mesh';
import { PlatformModel } from '../phases';
import { contextIndex, endpointIndex } from './support/model';
import { emitted } from './support/synth';

/**
 * The bad-input corpus, one table: each row breaks one thing, in the platform model, in a construct's props or in
 * a stack's config, and gives the error expected, which names the field, shows the bad value and, for a closed
 * set, what is allowed. test/bad-inputs.test.ts checks that each is refused before any file is written or any
 * resource is registered. Add a case with one line.
 */
export type BadInput =
  | { readonly input: 'model'; readonly what: string; readonly mutate: (model: PlatformModel) => void; readonly error: string }
  | { readonly input: 'props'; readonly what: string; readonly build: () => void; readonly error: string }
  | {
      readonly input: 'stack';
      readonly what: string;
      readonly config: Record<string, string>;
      readonly previous?: Record<string, unknown>;
      /** The stack's name. @default 'test' */
      readonly stack?: string;
      readonly error: string;
    };

/** A model row (kept as its own type: the model rows are also the load-model tests' table). */
export type BadModelInput = Extract<BadInput, { input: 'model' }>;
type ModelRow = Omit<BadModelInput, 'input'>;

const service = { name: 'user-service', image: 'career-copilot/user-service:1.0.0', component: 'context-service', partOf: 'career-copilot' };
const gatewayRoute = { path: '/api/v1/jobs', status: 'migrated' as const, methods: ['GET'], service: 'jobs-service', monolith: 'backend', rateLimitPerMinute: 60, public: true };
const gateway = { name: 'api-gateway', namespace: 'career-copilot', image: 'nginxinc/nginx-unprivileged:1.27.3-alpine', partOf: 'career-copilot', routes: [gatewayRoute], upstreams: ['jobs-service', 'backend'] };
const topic = { event: 'JobPosted', context: 'jobs', partitions: 3, retentionHours: 24 };
const mesh = { namespace: 'career-copilot', ingress: { name: 'career-copilot', hosts: ['api.example.com'], credentialName: 'tls', service: 'api-gateway' }, services: [{ name: 'api-gateway', port: 80, callers: [] }] };

/** A model object seen as a plain record, to add or delete fields the type does not allow. */
type Loose = Record<string, unknown>;

const modelRows: ModelRow[] = [
  {
    what: 'a route to a service its phase does not deploy',
    mutate: (m) => (m.endpoints[endpointIndex(m, '/api/v1/jobs')].statusByPhase[1] = 'hybrid'),
    error: 'endpoints[7].statusByPhase[1]: "hybrid" routes /api/v1/jobs to jobs-service, which phase 1 does not deploy (phase 1 deploys: user-service, auth-service)',
  },
  {
    what: 'an endpoint owned by an unknown context',
    mutate: (m) => (m.endpoints[0].context = 'billing'),
    error: 'endpoints[0].context: unknown context: "billing" is not one of user, auth, jobs, applications, analytics, notifications, integration',
  },
  {
    what: 'a phase deploying an unknown service',
    mutate: (m) => m.phases[2].services.push('billing'),
    error: 'phases[2].services[6]: unknown context: "billing" is not one of user, auth, jobs, applications, analytics, notifications, integration',
  },
  {
    what: 'a dependency on an unknown context',
    mutate: (m) => m.contexts[contextIndex(m, 'jobs')].dependsOn.push('search'),
    error: 'contexts[2].dependsOn[0]: unknown context: "search" is not one of user, auth, jobs, applications, analytics, notifications, integration',
  },
  {
    what: 'an event consumed that no context publishes',
    mutate: (m) => m.contexts[contextIndex(m, 'analytics')].consumes.push('InvoicePaid'),
    error:
      'contexts[4].consumes[5]: "InvoicePaid" is published by no context; published events are UserRegistered, ProfileUpdated, PreferencesChanged, UserLoggedIn, TokenRefreshed, SessionExpired, JobPosted, JobUpdated, JobExpired, ApplicationSubmitted, ApplicationCreated, StatusChanged, ApplicationUpdated, MetricCalculated, ReportGenerated, DashboardUpdated, NotificationSent, DeliveryFailed, TemplateUpdated, WebhookReceived, ExternalJobImported, ConnectorSynced',
  },
  {
    what: 'a dependency cycle between contexts',
    mutate: (m) => m.contexts[contextIndex(m, 'user')].dependsOn.push('applications'),
    error: 'contexts[3].dependsOn[0]: dependency cycle between contexts: user -> applications -> user',
  },
  {
    what: 'a phase outside 0-4',
    mutate: (m) => (m.phases[4].phase = 7),
    error: 'phases[4].phase: phase 7 is not one of 0, 1, 2, 3, 4',
  },
  {
    what: 'phases out of order',
    mutate: (m) => ([m.phases[1].phase, m.phases[2].phase] = [2, 1]),
    error: 'phases[1].phase: 2 is out of order: phases are listed as 0, 1, 2, 3, 4',
  },
  {
    what: 'a route whose status goes backwards',
    mutate: (m) => (m.endpoints[endpointIndex(m, '/api/v1/auth/register')].statusByPhase[3] = 'hybrid'),
    error: 'endpoints[1].statusByPhase[3]: "hybrid" after "migrated" in phase 2 goes backwards; a route only moves monolith -> shadow -> hybrid -> migrated',
  },
  {
    what: 'a duplicate context name',
    mutate: (m) => (m.contexts[contextIndex(m, 'jobs')].name = 'user'),
    error: 'contexts[2].name: duplicate context "user", already declared at contexts[0].name',
  },
  {
    what: 'a duplicate service name',
    mutate: (m) => (m.contexts[contextIndex(m, 'jobs')].service.name = 'user-service'),
    error: 'contexts[2].service.name: duplicate workload name "user-service", already declared at contexts[0].service.name',
  },
  {
    what: 'a duplicate event',
    mutate: (m) => m.contexts[contextIndex(m, 'jobs')].publishes.push({ name: 'UserRegistered', partitions: 1, retentionHours: 1 }),
    error: 'contexts[2].publishes[3].name: duplicate event "UserRegistered", already declared at contexts[0].publishes[0].name',
  },
  {
    what: 'a duplicate endpoint',
    mutate: (m) => m.endpoints.push({ ...m.endpoints[0] }),
    error: 'endpoints[13].path: duplicate endpoint path "/api/v1/auth/login", already declared at endpoints[0].path',
  },
  {
    what: 'a context name that is not a DNS-1123 label',
    mutate: (m) => (m.contexts[0].name = 'User_Management'),
    error: "contexts[0].name: \"User_Management\" is not a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters",
  },
  {
    what: 'a service name longer than 63 characters',
    mutate: (m) => (m.contexts[0].service.name = 'u'.repeat(64)),
    error: `contexts[0].service.name: "${'u'.repeat(64)}" is not a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters`,
  },
  {
    what: 'an unknown route status',
    mutate: (m) => (m.endpoints[0].statusByPhase[1] = 'migrating' as never),
    error: 'endpoints[0].statusByPhase[1]: "migrating" is not one of monolith, shadow, hybrid, migrated',
  },
  {
    what: 'a route to the monolith after it is retired',
    mutate: (m) => (m.endpoints[endpointIndex(m, '/api/v1/analytics')].statusByPhase[4] = 'hybrid'),
    error: 'endpoints[10].statusByPhase[4]: "hybrid" routes /api/v1/analytics to the monolith, which phase 4 retires; allowed: migrated',
  },
  {
    what: 'an unpinned image',
    mutate: (m) => (m.contexts[0].service.image.tag = 'latest'),
    error: 'contexts[0].service.image.tag: "latest" is not a pinned image tag: give a version such as 1.4.2 or a sha256 digest, never latest',
  },
  {
    what: 'an image digest that is not one',
    mutate: (m) => (m.contexts[0].service.image.digest = 'sha256:abc'),
    error: 'contexts[0].service.image.digest: "sha256:abc" is not an image digest: give sha256: and the 64 lower-case hex digits the registry reports',
  },
  {
    what: 'an image digest given twice (as the tag and beside it)',
    mutate: (m) => Object.assign(m.contexts[0].service.image, { tag: `sha256:${'a'.repeat(64)}`, digest: `sha256:${'b'.repeat(64)}` }),
    error: `contexts[0].service.image.digest: "sha256:${'b'.repeat(64)}" is given with a digest as the tag ("sha256:${'a'.repeat(64)}"); give the version as the tag and the digest here`,
  },
  {
    what: 'a phase that drops a data store',
    mutate: (m) => (m.phases[4].dataStores = m.phases[4].dataStores.filter((s) => s !== 'monolith-db')),
    error: 'phases[4].dataStores: drops data store "monolith-db" that phase 3 has; data stores are never removed by a promotion',
  },
  {
    what: 'an unknown field',
    mutate: (m) => ((m.contexts[0] as unknown as Loose).colour = 'blue'),
    error:
      'contexts[0].colour: is not a known field; known fields are name, title, entities, valueObjects, service, dataStore, monolithTables, publishes, consumes, dependsOn',
  },
  {
    what: 'monolith tables moved into a store that is not PostgreSQL',
    mutate: (m) => (m.contexts[4].monolithTables = [{ ...m.contexts[2].monolithTables[0], serviceTable: 'job_metrics' }]),
    error: 'contexts[4].monolithTables: context "analytics" keeps its data in "analytics-db" (mongodb); monolith tables move into a PostgreSQL store only',
  },
  {
    what: 'a moved table whose key is not one of its columns',
    mutate: (m) => (m.contexts[2].monolithTables[0].primaryKey = 'uuid'),
    error: 'contexts[2].monolithTables[0].primaryKey: not a column of the move: "uuid" is not one of id, title, company, created_at',
  },
  {
    what: 'a moved column type outside the allowed spellings',
    mutate: (m) => (m.contexts[2].monolithTables[0].columns[1].type = 'text); DROP TABLE jobs; --'),
    error: 'contexts[2].monolithTables[0].columns[1].type: "text); DROP TABLE jobs; --" is not smallint, integer, bigint, boolean, text, varchar(N), numeric, numeric(P[,S]), date, timestamp, timestamptz, uuid, json or jsonb',
  },
  {
    what: "a compatibility view named after a monolith table",
    mutate: (m) => (m.contexts[2].monolithTables[0].compatView = 'users'),
    error: 'contexts[2].monolithTables[0].compatView: "users" is a monolith table; the compatibility view needs a name of its own',
  },
  {
    what: 'a context with monolith tables first extracted when the monolith retires',
    mutate: (m) => (m.contexts[6].monolithTables = [{ ...m.contexts[2].monolithTables[0], serviceTable: 'imported_jobs', compatView: 'imported_jobs_compat' }], m.phases[3].services = m.phases[3].services.filter((s) => s !== 'integration')),
    error: 'contexts[6].monolithTables: the integration service first runs in phase 4, which retires the monolith: its tables must move while the monolith still runs',
  },
  {
    what: 'a missing field',
    mutate: (m) => delete (m.contexts[0] as unknown as Loose).dataStore,
    error: 'contexts[0].dataStore: is required',
  },
  {
    what: 'an unknown data engine',
    mutate: (m) => (m.contexts[4].dataStore.engine = 'cassandra' as never),
    error: 'contexts[4].dataStore.engine: "cassandra" is not one of postgresql, mongodb, redis',
  },
  {
    what: 'autoscaling below the replicas at rest',
    mutate: (m) => (m.contexts[0].service.autoscaling.maxReplicas = 1),
    error: 'contexts[0].service.autoscaling.maxReplicas: 1 is below replicas (2)',
  },
  {
    what: 'a saga started by an event no context publishes',
    mutate: (m) => (m.sagas[0].triggeredBy = 'ApplicationDrafted'),
    error: 'sagas[0].triggeredBy: "ApplicationDrafted" is published by no context; published events are UserRegistered, ProfileUpdated, PreferencesChanged, UserLoggedIn, TokenRefreshed, SessionExpired, JobPosted, JobUpdated, JobExpired, ApplicationSubmitted, ApplicationCreated, StatusChanged, ApplicationUpdated, MetricCalculated, ReportGenerated, DashboardUpdated, NotificationSent, DeliveryFailed, TemplateUpdated, WebhookReceived, ExternalJobImported, ConnectorSynced',
  },
  {
    what: 'a saga step on an unknown context',
    mutate: (m) => (m.sagas[0].steps[1].service = 'payments'),
    error: 'sagas[0].steps[1].service: unknown context: "payments" is not one of user, auth, jobs, applications, analytics, notifications, integration',
  },
  {
    what: 'a saga step whose compensation is its action',
    mutate: (m) => (m.sagas[0].steps[2].compensation = m.sagas[0].steps[2].action),
    error: 'sagas[0].steps[2].compensation: "create_application" is the step\'s action: a compensation undoes the action (e.g. delete_application for create_application), or is null',
  },
  {
    what: 'a saga triggered by an event one of its own steps publishes (an endless loop)',
    mutate: (m) => (m.sagas[0].steps[2].publishes = ['ApplicationCreated', 'ApplicationSubmitted']),
    error: 'sagas[0].steps[2].publishes[1]: "ApplicationSubmitted" triggers saga "create_application" itself: every run of step "create_application" would start the saga again, without end; a step publishes only events that do not trigger its own saga',
  },
  {
    what: "a saga step publishing another context's event",
    mutate: (m) => (m.sagas[0].steps[3].publishes = ['UserRegistered']),
    error: 'sagas[0].steps[3].publishes[0]: "UserRegistered" is not one of the events of context "analytics", which runs the step (a topic has one writer): MetricCalculated, ReportGenerated, DashboardUpdated',
  },
  {
    what: 'a saga step publishing an event twice',
    mutate: (m) => (m.sagas[0].steps[2].publishes = ['ApplicationCreated', 'ApplicationCreated']),
    error: 'sagas[0].steps[2].publishes[1]: "ApplicationCreated" is listed twice (also at 0); give each once',
  },
  {
    what: 'a context consuming its own event',
    mutate: (m) => m.contexts[contextIndex(m, 'jobs')].consumes.push('JobPosted'),
    error: 'contexts[2].consumes[1]: "JobPosted" is published by context "jobs" itself: a context acts on its own change where it makes it, not through its topic',
  },
  { what: 'the kube-system namespace', mutate: (m) => (m.namespace = 'kube-system'), error: 'namespace: "kube-system" is reserved (default, kube-system, kube-public, kube-node-lease, istio-system, kube-*): the platform\'s default-deny policies and Pod Security labels would land on it; choose a namespace of its own' },
  { what: 'another kube- namespace', mutate: (m) => (m.namespace = 'kube-apps'), error: 'namespace: "kube-apps" is reserved (default, kube-system, kube-public, kube-node-lease, istio-system, kube-*): the platform\'s default-deny policies and Pod Security labels would land on it; choose a namespace of its own' },
  { what: '100,000 replicas', mutate: (m) => (m.contexts[0].service.replicas = 100_000), error: 'contexts[0].service.replicas: 100000 is above the maximum 100' },
  { what: 'NaN replicas', mutate: (m) => (m.contexts[0].service.replicas = NaN), error: 'contexts[0].service.replicas: NaN is not an integer' },
  { what: 'Infinity storage', mutate: (m) => (m.contexts[0].dataStore.storageGi = Infinity), error: 'contexts[0].dataStore.storageGi: Infinity is not an integer' },
  {
    what: 'a read model without a read replica',
    mutate: (m) => (m.contexts[contextIndex(m, 'applications')].dataStore.readReplicas = 0),
    error: 'phases[2].readModels[0]: "applications" keeps a read model, but its store "applications-db" (postgresql, 0 read replicas) has no PostgreSQL read replica to serve it; give the store readReplicas 1 or more',
  },
  { what: '1,000 read replicas', mutate: (m) => (m.contexts[0].dataStore.readReplicas = 1000), error: 'contexts[0].dataStore.readReplicas: 1000 is above the maximum 15' },
  { what: '100,000 partitions', mutate: (m) => (m.contexts[0].publishes[0].partitions = 100_000), error: 'contexts[0].publishes[0].partitions: 100000 is above the maximum 1000' },
  { what: 'ten years of topic retention', mutate: (m) => (m.contexts[0].publishes[0].retentionHours = 87_600), error: 'contexts[0].publishes[0].retentionHours: 87600 is above the maximum 8760' },
  { what: 'CPU of 100000 cores', mutate: (m) => (m.contexts[0].service.resources.limits.cpu = '100000'), error: 'contexts[0].service.resources.limits.cpu: "100000" is above the maximum 64 cores per container' },
  { what: 'memory of 999999Gi', mutate: (m) => (m.contexts[0].service.resources.limits.memory = '999999Gi'), error: 'contexts[0].service.resources.limits.memory: "999999Gi" is above the maximum 256Gi per container' },
  { what: 'a zero CPU limit', mutate: (m) => (m.contexts[0].service.resources.limits.cpu = '0m'), error: 'contexts[0].service.resources.limits.cpu: "0m" is zero: give a CPU quantity above 0, such as 100m' },
  { what: 'a zero memory request', mutate: (m) => (m.contexts[0].service.resources.requests.memory = '0Mi'), error: 'contexts[0].service.resources.requests.memory: "0Mi" is zero: give a memory quantity above 0, such as 128Mi' },
  {
    what: 'a reserved feature flag name',
    mutate: (m) => m.featureFlags.push({ name: 'dual-write.user', description: 'x', enabledByPhase: [false, false, false, false, false] }),
    error: 'featureFlags[3].name: "dual-write.user" is reserved: dual-write flags come from each phase\'s dualWrite list',
  },
  {
    what: 'data products without the event bus',
    mutate: (m) => (m.phases[2].platform.dataProducts = true),
    error: 'phases[2].platform.dataProducts: needs the event bus: data products are topics; set platform.eventBus too',
  },
  {
    what: 'a shadow route that accepts no read',
    mutate: (m) => (m.endpoints[endpointIndex(m, '/api/v1/integrations/webhooks')].statusByPhase[3] = 'shadow'),
    error: 'endpoints[12].statusByPhase[3]: "shadow" mirrors reads (GET, HEAD) to integration-service, and /api/v1/integrations/webhooks accepts only POST; allowed: monolith, hybrid, migrated',
  },
  {
    what: 'a token verification path that is a public route',
    mutate: (m) => (m.edgeAuthentication.verifyPath = '/api/v1/auth/login/verify'),
    error: 'edgeAuthentication.verifyPath: "/api/v1/auth/login/verify" is served by the endpoint /api/v1/auth/login; the verification must not be a public route',
  },
  {
    what: 'signing keys behind a token',
    mutate: (m) => (m.edgeAuthentication.jwksPath = '/api/v1/users/profile'),
    error: 'edgeAuthentication.jwksPath: /api/v1/users/profile must be a public GET endpoint of the "auth" context: the mesh fetches the signing keys without a token',
  },
  {
    what: 'data products read by an unknown context',
    mutate: (m) => (m.dataProductConsumer = 'reporting'),
    error: 'dataProductConsumer: unknown context: "reporting" is not one of user, auth, jobs, applications, analytics, notifications, integration',
  },
  {
    what: 'tokens verified by an unknown context',
    mutate: (m) => (m.edgeAuthentication.context = 'sso'),
    error: 'edgeAuthentication.context: unknown context: "sso" is not one of user, auth, jobs, applications, analytics, notifications, integration',
  },
];

export const badModelInputs: BadModelInput[] = modelRows.map((row) => ({ input: 'model', ...row }));

const propsRows: Array<Omit<Extract<BadInput, { input: 'props' }>, 'input'>> = [
  { what: 'a service image tagged latest', build: () => emitted((s) => new Microservice(s, 'x', { ...service, image: 'career-copilot/user-service:latest' })), error: 'image: "career-copilot/user-service:latest" is not pinned' },
  {
    what: 'a composed variable that names no variable',
    build: () => emitted((s) => new Microservice(s, 'x', { ...service, secretEnv: [{ env: 'DB_USER', secretName: 'user-db-app', key: 'username' }], composedEnv: [{ env: 'DB_URL', value: 'postgresql://$(DB_USERNAME)@user-db-ro/user_service' }] })),
    error: 'composedEnv[0].value: $(DB_USERNAME) is not one of DB_USER: it must name a variable of config or secretEnv',
  },
  {
    what: 'a composed variable set twice',
    build: () => emitted((s) => new Microservice(s, 'x', { ...service, config: { DB_URL: 'x' }, composedEnv: [{ env: 'DB_URL', value: 'y' }] })),
    error: 'composedEnv[0].env: DB_URL is also set in config or secretEnv; a variable comes from one place',
  },
  {
    what: 'a database role for a database that is not an SQL identifier',
    build: () => emitted((s) => new DatabaseRoleJob(s, 'x', { store: 'user-db', database: 'user-service', partOf: 'career-copilot' })),
    error: 'database: "user-service" is not a lower-case SQL identifier (letters, digits and _, not starting with a digit, at most 63 characters)',
  },
  {
    what: "a database role given the master's Secret for its own password",
    build: () => emitted((s) => new DatabaseRoleJob(s, 'x', { store: 'user-db', database: 'user_service', partOf: 'career-copilot', roleSecretName: 'user-db-superuser' })),
    error: 'roleSecretName: "user-db-superuser" is also the master\'s Secret: the role gets a password of its own',
  },
  { what: 'a service with zero replicas', build: () => emitted((s) => new Microservice(s, 'x', { ...service, replicas: 0 })), error: 'replicas: 0 is not an integer of at least 1' },
  { what: 'a gateway route to nowhere', build: () => emitted((s) => new ApiGateway(s, 'x', { ...gateway, upstreams: ['backend'] })), error: 'routes[0].service: /api/v1/jobs routes to "jobs-service", which is not deployed: "jobs-service" is not one of backend' },
  { what: 'a gateway route status that does not exist', build: () => emitted((s) => new ApiGateway(s, 'x', { ...gateway, routes: [{ ...gatewayRoute, status: 'migrating' as never }] })), error: 'routes[0].status: "migrating" is not one of monolith, shadow, hybrid, migrated' },
  {
    what: 'a protected gateway route with no token check',
    build: () => emitted((s) => new ApiGateway(s, 'x', { ...gateway, routes: [{ ...gatewayRoute, public: false }] })),
    error: 'routes[0].public: /api/v1/jobs needs a verified token, and the gateway has no authentication; set authentication, or mark the route public',
  },
  { what: 'a database with negative read replicas', build: () => emitted((s) => new PostgresDatabase(s, 'x', { name: 'user-db', database: 'user_service', storageGi: 10, partOf: 'career-copilot', readReplicas: -1 })), error: 'readReplicas: -1 is not an integer of at least 0' },
  { what: 'a Redis store without storage', build: () => emitted((s) => new RedisStore(s, 'x', { name: 'cache', storageGi: 0, partOf: 'career-copilot' })), error: 'storageGi: 0 is not an integer of at least 1' },
  { what: 'a topic with no partitions', build: () => emitted((s) => new EventBus(s, 'x', { name: 'event-bus', partOf: 'career-copilot', events: [{ ...topic, partitions: 0 }] })), error: 'events[0].partitions: 0 is not an integer of at least 1' },
  {
    what: 'a psql password in the environment',
    build: () => emitted((s) => new PsqlJob(s, 'x', { name: 'schema', partOf: 'career-copilot', files: { 'run.sh': 'psql\n' }, entrypoint: 'run.sh', secretEnv: [{ env: 'PGPASSWORD', secretName: 'user-db-app', key: 'password' }] })),
    error: 'secretEnv[0].key: "password" of user-db-app holds a password: give it in passwords, which psql reads from a file, never from the environment',
  },
  { what: 'a mesh timeout of zero', build: () => emitted((s) => new ServiceMesh(s, 'x', { ...mesh, timeoutSeconds: 0 })), error: 'timeoutSeconds: 0 is not an integer of at least 1' },
];

/** A digest for the prod rows: what the registry would report (made up here, as every test value). */
const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;
/** The committed prod stack's shape: data in AWS managed services, so no in-cluster Redis. */
const PROD = { target: 'aws', vpcId: 'vpc-0abc', privateSubnetIds: '["subnet-0a1","subnet-0b2"]' };
const PROD_WHY = 'stack "prod" runs only images pinned by digest (a tag can be moved to other content after the review, a digest cannot)';
/** Phase 1's workloads, each pinned by digest through the images key. */
const PHASE_1_DIGESTS = [
  `backend=career-copilot/backend:2.4.1@${DIGEST}`,
  `frontend=career-copilot/frontend:2.4.1@${DIGEST}`,
  `api-gateway=nginxinc/nginx-unprivileged:1.28.3-alpine@${DIGEST}`,
  `user-service=career-copilot/user-service:1.0.0@${DIGEST}`,
  `auth-service=career-copilot/auth-service:1.0.0@${DIGEST}`,
];

const stackRows: Array<Omit<Extract<BadInput, { input: 'stack' }>, 'input'>> = [
  { what: 'no backups (0 days)', config: { phase: '0', backupRetentionDays: '0' }, error: 'backupRetentionDays: 0 is below the minimum 1' },
  { what: 'backups kept longer than AWS allows', config: { phase: '0', backupRetentionDays: '36' }, error: 'backupRetentionDays: 36 is above the maximum 35' },
  { what: 'a phase outside 0-4', config: { phase: '5' }, error: 'phase: 5 is not one of 0, 1, 2, 3, 4' },
  { what: 'a phase that is not a number', config: { phase: 'two' }, error: 'phase: "two" is not one of 0, 1, 2, 3, 4' },
  { what: 'an unknown target', config: { phase: '0', target: 'gcp' }, error: 'target: "gcp" is not one of local, aws' },
  { what: 'zero replicas', config: { phase: '0', replicas: '0' }, error: 'replicas: 0 is below the minimum 1' },
  { what: 'a bad CIDR', config: { phase: '0', clusterCidr: '10.0.0.0/33' }, error: 'clusterCidr: "10.0.0.0/33" is not an IPv4 CIDR block such as 10.0.0.0/16' },
  { what: 'a bad domain', config: { phase: '0', domain: 'API_gateway' }, error: 'domain: "API_gateway" is not a lower-case DNS domain name such as api.example.com' },
  { what: 'aws without subnets', config: { phase: '0', target: 'aws', vpcId: 'vpc-0abc' }, error: 'privateSubnetIds: has 0 subnets; the aws target needs two or more private subnets in different zones' },
  { what: 'a route override of an unknown path', config: { phase: '2', routesToMonolith: '["/api/v1/payments"]' }, error: 'routesToMonolith[0]: unknown endpoint: "/api/v1/payments" is not one of' },
  { what: 'a route override once the monolith is retired', config: { phase: '4', routesToMonolith: '["/api/v1/jobs"]' }, previous: { phase: 3 }, error: 'routesToMonolith[0]: "/api/v1/jobs" cannot go back to the monolith: phase 4 has retired it' },
  { what: 'an image for an unknown workload', config: { phase: '1', images: '["user-servic=career-copilot/user-service:1.0.1"]' }, error: 'images.user-servic: unknown workload: "user-servic" is not one of backend, frontend, api-gateway,' },
  { what: 'an image release to latest', config: { phase: '1', images: '["user-service=career-copilot/user-service:latest"]' }, error: 'images.user-service: "career-copilot/user-service:latest" is not pinned; give repository:version (not latest), repository:version@sha256:digest or repository@sha256:digest' },
  { what: 'an untagged image', config: { phase: '1', images: '["user-service=registry.example.com:5000/user-service"]' }, error: 'images.user-service: "registry.example.com:5000/user-service" is not pinned' },
  { what: 'two images for one workload', config: { phase: '1', images: '["user-service=a/b:1.0.0","user-service=a/b:1.0.1"]' }, error: 'images[1]: names user-service again (images[0]); give each workload one image' },
  { what: 'an unknown feature flag', config: { phase: '0', featureFlags: '["ai-matching=true"]' }, error: 'overrides.ai-matching: "ai-matching" is not one of ai-job-matching,' },
  { what: 'a skipped phase', config: { phase: '3' }, previous: { phase: 1, highestPhase: 1 }, error: 'phase: 3 is 2 phases from the deployed phase 1; promote one phase at a time (set phase to 2), or set allowPhaseSkip to true' },
  { what: 'no phase on a stack at phase 1 (never read as phase 0)', config: { target: 'local' }, previous: { phase: 1, highestPhase: 1 }, error: 'phase: is not set; every stack names the phase it runs, 0 to 4' },
  { what: 'an empty phase', config: { phase: '' }, previous: { phase: 1, highestPhase: 1 }, error: 'phase: is not set' },
  { what: 'a misspelt key', config: { phase: '1', phaze: '2' }, previous: { phase: 1, highestPhase: 1 }, error: 'phaze: is not a config key of this project' },
  { what: 'a phase with a leading zero', config: { phase: '03' }, error: 'phase: "03" is not one of 0, 1, 2, 3, 4' },
  { what: 'a phase written as a decimal', config: { phase: '3.0' }, error: 'phase: "3.0" is not one of 0, 1, 2, 3, 4' },
  { what: 'a cluster range that is every address', config: { phase: '0', clusterCidr: '0.0.0.0/0' }, error: 'clusterCidr: "0.0.0.0/0" is every address' },
  { what: 'the same subnet twice', config: { phase: '0', target: 'aws', vpcId: 'vpc-0abc', privateSubnetIds: '["subnet-0a1","subnet-0a1"]' }, error: 'privateSubnetIds[1]: "subnet-0a1" is listed twice (also at 0); give each once' },
  {
    what: "prod: a model image without a digest (the committed Pulumi.prod.yaml's phase 0)",
    stack: 'prod',
    config: { ...PROD, phase: '0' },
    error: `images.backend: ${PROD_WHY}, and workload backend's image "career-copilot/backend:2.4.1" (the model's, monolith.backend.image) has none; add "backend=career-copilot/backend:2.4.1@sha256:<digest>" to images (without a digest too: frontend, psql)`,
  },
  {
    what: 'prod: a release by tag alone',
    stack: 'prod',
    config: { ...PROD, phase: '1', images: JSON.stringify([...PHASE_1_DIGESTS.filter((e) => !e.startsWith('user-service=')), 'user-service=career-copilot/user-service:1.0.1']) },
    previous: { phase: 0, highestPhase: 0 },
    error: `images.user-service: ${PROD_WHY}, and workload user-service's image "career-copilot/user-service:1.0.1" (from the images key) has none; add "user-service=career-copilot/user-service:1.0.1@sha256:<digest>" to images (without a digest too: psql, mtail)`,
  },
  {
    what: "prod: every workload pinned, but not the Jobs' psql",
    stack: 'prod',
    config: { ...PROD, phase: '1', images: JSON.stringify([...PHASE_1_DIGESTS, `mtail=ghcr.io/google/mtail:v3.2.26@${DIGEST}`]) },
    previous: { phase: 0, highestPhase: 0 },
    error: `images.psql: ${PROD_WHY}, and the image of the PostgreSQL client of the schema, data and role Jobs, "postgres:16.4-alpine" (batch/Job career-copilot/monolith-db-role, batch/Job career-copilot/user-db-role, batch/Job career-copilot/auth-db-role, batch/Job career-copilot/auth-data-split, batch/Job career-copilot/user-data-move), has none; add "psql=postgres:16.4-alpine@sha256:<digest>" to images`,
  },
  { what: 'a support image that is not pinned', config: { phase: '0', images: '["psql=postgres"]' }, error: 'images.psql: "postgres" is not pinned; give repository:version (not latest), repository:version@sha256:digest or repository@sha256:digest, such as career-copilot/user-service:1.4.2' },
  { what: 'a history that cannot be read', config: { phase: '4' }, previous: { phase: 'banana', highestPhase: 'banana' }, error: 'phase: cannot be checked against the stack\'s history: its last outputs record phase "banana" and highestPhase "banana", which is not a phase 0-4; set allowPhaseSkip to true' },
];

/** Every bad input, model, props and stack config, in one table. */
export const badInputs: BadInput[] = [
  ...badModelInputs,
  ...propsRows.map((row) => ({ input: 'props' as const, ...row })),
  ...stackRows.map((row) => ({ input: 'stack' as const, ...row })),
];
