import * as fs from 'fs';
import * as path from 'path';
import { judgeFindings, readCheckovReport, readScannerExceptions } from '../../policy/scanner-findings';

const failed = (checkId: string, resource: string) => ({ check_id: checkId, check_name: 'name', resource, file_path: '/phase-0/x.yaml' });
const report = (...checks: object[]) => JSON.stringify({ check_type: 'kubernetes', results: { failed_checks: checks }, summary: {} });
const REASON = 'a reason long enough to say why the finding does not apply here, or why accepting it is the right call';

describe('scanner findings against the exceptions file', () => {
  test('the exceptions file is well formed and every entry has a reason', () => {
    const exceptions = readScannerExceptions(fs.readFileSync(path.join(__dirname, '../../policy/scanner-exceptions.yaml'), 'utf8'));
    expect(exceptions.length).toBeGreaterThan(0);
  });

  test('a finding is excepted by its check id, narrowed by a resource pattern', () => {
    const findings = readCheckovReport(report(failed('CKV_K8S_40', 'StatefulSet.career-copilot.cache'), failed('CKV_K8S_40', 'Job.career-copilot.migrate')));
    const verdict = judgeFindings(findings, [{ check: 'CKV_K8S_40', resource: 'StatefulSet\\..*', reason: REASON }]);
    expect(verdict.excepted.map((f) => f.resource)).toEqual(['StatefulSet.career-copilot.cache']);
    expect(verdict.unexcepted.map((f) => f.resource)).toEqual(['Job.career-copilot.migrate']);
  });

  test('an exception that matches nothing is stale', () => {
    expect(judgeFindings([], [{ check: 'CKV_K8S_43', reason: REASON }]).stale).toEqual([0]);
  });

  test('a report without failures (quiet mode, several frameworks) has no findings', () => {
    expect(readCheckovReport(JSON.stringify({ passed: 10, failed: 0 }))).toEqual([]);
    expect(readCheckovReport(JSON.stringify([JSON.parse(report(failed('CKV_K8S_15', 'Deployment.a.b')))]))).toHaveLength(1);
  });

  test.each([
    ['not a list', 'exceptions: {}', '`exceptions` must be a list'],
    ['a bad check id', `exceptions: [{ check: K8S_43, reason: "${REASON}" }]`, 'exceptions[0].check: "K8S_43" is not a checkov check id'],
    ['no reason', 'exceptions: [{ check: CKV_K8S_43 }]', 'exceptions[0].reason: give the reason'],
    ['a short reason', 'exceptions: [{ check: CKV_K8S_43, reason: "fine" }]', 'exceptions[0].reason: give the reason'],
    ['a malformed pattern', `exceptions: [{ check: CKV_K8S_43, resource: "(", reason: "${REASON}" }]`, 'Invalid regular expression'],
  ])('refuses %s', (_name, text, message) => {
    expect(() => readScannerExceptions(text)).toThrow(message);
  });
});
