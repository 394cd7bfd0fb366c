/**
 * summary.json in a run's output folder: the one writer of it, for a run with its report (build-report.ts) and
 * without (src/cli/emit-run.ts, which does not load the report's renderer).
 */

/** The list of the files a run's report writes into its folder (build-report.ts), which --force removes with it. */
export const REPORT_MANIFEST = '.stdp-mc-report.json';

/**
 * Write `summary` to DIR/summary.json (indented JSON and a final newline); returns the file's path. It is written
 * beside it first and renamed into place, so a process killed while writing (a second Ctrl-C, a batch system's time
 * limit) leaves the earlier file or none, never a cut one.
 */
export async function writeSummaryFile(dir: string, summary: unknown): Promise<string> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, 'summary.json');
  const draft = `${file}.${Math.random().toString(36).slice(2)}.part`;
  try {
    await fs.writeFile(draft, JSON.stringify(summary, null, 2) + '\n');
    await fs.rename(draft, file);
  } catch (e) {
    await fs.rm(draft, { force: true });
    throw e;
  }
  return file;
}
