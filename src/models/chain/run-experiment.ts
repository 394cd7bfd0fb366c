/**
 * The chain's experiments through the one run layer (src/run/run-ensemble.ts): `runExperiment` runs every grid point
 * (or the base scenario) as independent batches and returns the chain's result shape, which the summary, the report
 * and the browser page read.
 */
import type { Experiment } from './experiment.ts';
import type { EngineInfo } from '../../engines/types.ts';
import type { CheckpointAccumulator } from '../../stats/checkpoint-stats.ts';
import type { Provenance } from '../../core/provenance.ts';
import type { ResolvedScenario } from './scenario.ts';
import type { Shard } from '../../run/model.ts';
import { runEnsemble, type BatchRecord, type RunEnsembleOptions } from '../../run/run-ensemble.ts';
import { chainModel, chainExperiment, type ChainBatch } from './definition.ts';
export { gridPoints, pointResult } from './definition.ts';
import type { Engine } from './engine-types.ts';

export { RunFailedError, blockRanges, type RunProgress } from '../../run/run-ensemble.ts';

export interface PointResult {
  label: string;
  values: Record<string, unknown>;
  scenario: ResolvedScenario;
  /** Merged statistics, one accumulator per checkpoint. */
  checkpoints: CheckpointAccumulator[];
  /** Statistics of each independent batch of trajectories, in batch order. */
  blocks: CheckpointAccumulator[][];
  paths?: number[][][];
  seconds: number;
  dispatches: number;
}

export interface ExperimentResult {
  experiment: Experiment;
  engine: EngineInfo;
  engineReason: string;
  points: PointResult[];
  /** True when the experiment has no sweep: points[0] is the base scenario. */
  single: boolean;
  wallSeconds: number;
  provenance: Provenance;
  shard: Shard | null;
  /** Batches run in this process (the rest came from a state log). */
  batchesRun: number;
}

export type RunExperimentOptions = RunEnsembleOptions<Engine, ChainBatch>;
export type ChainBatchRecord = BatchRecord<ChainBatch>;

export async function runExperiment(exp: Experiment, o: RunExperimentOptions = {}): Promise<ExperimentResult> {
  return chainModel.result(await runEnsemble(chainModel, chainExperiment(exp), o));
}
