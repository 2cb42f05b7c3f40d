import { parse } from 'yaml';
import { isRecord } from './located';

/**
 * Judges a checkov report against `policy/scanner-exceptions.yaml`: every failed check must be matched by a
 * reasoned exception, and every exception must still match a finding (a stale one is removed, not kept).
 */

/** One failed check of the scanner. */
export interface ScannerFinding {
  readonly checkId: string;
  readonly checkName: string;
  /** checkov's resource id, `Kind.namespace.name`. */
  readonly resource: string;
  readonly file: string;
}

/** A reasoned exception: a check id, optionally narrowed to resources matching a pattern. */
export interface ScannerException {
  readonly check: string;
  /** The check's title, for the reader. @default - none */
  readonly name?: string;
  /** Regular expression over the resource id (`Kind.namespace.name`). @default - every resource */
  readonly resource?: string;
  readonly reason: string;
}

/** The verdict on one report. */
export interface ScanVerdict {
  readonly excepted: ReadonlyArray<ScannerFinding & { readonly exception: number }>;
  readonly unexcepted: readonly ScannerFinding[];
  /** Indexes of exceptions that matched nothing. */
  readonly stale: readonly number[];
}

/** Reasons shorter than this say nothing; an exception must explain itself. */
const MIN_REASON_LENGTH = 80;
const CHECK_ID = /^CKV2?_[A-Z0-9]+_\d+$/;

/** The checkov version that wrote a JSON report, when it says. */
export function checkovVersion(json: string): string | undefined {
  const parsed: unknown = JSON.parse(json);
  const report = Array.isArray(parsed) ? parsed[0] : parsed;
  const summary = isRecord(report) ? (isRecord(report.summary) ? report.summary : report) : undefined;
  return summary && typeof summary.checkov_version === 'string' ? summary.checkov_version : undefined;
}

/** The failed checks of a checkov JSON report (`--output json`, one framework or several). */
export function readCheckovReport(json: string): ScannerFinding[] {
  const parsed: unknown = JSON.parse(json);
  const reports = Array.isArray(parsed) ? parsed : [parsed];
  return reports.flatMap((report) => {
    const failed = isRecord(report) && isRecord(report.results) && Array.isArray(report.results.failed_checks) ? report.results.failed_checks : [];
    return failed.filter(isRecord).map((f) => ({ checkId: String(f.check_id), checkName: String(f.check_name ?? ''), resource: String(f.resource ?? ''), file: String(f.file_path ?? '') }));
  });
}

/** The exceptions file, checked: a check id, a compilable resource pattern and a real reason for each. */
export function readScannerExceptions(text: string): ScannerException[] {
  const document: unknown = parse(text);
  const list = isRecord(document) ? document.exceptions : undefined;
  if (!Array.isArray(list)) throw new Error('scanner exceptions: `exceptions` must be a list');
  return list.map((entry: unknown, i) => {
    const field = `exceptions[${i}]`;
    if (!isRecord(entry)) throw new Error(`${field}: must be a mapping with check, reason and optionally resource`);
    const { check, name, resource, reason } = entry;
    if (typeof check !== 'string' || !CHECK_ID.test(check)) throw new Error(`${field}.check: ${JSON.stringify(check)} is not a checkov check id such as CKV_K8S_43`);
    if (resource !== undefined) {
      if (typeof resource !== 'string') throw new Error(`${field}.resource: must be a regular expression over Kind.namespace.name`);
      new RegExp(resource); // throws on a malformed pattern
    }
    if (typeof reason !== 'string' || reason.trim().length < MIN_REASON_LENGTH) {
      throw new Error(`${field}.reason: give the reason the finding does not apply or why accepting it is right (at least ${MIN_REASON_LENGTH} characters)`);
    }
    return { check, reason: reason.trim(), ...(typeof name === 'string' ? { name } : {}), ...(resource !== undefined ? { resource } : {}) };
  });
}

/** Matches each finding to the first exception that covers it. */
export function judgeFindings(findings: readonly ScannerFinding[], exceptions: readonly ScannerException[]): ScanVerdict {
  const patterns = exceptions.map((e) => (e.resource === undefined ? undefined : new RegExp(`^(?:${e.resource})$`)));
  const used = new Set<number>();
  const excepted: Array<ScannerFinding & { exception: number }> = [];
  const unexcepted: ScannerFinding[] = [];
  for (const finding of findings) {
    const index = exceptions.findIndex((e, i) => e.check === finding.checkId && (patterns[i] === undefined || patterns[i]!.test(finding.resource)));
    if (index < 0) unexcepted.push(finding);
    else {
      used.add(index);
      excepted.push({ ...finding, exception: index });
    }
  }
  return { excepted, unexcepted, stale: exceptions.map((_, i) => i).filter((i) => !used.has(i)) };
}
