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
 * Intervals: mean ± t_{n−1}·sd/√n across learners (independent); bands: the 10 % and 90 % quantiles across learners.
 */
import { tQuantile } from '../../stats/beta.ts';

export const NATGRAD_FIELDS = ['kl', 'rateError', 'weightDistance', 'meanWStim', 'meanWUnstim', 'studentRate', 'teacherRate'] as const;
export type NatgradField = (typeof NATGRAD_FIELDS)[number];
export const NATGRAD_NF = NATGRAD_FIELDS.length;

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

/** Raw per-learner data of one ensemble: values[(t·C + c)·NF + f], flags[t]. */
export interface NatgradEnsembleData {
  rule: string;
  eta: number;
  n: number;
  values: Float64Array | Float32Array;
  flags: Uint32Array;
}

export interface NatgradCheckpointSummary { time: number; fields: Record<NatgradField, Band> }

export interface NatgradEnsembleSummary {
  rule: string;
  eta: number;
  learners: number;
  checkpoints: NatgradCheckpointSummary[];
  /** First checkpoint time with KL ≤ threshold, per learner (censored learners never reach it before the end). */
  timeToThreshold: { threshold: number; reached: number; fraction: number; times: Band; medianAll: number | null };
  flags: number;
  flaggedLearners: number;
}

/** Per-learner first checkpoint index with kl ≤ threshold (−1: not reached). */
export function firstBelow(d: NatgradEnsembleData, C: number, threshold: number): Int32Array {
  const out = new Int32Array(d.n).fill(-1);
  for (let t = 0; t < d.n; t++) {
    for (let c = 0; c < C; c++) if (d.values[(t * C + c) * NATGRAD_NF]! <= threshold) { out[t] = c; break; }
  }
  return out;
}

export function summarizeNatgradEnsemble(d: NatgradEnsembleData, times: number[], threshold: number): NatgradEnsembleSummary {
  const C = times.length;
  const checkpoints = times.map((time, c) => {
    const fields = {} as Record<NatgradField, Band>;
    NATGRAD_FIELDS.forEach((f, k) => {
      const xs: number[] = [];
      for (let t = 0; t < d.n; t++) xs.push(d.values[(t * C + c) * NATGRAD_NF + k]!);
      fields[f] = band(xs);
    });
    return { time, fields };
  });
  const first = firstBelow(d, C, threshold);
  const reachedTimes: number[] = [];
  // Median over all learners with the censored ones at +∞ (defined when more than half reach the threshold).
  const all: number[] = [];
  first.forEach((c) => { if (c >= 0) reachedTimes.push(times[c]!); all.push(c >= 0 ? times[c]! : Infinity); });
  all.sort((a, b) => a - b);
  const medAll = d.n ? quantile(all, 0.5) : null;
  let flags = 0, flagged = 0;
  for (let t = 0; t < d.n; t++) { flags |= d.flags[t]!; if (d.flags[t]) flagged++; }
  return {
    rule: d.rule, eta: d.eta, learners: d.n, checkpoints,
    timeToThreshold: {
      threshold, reached: reachedTimes.length, fraction: d.n ? reachedTimes.length / d.n : 0, times: band(reachedTimes),
      medianAll: medAll !== null && Number.isFinite(medAll) ? medAll : null,
    },
    flags, flaggedLearners: flagged,
  };
}

/** The Bernoulli KL per bin, KL(p* ‖ p) = p* ln(p* ÷ p) + (1 − p*) ln((1 − p*) ÷ (1 − p)). */
export function bernoulliKl(pStar: number, p: number): number {
  return pStar * Math.log(pStar / p) + (1 - pStar) * Math.log((1 - pStar) / (1 - p));
}
