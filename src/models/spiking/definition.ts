/**
 * The spiking network of Section 2.3 (Model A of issue 5) as a model of the run layer (src/run/model.ts): its
 * experiment file (experiment.ts), its engines (cpu, webgpu), one batch = copies [a, b) of a grid point with their
 * per-checkpoint accumulators (stats.ts), flag counts, input events and sample paths — and, without a sweep, the
 * matching reduced chain of Eq. (1) run on the same copy indices [a, b) on the chain engine of the same kind
 * (matching-chain.ts: the registry hands the chain's model to spikingModelOver).
 * Batches merge in batch order; every engine addresses Philox by global copy index, so the cut changes no number
 * beyond the order of floating-point sums.
 */
import { decodeNumbers, encodeNumbers } from '../../core/json-numbers.ts';
import type { EngineChoice } from '../../engines/index.ts';
import { selectModelEngine } from '../../engines/select-model.ts';
import type { EngineInfo } from '../../engines/types.ts';
import { histTotal } from '../../stats/sparse-hist.ts';
import { emptyAccumulator, momentFine, momentsFine } from '../../stats/checkpoint-stats.ts';
import type { EnsembleModel, EnsembleRun, ModelEngineHandle } from '../../run/model.ts';
import { ownExperiment, runInfo } from '../../run/model-parts.ts';
import {
  emptyFlagCounts, SpikingCpuEngine, type SpikingEnsembleResult, type SpikingRunOptions,
} from './cpu-engine.ts';
import { parseSpikingRun, SpikingExperimentFileSchema, type SpikingRunExperiment } from './experiment.ts';
import { MatchingChain, type ChainModel, type MatchingChainResult, type MatchingChainStats } from './matching-chain.ts';
import { spikingFiles, type SpikingSummary } from './files.ts';
import { spikingHumanReport } from './report.ts';
import type { SpikingExperimentResult } from './run.ts';
import type { ResolvedSpikingScenario } from './scenario.ts';
import {
  emptySpikingAccumulator, INC_BELOW, INC_ABOVE, INC_BINS, INC_NONE, mergeSpikingAccumulators, spikingAccumulatorFromJSON,
  spikingAccumulatorToJSON, type SpikingCheckpointAccumulator,
} from './stats.ts';

type FlagCounts = SpikingEnsembleResult['flagCounts'];

/**
 * One batch's statistics. Everything is a sum over the batch's copies (counts, power sums, histograms) or a
 * mergeable moment (Chan et al.), so memory is O(checkpoints × d), not O(N); only `paths` holds per-copy values, for
 * the first keepPaths ≤ 4096 copies of the point (concatenated in batch order).
 */
export interface SpikingBatch {
  /** One accumulator per resolved checkpoint of the point's scenario. */
  checkpoints: SpikingCheckpointAccumulator[];
  /** p at every checkpoint for the batch's copies below keepPaths: paths[m][c][i] ([] where the copy had stopped). */
  paths?: number[][][];
  /** Copies by flag bit at the end (capped, dead, non-finite, negative interval, negative trace). */
  flagCounts: FlagCounts;
  /** Input events simulated. */
  events: number;
  /** The matching reduced chain on the same copy indices (points of an experiment without a sweep). */
  chain?: MatchingChainStats;
}

/** The network's engine (cpu or webgpu) and, created on first use, the chain engine of the same kind. */
export interface SpikingEngine { info: EngineInfo; run(s: ResolvedSpikingScenario, o?: SpikingRunOptions): Promise<SpikingEnsembleResult>; dispose?(): void }
export interface SpikingHandle extends ModelEngineHandle { net: SpikingEngine; chain: ModelEngineHandle | null; dispose(): void }

export function spikingHandle(net: SpikingEngine): SpikingHandle {
  return {
    info: net.info, net, chain: null,
    dispose() {
      try { this.chain?.dispose?.(); } finally { this.chain = null; net.dispose?.(); }
    },
  };
}

async function selectSpikingEngine(choice: EngineChoice): Promise<{ engine: SpikingHandle; reason: string }> {
  const { engine, reason } = await selectModelEngine<SpikingEngine>(choice, {
    model: 'the spiking network',
    cpu: () => new SpikingCpuEngine(),
    webgpu: async () => (await import('./webgpu-engine.ts')).SpikingWebGpuEngine.create(),
  });
  return { engine: spikingHandle(engine), reason };
}

const addFlags = (a: FlagCounts, b: FlagCounts): FlagCounts => ({
  capped: a.capped + b.capped, dead: a.dead + b.dead, nonFinite: a.nonFinite + b.nonFinite,
  negativeInterval: a.negativeInterval + b.negativeInterval, negativeTrace: a.negativeTrace + b.negativeTrace,
});

/** Two batches' statistics as one (a's copies before b's). */
function mergeSpikingBatches(chain: MatchingChain, a: SpikingBatch, b: SpikingBatch): SpikingBatch {
  const paths = a.paths?.length || b.paths?.length ? [...(a.paths ?? []), ...(b.paths ?? [])] : undefined;
  if (!!a.chain !== !!b.chain) throw new Error('cannot merge a batch with the matching chain and one without');
  return {
    checkpoints: a.checkpoints.map((x, c) => mergeSpikingAccumulators(x, b.checkpoints[c]!)),
    paths,
    flagCounts: addFlags(a.flagCounts, b.flagCounts),
    events: a.events + b.events,
    chain: a.chain && b.chain ? chain.model.merge(a.chain, b.chain) : undefined,
  };
}

const sum = (xs: ArrayLike<number>) => { let t = 0; for (let i = 0; i < xs.length; i++) t += xs[i]!; return t; };
const finite = (xs: ArrayLike<number>) => { for (let i = 0; i < xs.length; i++) if (!Number.isFinite(xs[i])) return false; return true; };

/** Counts that must add up and sums that must be finite, per checkpoint; then the matching chain's own check. */
function checkSpikingBatch(chain: MatchingChain, b: SpikingBatch, exp: SpikingRunExperiment, point: number, range: [number, number]): string | null {
  const s = exp.points[point]!.scenario;
  const n = range[1] - range[0];
  if (b.checkpoints.length !== s.checkpoints.length) return `${b.checkpoints.length} checkpoints, expected ${s.checkpoints.length}`;
  for (let c = 0; c < b.checkpoints.length; c++) {
    const a = b.checkpoints[c]!, k = a.chain;
    const where = `output spike ${a.step}`;
    if (a.step !== s.checkpoints[c]) return `checkpoint ${c} is at ${where}, expected ${s.checkpoints[c]}`;
    if (k.n + a.stopped !== n) return `${where}: ${k.n} reached + ${a.stopped} stopped, expected ${n} copies`;
    if (a.time.n !== k.n || a.events.n !== k.n) return `${where}: time and events counted for ${a.time.n} and ${a.events.n} copies, expected ${k.n}`;
    const vsum = sum(k.vertexCounts);
    if (vsum !== k.n) return `${where}: argmax counts add up to ${vsum}, expected ${k.n}`;
    if (k.successCount !== k.vertexCounts[s.iStar]) return `${where}: success count ${k.successCount} ≠ count at i* ${k.vertexCounts[s.iStar]}`;
    if (histTotal(k.hist) !== k.n) return `${where}: histogram of L holds ${histTotal(k.hist)} copies, expected ${k.n}`;
    // Window (k_{c−1}, k_c]: each output spike has one trigger and one ISI; each non-trigger one increment.
    if (sum(a.triggers) !== a.spikes) return `${where}: triggers add up to ${sum(a.triggers)}, expected ${a.spikes} output spikes`;
    if (a.isi.n !== a.spikes || sum(a.isiHist) !== a.spikes) return `${where}: ${a.isi.n} ISIs (histogram ${sum(a.isiHist)}), expected ${a.spikes}`;
    const inc = sum(a.incHist.slice(0, INC_BINS)) + a.incHist[INC_BELOW]! + a.incHist[INC_ABOVE]! + a.incHist[INC_NONE]!;
    if (inc !== a.inc.n) return `${where}: increment histogram holds ${inc}, expected ${a.inc.n}`;
    if (!(momentsFine(k) && momentFine(a.time) && momentFine(a.events))) return `${where}: a mean or variance is NaN or infinite`;
    if (!finite([a.isi.s1, a.isi.s2, a.inc.s1, a.inc.s2, ...a.predSum, ...a.predSq])) return `${where}: an ISI, increment or prediction sum is NaN or infinite`;
  }
  const f = b.flagCounts, last = b.checkpoints[b.checkpoints.length - 1]!;
  if (Object.values(f).some((v) => !(Number.isInteger(v) && v >= 0 && v <= n))) return `flag counts ${JSON.stringify(f)} out of [0, ${n}]`;
  if (last.stopped > f.capped + f.dead + f.nonFinite) return `${last.stopped} copies stopped but only ${f.capped + f.dead + f.nonFinite} carry a stop flag`;
  if (!(Number.isInteger(b.events) && b.events >= 0)) return `${b.events} input events`;
  const paths = Math.max(0, Math.min(s.keepPaths, range[1]) - range[0]);
  if ((b.paths?.length ?? 0) !== paths) return `${b.paths?.length ?? 0} sample paths, expected ${paths}`;
  if (exp.single !== !!b.chain) return exp.single ? 'the matching chain is missing' : 'a matching chain in a sweep';
  if (b.chain) {
    const bad = chain.check(b.chain, s, range);
    if (bad) return `matching chain: ${bad}`;
  }
  return null;
}

/** The batch as JSON, NaN, ±Infinity and −0 included (src/core/json-numbers.ts). */
function spikingStatsToJSON(chain: ChainModel, b: SpikingBatch): unknown {
  return encodeNumbers({
    checkpoints: b.checkpoints.map(spikingAccumulatorToJSON), paths: b.paths, flagCounts: b.flagCounts, events: b.events,
    chain: b.chain ? chain.statsToJSON(b.chain) : undefined,
  });
}

function spikingStatsFromJSON(chain: ChainModel, j: unknown): SpikingBatch {
  const o = decodeNumbers(j) as { checkpoints: unknown[]; paths?: number[][][]; flagCounts: FlagCounts; events: number; chain?: unknown };
  return {
    checkpoints: o.checkpoints.map(spikingAccumulatorFromJSON), paths: o.paths, flagCounts: o.flagCounts, events: o.events,
    chain: o.chain ? chain.statsFromJSON(o.chain) : undefined,
  };
}

/**
 * A point's statistics when this process holds none of its batches (a shard): empty accumulators. The matching
 * chain's checkpoints are the network's (its file takes the inner ones; 0 and K are every run's).
 */
function emptyBatch(s: ResolvedSpikingScenario, single: boolean): SpikingBatch {
  return {
    checkpoints: s.checkpoints.map((k) => emptySpikingAccumulator(k, s.d)), flagCounts: emptyFlagCounts(), events: 0,
    chain: single ? { checkpoints: s.checkpoints.map((k) => emptyAccumulator(k, s.d)) } : undefined,
  };
}

/**
 * The existing result shape (run.ts) from the merged batches. Engine seconds and dispatches are those of the point's
 * batches, the matching chain's included (it runs inside each batch); the chain's EngineInfo is not kept in the
 * state, so its result carries the network engine's (the same kind).
 */
function spikingResult(run: EnsembleRun<SpikingRunExperiment, SpikingBatch>): SpikingExperimentResult {
  return {
    experiment: ownExperiment(run.experiment), ...runInfo(run),
    points: run.points.map((p, i) => {
      const point = run.experiment.points[i]!;
      const m = p.merged ?? emptyBatch(point.scenario, run.experiment.single);
      const result: SpikingEnsembleResult = {
        engine: run.engine, checkpoints: m.checkpoints, paths: m.paths, flagCounts: m.flagCounts,
        timing: { seconds: p.seconds, dispatches: p.dispatches, events: m.events },
      };
      const chain: MatchingChainResult | undefined = m.chain
        ? { engine: run.engine, checkpoints: m.chain.checkpoints, paths: m.chain.paths, timing: { seconds: 0, dispatches: 0 } }
        : undefined;
      return { point, result, chain };
    }),
  };
}

export type SpikingModel = EnsembleModel<SpikingRunExperiment, SpikingBatch, SpikingHandle, SpikingExperimentResult, SpikingSummary>;

/** The spiking model, with the chain's model (from the registry) for the matching chain. */
export function spikingModelOver(chainModel: ChainModel): SpikingModel {
  const chain = new MatchingChain(chainModel);
  return {
    model: 'spiking',
    title: 'spiking network (Section 2.3)',
    fileSchema: () => SpikingExperimentFileSchema,
    parse: parseSpikingRun,
    selectEngine: selectSpikingEngine,
    async runBatch(h, exp, point, range, ctx) {
      const s = exp.points[point]!.scenario;
      // eventsPerDispatch is in input events, not steps: the network engine keeps its own default.
      const r = await h.net.run(s, {
        trajectoryRange: range, signal: ctx.signal, batchSize: ctx.batchSize, onProgress: (p) => ctx.onProgress?.(p.done),
      });
      let matching: MatchingChainStats | undefined, dispatches = r.timing.dispatches;
      if (exp.single) {
        h.chain ??= await chain.engineFor(h.info);
        const c = await chain.run(h.chain, s, range, ctx);
        matching = { checkpoints: c.stats.checkpoints, paths: c.stats.paths };
        dispatches += c.dispatches;
      }
      return { stats: { checkpoints: r.checkpoints, paths: r.paths, flagCounts: r.flagCounts, events: r.timing.events, chain: matching }, dispatches };
    },
    merge: (a, b) => mergeSpikingBatches(chain, a, b),
    check: (b, exp, point, range) => checkSpikingBatch(chain, b, exp, point, range),
    statsToJSON: (b) => spikingStatsToJSON(chainModel, b),
    statsFromJSON: (j) => spikingStatsFromJSON(chainModel, j),
    /** Success: argmax p(K) = i* at the last checkpoint, over the copies that reached it (as the report counts it). */
    successes(b) {
      const last = b.checkpoints[b.checkpoints.length - 1]!.chain;
      return { successes: last.successCount, n: last.n };
    },
    result: spikingResult,
    files: spikingFiles,
    human: spikingHumanReport,
  };
}
