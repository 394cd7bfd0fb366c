/**
 * Hebbian alignment of regularised learners (issue 9; Koplow, Poggio & Ziyin, arXiv 2505.18069) through the one run
 * layer (src/run/run-ensemble.ts): `runHebbianExperiment` cuts the copies into batches (copies [a, b) of every (σ, γ)
 * grid point each, src/models/hebbian/definition.ts), runs them on the CPU or WebGPU engine, merges their
 * accumulators in batch order, and returns the result that files.ts and the report read.
 */
import type { EngineInfo } from '../../engines/types.ts';
import type { Provenance } from '../../core/provenance.ts';
import type { Shard } from '../../run/model.ts';
import { runEnsemble, type BatchRecord, type RunEnsembleOptions } from '../../run/run-ensemble.ts';
import type { HebbianResult } from './cpu-engine.ts';
import { hebbianModel, type HebbianEngine } from './definition.ts';
import { hebbianRunExperiment, type HebbianExperiment } from './experiment.ts';
import type { HebbianAccumulator } from './stats.ts';

export { isHebbianExperiment, parseHebbianExperiment, type HebbianExperiment } from './experiment.ts';

export interface HebbianExperimentResult {
  experiment: HebbianExperiment;
  engine: EngineInfo;
  engineReason: string;
  /** The merged accumulator and the engine time of the batches (no per-copy records). */
  result: Pick<HebbianResult, 'engine' | 'accumulator' | 'timing'>;
  wallSeconds: number;
  provenance: Provenance;
  /** The shard this process ran (null: the whole run or a merge), and how many batches it ran itself. */
  shard?: Shard | null;
  batchesRun?: number;
}

/** The run layer's options (engine, signal, command, onProgress with `done`/`total` in copy-steps, shard, done, onBatch…). */
export type HebbianExperimentOptions = RunEnsembleOptions<HebbianEngine, HebbianAccumulator>;
export type HebbianBatchRecord = BatchRecord<HebbianAccumulator>;

export async function runHebbianExperiment(exp: HebbianExperiment, o: HebbianExperimentOptions = {}): Promise<HebbianExperimentResult> {
  return hebbianModel.result(await runEnsemble(hebbianModel, hebbianRunExperiment(exp), o));
}
