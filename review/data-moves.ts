import { compatViewName, PhasePlan, serviceTableName } from '../phases';

/**
 * What a step does with the contexts' data, for the plan: each move that runs (first, or again as a catch-up),
 * with its tables and the verification the step waits for, and each that stops because the monolith retires.
 */
export function dataMoveLines(before: PhasePlan, after: PhasePlan): string[] {
  const running = after.dataMoves.map((m) => {
    const was = before.dataMoves.find((b) => b.context === m.context);
    const tables = m.tables.map((t) => `\`${t.table}\` -> \`${serviceTableName(t)}\` (${t.columns.length} columns; the monolith reads it as \`${compatViewName(t)}\`)`).join(', ');
    const prefix = `\`${m.context}-data-move\` (${tables}, from ${m.monolith.name} into ${m.store.name})`;
    if (was && was.gates.join(' ') === m.gates.join(' ')) return `${prefix}: unchanged, not run again (its routes keep their status).`;
    const catchUp = '(rows the service changed or deleted since it last ran stay as they are)';
    const when = was
      ? `runs again as a catch-up, because its routes change ${catchUp}`
      : after.phase < before.phase
        ? `runs again as the monolith returns, a catch-up ${catchUp}`
        : 'moves its data for the first time';
    return `${prefix} ${when}. Each table is verified (row counts and a checksum, recorded in \`data_move_verifications\` and printed in the Job's log) before any route or workload of the step changes; a mismatch fails the Job and the step, and the routes stay as they were.`;
  });
  const stopped = before.dataMoves
    .filter((m) => !after.dataMoves.some((a) => a.context === m.context))
    .map((m) => `\`${m.context}-data-move\` stops: ${after.spec.monolith ? `the ${m.service} is not deployed` : 'the monolith retires'}; ${m.store.name} keeps the moved tables, and the monolith's database keeps its own.`);
  const split = after.authDataSplit;
  const splitWas = before.authDataSplit;
  const authSplit = split
    ? [
        splitWas && splitWas.gates.join(' ') === split.gates.join(' ')
          ? `\`auth-data-split\` (the users' credentials, from ${split.monolith.name} into ${split.auth.name}): unchanged, not run again (its routes keep their status).`
          : `\`auth-data-split\` (the users' credentials, from ${split.monolith.name} into ${split.auth.name}) ${splitWas || after.phase < before.phase ? 'runs again as a catch-up (users the auth service deleted since stay deleted)' : 'moves them for the first time'}, and checks every monolith user is there before any route or workload of the step changes.`,
      ]
    : splitWas
      ? [`\`auth-data-split\` stops: the monolith retires; ${splitWas.auth.name} keeps the users.`]
      : [];
  return [...authSplit, ...running, ...stopped];
}
