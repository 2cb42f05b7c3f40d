/** A line that only one side of a text has. */
export interface LineChange {
  readonly sign: '+' | '-';
  readonly line: string;
}

/**
 * The lines removed from and added to a multi-line text (a ConfigMap's nginx configuration, a JSON file), by
 * longest common subsequence, in the order they occur. Texts here are a few hundred lines, so the quadratic
 * table is cheap.
 */
export function diffLines(before: string, after: string): LineChange[] {
  const a = before.split('\n');
  const b = after.split('\n');
  const common: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i -= 1) {
    for (let j = b.length - 1; j >= 0; j -= 1) {
      common[i][j] = a[i] === b[j] ? common[i + 1][j + 1] + 1 : Math.max(common[i + 1][j], common[i][j + 1]);
    }
  }
  const changes: LineChange[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      i += 1;
      j += 1;
    } else if (j < b.length && (i === a.length || common[i][j + 1] >= common[i + 1][j])) {
      changes.push({ sign: '+', line: b[j] });
      j += 1;
    } else {
      changes.push({ sign: '-', line: a[i] });
      i += 1;
    }
  }
  return changes;
}
