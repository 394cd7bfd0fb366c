/**
 * Hebbian alignment (arXiv 2505.18069) as a model of the run layer (src/run/model.ts): the experiment file
 * (experiment.ts), the engines (cpu, webgpu), and one batch = copies [a, b) of EVERY (σ, γ) grid point — the grid
 * lives in one scenario and copy t of each point reads the same Philox numbers, so the experiment is a single grid
 * unit whose copies are the copy indices t. A batch's statistics are the HebbianAccumulator of those copies (running
 * sums n, Σx, Σx² per grid point, checkpoint and quantity; positive-cosine counts; fault flags): merged by adding the
 * sums (mergeHebbianAccumulators), so memory is bounded by the grid, not by the number of copies.
 */
import { selectModelEngine } from '../../engines/select-model.ts';
import type { EngineInfo } from '../../engines/types.ts';
import type { EnsembleModel, EnsembleRun } from '../../run/model.ts';
import { ownExperiment, runInfo, scenarioBatch } from '../../run/model-parts.ts';
import type { Sums } from '../../stats/running-sums.ts';
import { numberFromJSON, numberToJSON } from '../../core/json-numbers.ts';
import { HebbianCpuEngine, hebbianAccumulatorFor, type HebbianResult, type HebbianRunOptions } from './cpu-engine.ts';
import { HebbianFileSchema, parseHebbianRunExperiment, type HebbianRunExperiment } from './experiment.ts';
import { hebbianFiles, type HebbianSummary } from './files.ts';
import { hebbianHumanReport } from './report.ts';
import type { HebbianExperimentResult } from './run.ts';
import { HEBBIAN_FLAG, mergeHebbianAccumulators, type HebbianAccumulator } from './stats.ts';

/** Either engine: the float64 reference or the WebGPU kernel (the same Philox streams, per-copy addressing). */
export interface HebbianEngine {
  info: EngineInfo;
  run(s: HebbianRunExperiment['scenario'], o?: HebbianRunOptions): Promise<HebbianResult>;
  dispose?(): void;
}

export function selectHebbianEngine(choice: Parameters<typeof selectModelEngine>[0]) {
  return selectModelEngine<HebbianEngine>(choice, {
    model: 'the Hebbian-alignment model',
    cpu: () => new HebbianCpuEngine(),
    webgpu: async () => (await import('./webgpu-engine.ts')).HebbianWebGpuEngine.create(),
  });
}

// ---- JSON: running sums as [n, Σx, Σx²]; a diverged copy makes sums NaN or ±Infinity, which JSON would turn into
// null, so they go through numberToJSON (src/core/json-numbers.ts).
const sumsTo = (s: Sums): (number | string)[] => [s.n, numberToJSON(s.sum), numberToJSON(s.sumSq)];
const sumsFrom = (a: unknown[]): Sums => ({ n: numberFromJSON(a[0]), sum: numberFromJSON(a[1]), sumSq: numberFromJSON(a[2]) });

export function hebbianStatsToJSON(a: HebbianAccumulator): unknown {
  return {
    window: a.window,
    points: a.points.map((p) => ({
      sigma: p.sigma, gamma: p.gamma, flags: p.flags, flaggedCopies: p.flaggedCopies,
      checkpoints: p.checkpoints.map((c) => ({
        step: c.step,
        layers: c.layers.map((l) => ({ ip: sumsTo(l.ip), cos: sumsTo(l.cos), positive: l.positive, wcos: sumsTo(l.wcos) })),
        loss: sumsTo(c.loss), cond: sumsTo(c.cond), diff: sumsTo(c.diff), vnorm2: sumsTo(c.vnorm2),
      })),
    })),
  };
}

export function hebbianStatsFromJSON(json: unknown): HebbianAccumulator {
  const o = json as { window: number; points: any[] };
  return {
    window: o.window,
    points: o.points.map((p) => ({
      sigma: p.sigma, gamma: p.gamma, flags: p.flags, flaggedCopies: p.flaggedCopies,
      checkpoints: p.checkpoints.map((c: any) => ({
        step: c.step,
        layers: c.layers.map((l: any) => ({ ip: sumsFrom(l.ip), cos: sumsFrom(l.cos), positive: l.positive, wcos: sumsFrom(l.wcos) })),
        loss: sumsFrom(c.loss), cond: sumsFrom(c.cond), diff: sumsFrom(c.diff), vnorm2: sumsFrom(c.vnorm2),
      })),
    })),
  };
}

const ALL_FLAGS = Object.values(HEBBIAN_FLAG).reduce((a, f) => a | f, 0);

/**
 * Counts that must add up: every running sum of every grid point and checkpoint counts each copy of the batch once,
 * the positive-cosine and flagged counts lie in [0, n], the grid and checkpoints are the scenario's. Sums must be
 * finite (and Σx² ≥ 0) at grid points without a flagged copy: only a copy whose weights diverged (flag nonFinite) may
 * carry NaN or ±Infinity into them.
 */
export function checkHebbianBatch(a: HebbianAccumulator, exp: HebbianRunExperiment, _point: number, range: [number, number]): string | null {
  const s = exp.scenario, n = range[1] - range[0], L = s.layers.length;
  if (a.window !== s.window) return `window ${a.window}, expected ${s.window}`;
  if (a.points.length !== s.grid.length) return `${a.points.length} grid points, expected ${s.grid.length}`;
  const count = (x: number) => Number.isInteger(x) && x >= 0 && x <= n;
  for (let g = 0; g < s.grid.length; g++) {
    const p = a.points[g]!, want = s.grid[g]!;
    const at = `grid point ${g} (σ = ${want.sigma}, γ = ${want.gamma})`;
    if (p.sigma !== want.sigma || p.gamma !== want.gamma) return `${at}: holds σ = ${p.sigma}, γ = ${p.gamma}`;
    if (!count(p.flaggedCopies)) return `${at}: ${p.flaggedCopies} flagged copies of ${n}`;
    if ((p.flags & ~ALL_FLAGS) !== 0 || (p.flags !== 0) !== (p.flaggedCopies > 0)) return `${at}: fault flags ${p.flags} with ${p.flaggedCopies} flagged copies`;
    if (p.checkpoints.length !== s.checkpoints.length) return `${at}: ${p.checkpoints.length} checkpoints, expected ${s.checkpoints.length}`;
    for (let c = 0; c < s.checkpoints.length; c++) {
      const cp = p.checkpoints[c]!, where = `${at}, step ${s.checkpoints[c]}`;
      if (cp.step !== s.checkpoints[c]) return `${at}: checkpoint ${c} is step ${cp.step}, expected ${s.checkpoints[c]}`;
      if (cp.layers.length !== L) return `${where}: ${cp.layers.length} layers, expected ${L}`;
      const sums: [string, Sums][] = [
        ...cp.layers.flatMap((l, li): [string, Sums][] => [[`layer ${li + 1} ⟨S, H⟩`, l.ip], [`layer ${li + 1} cosine`, l.cos], [`layer ${li + 1} window-summed cosine`, l.wcos]]),
        ['loss', cp.loss], ['conditional theory', cp.cond], ['measured − theory', cp.diff], ['‖v‖²', cp.vnorm2],
      ];
      for (const [name, x] of sums) {
        if (x.n !== n) return `${where}: ${name} counts ${x.n} copies, expected ${n}`;
        if (p.flaggedCopies === 0 && !(Number.isFinite(x.sum) && Number.isFinite(x.sumSq) && x.sumSq >= 0)) {
          return `${where}: ${name} sums are NaN, infinite or negative, but no copy is flagged`;
        }
      }
      for (const [li, l] of cp.layers.entries()) if (!count(l.positive)) return `${where}: layer ${li + 1}: ${l.positive} positive cosines of ${n}`;
    }
  }
  return null;
}

export const hebbianModel: EnsembleModel<HebbianRunExperiment, HebbianAccumulator, HebbianEngine, HebbianExperimentResult, HebbianSummary> = {
  model: 'hebbian',
  title: 'Hebbian alignment of regularised learners (arXiv 2505.18069)',
  fileSchema: () => HebbianFileSchema,
  parse: parseHebbianRunExperiment,
  selectEngine: selectHebbianEngine,
  runBatch: scenarioBatch((r: HebbianResult) => r.accumulator),
  merge: mergeHebbianAccumulators,
  check: checkHebbianBatch,
  statsToJSON: hebbianStatsToJSON,
  statsFromJSON: hebbianStatsFromJSON,
  result(run: EnsembleRun<HebbianRunExperiment, HebbianAccumulator>): HebbianExperimentResult {
    const s = run.experiment.scenario, p = run.points[0]!;
    // copy-steps of the copies merged here (all of them, or a shard's)
    const copySteps = p.trajectories * s.grid.length * s.steps;
    return {
      experiment: ownExperiment(run.experiment), ...runInfo(run),
      result: {
        engine: run.engine,
        accumulator: p.merged ?? hebbianAccumulatorFor(s),
        timing: { seconds: p.seconds, dispatches: p.dispatches, copySteps, copyStepsPerSecond: p.seconds > 0 ? copySteps / p.seconds : 0 },
      },
    };
  },
  files: hebbianFiles,
  human: hebbianHumanReport,
};
