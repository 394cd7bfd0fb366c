/**
 * Per-checkpoint statistics of natural-gradient learner ensembles (src/models/natgrad/cpu-engine.ts, webgpu/natgrad-engine.ts).
 *
 * The engines return, per learner and checkpoint, NATGRAD_FIELDS.length numbers (the per-learner summaries are
 * computed on the device, the ensemble statistics here on the host):
 *   kl          — KL(teacher ‖ student) of the output spike distribution in one time bin dt, averaged over the test
 *                 patterns x^ε_p (stationary input PSPs): with p = φ_max dt σ(β(V − θ)), p* the teacher's,
 *                 KL = p* ln(p* ÷ p) + (1 − p*) ln((1 − p*) ÷ (1 − p)) — the Bernoulli KL per bin of the authors' "cost"
 *                 (Figure3/Figure3B-CF/File05_main_simulation.py), in nats per bin;
 *   rateError   — φ_max · sqrt(mean_p (σ(V_p) − σ(V*_p))²) (Hz), the authors' "error";
 *   weightDistance — ‖w − w*‖ of the somatic weights (NaN for a Poisson teacher);
 *   meanWStim, meanWUnstim — mean somatic weight of the stimulated (r > 0) and unstimulated (r = 0) inputs;
 *   studentRate, teacherRate — output spikes per second since the previous checkpoint (NaN at t = 0).
 * Intervals: mean ± t_{n−1}·sd/√n across learners (independent); bands: the 10 % and 90 % quantiles across learners
 * (of the kept learners above scenario.exactLearners, see NatgradEnsembleData).
 */
import { tQuantile } from '../../stats/beta.ts';
import { withinRange } from '../../stats/running-sums.ts';
import type { NatgradCoefficientChoice } from './authors-table.ts';

export const NATGRAD_FIELDS = ['kl', 'rateError', 'weightDistance', 'meanWStim', 'meanWUnstim', 'studentRate', 'teacherRate'] as const;
export type NatgradField = (typeof NATGRAD_FIELDS)[number];
export const NATGRAD_NF = NATGRAD_FIELDS.length;
/** Fields that cannot be negative (a divergence, an error, a distance, rates): their mean's interval stops at 0. */
const NONNEGATIVE = new Set<NatgradField>(['kl', 'rateError', 'weightDistance', 'studentRate', 'teacherRate']);

/** A band of values ≥ 0: the t interval of their mean cut at 0 (with few learners it reached below: KL [−0.0025, 0.0056]). */
const atLeastZero = (b: Band): Band => withinRange(b, 0);

/** Fault flags (OR-ed per learner). */
export const NATGRAD_FLAG = {
  nonFinite: 1, // NaN or ±Inf in a weight or V
  tableClamped: 2, // (mean, sd) of V left the γ table's grid at some step (coefficients taken at its edge)
} as const;

export function natgradFlagNames(f: number): string[] {
  return Object.entries(NATGRAD_FLAG).filter(([, b]) => f & b).map(([k]) => k);
}

export interface Band {
  n: number;
  mean: number | null;
  /** 95 % interval of the mean (t). */
  ci: [number, number] | null;
  median: number | null;
  q10: number | null;
  q90: number | null;
}

export function quantile(sorted: number[], q: number): number | null {
  if (!sorted.length) return null;
  const h = (sorted.length - 1) * q, lo = Math.floor(h), hi = Math.ceil(h);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

export function band(xs: number[], level = 0.95): Band {
  const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
  const n = v.length;
  if (!n) return { n, mean: null, ci: null, median: null, q10: null, q90: null };
  const mean = v.reduce((a, b) => a + b, 0) / n;
  let ci: [number, number] | null = null;
  if (n > 1) {
    const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
    const h = tQuantile(level, n - 1) * sd / Math.sqrt(n);
    ci = [mean - h, mean + h];
  }
  return { n, mean, ci, median: quantile(v, 0.5), q10: quantile(v, 0.1), q90: quantile(v, 0.9) };
}

/**
 * One ensemble's statistics over a batch of learners, bounded in size (issue 13): the first `kept` learners' values
 * (the learners with index below scenario.exactLearners: values[(t·C + c)·NF + f], flags[t]) and, over all n learners,
 * running sums of every field at every checkpoint (sums[(c·NF + f)·3 + {0: finite count, 1: Σx, 2: Σx²}]) and the
 * counts of the first checkpoint with KL ≤ threshold (below[c], below[C]: never). When every learner is kept the
 * summary is computed from the values exactly as before; otherwise means and intervals come from the sums, the time
 * to threshold from the counts (exact), and the quantile bands from the kept learners (an iid subset).
 */
export interface NatgradEnsembleData {
  rule: string;
  eta: number;
  coefficients: NatgradCoefficientChoice;
  /** Learners counted. */
  n: number;
  /** Learners whose values are kept (a prefix of the batch's learners). */
  kept: number;
  values: Float64Array | Float32Array;
  flags: Uint32Array;
  sums: Float64Array;
  below: Float64Array;
  /** OR of every learner's fault flags, and how many learners have one. */
  flagBits: number;
  flagged: number;
}

/** An ensemble with no learners yet, room for `kept` kept learners (f32 values for the WebGPU engine). */
export function emptyEnsembleData(
  spec: { rule: string; eta: number; coefficients: NatgradCoefficientChoice }, C: number, kept: number, f32 = false,
): NatgradEnsembleData {
  return {
    rule: spec.rule, eta: spec.eta, coefficients: spec.coefficients, n: 0, kept: 0,
    values: f32 ? new Float32Array(kept * C * NATGRAD_NF) : new Float64Array(kept * C * NATGRAD_NF), flags: new Uint32Array(kept),
    sums: new Float64Array(C * NATGRAD_NF * 3), below: new Float64Array(C + 1), flagBits: 0, flagged: 0,
  };
}

/** Learners of [start, end) that are kept: those with index below exactLearners. */
export const keptIn = (range: [number, number], exactLearners: number) => Math.max(0, Math.min(range[1], exactLearners) - range[0]);

/**
 * Fold one learner's C checkpoint records (rec[off + c·NF + f]) into d, learners in index order; `keep`: the learner
 * is one of the kept ones. KL ≤ threshold at checkpoint c counts in below[c] for the first such c.
 */
export function foldLearner(
  d: NatgradEnsembleData, rec: ArrayLike<number>, off: number, C: number, flags: number, keep: boolean, threshold: number,
): void {
  if (keep) {
    for (let k = 0; k < C * NATGRAD_NF; k++) d.values[d.kept * C * NATGRAD_NF + k] = rec[off + k]!;
    d.flags[d.kept++] = flags;
  }
  let first = C;
  for (let c = 0; c < C; c++) {
    for (let f = 0; f < NATGRAD_NF; f++) {
      const x = rec[off + c * NATGRAD_NF + f]!;
      if (!Number.isFinite(x)) continue;
      const o = (c * NATGRAD_NF + f) * 3;
      d.sums[o]++;
      d.sums[o + 1] += x;
      d.sums[o + 2] += x * x;
    }
    if (first === C && rec[off + c * NATGRAD_NF]! <= threshold) first = c;
  }
  d.below[first]++;
  d.n++;
  d.flagBits |= flags;
  if (flags) d.flagged++;
}

/** Band of n finite values from their sums (mean, t interval) with quantiles from a subset. */
function bandFromSums(n: number, sum: number, sumSq: number, subset: number[], level = 0.95): Band {
  if (!n) return { n, mean: null, ci: null, median: null, q10: null, q90: null };
  const mean = sum / n;
  let ci: [number, number] | null = null;
  if (n > 1) {
    const sd = Math.sqrt(Math.max(0, (sumSq - n * mean * mean) / (n - 1)));
    const h = tQuantile(level, n - 1) * sd / Math.sqrt(n);
    ci = [mean - h, mean + h];
  }
  const v = subset.filter(Number.isFinite).sort((a, b) => a - b);
  return { n, mean, ci, median: quantile(v, 0.5), q10: quantile(v, 0.1), q90: quantile(v, 0.9) };
}

/** quantile() of the sorted list that holds counts[c] copies of xs[c] (xs increasing), without building it. */
export function countQuantile(xs: number[], counts: ArrayLike<number>, q: number): number | null {
  let total = 0;
  for (let c = 0; c < xs.length; c++) total += counts[c]!;
  if (!total) return null;
  const at = (k: number) => { let acc = 0; for (let c = 0; c < xs.length; c++) { acc += counts[c]!; if (k < acc) return xs[c]!; } return xs.at(-1)!; };
  const h = (total - 1) * q, lo = Math.floor(h), hi = Math.ceil(h);
  const a = at(lo), b = at(hi);
  return a === b ? a : a + (h - lo) * (b - a);
}

export interface NatgradCheckpointSummary { time: number; fields: Record<NatgradField, Band> }

export interface NatgradEnsembleSummary {
  rule: string;
  eta: number;
  coefficients: NatgradCoefficientChoice;
  learners: number;
  /** Learners whose values gave the quantiles and bands (all of them: the summary is exact). */
  quantileLearners: number;
  checkpoints: NatgradCheckpointSummary[];
  /** First checkpoint time with KL ≤ threshold, per learner (censored learners never reach it before the end). */
  timeToThreshold: { threshold: number; reached: number; fraction: number; times: Band; medianAll: number | null };
  flags: number;
  flaggedLearners: number;
}

/** Per-learner first checkpoint index with kl ≤ threshold (−1: not reached), kept learners. */
export function firstBelow(d: NatgradEnsembleData, C: number, threshold: number): Int32Array {
  const out = new Int32Array(d.kept).fill(-1);
  for (let t = 0; t < d.kept; t++) {
    for (let c = 0; c < C; c++) if (d.values[(t * C + c) * NATGRAD_NF]! <= threshold) { out[t] = c; break; }
  }
  return out;
}

export function summarizeNatgradEnsemble(d: NatgradEnsembleData, times: number[], threshold: number): NatgradEnsembleSummary {
  const C = times.length, exact = d.kept === d.n;
  const checkpoints = times.map((time, c) => {
    const fields = {} as Record<NatgradField, Band>;
    NATGRAD_FIELDS.forEach((f, k) => {
      const xs: number[] = [];
      for (let t = 0; t < d.kept; t++) xs.push(d.values[(t * C + c) * NATGRAD_NF + k]!);
      const o = (c * NATGRAD_NF + k) * 3;
      const b = exact ? band(xs) : bandFromSums(d.sums[o]!, d.sums[o + 1]!, d.sums[o + 2]!, xs);
      fields[f] = NONNEGATIVE.has(f) ? atLeastZero(b) : b;
    });
    return { time, fields };
  });
  let timeToThreshold: NatgradEnsembleSummary['timeToThreshold'];
  if (exact) {
    const first = firstBelow(d, C, threshold);
    const reachedTimes: number[] = [];
    // Median over all learners with the censored ones at +∞ (defined when more than half reach the threshold).
    const all: number[] = [];
    first.forEach((c) => { if (c >= 0) reachedTimes.push(times[c]!); all.push(c >= 0 ? times[c]! : Infinity); });
    all.sort((a, b) => a - b);
    const medAll = d.n ? quantile(all, 0.5) : null;
    timeToThreshold = {
      threshold, reached: reachedTimes.length, fraction: d.n ? reachedTimes.length / d.n : 0, times: atLeastZero(band(reachedTimes)),
      medianAll: medAll !== null && Number.isFinite(medAll) ? medAll : null,
    };
  } else {
    // exact from the counts per checkpoint: the same order statistics as the sorted per-learner times
    let reached = 0, sum = 0, sumSq = 0;
    for (let c = 0; c < C; c++) { reached += d.below[c]!; sum += d.below[c]! * times[c]!; sumSq += d.below[c]! * times[c]! ** 2; }
    const reachedBand = atLeastZero(bandFromSums(reached, sum, sumSq, []));
    const med = countQuantile([...times, Infinity], d.below, 0.5);
    timeToThreshold = {
      threshold, reached, fraction: d.n ? reached / d.n : 0,
      times: { ...reachedBand, median: countQuantile(times, d.below, 0.5), q10: countQuantile(times, d.below, 0.1), q90: countQuantile(times, d.below, 0.9) },
      medianAll: med !== null && Number.isFinite(med) ? med : null,
    };
  }
  return {
    rule: d.rule, eta: d.eta, coefficients: d.coefficients, learners: d.n, quantileLearners: d.kept, checkpoints, timeToThreshold,
    flags: d.flagBits, flaggedLearners: d.flagged,
  };
}

/** The Bernoulli KL per bin, KL(p* ‖ p) = p* ln(p* ÷ p) + (1 − p*) ln((1 − p*) ÷ (1 − p)). */
export function bernoulliKl(pStar: number, p: number): number {
  return pStar * Math.log(pStar / p) + (1 - pStar) * Math.log((1 - pStar) / (1 - p));
}
