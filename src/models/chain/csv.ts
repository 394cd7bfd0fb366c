/**
 * The chain's CSV tables, tidy (one value per cell, one observation per row; t = αk is dimensionless, slopes are per
 * step): points.csv (per grid point), inputs.csv (per grid point and input), checkpoints.csv (per grid point and
 * checkpoint), checkpoint-inputs.csv (mean and sd of each p_i per checkpoint), paths.csv (kept sample paths: p_i per
 * path, checkpoint and input), comparisons.csv (files.ts).
 */
import { toCsv } from '../../report/html.ts';
import { num } from '../../report/files.ts';
import { DELTAS } from '../../stats/checkpoint-stats.ts';
import type { PointSummary } from './summary.ts';
import type { PointSeries } from './analyze.ts';

/** Column name of a δ threshold: 1e-2 → "1e-2". */
const deltaName = (d: number) => d.toExponential().replace(/\.0+e/, 'e').replace('e+', 'e');

export const CHECKPOINT_COLUMNS = [
  'point', 'step', 't', 'trajectories', 'success_count', 'success_fraction', 'log_gap_mean', 'log_gap_sd',
  'log_gap_q10', 'log_gap_median', 'log_gap_q90', 'log_gap_mean_on_success', 'gap_mean_on_success',
  ...DELTAS.map((d) => `n_gap_below_${deltaName(d)}`),
];

export const POINT_COLUMNS = [
  'point', 'd', 'alpha', 'noise_law', 'noise_half_width', 'trajectories', 'steps', 't_end', 'i_star', 'success_probability',
  'success_ci_lo', 'success_ci_hi', 'median_slope_per_step', 'median_slope_lo', 'median_slope_hi',
];

const sc = (p: PointSummary) => p.scenario as any;

export function checkpointRows(p: PointSummary): (string | number)[][] {
  const a = sc(p).alpha as number;
  return p.checkpoints.map((c) => [
    p.label, c.step, num(a * c.step), c.trajectories, c.successCount, num(c.successCount / c.trajectories),
    num(c.meanLogGap), num(c.sdLogGap), ...c.logGapQuantiles.map((q) => num(q.value)),
    num(c.meanLogGapOnSuccess), num(c.meanGapOnSuccess), ...c.belowDelta.map((b) => b.count),
  ]);
}

export function pointRows(points: PointSummary[], series: PointSeries[]): (string | number)[][] {
  return points.map((p, i) => {
    const s = sc(p);
    const ms = series[i]?.medianSlope;
    return [p.label, s.d, s.alpha, s.noise.law, s.noise.halfWidth, p.trajectories, s.steps, num(s.alpha * s.steps), s.iStar + 1,
      num(p.final.successProbability), num(p.final.successCI95[0]), num(p.final.successCI95[1]), num(ms?.mean), num(ms?.lo), num(ms?.hi)];
  });
}

/** Every table but comparisons.csv. */
export function chainCsv(points: PointSummary[], series: PointSeries[]): { name: string; text: string }[] {
  const inputs = points.flatMap((p) => {
    const s = sc(p);
    return (s.rates as number[]).map((r, i) => [p.label, i + 1, r, s.initialWeights[i], num(s.p0[i]), i === s.iStar ? 1 : 0, num(p.final.vertexProbabilities[i])]);
  });
  const cpInputs = points.flatMap((p) => p.checkpoints.flatMap((c) =>
    (c.meanP ?? []).map((m, i) => [p.label, c.step, num(sc(p).alpha * c.step), i + 1, num(m), num(c.sdP?.[i])])));
  const paths: (string | number)[][] = [];
  for (const p of points) {
    if (!p.paths) continue;
    const a = sc(p).alpha as number, steps = p.paths.steps;
    const ts = steps.map((k) => num(a * k)); // t = αk once per checkpoint (there are tens of thousands of rows)
    p.paths.p.forEach((path, id) => path.forEach((pc, k) => pc.forEach((v, i) => paths.push([p.label, id, steps[k]!, ts[k]!, i + 1, num(v, 8)]))));
  }
  return [
    { name: 'points.csv', text: toCsv(POINT_COLUMNS, pointRows(points, series)) },
    { name: 'inputs.csv', text: toCsv(['point', 'input', 'rate', 'initial_weight', 'p0', 'is_i_star', 'final_vertex_probability'], inputs) },
    { name: 'checkpoints.csv', text: toCsv(CHECKPOINT_COLUMNS, points.flatMap(checkpointRows)) },
    ...(cpInputs.length ? [{ name: 'checkpoint-inputs.csv', text: toCsv(['point', 'step', 't', 'input', 'mean_p', 'sd_p'], cpInputs) }] : []),
    ...(paths.length ? [{ name: 'paths.csv', text: toCsv(['point', 'path', 'step', 't', 'input', 'p'], paths) }] : []),
  ];
}
