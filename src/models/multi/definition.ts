/**
 * Several output neurons (arXiv 2505.10272, Section 4) as a model of the run layer (src/run/run-ensemble.ts): its
 * experiment file (experiment.ts), its engines (cpu, webgpu), one grid point (the scenario), and one batch = the
 * trajectories [a, b) with their per-checkpoint accumulators (stats.ts) and the paths P(k) of those among the first
 * keepPaths. Batches merge in batch order; the Philox stream is addressed by trajectory index, so the cut into
 * batches, shards or resumed sessions changes no number.
 */
import type { EngineChoice } from '../../engines/index.ts';
import { selectModelEngine } from '../../engines/select-model.ts';
import type { EngineInfo } from '../../engines/types.ts';
import type { EnsembleModel, EnsembleRun, ModelExperiment } from '../../run/model.ts';
import { ownExperiment, refuseOverrides, runInfo, scenarioBatch, singleUnitExperiment } from '../../run/model-parts.ts';
import { MultiCpuEngine, type MultiEnsembleResult, type MultiRunOptions } from './cpu-engine.ts';
import {
  MultiExperimentFileSchema, parseMultiExperiment, type MultiExperiment, type MultiExperimentResult,
} from './experiment.ts';
import { multiFiles, type MultiSummary } from './files.ts';
import { multiHumanReport } from './report.ts';
import type { ResolvedMultiScenario } from './scenario.ts';
import { numberFromJSON, numberToJSON } from '../../core/json-numbers.ts';
import {
  emptyMultiAccumulator, mergeMultiAccumulators, multiAccumulatorFromJSON, multiAccumulatorToJSON, type MultiCheckpointAccumulator,
} from './stats.ts';

/** A multi experiment with the fields the run layer reads (one grid point: the scenario). */
export type MultiRunExperiment = MultiExperiment & ModelExperiment;

/**
 * One batch's statistics: one accumulator per checkpoint (counts, moments, the log histogram of E — all mergeable,
 * so memory is bounded by the checkpoints, not by N), and P at every checkpoint for the batch's trajectories among
 * the first keepPaths (≤ 4096 in all): paths[traj][checkpoint][j][i], concatenated in batch order by merge.
 */
export interface MultiBatch {
  checkpoints: MultiCheckpointAccumulator[];
  paths?: number[][][][];
}

export interface MultiEngine {
  info: EngineInfo;
  run(s: ResolvedMultiScenario, o?: MultiRunOptions): Promise<MultiEnsembleResult>;
  dispose?(): void;
}

export const MULTI_TITLE = 'several output neurons (Algorithms 1/2)';

export function multiEngine(choice: EngineChoice): Promise<{ engine: MultiEngine; reason: string }> {
  return selectModelEngine<MultiEngine>(choice, {
    model: 'the several-outputs model',
    cpu: () => new MultiCpuEngine(),
    webgpu: async () => (await import('./webgpu-engine.ts')).MultiWebGpuEngine.create(),
  });
}

export function multiRunExperiment(exp: MultiExperiment): MultiRunExperiment {
  return singleUnitExperiment(exp, exp.scenario.steps);
}

/** Two batches' statistics as one (a before b): accumulators merged per checkpoint, paths in batch order. */
export function mergeMultiBatches(a: MultiBatch, b: MultiBatch): MultiBatch {
  const paths = a.paths?.length || b.paths?.length ? [...(a.paths ?? []), ...(b.paths ?? [])] : undefined;
  return { checkpoints: a.checkpoints.map((x, c) => mergeMultiAccumulators(x, b.checkpoints[c]!)), paths };
}

const sum = (xs: ArrayLike<number>) => { let t = 0; for (let i = 0; i < xs.length; i++) t += xs[i]!; return t; };

/** Counts that must add up to the batch's trajectories, moments and paths that must be finite (null: fine). */
export function checkMultiBatch(b: MultiBatch, exp: MultiExperiment, range: [number, number]): string | null {
  const s = exp.scenario, n = range[1] - range[0];
  if (b.checkpoints.length !== s.checkpoints.length) return `${b.checkpoints.length} checkpoints, expected ${s.checkpoints.length}`;
  for (let k = 0; k < b.checkpoints.length; k++) {
    const c = b.checkpoints[k]!, where = `step ${s.checkpoints[k]}`;
    if (c.step !== s.checkpoints[k] || c.m !== s.m || c.d !== s.d) return `${where}: statistics of step ${c.step} (${c.m}×${c.d}), expected ${s.m}×${s.d}`;
    if (c.n !== n) return `${where}: ${c.n} trajectories counted, expected ${n}`;
    if (c.error.n !== n) return `${where}: the error's moments hold ${c.error.n} trajectories, expected ${n}`;
    const plateaus = sum(c.plateauCounts);
    if (plateaus !== n) return `${where}: plateau counts add up to ${plateaus}, expected ${n}`;
    const h = sum(c.hist);
    if (h !== n) return `${where}: the error histogram holds ${h} trajectories, expected ${n}`;
    for (let j = 0; j < s.m; j++) {
      const row = sum(c.argmaxCounts.slice(j * s.d, (j + 1) * s.d));
      if (row !== n) return `${where}: argmax counts of output ${j + 1} add up to ${row}, expected ${n}`;
    }
    if (c.p.some((m) => m.n !== n)) return `${where}: the moments of P do not hold ${n} trajectories each`;
    const finite = [c.error.mean, c.error.m2, ...c.p.flatMap((m) => [m.mean, m.m2])];
    if (n > 0 && (finite.some((v) => !Number.isFinite(v)) || !Number.isFinite(c.minError) || !Number.isFinite(c.maxError))) {
      return `${where}: a mean, variance or extreme of the error or of P is NaN or infinite`;
    }
  }
  const kept = Math.max(0, Math.min(s.keepPaths, range[1]) - range[0]);
  if ((b.paths?.length ?? 0) !== kept) return `${b.paths?.length ?? 0} sample paths, expected ${kept}`;
  for (const path of b.paths ?? []) {
    if (path.length !== s.checkpoints.length) return `a sample path has ${path.length} checkpoints, expected ${s.checkpoints.length}`;
    if (path.some((P) => P.length !== s.m || P.some((row) => row.length !== s.d || row.some((v) => !Number.isFinite(v))))) {
      return `a sample path is not ${s.m}×${s.d} or holds NaN or infinite values`;
    }
  }
  return null;
}

const pathsToJSON = (paths: number[][][][]) => paths.map((t) => t.map((P) => P.map((row) => row.map(numberToJSON))));
const pathsFromJSON = (paths: unknown[][][][]) => paths.map((t) => t.map((P) => P.map((row) => row.map(numberFromJSON))));

/** The result files.ts reads, from the run layer's merged batches (the ensemble's one grid point). */
export function multiResult(run: EnsembleRun<MultiRunExperiment, MultiBatch>): MultiExperimentResult {
  const s = run.experiment.scenario, p = run.points[0]!;
  // A shard may hold no batch at all (more shards than batches): its statistics are empty.
  const merged = p.merged ?? { checkpoints: s.checkpoints.map((k) => emptyMultiAccumulator(k, s.m, s.d)) };
  return {
    experiment: ownExperiment(run.experiment), ...runInfo(run),
    checkpoints: merged.checkpoints, blocks: p.blocks.map((b) => b.checkpoints), paths: merged.paths, engineSeconds: p.seconds,
  };
}

export const multiModel: EnsembleModel<MultiRunExperiment, MultiBatch, MultiEngine, MultiExperimentResult, MultiSummary> = {
  model: 'multi',
  title: MULTI_TITLE,
  fileSchema: () => MultiExperimentFileSchema,
  parse(json, o) {
    refuseOverrides(o, { duration: '--duration does not apply to several-outputs experiments: use --steps' });
    return multiRunExperiment(parseMultiExperiment(json, { trajectories: o.trajectories, steps: o.steps, seed: o.seed }));
  },
  selectEngine: multiEngine,
  runBatch: scenarioBatch((r: MultiEnsembleResult) => ({ checkpoints: r.checkpoints, paths: r.paths })),
  merge: mergeMultiBatches,
  check: (b, exp, _point, range) => checkMultiBatch(b, exp, range),
  statsToJSON: (b) => ({ checkpoints: b.checkpoints.map(multiAccumulatorToJSON), paths: b.paths && pathsToJSON(b.paths) }),
  statsFromJSON: (j) => {
    const o = j as { checkpoints: unknown[]; paths?: unknown[][][][] };
    return { checkpoints: o.checkpoints.map(multiAccumulatorFromJSON), paths: o.paths && pathsFromJSON(o.paths) };
  },
  result: multiResult,
  files: multiFiles,
  human: multiHumanReport,
};
