/**
 * `ts-node scripts/check-scan-findings.ts REPORT.json policy/scanner-exceptions.yaml`: prints the scanner's
 * findings grouped by exception and exits non-zero on any finding without an exception, or any stale exception.
 */
import * as fs from 'fs';
import { checkovVersion, judgeFindings, readCheckovReport, readScannerExceptions } from '../policy/scanner-findings';

function main(): number {
  const [reportFile, exceptionsFile] = process.argv.slice(2);
  if (!reportFile || !exceptionsFile) {
    console.error('usage: check-scan-findings REPORT.json EXCEPTIONS.yaml');
    return 2;
  }
  const report = fs.readFileSync(reportFile, 'utf8');
  const findings = readCheckovReport(report);
  console.log(`checkov ${checkovVersion(report) ?? '(version not reported)'}`);
  const exceptions = readScannerExceptions(fs.readFileSync(exceptionsFile, 'utf8'));
  const verdict = judgeFindings(findings, exceptions);
  exceptions.forEach((exception, i) => {
    const count = verdict.excepted.filter((f) => f.exception === i).length;
    console.log(`excepted ${String(count).padStart(3)} ${exception.check}${exception.resource ? ` (${exception.resource})` : ''}`);
  });
  for (const f of verdict.unexcepted) console.log(`FINDING ${f.checkId} ${f.checkName}: ${f.resource} in ${f.file}`);
  for (const i of verdict.stale) console.log(`STALE exceptions[${i}] ${exceptions[i].check}: matches no finding; remove it`);
  console.log(`scanner: ${findings.length} findings, ${verdict.excepted.length} excepted, ${verdict.unexcepted.length} not excepted, ${verdict.stale.length} stale exceptions`);
  return verdict.unexcepted.length === 0 && verdict.stale.length === 0 ? 0 : 1;
}

try {
  process.exit(main());
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(2);
}
