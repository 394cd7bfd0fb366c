/**
 * The spiking network of Section 2.3 (issue 5, Model A) as experiments, through the one run layer
 * (src/run/run-ensemble.ts, the model in definition.ts): every grid point (the base scenario, or each of
 * `sweep.points`, e.g. the Eq. 12 regime map) runs as independent batches of copies on the CPU or WebGPU engine;
 * without a sweep the reduced chain of Eq. (1) with the same λ, w(0), α, K and seed runs beside it on the same copy
 * indices, so the report can put both on the same plots.
 */
import type { EnsembleResult } from '../chain/engine-types.ts';
import { runModel, type ModelResult } from '../../run/model-parts.ts';
import type { RunEnsembleOptions } from '../../run/run-ensemble.ts';
import type { SpikingEnsembleResult } from './cpu-engine.ts';
import { spikingExperiment, type SpikingExperiment, type SpikingPoint } from './experiment.ts';
import { spikingModel, type SpikingBatch, type SpikingHandle } from './definition.ts';

export {
  matchingChain, parseSpikingExperiment, type SpikingExperiment, type SpikingPoint, type SpikingRunExperiment,
} from './experiment.ts';

export interface SpikingExperimentResult extends ModelResult<SpikingExperiment> {
  points: { point: SpikingPoint; result: SpikingEnsembleResult; chain?: EnsembleResult }[];
}

/** Run every grid point in batches (options: engine, signal, command, onProgress, and the run layer's shard/done/onBatch). */
export function runSpikingExperiment(exp: SpikingExperiment, o: RunEnsembleOptions<SpikingHandle, SpikingBatch> = {}): Promise<SpikingExperimentResult> {
  return runModel(spikingModel, spikingExperiment(exp), o);
}
