/**
 * The matching reduced chain of Eq. (1) that runs beside a network without a sweep: the same λ, w(0), α, K,
 * checkpoints, N and seed, on the same copy indices [a, b) and on an engine of the same kind, so the report can put
 * network and chain on the same plots. This folder does not import the chain's model: the registry
 * (src/models/registry.ts) hands it over, and what is used of it is its model interface of the run layer
 * (src/run/model.ts: parse, selectEngine, runBatch, merge, check, statsToJSON, statsFromJSON) over statistics that
 * are the generic checkpoint accumulators of src/stats/checkpoint-stats.ts.
 */
import type { EngineInfo } from '../../engines/types.ts';
import type { CheckpointAccumulator } from '../../stats/checkpoint-stats.ts';
import type { BatchContext, EnsembleModel, ModelEngineHandle, ModelExperiment } from '../../run/model.ts';
import type { ResolvedSpikingScenario } from './scenario.ts';

/** A batch of the chain: its accumulator per checkpoint, and p at every checkpoint for its first copies. */
export interface MatchingChainStats {
  checkpoints: CheckpointAccumulator[];
  paths?: number[][][];
}

/** What the spiking model needs of the chain's model: one grid point per file, statistics as above. */
export type ChainModel = EnsembleModel<ModelExperiment, MatchingChainStats, ModelEngineHandle>;

/** The chain's part of a point's result (what the report reads). */
export interface MatchingChainResult extends MatchingChainStats {
  engine: EngineInfo;
  timing: { seconds: number; dispatches: number };
}

/**
 * The chain's experiment file for a network scenario: the same λ, w(0), α, K, inner checkpoints, N and seed (ties in
 * w(0) allowed: the network's i* is the lowest index among them, as the chain's).
 */
export function matchingChainFile(chain: ChainModel, s: ResolvedSpikingScenario): object {
  return {
    name: 'matching-chain',
    scenario: {
      model: chain.model, rates: s.rates, initialWeights: s.initialWeights, alpha: s.alpha, steps: s.steps,
      checkpoints: s.checkpoints.filter((k) => k > 0 && k < s.steps), trajectories: s.trajectories, seed: s.seed, allowTies: true,
    },
  };
}

/** The matching chain of a chain model: its parsed experiment per network scenario, and one batch of it. */
export class MatchingChain {
  private readonly parsed = new WeakMap<ResolvedSpikingScenario, ModelExperiment>();

  constructor(readonly model: ChainModel) {}

  /** The chain's parsed experiment for a network scenario (parsed once per scenario). */
  experiment(s: ResolvedSpikingScenario): ModelExperiment {
    let x = this.parsed.get(s);
    if (!x) this.parsed.set(s, (x = this.model.parse(matchingChainFile(this.model, s), {})));
    return x;
  }

  /** The chain engine of the same kind as the network's (cpu or webgpu). */
  async engineFor(network: EngineInfo): Promise<ModelEngineHandle> {
    return (await this.model.selectEngine(network.name === 'webgpu' ? 'webgpu' : 'cpu')).engine;
  }

  /** Copies [a, b) of the chain; its progress is not reported (the network's copies carry the batch's progress). */
  run(engine: ModelEngineHandle, s: ResolvedSpikingScenario, range: [number, number], ctx: BatchContext) {
    return this.model.runBatch(engine, this.experiment(s), 0, range, { ...ctx, onProgress: undefined });
  }

  check(b: MatchingChainStats, s: ResolvedSpikingScenario, range: [number, number]): string | null {
    return this.model.check(b, this.experiment(s), 0, range);
  }
}
