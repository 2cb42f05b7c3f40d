import { FeatureFlag, FeatureFlags, FeatureFlagsProps } from '../../constructs/feature-flags';
import { ValidationError } from '../../phases';
import { emitted, only } from '../support/synth';

const flags: FeatureFlag[] = [
  { name: 'read-model-queries', enabled: true, description: 'Application queries served by the CQRS read model' },
  { name: 'dual-write.jobs', enabled: true, description: 'jobs-service also writes to the monolith database' },
  { name: 'ai-job-matching', enabled: false, description: 'AI matching' },
];
const base: FeatureFlagsProps = { flags, partOf: 'career-copilot' };
const build = (props: Partial<FeatureFlagsProps> = {}) => emitted((scope) => new FeatureFlags(scope, 'feature-flags', { ...base, ...props }));
const document = (props: Partial<FeatureFlagsProps> = {}) => JSON.parse(only(build(props), 'ConfigMap', 'feature-flags').data['flags.json']);
const construct = (props: Partial<FeatureFlagsProps> = {}) => {
  let built: FeatureFlags | undefined;
  emitted((scope) => { built = new FeatureFlags(scope, 'feature-flags', { ...base, ...props }); });
  return built!;
};

describe('FeatureFlags', () => {
  test('emits one ConfigMap, feature-flags, with every flag in flags.json, sorted by name', () => {
    const objects = build();
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['ConfigMap/feature-flags']);
    const configMap = only(objects, 'ConfigMap');
    expect(Object.keys(configMap.data)).toEqual(['flags.json']);
    expect(configMap.data['flags.json']).toBe(`${JSON.stringify({
      'ai-job-matching': { enabled: false, description: 'AI matching', overridden: false },
      'dual-write.jobs': { enabled: true, description: 'jobs-service also writes to the monolith database', overridden: false },
      'read-model-queries': { enabled: true, description: 'Application queries served by the CQRS read model', overridden: false },
    }, null, 2)}\n`);
  });

  test('is the same whatever order the flags come in', () => {
    const reversed = build({ flags: [...flags].reverse() });
    expect(only(reversed, 'ConfigMap').data).toEqual(only(build(), 'ConfigMap').data);
  });

  test('lets an environment override a flag, and marks it overridden', () => {
    const served = document({ overrides: { 'ai-job-matching': true, 'dual-write.jobs': true } });
    expect(served['ai-job-matching']).toEqual({ enabled: true, description: 'AI matching', overridden: true });
    // Overriding to the phase's own value still shows that the environment pinned it.
    expect(served['dual-write.jobs']).toMatchObject({ enabled: true, overridden: true });
    expect(served['read-model-queries']).toMatchObject({ enabled: true, overridden: false });
  });

  test('exposes the ConfigMap name and the served values', () => {
    const featureFlags = construct({ overrides: { 'read-model-queries': false } });
    expect(featureFlags.configMapName).toBe('feature-flags');
    expect(featureFlags.fileName).toBe('flags.json');
    expect(featureFlags.enabled).toEqual({ 'ai-job-matching': false, 'dual-write.jobs': true, 'read-model-queries': false });
    expect(featureFlags.flags.map((f) => f.name)).toEqual(['ai-job-matching', 'dual-write.jobs', 'read-model-queries']);
    expect(featureFlags.serverFiles).toBeUndefined();
  });

  test('with server, builds the config server files: the flags for every service and one file per service', () => {
    const featureFlags = construct({
      overrides: { 'ai-job-matching': true },
      server: { services: { 'user-service': { 'log.level': 'info', 'cache.path': 'C:\\tmp' }, 'auth-service': { 'log.level': 'debug' } } },
    });
    expect(featureFlags.serverFiles).toEqual({
      'application.properties': 'feature-flags.ai-job-matching=true\nfeature-flags.dual-write.jobs=true\nfeature-flags.read-model-queries=true\n',
      'auth-service.properties': 'log.level=debug\n',
      'user-service.properties': 'cache.path=C:\\\\tmp\nlog.level=info\n',
    });
    expect(Object.keys(featureFlags.serverFiles!)).toEqual(['application.properties', 'auth-service.properties', 'user-service.properties']);
  });

  test.each<[string, Partial<FeatureFlagsProps>, string]>([
    ['an override of an unknown flag, listing the known ones', { overrides: { 'ai-matching': true } }, 'overrides.ai-matching: "ai-matching" is not one of ai-job-matching, dual-write.jobs, read-model-queries'],
    ['an override that is not a boolean', { overrides: { 'ai-job-matching': 'true' as never } }, 'overrides.ai-job-matching: "true" is not a boolean'],
    ['an upper-case flag name', { flags: [{ name: 'AI', enabled: true, description: 'x' }] }, 'flags[0].name: "AI" is not a lower-case flag name of letters, digits, "." and "-"'],
    ['a flag name ending in a dot', { flags: [{ name: 'dual-write.', enabled: true, description: 'x' }] }, 'flags[0].name: "dual-write." is not a lower-case flag name'],
    ['a flag declared twice', { flags: [...flags, { ...flags[1] }] }, 'flags[3].name: duplicate flag "dual-write.jobs", already declared at flags[1].name'],
    ['an empty description', { flags: [{ name: 'a', enabled: true, description: ' ' }] }, 'flags[0].description: " " is empty: say what the flag switches'],
    ['a flag value that is not a boolean', { flags: [{ name: 'a', enabled: 'yes' as never, description: 'x' }] }, 'flags[0].enabled: "yes" is not a boolean'],
    ['a ConfigMap name that is not a DNS-1123 label', { name: 'Feature_Flags' }, 'name: "Feature_Flags" is not a DNS-1123 label'],
    ['a config server file for a bad service name', { server: { services: { 'User Service': {} } } }, 'server.services.User Service: "User Service" is not a DNS-1123 label'],
    ['a bad property name', { server: { services: { 'user-service': { 'log level': 'info' } } } }, 'server.services.user-service.log level: "log level" is not a property name'],
    ['a multi-line property value', { server: { services: { 'user-service': { banner: 'a\nb' } } } }, 'server.services.user-service.banner: "a\\nb" is not a one-line string'],
  ])('refuses %s', (_what, props, message) => {
    expect(() => build(props)).toThrow(ValidationError);
    expect(() => build(props)).toThrow(message);
  });
});
