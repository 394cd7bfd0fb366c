/**
 * Natural-gradient learner ensembles (issue 9, Kreutzer, Senn & Petrovici 2022) through the one run layer
 * (src/run/run-ensemble.ts): an experiment file whose scenario has model "natgrad" runs as independent batches of
 * learners (definition.ts) on the CPU or WebGPU engine, one ensemble per (rule, η), summarised per checkpoint by
 * stats.ts. `runNatgradExperiment` is the thin entry point the page's worker, the registry and the tests call.
 */
import { runModel, type ModelResult } from '../../run/model-parts.ts';
import type { RunEnsembleOptions } from '../../run/run-ensemble.ts';
import type { NatgradResult } from './cpu-engine.ts';
import type { NatgradEnsembleSummary } from './stats.ts';
import type { NatgradBatch } from './batch.ts';
import { natgradExperiment, natgradModel, type NatgradEngine } from './definition.ts';
import type { NatgradExperiment } from './experiment.ts';

export { parseNatgradExperiment, type NatgradExperiment } from './experiment.ts';

export interface NatgradExperimentResult extends ModelResult<NatgradExperiment> {
  /** The merged ensembles (every learner of the batches held, in learner order) and the engine time of the batches. */
  result: NatgradResult;
  summaries: NatgradEnsembleSummary[];
}

/** Run it with the run layer's options (engine, signal, command, onProgress in learner-steps, shard, done, onBatch…). */
export function runNatgradExperiment(exp: NatgradExperiment, o: RunEnsembleOptions<NatgradEngine, NatgradBatch> = {}): Promise<NatgradExperimentResult> {
  return runModel(natgradModel, natgradExperiment(exp), o);
}
