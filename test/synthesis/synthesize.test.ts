import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { toYaml, writeManifests } from '../../synthesis/manifest-files';
import { synthesizePhase } from '../../synthesis/synthesize';
import { Manifest } from '../../core/manifest';
import { careerCopilot, PHASES, selectPhase } from '../../phases';

const model = careerCopilot();
const byPhase = new Map(PHASES.map((p) => [p, synthesizePhase(selectPhase(model, p))]));
const components = (phase: number) => [...new Set(byPhase.get(phase as 0)!.map((m) => m.component))];

/** What identifies an object to Kubernetes and to a reviewer: kind, name and (for workloads) selector. */
function identity(manifest: Manifest): string {
  const { kind, metadata } = manifest.document;
  const spec = manifest.document.spec as { selector?: unknown; template?: { metadata?: { labels?: Record<string, string> } } } | undefined;
  return JSON.stringify({ component: manifest.component, kind, name: metadata.name, selector: spec?.selector, podLabels: spec?.template?.metadata?.labels });
}

describe('synthesizePhase', () => {
  const P0_STORES = ['monolith-db', 'cache'];
  const P1_STORES = [...P0_STORES, 'user-db', 'auth-db'];
  const P2_STORES = [...P1_STORES, 'jobs-db', 'applications-db', 'analytics-db', 'notifications-db'];
  const P3_STORES = ['monolith-db', 'cache', 'event-store', 'user-db', 'auth-db', 'jobs-db', 'applications-db', 'analytics-db', 'notifications-db', 'integration-db'];
  const P2_SERVICES = ['user-service', 'auth-service', 'jobs-service', 'applications-service', 'analytics-service', 'notifications-service'];
  test.each([
    [0, ['namespace', ...P0_STORES, 'feature-flags', 'backend', 'frontend', 'network-policies']],
    [1, ['namespace', ...P1_STORES, 'auth-data-split', 'user-data-move', 'feature-flags', 'backend', 'frontend', 'api-gateway', 'user-service', 'auth-service', 'network-policies']],
    [2, ['namespace', ...P2_STORES, 'auth-data-split', 'user-data-move', 'jobs-data-move', 'applications-data-move', 'feature-flags', 'backend', 'frontend', 'api-gateway', ...P2_SERVICES, 'network-policies']],
    [3, ['namespace', ...P3_STORES, 'event-bus', 'auth-data-split', 'user-data-move', 'jobs-data-move', 'applications-data-move', 'event-store-schema', 'feature-flags', 'backend', 'frontend', 'api-gateway', ...P2_SERVICES, 'integration-service', 'saga-orchestrator', 'network-policies']],
    [4, ['namespace', ...P3_STORES, 'event-bus', 'event-store-schema', 'feature-flags', 'frontend', 'api-gateway', ...P2_SERVICES, 'integration-service', 'saga-orchestrator', 'config-server', 'service-mesh', 'network-policies']],
  ])('phase %i deploys exactly its components', (phase, expected) => {
    expect(components(phase)).toEqual(expected);
  });

  test('every document has apiVersion, kind and metadata.name', () => {
    for (const manifests of byPhase.values()) {
      for (const { document } of manifests) {
        expect(document).toEqual(expect.objectContaining({ apiVersion: expect.any(String), kind: expect.any(String) }));
        // A DNS-1123 subdomain (topics have dots).
        expect(document.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/);
      }
    }
  });

  test('a component that survives a phase keeps its names, selectors and pod labels', () => {
    const key = (m: Manifest) => `${m.component}/${m.document.kind}/${m.document.metadata.name}`;
    const workloadNames = (phase: number, component: string) =>
      byPhase.get(phase as 0)!.filter((m) => m.component === component && ['Deployment', 'Service', 'StatefulSet'].includes(m.document.kind)).map(key).sort();
    for (const phase of PHASES.slice(1)) {
      const before = new Map(byPhase.get((phase - 1) as 0)!.map((m) => [key(m), identity(m)]));
      for (const manifest of byPhase.get(phase)!) {
        const previous = before.get(key(manifest));
        if (previous !== undefined) expect(identity(manifest)).toBe(previous);
      }
      // A release strategy may add Services (preview, stable, canary); none of the earlier ones goes away.
      for (const component of components(phase).filter((c) => components(phase - 1).includes(c))) {
        expect(workloadNames(phase, component)).toEqual(expect.arrayContaining(workloadNames(phase - 1, component)));
      }
    }
  });

  test('the user service has the same Deployment name and selector in phases 1 to 4', () => {
    const selectors = [1, 2, 3, 4].map((p) => {
      const deployment = byPhase.get(p as 1)!.find((m) => m.component === 'user-service' && m.document.kind === 'Deployment')!;
      return [deployment.document.metadata.name, (deployment.document.spec as { selector: unknown }).selector];
    });
    for (const s of selectors) expect(s).toEqual(['user-service', { matchLabels: { 'app.kubernetes.io/name': 'user-service' } }]);
  });

  test('no object carries the phase in its name or labels', () => {
    for (const manifests of byPhase.values()) {
      for (const { document } of manifests) {
        expect(document.metadata.name).not.toMatch(/phase/);
        expect(JSON.stringify(document.metadata.labels ?? {})).not.toMatch(/phase/);
      }
    }
  });

  test('two syntheses are identical', () => {
    for (const phase of PHASES) {
      const again = synthesizePhase(selectPhase(model, phase));
      expect(again.map((m) => toYaml(m.document))).toEqual(byPhase.get(phase)!.map((m) => toYaml(m.document)));
    }
  });

  test('two writes give byte-identical files, and nothing stale survives a rewrite', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-'));
    const read = () => Object.fromEntries(listFiles(dir).map((f) => [path.relative(dir, f), fs.readFileSync(f, 'utf8')]));
    writeManifests(dir, byPhase.get(4)!);
    const first = read();
    fs.writeFileSync(path.join(dir, 'stale.yaml'), 'kind: Stale\n');
    writeManifests(dir, synthesizePhase(selectPhase(model, 4)));
    expect(read()).toEqual(first);
    fs.rmSync(dir, { recursive: true });
  });
});

function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)])).sort();
}
