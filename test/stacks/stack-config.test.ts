import { environmentOf, parseStackConfig, phaseSelectionOf } from '../../stacks/stack-config';

describe('environmentOf: the environment a stack config asks for (program, plan and e2e share it)', () => {
  test('local: data in the cluster, the config sizing and flags', () => {
    const config = parseStackConfig({ phase: '0', target: 'local', replicas: '1', kafkaBrokers: '1', featureFlags: '["ai-job-matching=false"]', domain: 'api.dev.example.com' });
    expect(environmentOf(config)).toEqual({
      replicas: 1,
      kafkaBrokers: 1,
      featureFlagOverrides: ['ai-job-matching=false'],
      domain: 'api.dev.example.com',
      inClusterData: true,
      externalDataCidr: '10.0.0.0/16',
      trustedProxyCidrs: [],
      tls: { clusterIssuer: undefined, secretName: undefined },
      supportImages: {},
    });
  });

  test("images: a workload's entry goes to selectPhase, a support image's (psql, mtail, curl, redis) to the chart", () => {
    const digest = `sha256:${'e'.repeat(64)}`;
    const config = parseStackConfig({ phase: '1', images: JSON.stringify([`user-service=career-copilot/user-service:1.0.1@${digest}`, `psql=postgres:16.4-alpine@${digest}`, 'mtail=registry.example.com:5000/mtail:v3.2.26']) });
    expect(phaseSelectionOf(config).images).toEqual({ 'user-service': `career-copilot/user-service:1.0.1@${digest}` });
    expect(environmentOf(config).supportImages).toEqual({ psql: `postgres:16.4-alpine@${digest}`, mtail: 'registry.example.com:5000/mtail:v3.2.26' });
    expect(() => parseStackConfig({ phase: '1', images: '["curl=curlimages/curl:latest"]' })).toThrow('images.curl: "curlimages/curl:latest" is not pinned');
  });

  test("phase 4's public certificate: from a ClusterIssuer or an existing Secret, never both; an aws stack at phase 4 needs one", () => {
    expect(environmentOf(parseStackConfig({ phase: '0', tlsClusterIssuer: 'letsencrypt' })).tls).toEqual({ clusterIssuer: 'letsencrypt', secretName: undefined });
    expect(() => parseStackConfig({ phase: '0', tlsClusterIssuer: 'letsencrypt', tlsSecretName: 'api-tls' })).toThrow('tlsSecretName: is set with tlsClusterIssuer ("letsencrypt")');
    const aws = { target: 'aws', vpcId: 'vpc-0abc', privateSubnetIds: '["subnet-a","subnet-b"]' };
    expect(() => parseStackConfig({ ...aws, phase: '4' })).toThrow('tlsClusterIssuer: is empty, and so is tlsSecretName');
    expect(parseStackConfig({ ...aws, phase: '4', tlsSecretName: 'api-tls' }).tlsSecretName).toBe('api-tls');
    expect(parseStackConfig({ ...aws, phase: '3' }).phase).toBe(3);
    expect(() => parseStackConfig({ phase: '0', tlsClusterIssuer: 'Lets_Encrypt' })).toThrow('tlsClusterIssuer');
  });

  test('the proxies in front of the gateway come from trustedProxyCidrs; a range open to every address is refused', () => {
    expect(environmentOf(parseStackConfig({ phase: '0', trustedProxyCidrs: '["10.20.0.0/16"]' })).trustedProxyCidrs).toEqual(['10.20.0.0/16']);
    expect(() => parseStackConfig({ phase: '0', trustedProxyCidrs: '["0.0.0.0/0"]' })).toThrow('trustedProxyCidrs[0]: "0.0.0.0/0" would let any client choose its own address');
    expect(() => parseStackConfig({ phase: '0', trustedProxyCidrs: '["10.20.0.0"]' })).toThrow('trustedProxyCidrs[0]: "10.20.0.0" is not an IPv4 CIDR block');
  });

  test('aws: data outside the cluster, admitted from the cluster CIDR', () => {
    const config = parseStackConfig({ phase: '0', target: 'aws', vpcId: 'vpc-0abc', privateSubnetIds: '["subnet-a","subnet-b"]', clusterCidr: '10.20.0.0/16' });
    expect(environmentOf(config)).toMatchObject({ inClusterData: false, externalDataCidr: '10.20.0.0/16', replicas: 2, kafkaBrokers: 3 });
  });
});
