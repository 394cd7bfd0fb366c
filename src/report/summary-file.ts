/**
 * summary.json in a run's output folder: the one writer of it, for a run with its report (build-report.ts) and
 * without (src/cli/emit-run.ts, which does not load the report's renderer).
 */

/** Write `summary` to DIR/summary.json (indented JSON and a final newline); returns the file's path. */
export async function writeSummaryFile(dir: string, summary: unknown): Promise<string> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, 'summary.json');
  await fs.writeFile(file, JSON.stringify(summary, null, 2) + '\n');
  return file;
}
