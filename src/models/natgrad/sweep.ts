/**
 * The learning-rate sweep of Kreutzer, Petrovici & Senn (2022), Figure 3F / Figure 9D: per rule (and coefficient
 * table) and η/η₀, the convergence time — the first checkpoint at which the mean KL over learners is at or below the
 * cut-off (5·10⁻⁵ in Figure 9D; the authors' Figure9/File01_time2converge.py, np.min(np.where(KL < cutoff))) — and the
 * speed-up S = T_euclidean ÷ T_natural, per η/η₀ (both rules at the same factor, as the figure plots them side by side)
 * and at each rule's best η (the smallest time over the grid).
 *
 * Intervals: a paired bootstrap over learners. Learner t has the same inputs, initial weights, teacher and random
 * numbers in every ensemble (common random numbers), so one resample of learner indices is applied to every ensemble
 * at once and the whole statistic — mean curves, first crossings, the best η per rule, the ratios — is recomputed on
 * it; the 2.5 % and 97.5 % percentiles of NATGRAD_BOOTSTRAP_RESAMPLES resamples (a fixed Philox key, so the interval
 * is reproducible) bound the 95 % interval. A time that is not reached within the run is censored at the run's end T:
 * the true time exceeds T, so a ratio with a censored Euclidean time is a lower bound of the speed-up (and with a
 * censored natural time an upper bound); both censored: undefined (dropped from the resamples and counted). The bootstrap reads the kept learners: all of them up to scenario.exactLearners, else the
 * first exactLearners (an iid subset), while the point estimates use every learner's mean (the summary says which).
 */
import { philox4x32, u32ToUniform } from '../../rng/philox.ts';
import type { ResolvedNatgradScenario } from './scenario.ts';
import { NATGRAD_NF, type NatgradEnsembleData, type NatgradEnsembleSummary } from './stats.ts';

export const NATGRAD_BOOTSTRAP_RESAMPLES = 2000;
/** Philox key of the bootstrap's resamples (fixed: the interval is a function of the data alone). */
const BOOT_KEY: [number, number] = [0x5eed, 0xb007];
const BOOT_STREAM = 78;

export interface SweepTime {
  rule: string;
  coefficients: string;
  etaScale: number;
  eta: number;
  /** First checkpoint time (s) with mean KL ≤ cut-off (null: not reached within the run). */
  time: number | null;
  /** 95 % paired-bootstrap interval (null bound: +∞, not reached in that tail). */
  ci: [number | null, number | null];
}

export interface SweepSpeedup {
  /** Coefficient table of the natural rule. */
  coefficients: string;
  /** η/η₀ of both rules, or "best": each rule at its own fastest η of the grid. */
  etaScale: number | 'best';
  euclideanEta: number | null;
  naturalEta: number | null;
  /** T_euclidean ÷ T_natural, times not reached censored at the run's end (null: neither reached). */
  value: number | null;
  /** "lower bound": the Euclidean time is censored (S is at least value); "upper bound": the natural one is. */
  kind: 'estimate' | 'lower bound' | 'upper bound' | 'undefined';
  ci: [number | null, number | null];
  /** Resamples in which the ratio is defined (not ∞/∞). */
  definedResamples: number;
}

export interface NatgradSweep {
  cutoff: number;
  etaScales: number[];
  eta0: Record<string, number>;
  resamples: number;
  /** Learners resampled (kept ones) and learners behind the point estimates. */
  bootstrapLearners: number;
  learners: number;
  times: SweepTime[];
  speedups: SweepSpeedup[];
}

/** First time of the mean curve at or below the cut-off after t = 0 (+∞: never). */
function crossing(mean: ArrayLike<number>, times: number[], cutoff: number): number {
  for (let c = 1; c < times.length; c++) if (mean[c]! <= cutoff) return times[c]!;
  return Infinity;
}

/** The mean KL curve of the kept learners with multiplicities w (finite values only, as the summary's means). */
function meanCurve(kl: Float64Array, L: number, C: number, w: Float64Array, out: Float64Array): void {
  for (let c = 0; c < C; c++) {
    let s = 0, n = 0;
    for (let t = 0; t < L; t++) {
      const x = kl[t * C + c]!;
      if (w[t]! && Number.isFinite(x)) { s += w[t]! * x; n += w[t]!; }
    }
    out[c] = n ? s / n : NaN;
  }
}

function percentile(xs: number[], q: number): number | null {
  if (!xs.length) return null;
  const v = [...xs].sort((a, b) => a - b);
  const h = (v.length - 1) * q, lo = Math.floor(h), hi = Math.ceil(h);
  const r = v[lo] === v[hi] ? v[lo]! : v[lo]! + (h - lo) * (v[hi]! - v[lo]!);
  return Number.isFinite(r) ? r : null;
}

/** T_e ÷ T_n with times not reached (+∞) censored at tEnd; NaN when both are censored. */
const ratioAt = (tEnd: number) => (e: number, n: number) => (!Number.isFinite(e) && !Number.isFinite(n) ? NaN : Math.min(e, tEnd) / Math.min(n, tEnd));
const kindOf = (e: number, n: number): SweepSpeedup['kind'] =>
  Number.isFinite(e) ? (Number.isFinite(n) ? 'estimate' : 'upper bound') : Number.isFinite(n) ? 'lower bound' : 'undefined';

/** The sweep's times and speed-ups, or null when the scenario has no `etaScale` or lacks a rule to compare. */
export function natgradSweep(
  s: ResolvedNatgradScenario, data: NatgradEnsembleData[], sums: NatgradEnsembleSummary[], resamples = NATGRAD_BOOTSTRAP_RESAMPLES,
): NatgradSweep | null {
  if (!s.eta0 || !s.ensembles.some((e) => e.rule === 'euclidean') || !s.ensembles.some((e) => e.rule === 'natural')) return null;
  const times = s.checkpointTimes, C = times.length, cutoff = s.klThreshold;
  const ratio = ratioAt(times[C - 1]!);
  const scales = [...new Set(s.ensembles.map((e) => e.etaScale!))];
  const L = data[0]?.kept ?? 0;
  // KL of the kept learners per ensemble, [t·C + c]
  const kl = data.map((d) => {
    const x = new Float64Array(L * C);
    for (let t = 0; t < L; t++) for (let c = 0; c < C; c++) x[t * C + c] = d.values[(t * C + c) * NATGRAD_NF]!;
    return x;
  });
  const point = sums.map((e) => {
    const m = e.checkpoints.map((c) => c.fields.kl.mean ?? NaN);
    return crossing(m, times, cutoff);
  });
  const idx = (rule: string, coefficients: string) => s.ensembles.flatMap((e, i) => (e.rule === rule && e.coefficients === coefficients ? [i] : []));
  const euc = idx('euclidean', 'exact');
  const natCoeffs = [...new Set(s.ensembles.filter((e) => e.rule === 'natural').map((e) => e.coefficients))];
  const at = (list: number[], scale: number) => list.find((i) => s.ensembles[i]!.etaScale === scale)!;
  const best = (list: number[], T: ArrayLike<number>) => list.reduce((a, i) => (T[i]! < T[a]! ? i : a), list[0]!);

  // bootstrap: per resample, every ensemble's crossing time
  const bootT: Float64Array[] = [];
  const w = new Float64Array(L), mean = new Float64Array(C), words = new Uint32Array(4);
  for (let b = 0; L > 1 && b < resamples; b++) {
    w.fill(0);
    for (let j = 0; j < L; j++) {
      if ((j & 3) === 0) philox4x32(b, j >>> 2, BOOT_STREAM, 0, BOOT_KEY[0], BOOT_KEY[1], words);
      w[Math.min(L - 1, Math.floor(u32ToUniform(words[j & 3]!) * L))]++;
    }
    const T = new Float64Array(data.length);
    data.forEach((_, e) => { meanCurve(kl[e]!, L, C, w, mean); T[e] = crossing(mean, times, cutoff); });
    bootT.push(T);
  }
  const interval = (f: (T: ArrayLike<number>) => number): { ci: [number | null, number | null]; defined: number } => {
    const xs = bootT.map(f).filter((x) => !Number.isNaN(x));
    // percentile() returns null for an infinite bound: "not reached" in that tail
    return { ci: [percentile(xs, 0.025), percentile(xs, 0.975)], defined: xs.length };
  };
  const fin = (x: number) => (Number.isFinite(x) ? x : null);

  const timesOut: SweepTime[] = s.ensembles.map((e, i) => ({
    rule: e.rule, coefficients: e.coefficients, etaScale: e.etaScale!, eta: e.eta, time: fin(point[i]!), ci: interval((T) => T[i]!).ci,
  }));
  const speedups: SweepSpeedup[] = [];
  for (const coefficients of natCoeffs) {
    const nat = idx('natural', coefficients);
    for (const scale of scales) {
      const ie = at(euc, scale), inat = at(nat, scale);
      const iv = interval((T) => ratio(T[ie]!, T[inat]!));
      speedups.push({
        coefficients, etaScale: scale, euclideanEta: s.ensembles[ie]!.eta, naturalEta: s.ensembles[inat]!.eta,
        value: fin(ratio(point[ie]!, point[inat]!)), kind: kindOf(point[ie]!, point[inat]!), ci: iv.ci, definedResamples: iv.defined,
      });
    }
    const be = best(euc, point), bn = best(nat, point);
    const iv = interval((T) => ratio(T[best(euc, T)]!, T[best(nat, T)]!));
    speedups.push({
      coefficients, etaScale: 'best', euclideanEta: Number.isFinite(point[be]!) ? s.ensembles[be]!.eta : null,
      naturalEta: Number.isFinite(point[bn]!) ? s.ensembles[bn]!.eta : null,
      value: fin(ratio(point[be]!, point[bn]!)), kind: kindOf(point[be]!, point[bn]!), ci: iv.ci, definedResamples: iv.defined,
    });
  }
  return {
    cutoff, etaScales: scales, eta0: s.eta0 as Record<string, number>, resamples: bootT.length,
    bootstrapLearners: L, learners: data[0]?.n ?? 0, times: timesOut, speedups,
  };
}
