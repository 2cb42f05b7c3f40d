import { environmentOf, parseStackConfig } from '../../stacks/stack-config';

describe('environmentOf: the environment a stack config asks for (program, plan and e2e share it)', () => {
  test('local: data in the cluster, the config sizing and flags', () => {
    const config = parseStackConfig({ target: 'local', replicas: '1', kafkaBrokers: '1', featureFlags: '["ai-job-matching=false"]', domain: 'api.dev.example.com' });
    expect(environmentOf(config)).toEqual({
      replicas: 1,
      kafkaBrokers: 1,
      featureFlagOverrides: ['ai-job-matching=false'],
      domain: 'api.dev.example.com',
      inClusterData: true,
      externalDataCidr: '10.0.0.0/16',
    });
  });

  test('aws: data outside the cluster, admitted from the cluster CIDR', () => {
    const config = parseStackConfig({ target: 'aws', vpcId: 'vpc-0abc', privateSubnetIds: '["subnet-a","subnet-b"]', clusterCidr: '10.20.0.0/16' });
    expect(environmentOf(config)).toMatchObject({ inClusterData: false, externalDataCidr: '10.20.0.0/16', replicas: 2, kafkaBrokers: 3 });
  });
});
