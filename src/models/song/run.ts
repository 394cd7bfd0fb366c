/**
 * Song, Miller & Abbott (2000) ensembles (issue 5, Model B): an experiment file whose scenario has model "song",
 * run through the one run layer (src/run/run-ensemble.ts: batches, resume, shards, retries, checks) with the model of
 * definition.ts on the CPU or WebGPU engine, summarised by stats.ts.
 */
import { runModel, type ModelResult } from '../../run/model-parts.ts';
import type { RunEnsembleOptions } from '../../run/run-ensemble.ts';
import type { SongResult } from './cpu-engine.ts';
import { songModel, type SongEngine } from './definition.ts';
import { songExperiment, type SongExperiment } from './experiment.ts';
import type { SongAccumulator } from './stats.ts';

export { parseSongExperiment, type SongExperiment } from './experiment.ts';

export interface SongExperimentResult extends ModelResult<SongExperiment> {
  /** The merged statistics and the engine time of the batches (no per-copy data: it is folded per batch). */
  result: Pick<SongResult, 'engine' | 'accumulator' | 'timing'>;
}

/** Run every batch of the experiment (those of `o.shard`, less those in `o.done`) and merge them in batch order. */
export function runSongExperiment(exp: SongExperiment, o: RunEnsembleOptions<SongEngine, SongAccumulator> = {}): Promise<SongExperimentResult> {
  return runModel(songModel, songExperiment(exp), o);
}
