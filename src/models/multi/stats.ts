/**
 * Mergeable ensemble statistics of the several-outputs model (src/models/multi/scenario.ts) at one checkpoint.
 *
 * Per trajectory: the Frobenius error E = ‖P − Π‖²/2 (Π: output j on the input with the j-th largest rate), the
 * argmax input of each output, the plateau = number of outputs whose argmax input is not their intended one
 * (0..m), and P itself. Counts merge exactly; moments by Chan et al.'s parallel update; the histogram of E (log
 * bins) gives quantiles. The WebGPU engine reduces into exactly this form.
 */
import { mergeMoments, pushMoment, sd, type Moments } from '../../stats/checkpoint-stats.ts';
import { wilson } from '../../stats/intervals.ts';
import { numberFromJSON, numberToJSON } from '../../core/json-numbers.ts';

/** Log-spaced histogram of E over [E_LO, E_HI] (E ≤ E_LO, including 0, falls into bin 0). */
export const E_BINS = 4096;
export const E_LO = 1e-20;
export const E_HI = 10;
export const E_LN_LO = Math.log(E_LO);
export const E_LN_HI = Math.log(E_HI);
/** Bins per unit of ln E (≈ 1.2 % relative bin width). */
export const E_SCALE = E_BINS / (E_LN_HI - E_LN_LO);

export function errorBin(E: number): number {
  if (!(E > E_LO)) return 0;
  const b = Math.floor((Math.log(E) - E_LN_LO) * E_SCALE);
  return b < 0 ? 0 : b >= E_BINS ? E_BINS - 1 : b;
}

export interface MultiCheckpointAccumulator {
  step: number;
  /** Outputs and inputs. */
  m: number;
  d: number;
  n: number;
  /** Moments of E = ‖P − Π‖²/2. */
  error: Moments;
  minError: number;
  maxError: number;
  hist: Uint32Array;
  /** plateauCounts[q]: trajectories with exactly q outputs whose argmax input is not their intended one (q = 0..m). */
  plateauCounts: number[];
  /** argmaxCounts[j·d + i]: trajectories whose output j has argmax input i. */
  argmaxCounts: number[];
  /** Moments of each p_ji, row-major m × d. */
  p: Moments[];
}

const emptyMoments = (): Moments => ({ n: 0, mean: 0, m2: 0 });

export function emptyMultiAccumulator(step: number, m: number, d: number): MultiCheckpointAccumulator {
  return {
    step, m, d, n: 0,
    error: emptyMoments(), minError: Infinity, maxError: -Infinity,
    hist: new Uint32Array(E_BINS),
    plateauCounts: new Array(m + 1).fill(0),
    argmaxCounts: new Array(m * d).fill(0),
    p: Array.from({ length: m * d }, emptyMoments),
  };
}

export function mergeMultiAccumulators(a: MultiCheckpointAccumulator, b: MultiCheckpointAccumulator): MultiCheckpointAccumulator {
  if (a.step !== b.step || a.m !== b.m || a.d !== b.d) {
    throw new Error(`cannot merge statistics of step ${a.step} (${a.m}×${a.d}) with step ${b.step} (${b.m}×${b.d})`);
  }
  const hist = new Uint32Array(E_BINS);
  for (let i = 0; i < E_BINS; i++) hist[i] = a.hist[i]! + b.hist[i]!;
  return {
    step: a.step, m: a.m, d: a.d, n: a.n + b.n,
    error: mergeMoments(a.error, b.error),
    minError: Math.min(a.minError, b.minError),
    maxError: Math.max(a.maxError, b.maxError),
    hist,
    plateauCounts: a.plateauCounts.map((v, i) => v + b.plateauCounts[i]!),
    argmaxCounts: a.argmaxCounts.map((v, i) => v + b.argmaxCounts[i]!),
    p: a.p.map((mm, i) => mergeMoments(mm, b.p[i]!)),
  };
}

export interface ReducedMulti {
  error: number;
  /** Number of outputs whose argmax input is not the intended one. */
  misplaced: number;
  /** argmax input per output (ties: lowest index). */
  argmax: number[];
}

/** Reduce one trajectory's P (row-major m × d) to (E, argmax per row, misplaced count); E without cancellation. */
export function reduceP(P: ArrayLike<number>, m: number, d: number, target: number[]): ReducedMulti {
  let E = 0, misplaced = 0;
  const argmax: number[] = [];
  for (let j = 0; j < m; j++) {
    const t = target[j]!;
    let g = 0, sq = 0, am = 0;
    for (let i = 0; i < d; i++) {
      const v = P[j * d + i]!;
      if (v > P[j * d + am]!) am = i;
      if (i !== t) {
        g += v;
        sq += v * v;
      }
    }
    E += 0.5 * (g * g + sq);
    argmax.push(am);
    if (am !== t) misplaced++;
  }
  return { error: E, misplaced, argmax };
}

/** Add one trajectory (host-side engines). */
export function accumulateMulti(acc: MultiCheckpointAccumulator, P: ArrayLike<number>, r: ReducedMulti): void {
  acc.n += 1;
  pushMoment(acc.error, r.error);
  if (r.error < acc.minError) acc.minError = r.error;
  if (r.error > acc.maxError) acc.maxError = r.error;
  acc.hist[errorBin(r.error)] += 1;
  acc.plateauCounts[r.misplaced] += 1;
  for (let j = 0; j < acc.m; j++) acc.argmaxCounts[j * acc.d + r.argmax[j]!] += 1;
  for (let i = 0; i < acc.m * acc.d; i++) pushMoment(acc.p[i]!, P[i]!);
}

/** Quantile q of E from the histogram (log-linear interpolation within a bin), clamped to the exact [min, max]. */
export function errorQuantile(a: MultiCheckpointAccumulator, q: number): number | null {
  if (a.n === 0) return null;
  const target = q * a.n;
  let cum = 0;
  for (let b = 0; b < E_BINS; b++) {
    const c = a.hist[b]!;
    if (c > 0 && cum + c >= target) {
      const frac = Math.min(1, Math.max(0, (target - cum) / c));
      const v = b === 0 ? a.minError : Math.exp(E_LN_LO + (b + frac) / E_SCALE);
      return Math.min(a.maxError, Math.max(a.minError, v));
    }
    cum += c;
  }
  return a.maxError;
}

export const MULTI_QUANTILES = [0.1, 0.5, 0.9] as const;

export interface MultiCheckpointSummary {
  step: number;
  trajectories: number;
  meanError: number | null;
  sdError: number | null;
  errorQuantiles: { q: number; value: number | null }[];
  minError: number | null;
  maxError: number | null;
  /** Trajectories and fractions on plateau q = 0..m (q outputs on a wrong input, by argmax). */
  plateauCounts: number[];
  plateauFractions: number[];
  /** Trajectories with at least one output on a wrong input, its fraction and Wilson 95 % interval. */
  wrongCount: number;
  wrongFraction: number | null;
  wrongCI: [number, number];
  /** Mean and sd of P (m × d). */
  meanP: number[][];
  sdP: number[][];
  /** Fraction of trajectories with output j's argmax on input i (m × d). */
  argmaxFractions: number[][];
}

export function summarizeMulti(a: MultiCheckpointAccumulator): MultiCheckpointSummary {
  const rows = <T>(f: (j: number, i: number) => T): T[][] =>
    Array.from({ length: a.m }, (_, j) => Array.from({ length: a.d }, (_, i) => f(j, i)));
  const wrong = a.n - a.plateauCounts[0]!;
  return {
    step: a.step,
    trajectories: a.n,
    meanError: a.n ? a.error.mean : null,
    sdError: sd(a.error),
    errorQuantiles: MULTI_QUANTILES.map((q) => ({ q, value: errorQuantile(a, q) })),
    minError: a.n ? a.minError : null,
    maxError: a.n ? a.maxError : null,
    plateauCounts: [...a.plateauCounts],
    plateauFractions: a.plateauCounts.map((c) => (a.n ? c / a.n : 0)),
    wrongCount: wrong,
    wrongFraction: a.n ? wrong / a.n : null,
    wrongCI: wilson(wrong, a.n),
    meanP: rows((j, i) => a.p[j * a.d + i]!.mean),
    sdP: rows((j, i) => sd(a.p[j * a.d + i]!) ?? 0),
    argmaxFractions: rows((j, i) => (a.n ? a.argmaxCounts[j * a.d + i]! / a.n : 0)),
  };
}

const momentsToJSON = (m: Moments) => ({ n: m.n, mean: numberToJSON(m.mean), m2: numberToJSON(m.m2) });
const momentsFromJSON = (m: any): Moments => ({ n: m.n, mean: numberFromJSON(m.mean), m2: numberFromJSON(m.m2) });

/** Serialisable form (sparse histogram, non-finite numbers as strings) for state logs and merging across processes. */
export function multiAccumulatorToJSON(a: MultiCheckpointAccumulator): object {
  const hist: [number, number][] = [];
  a.hist.forEach((c, b) => c && hist.push([b, c]));
  return {
    ...a, hist, minError: numberToJSON(a.minError), maxError: numberToJSON(a.maxError),
    error: momentsToJSON(a.error), p: a.p.map(momentsToJSON),
  };
}

/** Inverse of multiAccumulatorToJSON (also reads the older form with null for the ±Infinity of an empty accumulator). */
export function multiAccumulatorFromJSON(o: any): MultiCheckpointAccumulator {
  const hist = new Uint32Array(E_BINS);
  for (const [b, c] of o.hist as [number, number][]) hist[b] = c;
  return {
    ...o, hist,
    minError: o.minError === null ? Infinity : numberFromJSON(o.minError),
    maxError: o.maxError === null ? -Infinity : numberFromJSON(o.maxError),
    error: momentsFromJSON(o.error), p: (o.p as unknown[]).map(momentsFromJSON),
  };
}
