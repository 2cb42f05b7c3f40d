import { BoundedContextSpec, DomainEventSpec } from '../model/bounded-context';
import { DataStoreSpec } from '../model/data-store';
import { MonolithTableSpec } from '../model/monolith-table';
import { careerCopilotService } from './workloads';

/** Topic settings of an ordinary event stream: 3 partitions, kept for 7 days. */
function events(...names: string[]): DomainEventSpec[] {
  return names.map((name) => ({ name, partitions: 3, retentionHours: 7 * 24 }));
}

function postgres(name: string, database: string, readReplicas = 0): DataStoreSpec {
  return { name, engine: 'postgresql', database, storageGi: 10, readReplicas };
}

/**
 * The monolith's tables each context takes (local/node/monolith-seed.ts has them as the FastAPI backend does). The
 * users table is shared out by columns: its credentials go to auth (the auth data split), its profile to user.
 */
const USER_TABLES: MonolithTableSpec[] = [
  {
    table: 'users',
    serviceTable: 'user_profiles',
    compatView: 'user_profiles_compat',
    columns: [
      { name: 'id', type: 'integer' },
      { name: 'email', type: 'varchar(255)' },
      { name: 'full_name', type: 'varchar(255)' },
      { name: 'created_at', type: 'timestamp' },
      { name: 'updated_at', type: 'timestamp' },
    ],
    primaryKey: 'id',
    versionColumn: 'updated_at',
  },
  { table: 'user_preferences', columns: [{ name: 'user_id', type: 'integer' }, { name: 'preferences', type: 'jsonb' }], primaryKey: 'user_id' },
];
const JOBS_TABLES: MonolithTableSpec[] = [
  {
    table: 'jobs',
    columns: [
      { name: 'id', type: 'integer' },
      { name: 'title', type: 'text' },
      { name: 'company', type: 'text' },
      { name: 'created_at', type: 'timestamp' },
    ],
    primaryKey: 'id',
    generatedKey: true,
  },
];
const APPLICATIONS_TABLES: MonolithTableSpec[] = [
  {
    table: 'applications',
    columns: [
      { name: 'id', type: 'integer' },
      { name: 'user_id', type: 'integer' },
      { name: 'job_id', type: 'integer' },
      { name: 'status', type: 'text' },
      { name: 'created_at', type: 'timestamp' },
    ],
    primaryKey: 'id',
    generatedKey: true,
  },
];

/**
 * The seed's bounded contexts (Phase 2: Domain-Driven Design), plus the integration context of its phase 4.
 * Data stores follow the seed's polyglot persistence: PostgreSQL for transactional contexts, MongoDB for
 * analytics, Redis for notifications' queues.
 */
export const contexts: BoundedContextSpec[] = [
  {
    name: 'user',
    title: 'User Management',
    entities: ['User', 'UserProfile', 'UserPreferences'],
    valueObjects: ['Email', 'PhoneNumber', 'Address'],
    service: careerCopilotService('user-service', 'Profiles and preferences', '1.0.0'),
    dataStore: postgres('user-db', 'user_service'),
    monolithTables: USER_TABLES,
    publishes: events('UserRegistered', 'ProfileUpdated', 'PreferencesChanged'),
    consumes: [],
    dependsOn: [],
  },
  {
    name: 'auth',
    title: 'Authentication',
    entities: ['User', 'Session', 'OAuthToken'],
    valueObjects: ['JWTToken', 'RefreshToken', 'AuthorizationCode'],
    service: careerCopilotService('auth-service', 'Login, registration and JWT validation', '1.0.0'),
    dataStore: postgres('auth-db', 'auth_service_db'),
    // Its credentials move by the auth data split (authDataSplit), which the edge's token checks need first.
    monolithTables: [],
    // Session events are frequent and short-lived.
    publishes: [
      { name: 'UserLoggedIn', partitions: 6, retentionHours: 72 },
      { name: 'TokenRefreshed', partitions: 6, retentionHours: 24 },
      { name: 'SessionExpired', partitions: 3, retentionHours: 72 },
    ],
    consumes: ['UserRegistered'],
    dependsOn: ['user'],
  },
  {
    name: 'jobs',
    title: 'Jobs',
    entities: ['Job', 'Company', 'JobRequirements'],
    valueObjects: ['JobTitle', 'SalaryRange', 'JobDescription'],
    service: careerCopilotService('jobs-service', 'Job scraping, search and matching', '1.0.0', {
      resources: { requests: { cpu: '200m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
    }),
    dataStore: postgres('jobs-db', 'jobs_service'),
    monolithTables: JOBS_TABLES,
    publishes: events('JobPosted', 'JobUpdated', 'JobExpired'),
    consumes: ['ExternalJobImported'],
    dependsOn: [],
  },
  {
    name: 'applications',
    title: 'Applications',
    entities: ['Application', 'ApplicationStatus', 'ApplicationTimeline'],
    valueObjects: ['JobApplication', 'StatusTransition', 'ApplicationNote'],
    service: careerCopilotService('applications-service', 'Application lifecycle and timeline', '2.1.0'),
    // The read replica serves the CQRS query side.
    dataStore: postgres('applications-db', 'applications_service', 1),
    monolithTables: APPLICATIONS_TABLES,
    // Applications are the aggregate the event store rebuilds: keep its stream for 30 days.
    // ApplicationSubmitted starts the create_application saga; the saga's create step publishes ApplicationCreated.
    publishes: [
      { name: 'ApplicationSubmitted', partitions: 6, retentionHours: 30 * 24 },
      { name: 'ApplicationCreated', partitions: 6, retentionHours: 30 * 24 },
      { name: 'StatusChanged', partitions: 6, retentionHours: 30 * 24 },
      { name: 'ApplicationUpdated', partitions: 6, retentionHours: 30 * 24 },
    ],
    consumes: ['JobExpired', 'UserRegistered'],
    dependsOn: ['user', 'jobs'],
  },
  {
    name: 'analytics',
    title: 'Analytics',
    entities: ['Metric', 'Report', 'Dashboard'],
    valueObjects: ['TimeSeries', 'Aggregation', 'ChartData'],
    service: careerCopilotService('analytics-service', 'Metrics, reports and aggregation', '1.0.0'),
    dataStore: { name: 'analytics-db', engine: 'mongodb', database: 'analytics', storageGi: 20, readReplicas: 0 },
    // The monolith keeps no analytics: the service builds its metrics from the contexts' events.
    monolithTables: [],
    publishes: events('MetricCalculated', 'ReportGenerated', 'DashboardUpdated'),
    consumes: ['UserRegistered', 'ApplicationCreated', 'StatusChanged', 'JobPosted', 'NotificationSent'],
    dependsOn: ['user', 'applications', 'jobs'],
  },
  {
    name: 'notifications',
    title: 'Notifications',
    entities: ['Notification', 'Template', 'DeliveryChannel'],
    valueObjects: ['EmailMessage', 'SMSMessage', 'PushNotification'],
    service: careerCopilotService('notifications-service', 'Email, SMS and push delivery', '1.0.0'),
    dataStore: { name: 'notifications-db', engine: 'redis', database: 'notifications', storageGi: 5, readReplicas: 0 },
    // Queues and delivery state only, which start empty: the monolith sends its notifications inline.
    monolithTables: [],
    publishes: events('NotificationSent', 'DeliveryFailed', 'TemplateUpdated'),
    consumes: ['UserRegistered', 'ApplicationCreated', 'StatusChanged', 'JobPosted'],
    dependsOn: ['user'],
  },
  {
    name: 'integration',
    title: 'Integration',
    entities: ['Connector', 'Webhook', 'ExternalAccount'],
    valueObjects: ['ApiCredential', 'WebhookPayload', 'SyncCursor'],
    service: careerCopilotService('integration-service', 'Third-party connectors and webhooks', '1.0.0'),
    dataStore: postgres('integration-db', 'integration_service'),
    // A new context (the seed's phase 4): the monolith has no connectors or webhooks.
    monolithTables: [],
    publishes: events('WebhookReceived', 'ExternalJobImported', 'ConnectorSynced'),
    consumes: ['ApplicationCreated', 'StatusChanged'],
    dependsOn: ['user'],
  },
];
