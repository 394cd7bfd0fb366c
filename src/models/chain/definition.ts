/**
 * The reduced chain of Eq. (1) as a model of the run layer: its experiment file (experiment.ts), its engines
 * (select-engine.ts: cpu, gpujs, webgpu), one batch = trajectories [a, b) of a grid point with their checkpoint
 * accumulators and sample paths, merged in batch order; success = argmax p = i* at the last checkpoint. Its parts of
 * the browser page (form, gpu.js fallback, live view) are in page/, loaded lazily.
 */
import { OptionError } from '../../core/errors.ts';
import { EngineUnavailableError } from '../../engines/types.ts';
import { packFloats, unpackFloats, type PackedFloats } from '../../core/packed-floats.ts';
import {
  accumulatorFromJSON, accumulatorToJSON, mergeAccumulatorList, mergeAccumulators, momentsFine, type CheckpointAccumulator,
} from '../../stats/checkpoint-stats.ts';
import type { EnsembleModel, EnsembleRun, ModelExperiment } from '../../run/model.ts';
import { batchRunOptions } from '../../run/model-parts.ts';
import { histTotal } from '../../stats/sparse-hist.ts';
import { isPackedCheckpoints, packCheckpoints, unpackCheckpoints } from '../../stats/checkpoint-pack.ts';
import { gpuJsRefusal, type Engine } from './engine-types.ts';
import { ExperimentSchema, parseExperiment, type Experiment, type GridPoint } from './experiment.ts';
import { runFiles } from './files.ts';
import { chainHumanReport } from './human.ts';
import type { ExperimentResult, PointResult } from './run-experiment.ts';
import { selectEngine } from './select-engine.ts';
import type { Summary, SweepSummary } from './summary.ts';

/** A chain experiment with the fields the run layer reads. */
export type ChainExperiment = Experiment & ModelExperiment;

/** One batch's statistics: accumulators per checkpoint, and p at every checkpoint for its first trajectories. */
export interface ChainBatch {
  checkpoints: CheckpointAccumulator[];
  paths?: number[][][];
}

/** Two batches' statistics as one (accumulators merged per checkpoint, paths in batch order). */
export function mergeChainBatches(a: ChainBatch, b: ChainBatch): ChainBatch {
  const paths = a.paths?.length || b.paths?.length ? [...(a.paths ?? []), ...(b.paths ?? [])] : undefined;
  return { checkpoints: a.checkpoints.map((x, c) => mergeAccumulators(x, b.checkpoints[c]!)), paths };
}

/**
 * All batches of a grid point at once (the same numbers as folding mergeChainBatches); one batch is its own merge (its
 * accumulators as they are, as mergeAccumulatorList returns a single one, in arrays of their own).
 */
export function mergeChainBatchList(blocks: readonly ChainBatch[]): ChainBatch {
  if (blocks.length === 1) {
    const b = blocks[0]!;
    return { checkpoints: b.checkpoints.slice(), paths: b.paths?.length ? b.paths.slice() : undefined };
  }
  const paths = blocks.some((b) => b.paths?.length) ? blocks.flatMap((b) => b.paths ?? []) : undefined;
  return { checkpoints: blocks[0]!.checkpoints.map((_, c) => mergeAccumulatorList(blocks.map((b) => b.checkpoints[c]!))), paths };
}

export function chainExperiment(exp: Experiment): ChainExperiment {
  return {
    ...exp, seed: exp.scenario.seed, seedKey: exp.scenario.seedKey,
    units: gridPoints(exp).map((p) => ({ label: p.label, trajectories: p.scenario.trajectories, workPerCopy: p.scenario.steps })),
  };
}

/** The grid points of a chain experiment (the base scenario alone without a sweep). */
export function gridPoints(exp: Experiment): GridPoint[] {
  return exp.points ?? [{ label: 'base', values: {}, scenario: exp.scenario }];
}

/** A grid point's result from its batches' statistics (in batch order). */
export function pointResult(pt: GridPoint, blocks: ChainBatch[], seconds = 0, dispatches = 0, mergedAlready?: ChainBatch | null): PointResult {
  const merged = mergedAlready ?? (blocks.length ? mergeChainBatchList(blocks) : null);
  return {
    label: pt.label, values: pt.values, scenario: pt.scenario,
    checkpoints: merged?.checkpoints ?? [],
    blocks: blocks.map((b) => b.checkpoints),
    paths: merged?.paths,
    seconds, dispatches,
  };
}

/** Counts that must add up and moments that must be finite. */
function checkChain(b: ChainBatch, exp: ChainExperiment, point: number, range: [number, number]): string | null {
  const s = gridPoints(exp)[point]!.scenario;
  const n = range[1] - range[0];
  if (b.checkpoints.length !== s.checkpoints.length) return `${b.checkpoints.length} checkpoints, expected ${s.checkpoints.length}`;
  // Plain loops, the message built only for a failure: this runs for every checkpoint of every batch.
  for (const c of b.checkpoints) {
    if (c.n !== n) return `step ${c.step}: ${c.n} trajectories counted, expected ${n}`;
    let vsum = 0;
    for (let i = 0; i < c.vertexCounts.length; i++) vsum += c.vertexCounts[i]!;
    if (vsum !== n) return `step ${c.step}: vertex counts add up to ${vsum}, expected ${n}`;
    if (c.successCount !== c.vertexCounts[s.iStar]) return `step ${c.step}: success count ${c.successCount} ≠ count at i* ${c.vertexCounts[s.iStar]}`;
    const h = histTotal(c.hist);
    if (h !== n) return `step ${c.step}: histogram holds ${h} trajectories, expected ${n}`;
    if (!momentsFine(c)) return `step ${c.step}: a mean or variance is NaN or infinite`;
  }
  return null;
}

export const chainModel: EnsembleModel<ChainExperiment, ChainBatch, Engine, ExperimentResult, Summary | SweepSummary> = {
  model: 'chain',
  title: 'the reduced chain (Eq. 1)',
  fileSchema: () => ExperimentSchema,
  parse(json, o) {
    if (o.duration !== undefined) throw new OptionError('--duration does not apply to chain experiments: use --steps');
    return chainExperiment(parseExperiment(json, { trajectories: o.trajectories, steps: o.steps, seed: o.seed }));
  },
  selectEngine(choice, exp) {
    // gpu.js runs the plain chain only: an experiment with the extensions is refused before the run writes anything.
    const refusal = choice === 'gpujs' && exp ? gpuJsRefusal(gridPoints(exp).map((pt) => pt.scenario)) : null;
    if (refusal) return Promise.reject(new EngineUnavailableError('gpujs', `it ${refusal}: use --engine webgpu or cpu`));
    return selectEngine(choice);
  },
  async runBatch(engine, exp, point, range, ctx) {
    const r = await engine.run(gridPoints(exp)[point]!.scenario, batchRunOptions(range, ctx));
    return { stats: { checkpoints: r.checkpoints, paths: r.paths }, dispatches: r.timing.dispatches };
  },
  merge: mergeChainBatches,
  mergeAll: mergeChainBatchList,
  check: checkChain,
  // The accumulators go into the state log packed (src/stats/checkpoint-pack.ts: counts as JSON, moments and
  // histograms as bytes), kept paths as float64 bytes (src/core/packed-floats.ts); logs that hold either as JSON read
  // as before.
  statsToJSON: (b) => ({ ...(packCheckpoints(b.checkpoints) ?? { checkpoints: b.checkpoints.map(accumulatorToJSON) }), paths: b.paths && packFloats(b.paths) }),
  statsFromJSON: (j) => {
    const o = j as { checkpoints: unknown[]; paths?: number[][][] | PackedFloats };
    return { checkpoints: isPackedCheckpoints(o) ? unpackCheckpoints(o) : o.checkpoints.map(accumulatorFromJSON), paths: o.paths && unpackFloats(o.paths) };
  },
  successes(b) {
    const last = b.checkpoints[b.checkpoints.length - 1]!;
    return { successes: last.successCount, n: last.n };
  },
  result(run: EnsembleRun<ChainExperiment, ChainBatch>): ExperimentResult {
    const { units: _u, seed: _s, seedKey: _k, ...experiment } = run.experiment;
    const pts = gridPoints(run.experiment);
    return {
      experiment: experiment as Experiment,
      engine: run.engine,
      engineReason: run.engineReason,
      points: run.points.map((p, i) => pointResult(pts[i]!, p.blocks, p.seconds, p.dispatches, p.merged)),
      single: run.experiment.points === null,
      wallSeconds: run.wallSeconds,
      provenance: run.provenance,
      shard: run.shard,
      batchesRun: run.batchesRun,
    };
  },
  files: runFiles,
  human: chainHumanReport,
  page: () => import('./page/index.ts').then((m) => m.chainPage),
};
