/**
 * Slopes of log-gap curves: least squares over a window where the asymptotic regime holds, with intervals from
 * batch means over independent batches of trajectories (each batch is its own ensemble, so the spread of the
 * per-batch slopes gives the Monte Carlo error honestly, correlations along the curve included).
 */
import { tQuantile } from './beta.ts';

export interface LineFit {
  slope: number;
  intercept: number;
  n: number;
}

export function fitLine(x: number[], y: number[]): LineFit {
  const n = x.length;
  if (n < 2) throw new Error('a line needs at least two points');
  let sx = 0, sy = 0;
  for (let i = 0; i < n; i++) { sx += x[i]!; sy += y[i]!; }
  const mx = sx / n, my = sy / n;
  let sxx = 0, sxy = 0;
  for (let i = 0; i < n; i++) { sxx += (x[i]! - mx) ** 2; sxy += (x[i]! - mx) * (y[i]! - my); }
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx, n };
}

export interface MeanInterval {
  mean: number;
  lo: number;
  hi: number;
  /** Standard error of the mean. */
  se: number;
  batches: number;
}

/** Mean of independent batch estimates with a Student-t interval (batch means). */
export function batchMeanInterval(values: number[], level = 0.95): MeanInterval {
  const b = values.length;
  if (b < 2) throw new Error('batch means need at least two batches');
  const mean = values.reduce((a, v) => a + v, 0) / b;
  const v = values.reduce((a, x) => a + (x - mean) ** 2, 0) / (b - 1);
  const se = Math.sqrt(v / b);
  const t = tQuantile(level, b - 1);
  return { mean, lo: mean - t * se, hi: mean + t * se, se, batches: b };
}

/**
 * The asymptotic window: the checkpoints (indices) at which the curve has entered the regime the slope describes,
 * i.e. where `inRegime` holds from there on; at least `minPoints` of them, else null (regime not reached).
 */
export function asymptoticWindow(inRegime: boolean[], minPoints = 3): number[] | null {
  let start = inRegime.length;
  while (start > 0 && inRegime[start - 1]) start--;
  const idx = [];
  for (let i = start; i < inRegime.length; i++) idx.push(i);
  return idx.length >= minPoints ? idx : null;
}

/**
 * Weighted least squares of y = a + b x with known standard errors; returns b with its 95% interval (t with n − 2
 * degrees of freedom, scaled by the residual dispersion when it exceeds 1).
 */
export function weightedSlope(x: number[], y: number[], se: number[]): { slope: number; lo: number; hi: number } | null {
  const n = x.length;
  if (n < 3) return null;
  const w = se.map((s) => 1 / (s * s));
  const W = w.reduce((a, v) => a + v, 0);
  const mx = x.reduce((a, v, i) => a + w[i]! * v, 0) / W;
  const my = y.reduce((a, v, i) => a + w[i]! * v, 0) / W;
  let sxx = 0, sxy = 0;
  for (let i = 0; i < n; i++) { sxx += w[i]! * (x[i]! - mx) ** 2; sxy += w[i]! * (x[i]! - mx) * (y[i]! - my); }
  const slope = sxy / sxx;
  let chi2 = 0;
  for (let i = 0; i < n; i++) chi2 += w[i]! * (y[i]! - my - slope * (x[i]! - mx)) ** 2;
  const disp = Math.max(1, chi2 / (n - 2));
  const half = tQuantile(0.95, n - 2) * Math.sqrt(disp / sxx);
  return { slope, lo: slope - half, hi: slope + half };
}
