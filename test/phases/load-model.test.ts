import { careerCopilot } from '../../phases';

describe('loadPlatformModel', () => {
  test('accepts the Career Copilot model as the seed describes it', () => {
    const model = careerCopilot();
    expect(model.contexts.map((c) => c.name)).toEqual(['user', 'auth', 'jobs', 'applications', 'analytics', 'notifications', 'integration']);
    expect(model.phases.map((p) => p.phase)).toEqual([0, 1, 2, 3, 4]);
    const engines = Object.fromEntries(model.contexts.map((c) => [c.name, c.dataStore.engine]));
    expect(engines).toMatchObject({ user: 'postgresql', auth: 'postgresql', applications: 'postgresql', jobs: 'postgresql', analytics: 'mongodb', notifications: 'redis' });
  });

  test('names every /api/v1 path of the seed', () => {
    const paths = careerCopilot().endpoints.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['/api/v1/auth/login', '/api/v1/auth/register', '/api/v1/users/profile', '/api/v1/applications', '/api/v1/jobs', '/api/v1/analytics', '/api/v1/notifications']));
  });

  test('keeps the seed\'s schedule: login migrated and register hybrid in phase 1, everything migrated in phase 4', () => {
    const status = Object.fromEntries(careerCopilot().endpoints.map((e) => [e.path, e.statusByPhase]));
    expect(status['/api/v1/auth/login'][1]).toBe('migrated');
    expect(status['/api/v1/auth/register'][1]).toBe('hybrid');
    expect(Object.values(status).every((s) => s[0] === 'monolith' && s[4] === 'migrated')).toBe(true);
  });

  test('returns a frozen model, so nothing downstream edits it', () => {
    const model = careerCopilot();
    expect(() => (model.contexts[0].dependsOn as string[]).push('jobs')).toThrow(/not extensible/);
  });

  // Each bad input is refused in test/bad-inputs.test.ts, from the one bad-input table.
});
