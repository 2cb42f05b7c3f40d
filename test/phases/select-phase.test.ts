import { careerCopilot, PHASES, selectPhase, ValidationError } from '../../phases';

const model = careerCopilot();
const workloadsOf = (phase: number) => selectPhase(model, phase).workloads.map((w) => w.spec.name);

describe('selectPhase', () => {
  test('phase 0 is the monolith alone: backend and frontend, no gateway', () => {
    expect(workloadsOf(0)).toEqual(['backend', 'frontend']);
    expect(selectPhase(model, 0).routes.every((r) => r.status === 'monolith')).toBe(true);
  });

  test('phase 1 adds the gateway and extracts the auth and user services', () => {
    expect(workloadsOf(1)).toEqual(['backend', 'frontend', 'api-gateway', 'user-service', 'auth-service']);
  });

  test('the auth service verifies tokens once extracted, the monolith as its fallback while it runs; no gateway, no check', () => {
    expect(selectPhase(model, 0).edgeAuthentication).toBeUndefined();
    for (const phase of [1, 2, 3]) expect(selectPhase(model, phase).edgeAuthentication).toMatchObject({ upstream: 'auth-service', fallback: 'backend', verifyPath: '/api/v1/auth/verify', cacheSeconds: 10 });
    expect(selectPhase(model, 4).edgeAuthentication).toEqual(expect.objectContaining({ upstream: 'auth-service' }));
    expect(selectPhase(model, 4).edgeAuthentication?.fallback).toBeUndefined();
  });

  test('only the endpoints that hand out tokens, the signing keys and the signed webhooks are public', () => {
    expect(selectPhase(model, 1).routes.filter((r) => r.public).map((r) => r.path)).toEqual([
      '/api/v1/auth/login',
      '/api/v1/auth/register',
      '/api/v1/auth/refresh',
      '/api/v1/auth/jwks',
      '/api/v1/integrations/webhooks',
    ]);
  });

  test('a route sent back to the monolith by the stack is no longer shadowed either', () => {
    const route = selectPhase(model, 2, { routesToMonolith: ['/api/v1/analytics'] }).routes.find((r) => r.path === '/api/v1/analytics')!;
    expect({ status: route.status, overridden: route.overridden }).toEqual({ status: 'monolith', overridden: true });
  });

  test('phase 2 adds the domain services; phase 3 the integration service and saga orchestrator', () => {
    expect(workloadsOf(2)).toEqual(expect.arrayContaining(['jobs-service', 'applications-service', 'analytics-service', 'notifications-service']));
    expect(workloadsOf(2)).not.toContain('integration-service');
    expect(workloadsOf(3)).toEqual(expect.arrayContaining(['integration-service', 'saga-orchestrator']));
  });

  test('phase 4 retires the monolith backend but keeps the frontend and every data store', () => {
    const plan = selectPhase(model, 4);
    expect(workloadsOf(4)).not.toContain('backend');
    expect(workloadsOf(4)).toContain('frontend');
    expect(workloadsOf(4)).toContain('config-server');
    expect(plan.dataStores.map((s) => s.name)).toContain('monolith-db');
    expect(plan.routes.every((r) => r.status === 'migrated')).toBe(true);
  });

  test('data stores only accumulate from one phase to the next', () => {
    for (const phase of PHASES.slice(1)) {
      const before = selectPhase(model, phase - 1).dataStores.map((s) => s.name);
      expect(selectPhase(model, phase).dataStores.map((s) => s.name)).toEqual(expect.arrayContaining(before));
    }
  });

  test('a context service connects to its own store, and to the monolith database only while it dual-writes', () => {
    const user1 = selectPhase(model, 1).workloads.find((w) => w.spec.name === 'user-service')!;
    expect(user1.dualWrite).toBe(true);
    expect(user1.dataStores.map((s) => s.name)).toEqual(['user-db', 'monolith-db']);
    const user3 = selectPhase(model, 3).workloads.find((w) => w.spec.name === 'user-service')!;
    expect(user3.dataStores.map((s) => s.name)).toEqual(['user-db']);
  });

  test('a service calls only the dependencies deployed in its phase', () => {
    const applications = selectPhase(model, 2).workloads.find((w) => w.spec.name === 'applications-service')!;
    expect(applications.calls).toEqual(['user-service', 'jobs-service']);
  });

  test('releases come from the phase spec; anything unnamed rolls', () => {
    const releases = Object.fromEntries(selectPhase(model, 4).workloads.map((w) => [w.spec.name, w.release]));
    expect(releases).toMatchObject({ 'applications-service': 'canary', 'user-service': 'blue-green', 'analytics-service': 'rolling' });
  });

  test('a route override sends a migrated endpoint back to the monolith without changing the phase', () => {
    const plan = selectPhase(model, 2, { routesToMonolith: ['/api/v1/auth/login'] });
    const login = plan.routes.find((r) => r.path === '/api/v1/auth/login')!;
    expect(login).toMatchObject({ status: 'monolith', overridden: true });
    expect(plan.workloads.map((w) => w.spec.name)).toContain('auth-service');
  });

  test('an image override releases one workload in every phase that runs it, and leaves the others as modelled', () => {
    const images = { 'applications-service': 'registry.example.com:5000/career-copilot/applications-service:1.1.0', 'user-service': `career-copilot/user-service@sha256:${'a'.repeat(64)}` };
    const imageOf = (phase: 0 | 2 | 4) => Object.fromEntries(selectPhase(model, phase, { images }).workloads.map((w) => [w.spec.name, w.spec.image]));
    expect(imageOf(4)['applications-service']).toEqual({ repository: 'registry.example.com:5000/career-copilot/applications-service', tag: '1.1.0' });
    expect(imageOf(4)['user-service']).toEqual({ repository: 'career-copilot/user-service', tag: `sha256:${'a'.repeat(64)}` });
    expect(imageOf(2)['user-service'].tag).toBe(`sha256:${'a'.repeat(64)}`);
    // A workload the phase does not run may be named: the stack's config serves all its phases.
    expect(imageOf(0)).not.toHaveProperty('applications-service');
    expect(imageOf(4)['jobs-service']).toEqual(selectPhase(model, 4).workloads.find((w) => w.spec.name === 'jobs-service')!.spec.image);
  });

  test.each([
    [7, undefined, 'phase: 7 is not one of 0, 1, 2, 3, 4'],
    ['2', undefined, 'phase: "2" is not one of 0, 1, 2, 3, 4'],
    [2, ['/api/v1/payments'], 'routesToMonolith[0]: unknown endpoint: "/api/v1/payments" is not one of'],
    [4, ['/api/v1/jobs'], 'routesToMonolith[0]: "/api/v1/jobs" cannot go back to the monolith: phase 4 has retired it'],
  ])('refuses phase %p with overrides %p', (phase, overrides, message) => {
    const select = () => selectPhase(model, phase, { routesToMonolith: overrides });
    expect(select).toThrow(ValidationError);
    expect(select).toThrow(message);
  });
});
