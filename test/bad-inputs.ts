import { PlatformModel } from '../phases';
import { contextIndex, endpointIndex } from './support/model';

/**
 * The bad-input corpus: each row breaks one thing and gives the exact error expected, which must name the
 * field, show the bad value and, for a closed set, what is allowed. Add a case with one line.
 */
export interface BadModelInput {
  readonly what: string;
  readonly mutate: (model: PlatformModel) => void;
  readonly error: string;
}

/** A model object seen as a plain record, to add or delete fields the type does not allow. */
type Loose = Record<string, unknown>;

export const badModelInputs: BadModelInput[] = [
  {
    what: 'a route to a service its phase does not deploy',
    mutate: (m) => (m.endpoints[endpointIndex(m, '/api/v1/jobs')].statusByPhase[1] = 'hybrid'),
    error: 'endpoints[6].statusByPhase[1]: "hybrid" routes /api/v1/jobs to jobs-service, which phase 1 does not deploy (phase 1 deploys: user-service, auth-service)',
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
    error: 'endpoints[1].statusByPhase[3]: "hybrid" after "migrated" in phase 2 goes backwards; a route only moves monolith -> hybrid -> migrated',
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
    error: 'endpoints[12].path: duplicate endpoint path "/api/v1/auth/login", already declared at endpoints[0].path',
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
    error: 'endpoints[0].statusByPhase[1]: "migrating" is not one of monolith, hybrid, migrated',
  },
  {
    what: 'a route to the monolith after it is retired',
    mutate: (m) => (m.endpoints[endpointIndex(m, '/api/v1/analytics')].statusByPhase[4] = 'hybrid'),
    error: 'endpoints[9].statusByPhase[4]: "hybrid" routes /api/v1/analytics to the monolith, which phase 4 retires; allowed: migrated',
  },
  {
    what: 'an unpinned image',
    mutate: (m) => (m.contexts[0].service.image.tag = 'latest'),
    error: 'contexts[0].service.image.tag: "latest" is not a pinned image tag: give a version such as 1.4.2 or a sha256 digest, never latest',
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
      'contexts[0].colour: is not a known field; known fields are name, title, entities, valueObjects, service, dataStore, publishes, consumes, dependsOn',
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
    what: 'a reserved feature flag name',
    mutate: (m) => m.featureFlags.push({ name: 'dual-write.user', description: 'x', enabledByPhase: [false, false, false, false, false] }),
    error: 'featureFlags[3].name: "dual-write.user" is reserved: dual-write flags come from each phase\'s dualWrite list',
  },
  {
    what: 'data products without the event bus',
    mutate: (m) => (m.phases[2].platform.dataProducts = true),
    error: 'phases[2].platform.dataProducts: needs the event bus: data products are topics; set platform.eventBus too',
  },
];
