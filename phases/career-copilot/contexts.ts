import { BoundedContextSpec, DomainEventSpec } from '../model/bounded-context';
import { DataStoreSpec } from '../model/data-store';
import { careerCopilotService } from './workloads';

/** Topic settings of an ordinary event stream: 3 partitions, kept for 7 days. */
function events(...names: string[]): DomainEventSpec[] {
  return names.map((name) => ({ name, partitions: 3, retentionHours: 7 * 24 }));
}

function postgres(name: string, database: string, readReplicas = 0): DataStoreSpec {
  return { name, engine: 'postgresql', database, storageGi: 10, readReplicas };
}

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
    publishes: events('WebhookReceived', 'ExternalJobImported', 'ConnectorSynced'),
    consumes: ['ApplicationCreated', 'StatusChanged'],
    dependsOn: ['user'],
  },
];
