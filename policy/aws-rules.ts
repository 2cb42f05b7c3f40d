import { DOCDB_CLUSTER, ELASTICACHE_GROUP, MANAGED_DATA_TYPES, MSK_CLUSTER, RDS_INSTANCE } from '../stacks/aws/managed-services';
import { RuleFinding } from './security-rules';

/**
 * The policy for the aws target's managed data services, as data: rules over one resource's inputs, by Pulumi type
 * token, checked by the policy pack (`policy/pack`) in every preview and update. @pulumi/awsguard is not used: its
 * last release (0.3.1) is built for @pulumi/aws 4 and the v2 AWS SDK, three majors behind this stack's provider.
 */

/** What a rule sees of a resource: its inputs and whether the stack protects it. */
export interface AwsResource {
  readonly type: string;
  readonly props: Readonly<Record<string, unknown>>;
  readonly protect: boolean;
}

/** A rule over one AWS resource. */
export interface AwsRule {
  readonly id: string;
  readonly description: string;
  /** The Pulumi type tokens it checks, such as `aws:rds/instance:Instance`. */
  readonly appliesTo: readonly string[];
  check(resource: AwsResource): RuleFinding[];
}


/** A finding at `path` unless the input there is `expected`. */
function expectInput(resource: AwsResource, path: string, expected: unknown, why: string): RuleFinding[] {
  const value = path.split('.').reduce<unknown>((v, key) => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[key] : undefined), resource.props);
  return value === expected ? [] : [{ path, message: `is ${JSON.stringify(value) ?? 'not set'}, must be ${JSON.stringify(expected)}: ${why}` }];
}

/** A read replica of RDS: encryption, backups and snapshots are its source's. */
const isReplica = (resource: AwsResource) => resource.type === RDS_INSTANCE && resource.props.replicateSourceDb !== undefined;

export const AWS_RULES: readonly AwsRule[] = [
  {
    id: 'aws-encrypted-at-rest',
    description: 'Every managed data store encrypts what it stores',
    appliesTo: [RDS_INSTANCE, DOCDB_CLUSTER, ELASTICACHE_GROUP],
    check: (r) => {
      const why = 'the data, its backups and snapshots are readable by whoever gets the disks otherwise';
      if (r.type === ELASTICACHE_GROUP) return expectInput(r, 'atRestEncryptionEnabled', true, why);
      return expectInput(r, 'storageEncrypted', true, why);
    },
  },
  {
    id: 'aws-encrypted-in-transit',
    description: 'Clients reach Redis and Kafka over TLS only',
    appliesTo: [ELASTICACHE_GROUP, MSK_CLUSTER],
    check: (r) => {
      const why = 'credentials and data cross the VPC in plain text otherwise';
      if (r.type === ELASTICACHE_GROUP) return expectInput(r, 'transitEncryptionEnabled', true, why);
      return [...expectInput(r, 'encryptionInfo.encryptionInTransit.clientBroker', 'TLS', why), ...expectInput(r, 'encryptionInfo.encryptionInTransit.inCluster', true, why)];
    },
  },
  {
    id: 'aws-deletion-protected',
    description: 'A database cannot be deleted by one API call: deletion protection on, and `protect` in the stack',
    appliesTo: MANAGED_DATA_TYPES,
    check: (r) => [
      ...(r.type === RDS_INSTANCE || r.type === DOCDB_CLUSTER ? expectInput(r, 'deletionProtection', true, 'AWS deletes the database and its automated backups otherwise') : []),
      ...(r.protect ? [] : [{ path: 'protect', message: 'is false, must be true: a change of the program would delete it with its data' }]),
    ],
  },
  {
    id: 'aws-no-public-access',
    description: 'No managed data store is reachable from the internet',
    appliesTo: [RDS_INSTANCE, MSK_CLUSTER],
    check: (r) => {
      if (r.type === RDS_INSTANCE) return expectInput(r, 'publiclyAccessible', false, 'the instance gets a public address otherwise');
      const access = (r.props.brokerNodeGroupInfo as { connectivityInfo?: { publicAccess?: { type?: string } } } | undefined)?.connectivityInfo?.publicAccess?.type;
      return access === undefined || access === 'DISABLED' ? [] : [{ path: 'brokerNodeGroupInfo.connectivityInfo.publicAccess.type', message: `is ${JSON.stringify(access)}, must be "DISABLED" or not set: the brokers get public addresses otherwise` }];
    },
  },
  {
    id: 'aws-backed-up',
    description: 'Every database keeps automated backups and takes a final snapshot before it is deleted',
    appliesTo: [RDS_INSTANCE, DOCDB_CLUSTER, ELASTICACHE_GROUP],
    check: (r) => {
      if (isReplica(r)) return [];
      const retention = r.type === ELASTICACHE_GROUP ? 'snapshotRetentionLimit' : 'backupRetentionPeriod';
      const days = r.props[retention];
      const findings: RuleFinding[] = typeof days === 'number' && days >= 1 ? [] : [{ path: retention, message: `is ${JSON.stringify(days) ?? 'not set'}, must be 1 day or more: there is nothing to restore from otherwise` }];
      if (r.type !== ELASTICACHE_GROUP) findings.push(...expectInput(r, 'skipFinalSnapshot', false, 'deleting it loses the data since the last backup otherwise'));
      if (r.props.finalSnapshotIdentifier === undefined) findings.push({ path: 'finalSnapshotIdentifier', message: 'is not set: the final snapshot needs a name' });
      return findings;
    },
  },
  {
    id: 'aws-authenticated-clients',
    description: 'Redis and Kafka admit authenticated clients only',
    appliesTo: [ELASTICACHE_GROUP, MSK_CLUSTER],
    check: (r) => {
      if (r.type === ELASTICACHE_GROUP) return r.props.authToken === undefined ? [{ path: 'authToken', message: 'is not set: any client in the VPC can read and write the cache otherwise' }] : [];
      const auth = r.props.clientAuthentication as { unauthenticated?: boolean; sasl?: { scram?: boolean; iam?: boolean } } | undefined;
      const findings: RuleFinding[] = [];
      if (auth?.unauthenticated) findings.push({ path: 'clientAuthentication.unauthenticated', message: 'is true, must be false: any client in the VPC can use every topic otherwise' });
      if (!auth?.sasl?.scram && !auth?.sasl?.iam) findings.push({ path: 'clientAuthentication.sasl', message: 'enables neither SCRAM nor IAM: clients prove nothing about who they are otherwise' });
      return findings;
    },
  },
];
