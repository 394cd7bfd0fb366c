/**
 * Hebbian alignment of regularised learners (issue 9; Koplow, Poggio & Ziyin, arXiv 2505.18069) through the one run
 * layer (src/run/run-ensemble.ts): `runHebbianExperiment` cuts the copies into batches (copies [a, b) of every (σ, γ)
 * grid point each, src/models/hebbian/definition.ts), runs them on the CPU or WebGPU engine, merges their
 * accumulators in batch order, and returns the result that files.ts and the report read.
 */
import { runModel, type ModelResult } from '../../run/model-parts.ts';
import type { RunEnsembleOptions } from '../../run/run-ensemble.ts';
import type { HebbianResult } from './cpu-engine.ts';
import { hebbianModel, type HebbianEngine } from './definition.ts';
import { hebbianRunExperiment, type HebbianExperiment } from './experiment.ts';
import type { HebbianAccumulator } from './stats.ts';

export { parseHebbianExperiment, type HebbianExperiment } from './experiment.ts';

export interface HebbianExperimentResult extends ModelResult<HebbianExperiment> {
  /** The merged accumulator and the engine time of the batches (no per-copy records). */
  result: Pick<HebbianResult, 'engine' | 'accumulator' | 'timing'>;
}

/** Run it with the run layer's options (engine, signal, command, onProgress in copy-steps, shard, done, onBatch…). */
export function runHebbianExperiment(exp: HebbianExperiment, o: RunEnsembleOptions<HebbianEngine, HebbianAccumulator> = {}): Promise<HebbianExperimentResult> {
  return runModel(hebbianModel, hebbianRunExperiment(exp), o);
}
