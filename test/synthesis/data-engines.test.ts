import { App, Chart } from 'cdk8s';
import { DATA_ENGINE_PROFILES } from '../../synthesis/data-engines';
import { dataBearingReason } from '../../synthesis/data-bearing';
import { DATA_ENGINES, DataEngine, DataStoreSpec } from '../../phases';

/** One store of `engine`, built by its profile's construct alone, as the phase chart builds it. */
function objectsOf(engine: DataEngine): Array<{ apiVersion: string; kind: string; metadata: { name: string } }> {
  const app = new App();
  const chart = new Chart(app, 'test', { namespace: 'career-copilot', disableResourceNameHashes: true });
  const store: DataStoreSpec = { name: 'orders-db', engine, database: 'orders', storageGi: 5, readReplicas: 1 };
  DATA_ENGINE_PROFILES[engine].build(chart, store, { partOf: 'career-copilot', superuser: false, redisImage: 'redis:7.2.5-alpine' });
  return chart.toJson() as Array<{ apiVersion: string; kind: string; metadata: { name: string } }>;
}

describe('data engine profiles', () => {
  test('every engine of the model has exactly one profile', () => {
    expect(Object.keys(DATA_ENGINE_PROFILES).sort()).toEqual([...DATA_ENGINES].sort());
  });

  test.each(DATA_ENGINES)('%s: its construct makes an object of a kind its row declares data-bearing, which the stack protects', (engine) => {
    const profile = DATA_ENGINE_PROFILES[engine];
    const holding = objectsOf(engine).filter((o) => `${o.apiVersion}/${o.kind}` in profile.dataBearingKinds);
    expect(holding.length).toBeGreaterThan(0);
    for (const o of holding) expect(dataBearingReason(o)).toBe(profile.dataBearingKinds[`${o.apiVersion}/${o.kind}`]);
  });

  test.each(DATA_ENGINES)('%s: the Secret the local stack generates is the one its construct reads, and only then', (engine) => {
    const profile = DATA_ENGINE_PROFILES[engine];
    const text = JSON.stringify(objectsOf(engine));
    if (profile.generatedSecret) {
      const name = profile.generatedSecret.secretName({ name: 'orders-db' });
      expect(text).toContain(JSON.stringify(name));
      // Its keys, from a password and the store's host: a password, and a URL where the engine's services read one.
      const keys = profile.generatedSecret.keys('p4ss', 'orders-db.career-copilot.svc.cluster.local');
      expect(keys.password).toBe('p4ss');
      if (profile.urlKey in keys) expect(keys[profile.urlKey]).toContain(`orders-db.career-copilot.svc.cluster.local:${profile.port}`);
    } else {
      expect(text).not.toContain('"orders-db-password"');
    }
  });
});
