/**
 * The spiking network of Section 2.3 (issue 5, Model A) as experiments, through the one run layer
 * (src/run/run-ensemble.ts, the model in definition.ts): every grid point (the base scenario, or each of
 * `sweep.points`, e.g. the Eq. 12 regime map) runs as independent batches of copies on the CPU or WebGPU engine;
 * without a sweep the reduced chain of Eq. (1) with the same λ, w(0), α, K and seed runs beside it on the same copy
 * indices (matching-chain.ts), so the report can put both on the same plots. The result's shape.
 */
import type { ModelResult } from '../../run/model-parts.ts';
import type { SpikingEnsembleResult } from './cpu-engine.ts';
import type { SpikingExperiment, SpikingPoint } from './experiment.ts';
import type { MatchingChainResult } from './matching-chain.ts';

export {
  parseSpikingExperiment, spikingExperiment, type SpikingExperiment, type SpikingPoint, type SpikingRunExperiment,
} from './experiment.ts';

export interface SpikingExperimentResult extends ModelResult<SpikingExperiment> {
  points: { point: SpikingPoint; result: SpikingEnsembleResult; chain?: MatchingChainResult }[];
}
