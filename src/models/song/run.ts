/**
 * Song, Miller & Abbott (2000) ensembles (issue 5, Model B): an experiment file whose scenario has model "song",
 * run through the one run layer (src/run/run-ensemble.ts: batches, resume, shards, retries, checks) with the model of
 * definition.ts on the CPU or WebGPU engine, summarised by stats.ts.
 */
import type { EngineInfo } from '../../engines/types.ts';
import type { Provenance } from '../../core/provenance.ts';
import type { Shard } from '../../run/model.ts';
import { runEnsemble, type BatchRecord, type RunEnsembleOptions } from '../../run/run-ensemble.ts';
import type { SongResult } from './cpu-engine.ts';
import { songModel, type SongEngine } from './definition.ts';
import { songExperiment, type SongExperiment } from './experiment.ts';
import type { SongAccumulator } from './stats.ts';

export { isSongExperiment, parseSongExperiment, type SongExperiment } from './experiment.ts';

export interface SongExperimentResult {
  experiment: SongExperiment;
  engine: EngineInfo;
  engineReason: string;
  /** The merged statistics and the engine time of the batches (no per-copy data: it is folded per batch). */
  result: Pick<SongResult, 'engine' | 'accumulator' | 'timing'>;
  wallSeconds: number;
  provenance: Provenance;
  shard?: Shard | null;
  /** Batches run in this process (the rest came from a state log). */
  batchesRun?: number;
}

export type SongExperimentOptions = RunEnsembleOptions<SongEngine, SongAccumulator>;
export type SongBatchRecord = BatchRecord<SongAccumulator>;

/** Run every batch of the experiment (those of `o.shard`, less those in `o.done`) and merge them in batch order. */
export async function runSongExperiment(exp: SongExperiment, o: SongExperimentOptions = {}): Promise<SongExperimentResult> {
  return songModel.result(await runEnsemble(songModel, songExperiment(exp), o));
}
