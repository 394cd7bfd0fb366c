/** Running sums (n, Σx, Σx²) of independent observations: mergeable by addition, with a t interval of the mean. */
import { tQuantile } from './beta.ts';

export interface Sums {
  n: number;
  sum: number;
  sumSq: number;
}

export const emptySums = (): Sums => ({ n: 0, sum: 0, sumSq: 0 });
export const addSums = (a: Sums, b: Sums): Sums => ({ n: a.n + b.n, sum: a.sum + b.sum, sumSq: a.sumSq + b.sumSq });
/** Add one observation to running sums. */
export function pushSums(s: Sums, x: number): void {
  s.n++;
  s.sum += x;
  s.sumSq += x * x;
}

export interface MeanCI {
  n: number;
  mean: number | null;
  sd: number | null;
  /** 95 % t interval of the mean across copies (null for n < 2). */
  ci: [number, number] | null;
}

/**
 * The interval of a mean of values that lie in [lo, hi] (a rate ≥ 0, a fraction in [0, 1]) cut to that range: the
 * t interval of few copies reaches past it (2 copies: a rate of [−93, 187] Hz), and no mean can lie there.
 */
export function withinRange<M extends { ci: [number, number] | null }>(m: M, lo: number, hi = Infinity): M {
  if (!m.ci || (m.ci[0] >= lo && m.ci[1] <= hi)) return m;
  return { ...m, ci: [Math.min(hi, Math.max(lo, m.ci[0])), Math.max(lo, Math.min(hi, m.ci[1]))] };
}

export function meanCI(s: Sums, level = 0.95): MeanCI {
  if (s.n === 0) return { n: 0, mean: null, sd: null, ci: null };
  const mean = s.sum / s.n;
  if (s.n < 2) return { n: s.n, mean, sd: null, ci: null };
  const v = Math.max(0, (s.sumSq - s.n * mean * mean) / (s.n - 1));
  const sd = Math.sqrt(v);
  const h = tQuantile(level, s.n - 1) * sd / Math.sqrt(s.n);
  return { n: s.n, mean, sd, ci: [mean - h, mean + h] };
}

