/**
 * The chain's live view, computed in the page's worker after each batch: the batch's grid point merged so far, its
 * plots (log-gap, success against steps) and sample paths on the simplex, and once a sweep's grid points finish, the
 * sweep plots over those done. Loaded through the model's page hook (index.ts).
 */
import type { BatchRecord } from '../../../run/run-ensemble.ts';
import type { LiveUpdate, LiveView, SimplexLive } from '../../../run/model-page.ts';
import { num } from '../../../report/files.ts';
import { gridPoints, pointResult, type ChainBatch, type ChainExperiment } from '../definition.ts';
import type { PointResult } from '../run-experiment.ts';
import { analyzePoint, type PointSeries } from '../analyze.ts';
import { analyzeSweep } from '../analyze-sweep.ts';
import { pointPlots, sweepPlots } from '../files.ts';

function simplexLive(i: number, pt: PointResult, s: PointSeries): SimplexLive | null {
  if (!s.simplex) return null;
  const n = new Set(s.simplex.paths.map((q) => q.id)).size;
  return {
    point: i,
    group: `from p(0) = (${pt.scenario.p0.map((v) => num(v, 3)).join(', ')}), ${n} path${n === 1 ? '' : 's'}`,
    alpha: pt.scenario.alpha,
    paths: s.simplex.paths,
    flow: s.simplex.flowPaths.map((q) => ({ t: q.t, p: q.p })),
    ...(s.simplex.gamma ? { gamma: s.simplex.gamma } : {}),
  };
}

/** The live view of a chain run: each batch's point so far, and the sweep's plots as its points finish. */
export function chainLiveView(exp: ChainExperiment, post: (u: LiveUpdate) => void): LiveView {
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
      const p = last.n ? last.successCount / last.n : NaN;
      post({
        line: `${grid.length > 1 ? `${pt.label}: ` : ''}P(argmax p = i*) so far ${p.toFixed(4)} over ${last.n.toLocaleString('en')} trajectories`,
        plots: pointPlots('', exp.points ? pt.label : '', series).filter((j) => !j.name.endsWith('simplex')),
        simplex: simplexLive(b.point, pt, series),
      });
      const copies = records[b.point]!.reduce((a, x) => a + (x.range[1] - x.range[0]), 0);
      if (exp.points && copies >= grid[b.point]!.scenario.trajectories) {
        finished[b.point] = { result: pt, series };
        const done = finished.filter(Boolean);
        try {
          const sv = analyzeSweep(done.map((x) => x.result), done.map((x) => x.series));
          post({ plots: sweepPlots(exp.axes, done.map((x) => x.result), done.map((x) => x.series), sv.series).filter((j) => !j.name.startsWith('point')) });
        } catch {
          /* too few points for the sweep's fits yet */
        }
      }
    },
  };
}
