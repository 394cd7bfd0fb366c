/**
 * The chain's live view, computed in the worker after each batch: the batch's grid point merged so far, its plots
 * (log-gap, success against steps) and sample paths on the simplex, and once a sweep's grid points finish, the sweep
 * plots over those done. Every other model shows its progress live and its plots at the end.
 */
import type { EnsembleModel } from '../run/model.ts';
import type { BatchRecord } from '../run/run-ensemble.ts';
import { chainModel, gridPoints, pointResult, type ChainBatch, type ChainExperiment } from '../models/chain/definition.ts';
import type { PointResult } from '../models/chain/run-experiment.ts';
import { analyzePoint, type PointSeries } from '../models/chain/analyze.ts';
import { analyzeSweep } from '../models/chain/analyze-sweep.ts';
import { pointPlots, sweepPlots } from '../models/chain/files.ts';
import { num } from '../report/files.ts';
import type { FromWorker, SimplexLive } from './protocol.ts';

export interface LiveView {
  onBatch(b: BatchRecord<unknown>): void;
}

function simplexLive(i: number, pt: PointResult, s: PointSeries): SimplexLive | null {
  if (!s.simplex) return null;
  const n = new Set(s.simplex.paths.map((q) => q.id)).size;
  return {
    point: i,
    group: `from p(0) = (${pt.scenario.p0.map((v) => num(v, 3)).join(', ')}), ${n} path${n === 1 ? '' : 's'}`,
    alpha: pt.scenario.alpha,
    paths: s.simplex.paths,
    flow: s.simplex.flowPaths.map((q) => ({ t: q.t, p: q.p })),
  };
}

function chainLive(exp: ChainExperiment, post: (m: FromWorker) => void): LiveView {
  const grid = gridPoints(exp);
  const records = grid.map(() => [] as BatchRecord<ChainBatch>[]);
  const finished: { result: PointResult; series: PointSeries }[] = [];
  return {
    onBatch(rec) {
      const b = rec as BatchRecord<ChainBatch>;
      records[b.point]!.push(b);
      const pt = pointResult(grid[b.point]!, records[b.point]!.sort((x, y) => x.batch - y.batch).map((x) => x.stats));
      const { series } = analyzePoint(pt);
      const last = pt.checkpoints[pt.checkpoints.length - 1]!;
      post({
        type: 'partial', point: b.point, points: grid.length, label: pt.label, trajectories: last.n, successCount: last.successCount,
        plots: pointPlots('', exp.points ? pt.label : '', series).filter((j) => !j.name.endsWith('simplex')),
        simplex: simplexLive(b.point, pt, series),
      });
      const copies = records[b.point]!.reduce((a, x) => a + (x.range[1] - x.range[0]), 0);
      if (exp.points && copies >= grid[b.point]!.scenario.trajectories) {
        finished[b.point] = { result: pt, series };
        const done = finished.filter(Boolean);
        try {
          const sv = analyzeSweep(done.map((x) => x.result), done.map((x) => x.series));
          post({ type: 'sweep', plots: sweepPlots(exp.axes, done.map((x) => x.result), done.map((x) => x.series), sv.series).filter((j) => !j.name.startsWith('point')) });
        } catch {
          /* too few points for the sweep's fits yet */
        }
      }
    },
  };
}

/** The live view of a model's run, where the page has one (the chain's), else null. */
export function liveViewFor(model: EnsembleModel, exp: unknown, post: (m: FromWorker) => void): LiveView | null {
  return model.model === chainModel.model ? chainLive(exp as ChainExperiment, post) : null;
}

/** Does the page draw this model's live plots and simplex canvas? */
export function hasLiveView(model: EnsembleModel): boolean {
  return model.model === chainModel.model;
}
