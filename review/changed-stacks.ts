import { parse } from 'yaml';

/** A stack whose phase a change moves: what a pull request asks to promote (or roll back). */
export interface PhaseChange {
  readonly stack: string;
  readonly from: number;
  readonly to: number;
}

/** The `<project>:phase` of one `Pulumi.<stack>.yaml` text; undefined when the file or the key is absent. */
export function phaseOf(project: string, stackFile: string | undefined): number | undefined {
  if (stackFile === undefined) return undefined;
  const document = (parse(stackFile) ?? {}) as { config?: Record<string, unknown> };
  const value = document.config?.[`${project}:phase`];
  if (value === undefined) return undefined;
  const phase = Number(value);
  return Number.isInteger(phase) ? phase : undefined;
}

/**
 * The stacks whose phase differs between two versions of the project (stack name -> `Pulumi.<stack>.yaml` text),
 * sorted by name. A stack that is new, or whose phase is unreadable on either side, is not a promotion: the
 * program's own checks judge it when it is previewed.
 */
export function changedPhases(project: string, before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): PhaseChange[] {
  return [...after.keys()].sort().flatMap((stack) => {
    const from = phaseOf(project, before.get(stack));
    const to = phaseOf(project, after.get(stack));
    return from !== undefined && to !== undefined && from !== to ? [{ stack, from, to }] : [];
  });
}
