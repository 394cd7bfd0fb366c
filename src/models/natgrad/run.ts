/**
 * Natural-gradient learner ensembles (issue 9, Kreutzer, Senn & Petrovici 2022) through the one run layer
 * (src/run/run-ensemble.ts): an experiment file whose scenario has model "natgrad" runs as independent batches of
 * learners (definition.ts) on the CPU or WebGPU engine, one ensemble per (rule, η), summarised per checkpoint by
 * stats.ts. `runNatgradExperiment` is the thin entry point the page's worker, the registry and the tests call.
 */
import type { EngineInfo } from '../../engines/types.ts';
import type { Provenance } from '../../core/provenance.ts';
import type { Shard } from '../../run/model.ts';
import { runEnsemble, type RunEnsembleOptions } from '../../run/run-ensemble.ts';
import type { NatgradResult } from './cpu-engine.ts';
import type { NatgradEnsembleSummary } from './stats.ts';
import type { NatgradBatch } from './batch.ts';
import { natgradExperiment, natgradModel, type NatgradEngine } from './definition.ts';
import type { NatgradExperiment } from './experiment.ts';

export { isNatgradExperiment, parseNatgradExperiment, type NatgradExperiment } from './experiment.ts';

export interface NatgradExperimentResult {
  experiment: NatgradExperiment;
  engine: EngineInfo;
  engineReason: string;
  /** The merged ensembles (every learner of the batches held, in learner order) and the engine time of the batches. */
  result: NatgradResult;
  summaries: NatgradEnsembleSummary[];
  wallSeconds: number;
  provenance: Provenance;
  shard: Shard | null;
  /** Batches run in this process (the rest came from a state log). */
  batchesRun: number;
}

/** The run layer's options (engine, signal, command, onProgress with { done, total, elapsedSeconds, … }, shard, done…). */
export type NatgradRunExperimentOptions = RunEnsembleOptions<NatgradEngine, NatgradBatch>;

export async function runNatgradExperiment(exp: NatgradExperiment, o: NatgradRunExperimentOptions = {}): Promise<NatgradExperimentResult> {
  return natgradModel.result(await runEnsemble(natgradModel, natgradExperiment(exp), o));
}
