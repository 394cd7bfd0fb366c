/**
 * Statistics of Model B (Song, Miller & Abbott 2000), mergeable across batches and shards.
 *
 * Per copy the engines return its output spike counts per rate window, the weight histogram (SONG_BINS bins of
 * g_max/10; w = g_max falls into the last bin) and the mean weight at every checkpoint, and a fault-flag word. The
 * accumulator keeps, per window, the moments of the per-copy rate; per checkpoint the ensemble histogram and the
 * moments of the per-copy fractions near 0 (bin 0: w < 0.1·g_max) and near g_max (bin 9: w ≥ 0.9·g_max) and of the
 * mean weight; the moments of the per-copy rate over the first and the last `span` seconds; and the count of copies
 * whose own final histogram is bimodal. Intervals: mean ± t_{n−1}·sd/√n across copies (copies are independent).
 */
import { tQuantile } from '../../stats/beta.ts';
import { addSums, emptySums, meanCI, pushSums, withinRange, type MeanCI, type Sums } from '../../stats/running-sums.ts';
export { addSums, emptySums, meanCI, pushSums, type MeanCI, type Sums };

export const SONG_BINS = 10;

/** Fault flags (OR-ed per copy): what must never happen. */
export const SONG_FLAG = {
  nonFinite: 1, // NaN or ±Inf in v, g_e, A_post or a weight
  negativeConductance: 2, // g_e < 0
  negativePreTrace: 4, // A_pre,i < 0
  positivePostTrace: 8, // A_post > 0 (A_post is a depression trace: ΔA_post < 0)
  weightOutOfBounds: 16, // w outside [0, g_max]
  nonPositiveInterval: 32, // an input's inter-spike interval or the output's ≤ 0 steps
} as const;

/** Per-copy raw output of an engine for copies [0, n) of a batch. */
export interface SongCopyData {
  n: number;
  /** [copy · windows + w]: output spikes in window w. */
  windowCounts: Uint32Array;
  /** [(copy · checkpoints + c) · SONG_BINS + b]. */
  hists: Uint32Array;
  /** [copy · checkpoints + c]: mean weight. */
  meanW: Float64Array | Float32Array;
  /** [copy]: SONG_FLAG bits. */
  flags: Uint32Array;
}

export interface SongAccumulator {
  windowSeconds: number;
  /** Per window: moments of the per-copy rate (Hz). */
  windows: Sums[];
  /** Seconds covered by the head and tail spans (first and last min(10 s, duration/2), whole windows). */
  spanSeconds: number;
  spanWindows: number;
  head: Sums;
  tail: Sums;
  checkpoints: {
    step: number;
    time: number;
    hist: number[];
    fracLow: Sums;
    fracHigh: Sums;
    meanW: Sums;
  }[];
  /** Copies whose final histogram has both end bins above twice the mean of the middle bins. */
  bimodalCopies: number;
  /** Final histograms of the first copies (at most KEEP_COPY_HISTS). */
  copyFinalHists: number[][];
  flags: number;
  flaggedCopies: number;
  inputs: number;
}

export const KEEP_COPY_HISTS = 64;

export function emptySongAccumulator(
  windows: number, windowSeconds: number, checkpointSteps: number[], checkpointTimes: number[], inputs: number,
): SongAccumulator {
  const spanWindows = Math.max(1, Math.min(Math.round(10 / windowSeconds), Math.floor(windows / 2)));
  return {
    windowSeconds,
    windows: Array.from({ length: windows }, emptySums),
    spanSeconds: spanWindows * windowSeconds,
    spanWindows,
    head: emptySums(),
    tail: emptySums(),
    checkpoints: checkpointSteps.map((step, c) => ({
      step, time: checkpointTimes[c]!, hist: new Array(SONG_BINS).fill(0),
      fracLow: emptySums(), fracHigh: emptySums(), meanW: emptySums(),
    })),
    bimodalCopies: 0,
    copyFinalHists: [],
    flags: 0,
    flaggedCopies: 0,
    inputs,
  };
}

/** End bins each above twice the mean of the middle bins. */
export function isBimodal(hist: ArrayLike<number>): boolean {
  let mid = 0;
  for (let b = 1; b < SONG_BINS - 1; b++) mid += hist[b]!;
  mid /= SONG_BINS - 2;
  return hist[0]! > 2 * mid && hist[SONG_BINS - 1]! > 2 * mid;
}

/** Fold a batch of per-copy data into the accumulator. */
export function accumulateSong(a: SongAccumulator, d: SongCopyData): void {
  const W = a.windows.length, C = a.checkpoints.length, B = SONG_BINS;
  for (let t = 0; t < d.n; t++) {
    let head = 0, tail = 0;
    for (let w = 0; w < W; w++) {
      const c = d.windowCounts[t * W + w]!;
      pushSums(a.windows[w]!, c / a.windowSeconds);
      if (w < a.spanWindows) head += c;
      if (w >= W - a.spanWindows) tail += c;
    }
    pushSums(a.head, head / a.spanSeconds);
    pushSums(a.tail, tail / a.spanSeconds);
    for (let c = 0; c < C; c++) {
      const cp = a.checkpoints[c]!, o = (t * C + c) * B;
      let tot = 0;
      for (let b = 0; b < B; b++) {
        cp.hist[b] += d.hists[o + b]!;
        tot += d.hists[o + b]!;
      }
      pushSums(cp.fracLow, d.hists[o]! / tot);
      pushSums(cp.fracHigh, d.hists[o + B - 1]! / tot);
      pushSums(cp.meanW, d.meanW[t * C + c]!);
    }
    const last = d.hists.subarray((t * C + C - 1) * B, (t * C + C) * B);
    if (isBimodal(last)) a.bimodalCopies++;
    if (a.copyFinalHists.length < KEEP_COPY_HISTS) a.copyFinalHists.push(Array.from(last));
    if (d.flags[t]) a.flaggedCopies++;
    a.flags |= d.flags[t]!;
  }
}

export function mergeSongAccumulators(a: SongAccumulator, b: SongAccumulator): SongAccumulator {
  return {
    ...a,
    windows: a.windows.map((w, i) => addSums(w, b.windows[i]!)),
    head: addSums(a.head, b.head),
    tail: addSums(a.tail, b.tail),
    checkpoints: a.checkpoints.map((c, i) => {
      const d = b.checkpoints[i]!;
      return {
        ...c, hist: c.hist.map((v, k) => v + d.hist[k]!),
        fracLow: addSums(c.fracLow, d.fracLow), fracHigh: addSums(c.fracHigh, d.fracHigh), meanW: addSums(c.meanW, d.meanW),
      };
    }),
    bimodalCopies: a.bimodalCopies + b.bimodalCopies,
    copyFinalHists: [...a.copyFinalHists, ...b.copyFinalHists].slice(0, KEEP_COPY_HISTS),
    flags: a.flags | b.flags,
    flaggedCopies: a.flaggedCopies + b.flaggedCopies,
  };
}

export interface SongSummary {
  copies: number;
  /** Output rate per window: [start s, end s] with the mean rate (Hz) and its 95 % interval across copies. */
  rate: { t0: number; t1: number; rate: MeanCI }[];
  rateHead: MeanCI & { t0: number; t1: number };
  rateTail: MeanCI & { t0: number; t1: number };
  /** (head − tail)/head of the ensemble means. */
  rateDrop: number | null;
  checkpoints: {
    time: number;
    /** Ensemble histogram as fractions of all weights (SONG_BINS bins of g_max/10). */
    histFractions: number[];
    /** End bins over the mean middle bin of the ensemble histogram. */
    endOverMiddle: [number, number];
    bimodal: boolean;
    fracLow: MeanCI;
    fracHigh: MeanCI;
    meanWeight: MeanCI;
  }[];
  bimodalCopies: number;
  flags: number;
  flaggedCopies: number;
}

export function summarizeSong(a: SongAccumulator): SongSummary {
  const W = a.windows.length;
  const copies = a.head.n;
  // rates are ≥ 0 and fractions in [0, 1]: their intervals stop there (withinRange)
  const rateCI = (s: Sums) => withinRange(meanCI(s), 0), fractionCI = (s: Sums) => withinRange(meanCI(s), 0, 1);
  const head = rateCI(a.head), tail = rateCI(a.tail);
  return {
    copies,
    rate: a.windows.map((w, i) => ({ t0: i * a.windowSeconds, t1: (i + 1) * a.windowSeconds, rate: rateCI(w) })),
    rateHead: { ...head, t0: 0, t1: a.spanSeconds },
    rateTail: { ...tail, t0: (W - a.spanWindows) * a.windowSeconds, t1: W * a.windowSeconds },
    rateDrop: head.mean && tail.mean !== null ? (head.mean - tail.mean) / head.mean : null,
    checkpoints: a.checkpoints.map((c) => {
      const tot = c.hist.reduce((x, y) => x + y, 0) || 1;
      const f = c.hist.map((v) => v / tot);
      const mid = f.slice(1, SONG_BINS - 1).reduce((x, y) => x + y, 0) / (SONG_BINS - 2);
      return {
        time: c.time,
        histFractions: f,
        endOverMiddle: [f[0]! / mid, f[SONG_BINS - 1]! / mid] as [number, number],
        bimodal: isBimodal(c.hist),
        fracLow: fractionCI(c.fracLow),
        fracHigh: fractionCI(c.fracHigh),
        meanWeight: withinRange(meanCI(c.meanW), 0),
      };
    }),
    bimodalCopies: a.bimodalCopies,
    flags: a.flags,
    flaggedCopies: a.flaggedCopies,
  };
}

/** Names of the set fault flags. */
export function flagNames(flags: number): string[] {
  return Object.entries(SONG_FLAG).filter(([, v]) => flags & v).map(([k]) => k);
}
