/**
 * Istio's analyzers (tools/istio-analyze, built by `scripts/cluster.sh build istio-analyze`) on phase 4, with the
 * faults the mesh once had planted back one at a time: each must be reported, so a clean run means something.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { synthesizePhase } from '../../synthesis/synthesize';
import { KubernetesObject } from '../../core/manifest';
import { careerCopilot, selectPhase } from '../../phases';
import { builtToolPath } from '../../local/cluster';
import { analyzeObjects, MeshMessage } from '../../policy/mesh-analysis';

type Doc = KubernetesObject & Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const analyzer = builtToolPath('istio-analyze');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-analysis-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const phase4 = () => synthesizePhase(selectPhase(careerCopilot(), 4)).map((m) => structuredClone(m.document) as Doc);
let run = 0;
const analyze = (documents: Doc[]): MeshMessage[] => analyzeObjects(analyzer, documents, path.join(work, String(run++))).messages;
/** What is reported beyond what a clean phase 4 reports offline (pods before injection, the monitoring namespace). */
const findings = (documents: Doc[]) => analyze(documents)
  .filter((m) => m.code !== 'IST0103' && !(m.code === 'IST0102' && m.origin === 'Namespace monitoring'))
  .map((m) => `${m.code} ${m.origin}`);
const find = (documents: Doc[], kind: string, name: string) => documents.find((d) => d.kind === kind && d.metadata.name === name)!;

describe('istio-analyze on phase 4', () => {
  test('the analyzer is built (scripts/cluster.sh build istio-analyze)', () => {
    expect(fs.existsSync(analyzer)).toBe(true);
  });

  test('a clean phase 4 gets no message but the pods awaiting their sidecar', () => {
    expect(findings(phase4())).toEqual([]);
  });

  test('pods without the version label: the v1 subsets select nothing (503 NoHealthyUpstream)', () => {
    // The analyzer matches a subset's labels against every pod (a Service's selector does not narrow it), so
    // the fault shows once no pod carries the label, as before the gateway got it.
    const documents = phase4();
    for (const d of documents.filter((x) => x.kind === 'Deployment')) delete d.spec.template.metadata.labels.version;
    expect(findings(documents)).toContain('IST0173 DestinationRule career-copilot/api-gateway');
  });

  test('a Gateway whose certificate nobody issues has no HTTPS listener', () => {
    const documents = phase4().filter((d) => d.kind !== 'Certificate');
    expect(findings(documents)).toContain('IST0101 Gateway career-copilot/career-copilot');
  });

  test('an edge route without the subset the service route uses', () => {
    const documents = phase4();
    for (const route of find(documents, 'VirtualService', 'career-copilot').spec.http) delete route.route[0].destination.subset;
    expect(findings(documents)).toContain('IST0140 VirtualService career-copilot/career-copilot');
  });

  test('a port whose protocol Istio cannot tell', () => {
    const documents = phase4();
    delete find(documents, 'Service', 'api-gateway').spec.ports[1].appProtocol;
    expect(findings(documents)).toContain('IST0118 Service career-copilot/api-gateway');
  });

  test('a route to a host no Service backs', () => {
    const documents = phase4().filter((d) => !(d.kind === 'Service' && d.metadata.name === 'jobs-service'));
    expect(findings(documents)).toContain('IST0174 DestinationRule career-copilot/jobs-service');
  });

  test('a policy that selects no pods', () => {
    const documents = phase4();
    find(documents, 'AuthorizationPolicy', 'user-service-policy').spec.selector.matchLabels['app.kubernetes.io/name'] = 'user-svc';
    expect(findings(documents)).toContain('IST0127 AuthorizationPolicy career-copilot/user-service-policy');
  });
});
