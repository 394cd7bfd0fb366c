/** Writes a Song–Miller–Abbott run's files (files.ts); the terminal summary is human.ts. */
import type { SongExperimentResult } from './run.ts';
import { writeFiles } from '../../report/build-report.ts';
import { songFiles } from './files.ts';
export { songHumanReport } from './human.ts';

export function writeSongOutputs(dir: string, r: SongExperimentResult, opts: { report?: boolean } = {}) {
  return writeFiles(dir, songFiles(r), opts);
}
