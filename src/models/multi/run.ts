/**
 * Several output neurons (arXiv 2505.10272, Section 4) through the one run layer (src/run/run-ensemble.ts): the
 * trajectories run in independent batches (merged in batch order; the stream is addressed by trajectory index, so the
 * cut changes nothing), which may be resumed from a state log or run as shards, and are summarised per checkpoint
 * (files.ts): the Frobenius error ‖P(k) − Π‖²/2 (mean, quantiles), the fractions on plateaus 0..m, and P for the first
 * trajectories.
 */
import { runModel } from '../../run/model-parts.ts';
import type { RunEnsembleOptions } from '../../run/run-ensemble.ts';
import { multiModel, multiRunExperiment, type MultiBatch, type MultiEngine } from './definition.ts';
import type { MultiExperiment, MultiExperimentResult } from './experiment.ts';

export { parseMultiExperiment, type MultiExperiment, type MultiExperimentResult } from './experiment.ts';

/** The run layer's options, with progress as (work done, work in total, seconds) in trajectory-steps. */
export type MultiRunExperimentOptions = Omit<RunEnsembleOptions<MultiEngine, MultiBatch>, 'onProgress'> & {
  onProgress?: (done: number, total: number, seconds: number) => void;
};

export async function runMultiExperiment(exp: MultiExperiment, o: MultiRunExperimentOptions = {}): Promise<MultiExperimentResult> {
  const { onProgress, ...rest } = o;
  return runModel(multiModel, multiRunExperiment(exp), {
    ...rest,
    onProgress: onProgress && ((p) => onProgress(p.done, p.total, p.elapsedSeconds)),
  });
}
