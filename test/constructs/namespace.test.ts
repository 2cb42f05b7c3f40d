import { PlatformNamespace } from '../../constructs/namespace';
import { ValidationError } from '../../phases';
import { emitted, only } from '../support/synth';

describe('PlatformNamespace', () => {
  test('enforces the restricted Pod Security Standard and carries no namespace of its own', () => {
    const ns = only(emitted((scope) => new PlatformNamespace(scope, 'ns', { name: 'career-copilot', partOf: 'career-copilot' })), 'Namespace');
    expect(ns.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'v1.28' });
    expect(ns.metadata.namespace).toBeUndefined();
    expect(ns.metadata.labels?.['istio-injection']).toBeUndefined();
  });

  test('asks Istio for sidecars when the mesh is on', () => {
    const ns = only(emitted((scope) => new PlatformNamespace(scope, 'ns', { name: 'career-copilot', partOf: 'career-copilot', meshInjection: true })), 'Namespace');
    expect(ns.metadata.labels?.['istio-injection']).toBe('enabled');
  });

  test('refuses a name that is not a DNS-1123 label', () => {
    expect(() => emitted((scope) => new PlatformNamespace(scope, 'ns', { name: 'Career_Copilot', partOf: 'x' }))).toThrow(ValidationError);
  });
});
