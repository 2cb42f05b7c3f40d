/**
 * Prints a block of figures to the terminal, outside jest's console capture, so that `npm run test:integration`
 * shows the counts the issue asks for (requests sent / answered / by fallback / failed; rows before and after).
 */
export function report(title: string, lines: readonly string[]): void {
  process.stdout.write(`\n[integration] ${title}\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
}
