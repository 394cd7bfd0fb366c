/** A chain run's outputs written to a folder (the files files.ts computes). */
import type { ExperimentResult } from './run-experiment.ts';
import type { Summary, SweepSummary } from './summary.ts';
import { writeFiles, type WrittenFiles } from '../../report/build-report.ts';
import { runFiles } from './files.ts';

export interface RunOutputs {
  summary: Summary | SweepSummary;
  files: WrittenFiles;
}

/** What any model's run writes, computed without a file system (run-files.ts for the chain, xFiles for the others). */
/** Write a chain run's outputs to `dir` (the files run-files.ts computes). */
export async function writeRunOutputs(dir: string, r: ExperimentResult, opts: { report?: boolean } = {}): Promise<RunOutputs> {
  return writeFiles(dir, runFiles(r), opts);
}
