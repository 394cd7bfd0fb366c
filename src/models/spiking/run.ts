/**
 * The spiking network of Section 2.3 (issue 5, Model A) as experiments, through the one run layer
 * (src/run/run-ensemble.ts, the model in definition.ts): every grid point (the base scenario, or each of
 * `sweep.points`, e.g. the Eq. 12 regime map) runs as independent batches of copies on the CPU or WebGPU engine;
 * without a sweep the reduced chain of Eq. (1) with the same λ, w(0), α, K and seed runs beside it on the same copy
 * indices, so the report can put both on the same plots.
 */
import type { EngineInfo } from '../../engines/types.ts';
import type { EnsembleResult } from '../chain/engine-types.ts';
import type { Provenance } from '../../core/provenance.ts';
import type { Shard } from '../../run/model.ts';
import { runEnsemble, type BatchRecord, type RunEnsembleOptions } from '../../run/run-ensemble.ts';
import type { SpikingEnsembleResult } from './cpu-engine.ts';
import { spikingExperiment, type SpikingExperiment, type SpikingPoint } from './experiment.ts';
import { spikingModel, type SpikingBatch, type SpikingHandle } from './definition.ts';

export {
  isSpikingExperiment, matchingChain, parseSpikingExperiment, type SpikingExperiment, type SpikingPoint,
  type SpikingRunExperiment,
} from './experiment.ts';

export interface SpikingExperimentResult {
  experiment: SpikingExperiment;
  engine: EngineInfo;
  engineReason: string;
  points: { point: SpikingPoint; result: SpikingEnsembleResult; chain?: EnsembleResult }[];
  wallSeconds: number;
  provenance: Provenance;
  shard?: Shard | null;
  /** Batches run in this process (the rest came from a state log). */
  batchesRun?: number;
}

export type SpikingExperimentOptions = RunEnsembleOptions<SpikingHandle, SpikingBatch>;
export type SpikingBatchRecord = BatchRecord<SpikingBatch>;

/** Run every grid point in batches (options: engine, signal, command, onProgress, and the run layer's shard/done/onBatch). */
export async function runSpikingExperiment(exp: SpikingExperiment, o: SpikingExperimentOptions = {}): Promise<SpikingExperimentResult> {
  return spikingModel.result(await runEnsemble(spikingModel, spikingExperiment(exp), o));
}
