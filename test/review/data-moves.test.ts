import { dataMoveLines } from '../../review/data-moves';
import { careerCopilot, PhaseNumber, selectPhase } from '../../phases';

const model = careerCopilot();
const lines = (from: PhaseNumber, to: PhaseNumber) => dataMoveLines(selectPhase(model, from), selectPhase(model, to));
const line = (from: PhaseNumber, to: PhaseNumber, context: string) => lines(from, to).find((l) => l.startsWith(`\`${context}-data-move\``)) ?? '';

describe('the plan\'s data moves', () => {
  test('a context\'s first move names its tables, its stores and the verification the step waits for', () => {
    expect(line(1, 2, 'jobs')).toBe(
      "`jobs-data-move` (`jobs` -> `jobs` (4 columns; the monolith reads it as `jobs_compat`), from monolith-db into jobs-db) moves its data for the first time. Each table is verified (row counts and a checksum, recorded in `data_move_verifications` and printed in the Job's log) before any route or workload of the step changes; a mismatch fails the Job and the step, and the routes stay as they were.",
    );
  });

  test('a move runs again exactly when its routes change, and says so', () => {
    // Phase 2 -> 3 makes jobs' routes migrated; user's stay as they were in phase 2.
    expect(line(2, 3, 'jobs')).toContain('runs again as a catch-up, because its routes change');
    expect(line(2, 3, 'user')).toContain(': unchanged, not run again (its routes keep their status).');
    expect(line(1, 2, 'user')).toContain('runs again as a catch-up');
    // The auth split the same way: its routes become migrated in phase 2, and stay so in phase 3.
    expect(lines(1, 2)[0]).toContain('`auth-data-split` (the users\' credentials, from monolith-db into auth-db) runs again as a catch-up');
    expect(lines(2, 3)[0]).toContain('`auth-data-split` (the users\' credentials, from monolith-db into auth-db): unchanged, not run again');
  });

  test('retiring the monolith stops the moves and keeps both copies; bringing it back runs them again', () => {
    expect(lines(3, 4)).toEqual([
      '`auth-data-split` stops: the monolith retires; auth-db keeps the users.',
      "`user-data-move` stops: the monolith retires; user-db keeps the moved tables, and the monolith's database keeps its own.",
      "`jobs-data-move` stops: the monolith retires; jobs-db keeps the moved tables, and the monolith's database keeps its own.",
      "`applications-data-move` stops: the monolith retires; applications-db keeps the moved tables, and the monolith's database keeps its own.",
    ]);
    expect(line(4, 3, 'applications')).toContain('runs again as the monolith returns, a catch-up');
    expect(lines(0, 0)).toEqual([]);
  });
});
