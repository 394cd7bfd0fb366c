/**
 * Mergeable ensemble statistics at one checkpoint. Every engine produces these raw accumulators (counts, a fixed
 * histogram held as its occupied bins (sparse-hist.ts), and (n, mean, M2) triples); batches, chunks and
 * shards merge exactly for counts and within rounding for the moments (Chan et al.'s parallel update). Summaries
 * (quantiles, sd) are derived from them.
 *
 * Per trajectory the reduced quantities are
 *   L = log(1 − p_{i*})   (the log-gap; computed without cancellation, see logGap in the engines)
 *   G = 1 − p_{i*} = Σ_{j≠i*} p_j
 *   argmax_i p_i, and p itself (mean per coordinate, for d ≤ MAX_D_MEAN_P).
 */

import { emptyHist, histAdd, histFromPairs, histPairs, mergeHists, type SparseHist } from './sparse-hist.ts';

/** Thresholds δ for the counts of trajectories with 1 − p_{i*} < δ. */
export const DELTAS = [1e-2, 1e-4, 1e-8] as const;
export const LOG_DELTAS = DELTAS.map(Math.log);

/**
 * Histogram of −L on a log scale: bin b covers ln(−L) ∈ [H_LO + b·w, H_LO + (b+1)·w), w = (H_HI − H_LO)/H_BINS,
 * for −L ∈ [1e-8, 1e8]; values outside fall into the first/last bin. Relative resolution of a quantile of L:
 * e^w − 1 ≈ 0.9 %, before linear interpolation within the bin.
 */
export const H_BINS = 4096;
export const H_LO = Math.log(1e-8);
export const H_HI = Math.log(1e8);
export const H_SCALE = H_BINS / (H_HI - H_LO);

/** Mean of p per coordinate is tracked for d up to this (beyond it the per-workgroup partials grow too large). */
export const MAX_D_MEAN_P = 32;

export function histBin(L: number): number {
  const v = -L;
  if (!(v > 1e-8)) return 0;
  const b = Math.floor((Math.log(v) - H_LO) * H_SCALE);
  return b < 0 ? 0 : b >= H_BINS ? H_BINS - 1 : b;
}

export interface Moments {
  n: number;
  mean: number;
  m2: number;
}

export function mergeMoments(a: Moments, b: Moments): Moments {
  if (b.n === 0) return { ...a };
  if (a.n === 0) return { ...b };
  const n = a.n + b.n;
  const delta = b.mean - a.mean;
  return { n, mean: a.mean + (delta * b.n) / n, m2: a.m2 + b.m2 + (delta * delta * a.n * b.n) / n };
}

/** Raw, mergeable statistics of one checkpoint. */
export interface CheckpointAccumulator {
  step: number;
  n: number;
  successCount: number;
  vertexCounts: number[];
  belowDelta: number[];
  /** Counts of the H_BINS histogram of −L (histBin), as its occupied bins. */
  hist: SparseHist;
  logGap: Moments;
  /** Smallest and largest L (exact; they also bound the histogram quantiles). */
  minLogGap: number;
  maxLogGap: number;
  gap: Moments;
  /** L and G over the trajectories whose argmax at this checkpoint is i* (the success event, seen at step k). */
  logGapSuccess: Moments;
  gapSuccess: Moments;
  /** Moments of each p_i, or null where d > MAX_D_MEAN_P. */
  p: Moments[] | null;
}

export function emptyAccumulator(step: number, d: number): CheckpointAccumulator {
  return {
    step,
    n: 0,
    successCount: 0,
    vertexCounts: new Array(d).fill(0),
    belowDelta: DELTAS.map(() => 0),
    hist: emptyHist(),
    logGap: { n: 0, mean: 0, m2: 0 },
    minLogGap: Infinity,
    maxLogGap: -Infinity,
    gap: { n: 0, mean: 0, m2: 0 },
    logGapSuccess: { n: 0, mean: 0, m2: 0 },
    gapSuccess: { n: 0, mean: 0, m2: 0 },
    p: d <= MAX_D_MEAN_P ? Array.from({ length: d }, () => ({ n: 0, mean: 0, m2: 0 })) : null,
  };
}

export function mergeAccumulators(a: CheckpointAccumulator, b: CheckpointAccumulator): CheckpointAccumulator {
  return mergeAccumulatorList([a, b]);
}

/**
 * Merge many accumulators of one checkpoint in order: the same numbers as folding mergeAccumulators left to right
 * (the moments are merged pairwise in the same order), with one histogram allocated instead of one per merge and
 * plain loops (a run merges every checkpoint of every grid point). A single accumulator comes back as it is: a
 * finished batch's accumulators are not changed again (only an engine adds to its own, while it runs).
 */
export function mergeAccumulatorList(list: readonly CheckpointAccumulator[]): CheckpointAccumulator {
  const first = list[0]!;
  if (list.length === 1) return first;
  const hists: SparseHist[] = new Array(list.length);
  for (let j = 0; j < list.length; j++) hists[j] = list[j]!.hist;
  const hist = mergeHists(hists);
  let n = first.n, successCount = first.successCount, minLogGap = first.minLogGap, maxLogGap = first.maxLogGap;
  let logGap = first.logGap, gap = first.gap, logGapSuccess = first.logGapSuccess, gapSuccess = first.gapSuccess;
  let vertexCounts = first.vertexCounts, belowDelta = first.belowDelta, p = first.p;
  for (let j = 1; j < list.length; j++) {
    const b = list[j]!;
    if (first.step !== b.step) throw new Error(`cannot merge statistics of step ${first.step} with step ${b.step}`);
    n += b.n;
    successCount += b.successCount;
    vertexCounts = addCounts(vertexCounts, b.vertexCounts);
    belowDelta = addCounts(belowDelta, b.belowDelta);
    logGap = mergeMoments(logGap, b.logGap);
    minLogGap = Math.min(minLogGap, b.minLogGap);
    maxLogGap = Math.max(maxLogGap, b.maxLogGap);
    gap = mergeMoments(gap, b.gap);
    logGapSuccess = mergeMoments(logGapSuccess, b.logGapSuccess);
    gapSuccess = mergeMoments(gapSuccess, b.gapSuccess);
    if (p && b.p) {
      const q: Moments[] = new Array(p.length);
      for (let i = 0; i < p.length; i++) q[i] = mergeMoments(p[i]!, b.p[i]!);
      p = q;
    } else p = null;
  }
  return { step: first.step, n, successCount, vertexCounts, belowDelta, hist, logGap, minLogGap, maxLogGap, gap, logGapSuccess, gapSuccess, p };
}

/** a + b entry by entry, over a's entries (a new array). */
function addCounts(a: number[], b: number[]): number[] {
  const out: number[] = new Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! + b[i]!;
  return out;
}

/** Is a moment fine for the integrity checks: nothing counted, or a finite mean and M2? */
export const momentFine = (m: Moments): boolean => !(m.n > 0) || (Number.isFinite(m.mean) && Number.isFinite(m.m2));

/** Are all of an accumulator's moments fine (momentFine: L, G, both on the success event, each p_i)? */
export function momentsFine(a: CheckpointAccumulator): boolean {
  if (!(momentFine(a.logGap) && momentFine(a.gap) && momentFine(a.logGapSuccess) && momentFine(a.gapSuccess))) return false;
  if (a.p) for (let i = 0; i < a.p.length; i++) if (!momentFine(a.p[i]!)) return false;
  return true;
}

/** Welford update with one observation (the CPU and gpu.js engines). */
export function pushMoment(m: Moments, x: number): void {
  m.n += 1;
  const delta = x - m.mean;
  m.mean += delta / m.n;
  m.m2 += delta * (x - m.mean);
}

/** Histogram bins held back for one histAddBins (a batch of trajectories at one checkpoint, added at once). */
export interface BinScratch {
  list: Uint32Array;
  n: number;
}

/**
 * Add one trajectory's reduced quantities to an accumulator (host-side engines). With `bins`, its histogram bin is
 * appended there instead, for the caller to add with the rest of its batch (sparse-hist.ts histAddBins).
 */
export function accumulateTrajectory(
  acc: CheckpointAccumulator, iStar: number, L: number, G: number, argmax: number, p: ArrayLike<number> | null, bins?: BinScratch,
): void {
  acc.n += 1;
  if (argmax === iStar) {
    acc.successCount += 1;
    pushMoment(acc.logGapSuccess, L);
    pushMoment(acc.gapSuccess, G);
  }
  acc.vertexCounts[argmax] += 1;
  for (let j = 0; j < LOG_DELTAS.length; j++) if (L < LOG_DELTAS[j]!) acc.belowDelta[j] += 1;
  if (bins) bins.list[bins.n++] = histBin(L);
  else histAdd(acc.hist, histBin(L));
  pushMoment(acc.logGap, L);
  if (L < acc.minLogGap) acc.minLogGap = L;
  if (L > acc.maxLogGap) acc.maxLogGap = L;
  pushMoment(acc.gap, G);
  if (acc.p && p) for (let i = 0; i < acc.p.length; i++) pushMoment(acc.p[i]!, p[i]!);
}

/**
 * Quantile q of L from the histogram of −L (linear interpolation of the CDF inside a bin, in ln(−L)), clamped to
 * the exact [min L, max L]. The q-quantile of L is the (1 − q)-quantile of −L. Returns null for an empty accumulator.
 */
export function logGapQuantile(a: CheckpointAccumulator, q: number): number | null {
  return logGapQuantiles(a, [q])[0]!.value;
}

/**
 * { q, value: logGapQuantile(a, q) } for each level, from one pass over the histogram's occupied bins: the levels are
 * taken in the order of their ranks in −L (rank (1 − q)·n, so the highest q first), each starting where the last one
 * stopped. Each value is the first occupied bin where the cumulative count reaches its rank, interpolated linearly
 * inside it in ln(−L); empty bins add nothing to the cumulative count, so skipping them gives the numbers of a scan of
 * every bin.
 */
export function logGapQuantiles(a: CheckpointAccumulator, qs: readonly number[]): { q: number; value: number | null }[] {
  const rows: { q: number; value: number | null }[] = new Array(qs.length);
  if (a.n === 0 || a.minLogGap === a.maxLogGap) {
    // Nothing counted; or all trajectories at one L (one trajectory, or step 0): the clamp to [min L, max L] leaves
    // nothing else.
    const v = a.n === 0 ? null : a.minLogGap;
    for (let j = 0; j < qs.length; j++) rows[j] = { q: qs[j]!, value: v };
    return rows;
  }
  const order = levelsByRank(qs);
  const bins = a.hist.bins, cnt = a.hist.counts, m = cnt.length;
  let i = 0, cum = 0;
  for (let r = 0; r < order.length; r++) {
    const j = order[r]!, target = (1 - qs[j]!) * a.n; // rank in −L, ascending
    while (i < m && cum + cnt[i]! < target) cum += cnt[i++]!;
    let v: number;
    if (i < m) {
      const frac = Math.min(1, Math.max(0, (target - cum) / cnt[i]!));
      v = -Math.exp(H_LO + (bins[i]! + frac) / H_SCALE);
    } else v = -Math.exp(H_HI);
    rows[j] = { q: qs[j]!, value: Math.min(a.maxLogGap, Math.max(a.minLogGap, v)) };
  }
  return rows;
}

/** The indices of the levels, highest q first (ascending rank (1 − q)·n; ties in their given order). */
function levelsByRank(qs: readonly number[]): number[] {
  const order: number[] = new Array(qs.length);
  for (let j = 0; j < qs.length; j++) {
    let k = j;
    while (k > 0 && qs[order[k - 1]!]! < qs[j]!) {
      order[k] = order[k - 1]!;
      k--;
    }
    order[k] = j;
  }
  return order;
}

export function sd(m: Moments): number | null {
  return m.n > 1 ? Math.sqrt(m.m2 / (m.n - 1)) : m.n === 1 ? 0 : null;
}

export const QUANTILE_LEVELS = [0.1, 0.5, 0.9] as const;

export interface CheckpointSummary {
  step: number;
  trajectories: number;
  successCount: number;
  vertexCounts: number[];
  meanLogGap: number | null;
  sdLogGap: number | null;
  meanGap: number | null;
  sdGap: number | null;
  /** The same on the success event (argmax p = i* at this step). */
  meanLogGapOnSuccess: number | null;
  sdLogGapOnSuccess: number | null;
  meanGapOnSuccess: number | null;
  sdGapOnSuccess: number | null;
  /** Quantiles of log(1 − p_{i*}) at 10/50/90 % from the device histogram (≈0.9 % relative resolution). */
  logGapQuantiles: { q: number; value: number | null }[];
  minLogGap: number | null;
  maxLogGap: number | null;
  /** Counts with 1 − p_{i*} < δ. */
  belowDelta: { delta: number; count: number }[];
  /** Mean and standard deviation of each p_i over trajectories (null where d > 32). */
  meanP: number[] | null;
  sdP: number[] | null;
}

/**
 * The summary of one accumulator (summary.json has one per checkpoint and grid point: thousands in a sweep, so this
 * is written as plain loops without a callback per field; the numbers and the key order are those of the fields
 * below).
 */
export function summarizeCheckpoint(a: CheckpointAccumulator): CheckpointSummary {
  const below: { delta: number; count: number }[] = new Array(DELTAS.length);
  for (let j = 0; j < DELTAS.length; j++) below[j] = { delta: DELTAS[j]!, count: a.belowDelta[j]! };
  let meanP: number[] | null = null, sdP: number[] | null = null;
  if (a.p) {
    meanP = new Array(a.p.length);
    sdP = new Array(a.p.length);
    for (let i = 0; i < a.p.length; i++) {
      meanP[i] = a.p[i]!.mean;
      sdP[i] = sd(a.p[i]!) ?? 0;
    }
  }
  return {
    step: a.step,
    trajectories: a.n,
    successCount: a.successCount,
    vertexCounts: a.vertexCounts.slice(),
    meanLogGap: a.n ? a.logGap.mean : null,
    sdLogGap: sd(a.logGap),
    meanGap: a.n ? a.gap.mean : null,
    sdGap: sd(a.gap),
    meanLogGapOnSuccess: a.logGapSuccess.n ? a.logGapSuccess.mean : null,
    sdLogGapOnSuccess: sd(a.logGapSuccess),
    meanGapOnSuccess: a.gapSuccess.n ? a.gapSuccess.mean : null,
    sdGapOnSuccess: sd(a.gapSuccess),
    logGapQuantiles: logGapQuantiles(a, QUANTILE_LEVELS),
    minLogGap: a.n ? a.minLogGap : null,
    maxLogGap: a.n ? a.maxLogGap : null,
    belowDelta: below,
    meanP,
    sdP,
  };
}

/** Serialisable form (the histogram as a sparse list) for state files and merging across processes. */
export function accumulatorToJSON(a: CheckpointAccumulator): object {
  return { ...a, hist: histPairs(a.hist), minLogGap: a.n ? a.minLogGap : null, maxLogGap: a.n ? a.maxLogGap : null };
}

export function accumulatorFromJSON(o: any): CheckpointAccumulator {
  const hist = histFromPairs(o.hist as [number, number][], H_BINS);
  return { ...o, hist, minLogGap: o.minLogGap ?? Infinity, maxLogGap: o.maxLogGap ?? -Infinity };
}
