/**
 * The zero-order learner (Christensen & Kallsen, arXiv 2309.05102; labelled reconstruction) as a model of the run
 * layer (src/run/model.ts): the experiment file (experiment.ts), the engines (cpu, webgpu), one grid unit per (d, n)
 * point, and one batch = replicates [a, b) of one grid point folded into a ZeroOrderAcc (stats.ts): running sums of
 * the errors, sup-errors, gradient norms and losses per checkpoint, the summed final error vector, the first copies'
 * sample paths. Merged by adding sums (in batch order); memory is bounded by the grid, not by the replicates.
 */
import { decodeNumbers, encodeNumbers } from '../../core/json-numbers.ts';
import { selectModelEngine } from '../../engines/select-model.ts';
import type { EngineInfo } from '../../engines/types.ts';
import type { EnsembleModel, EnsembleRun } from '../../run/model.ts';
import { batchRunOptions, ownExperiment, runInfo, type ModelResult } from '../../run/model-parts.ts';
import { ZeroOrderCpuEngine, zeroOrderAccumulatorFor, type ZeroOrderResult, type ZeroOrderRunOptions } from './cpu-engine.ts';
import { ZeroOrderFileSchema, parseZeroOrderRun, type ZeroOrderExperiment, type ZeroOrderRunExperiment } from './experiment.ts';
import { zeroOrderFiles, type ZeroOrderSummary } from './files.ts';
import { zeroOrderHumanReport } from './human.ts';
import type { ResolvedZeroOrderScenario } from './scenario.ts';
import { ZO_FLAG, mergeZeroOrderAcc, type ZeroOrderAcc } from './stats.ts';

/** Either engine: the float64 reference or the WebGPU kernel (the same Philox words, per-copy addressing). */
export interface ZeroOrderEngine {
  info: EngineInfo;
  run(s: ResolvedZeroOrderScenario, point: number, o?: ZeroOrderRunOptions): Promise<ZeroOrderResult>;
  dispose?(): void;
}

export interface ZeroOrderPointResult {
  accumulator: ZeroOrderAcc;
  copies: number;
  seconds: number;
  dispatches: number;
}

export interface ZeroOrderExperimentResult extends ModelResult<ZeroOrderExperiment> {
  points: ZeroOrderPointResult[];
}

export function selectZeroOrderEngine(choice: Parameters<typeof selectModelEngine>[0]) {
  return selectModelEngine<ZeroOrderEngine>(choice, {
    model: 'the zero-order learner',
    cpu: () => new ZeroOrderCpuEngine(),
    webgpu: async () => (await import('./webgpu-engine.ts')).ZeroOrderWebGpuEngine.create(),
  });
}

const ALL_FLAGS = Object.values(ZO_FLAG).reduce((a, f) => a | f, 0);

/**
 * Counts that must add up: every running sum counts each replicate of the batch once, the grid point and checkpoints
 * are the scenario's, the error vector has d entries, the paths belong to copies < paths of this batch; sums are
 * finite (Σx² ≥ 0) unless a copy is flagged non-finite.
 */
export function checkZeroOrderBatch(a: ZeroOrderAcc, exp: ZeroOrderRunExperiment, point: number, range: [number, number]): string | null {
  const s = exp.scenario, g = s.grid[point]!, n = range[1] - range[0];
  if (a.point !== point || a.d !== g.d || a.n !== g.n) return `statistics of grid point ${a.point} (d = ${a.d}, n = ${a.n}), expected ${point} (${g.label})`;
  if (a.checkpoints.length !== s.checkpoints.length) return `${a.checkpoints.length} checkpoints, expected ${s.checkpoints.length}`;
  if (!Number.isInteger(a.flaggedCopies) || a.flaggedCopies < 0 || a.flaggedCopies > n) return `${a.flaggedCopies} flagged copies of ${n}`;
  if ((a.flags & ~ALL_FLAGS) !== 0 || (a.flags !== 0) !== (a.flaggedCopies > 0)) return `fault flags ${a.flags} with ${a.flaggedCopies} flagged copies`;
  const nonFinite = (a.flags & ZO_FLAG.nonFinite) !== 0;
  for (const [c, cp] of a.checkpoints.entries()) {
    if (cp.t !== s.checkpoints[c]) return `checkpoint ${c} at t = ${cp.t}, expected ${s.checkpoints[c]}`;
    for (const [name, x] of Object.entries({ err: cp.err, err2: cp.err2, sup: cp.sup, sup2: cp.sup2, grad: cp.grad, loss: cp.loss })) {
      if (x.n !== n) return `checkpoint ${c}: ${name} counts ${x.n} copies, expected ${n}`;
      if (!nonFinite && !(Number.isFinite(x.sum) && Number.isFinite(x.sumSq) && x.sumSq >= 0)) return `checkpoint ${c}: ${name} sums are NaN, infinite or negative, but no copy is flagged`;
    }
    if (!nonFinite && cp.sup.sum < cp.err.sum * (1 - 1e-6)) return `checkpoint ${c}: Σ sup-errors ${cp.sup.sum} below Σ errors ${cp.err.sum}`;
  }
  if (a.errSum.length !== g.d) return `final error vector of ${a.errSum.length} entries, expected d = ${g.d}`;
  const want = Math.max(0, Math.min(range[1], s.paths) - range[0]);
  if (a.paths.length !== want || a.paths.some((q, i) => q.copy !== range[0] + i)) return `${a.paths.length} sample paths, expected copies ${range[0]}…${range[0] + want - 1}`;
  return null;
}

export const zeroOrderModel: EnsembleModel<ZeroOrderRunExperiment, ZeroOrderAcc, ZeroOrderEngine, ZeroOrderExperimentResult, ZeroOrderSummary> = {
  model: 'zero-order',
  title: 'many small updates per learning opportunity (Christensen & Kallsen, labelled reconstruction)',
  fileSchema: () => ZeroOrderFileSchema,
  parse: parseZeroOrderRun,
  selectEngine: selectZeroOrderEngine,
  async runBatch(engine, exp, point, range, ctx) {
    // The engines count progress in update events, the run layer in work (events × d, what an update costs): the
    // fraction done is carried over (counted in events, the progress bar and the page's calibration were d times low).
    const work = (range[1] - range[0]) * exp.units[point]!.workPerCopy;
    const r = await engine.run(exp.scenario, point, {
      ...batchRunOptions(range, ctx), onProgress: (p) => ctx.onProgress?.(p.total > 0 ? Math.round((p.done / p.total) * work) : 0),
    });
    return { stats: r.accumulator, dispatches: r.timing.dispatches };
  },
  merge: mergeZeroOrderAcc,
  check: checkZeroOrderBatch,
  statsToJSON: (a) => encodeNumbers(a),
  statsFromJSON: (j) => decodeNumbers(j) as ZeroOrderAcc,
  result(run: EnsembleRun<ZeroOrderRunExperiment, ZeroOrderAcc>): ZeroOrderExperimentResult {
    const s = run.experiment.scenario;
    return {
      experiment: ownExperiment(run.experiment), ...runInfo(run),
      points: run.points.map((p) => ({
        accumulator: p.merged ?? zeroOrderAccumulatorFor(s, p.point), copies: p.trajectories, seconds: p.seconds, dispatches: p.dispatches,
      })),
    };
  },
  files: zeroOrderFiles,
  human: zeroOrderHumanReport,
};
