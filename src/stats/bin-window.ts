/**
 * Counts of a fixed histogram (bins 0 … nbins − 1) stored as the window of bins that holds every nonzero count:
 * bins [lo, lo + counts.length), the first and last of them nonzero (an empty histogram has no bins). An ensemble's
 * values at one checkpoint usually fill a narrow band of a wide histogram (the 4096 bins of L in checkpoint-stats.ts
 * span 16 decades; 100 trajectories at one step occupy a few dozen), so storing, merging, checking and scanning the
 * window costs O(occupied range) instead of O(nbins). The window is canonical (trimmed to its nonzero ends), so two
 * equal histograms have equal windows, and it is a plain object (structured clone carries it to workers).
 */
export interface BinWindow {
  /** Index of the first bin held (0 when empty). */
  lo: number;
  /** Counts of bins lo, lo + 1, …; counts[0] and counts[counts.length − 1] are nonzero unless empty. */
  counts: Uint32Array;
}

export function emptyWindow(): BinWindow {
  return { lo: 0, counts: new Uint32Array(0) };
}

/** Add k to bin b (in place; the window grows to hold b). */
export function windowAdd(w: BinWindow, b: number, k = 1): void {
  if (k === 0) return;
  const n = w.counts.length;
  if (n === 0) {
    w.lo = b;
    w.counts = Uint32Array.of(k);
    return;
  }
  const hi = w.lo + n;
  if (b >= w.lo && b < hi) {
    w.counts[b - w.lo] += k;
    return;
  }
  const lo = Math.min(w.lo, b), len = Math.max(hi, b + 1) - lo;
  const grown = new Uint32Array(len);
  grown.set(w.counts, w.lo - lo);
  grown[b - lo] += k;
  w.lo = lo;
  w.counts = grown;
}

/** The count of bin b. */
export function windowGet(w: BinWindow, b: number): number {
  const i = b - w.lo;
  return i >= 0 && i < w.counts.length ? w.counts[i]! : 0;
}

/**
 * The occupied bins of a window: their offsets (bin − lo) into idx and counts into cnt, ascending; returns how many.
 * The one loop over every bin of a window that the packed state form (checkpoint-pack.ts), merging and the quantiles
 * share: a window is often wide and sparse (two clusters of trajectories far apart in L), so this loop runs
 * over hundreds of thousands of bins in a run of a few thousand windows, and being a single small function it is
 * compiled early instead of each caller's own copy running cold. idx and cnt need w.counts.length entries (nonzero()
 * gives scratch arrays that are reused by the next call).
 */
export function windowNonzero(w: BinWindow, idx: Uint32Array, cnt: Uint32Array): number {
  const c = w.counts;
  let m = 0;
  for (let i = 0; i < c.length; i++) {
    const v = c[i]!;
    if (v !== 0) {
      idx[m] = i;
      cnt[m++] = v;
    }
  }
  return m;
}

let scratchIdx = new Uint32Array(256), scratchCnt = new Uint32Array(256);

/**
 * windowNonzero into shared scratch arrays: { m, idx, cnt } valid until the next call (no allocation per window; the
 * caller copies what it keeps).
 */
export function nonzero(w: BinWindow): { m: number; idx: Uint32Array; cnt: Uint32Array } {
  const n = w.counts.length;
  if (n > scratchIdx.length) {
    scratchIdx = new Uint32Array(Math.max(n, 2 * scratchIdx.length));
    scratchCnt = new Uint32Array(scratchIdx.length);
  }
  return { m: windowNonzero(w, scratchIdx, scratchCnt), idx: scratchIdx, cnt: scratchCnt };
}

/** Sum of all counts. */
export function windowTotal(w: BinWindow): number {
  const c = w.counts;
  let t = 0;
  for (let i = 0; i < c.length; i++) t += c[i]!;
  return t;
}

/** The window of dense counts dense[offset … offset + nbins) (a device's read-back histogram). */
export function windowFromDense(dense: ArrayLike<number>, offset = 0, nbins = dense.length - offset): BinWindow {
  let first = -1, last = -1;
  for (let i = 0; i < nbins; i++) {
    if (dense[offset + i]) {
      if (first < 0) first = i;
      last = i;
    }
  }
  if (first < 0) return emptyWindow();
  const counts = new Uint32Array(last - first + 1);
  for (let i = first; i <= last; i++) counts[i - first] = dense[offset + i]!;
  return { lo: first, counts };
}

/** All nbins counts, zeros included. */
export function windowToDense(w: BinWindow, nbins: number): Uint32Array {
  const dense = new Uint32Array(nbins);
  dense.set(w.counts, w.lo);
  return dense;
}

/**
 * The sum of several windows (exact: integer counts). The first nonempty window is copied in whole (a native copy),
 * the others add their occupied bins. A single window comes back as a copy.
 */
export function mergeWindows(list: readonly BinWindow[]): BinWindow {
  let lo = Infinity, hi = -Infinity, first = -1;
  for (let j = 0; j < list.length; j++) {
    const w = list[j]!;
    if (!w.counts.length) continue;
    if (first < 0) first = j;
    if (w.lo < lo) lo = w.lo;
    if (w.lo + w.counts.length > hi) hi = w.lo + w.counts.length;
  }
  if (!(hi > lo)) return emptyWindow();
  const counts = new Uint32Array(hi - lo);
  counts.set(list[first]!.counts, list[first]!.lo - lo);
  for (let j = first + 1; j < list.length; j++) {
    const w = list[j]!;
    if (!w.counts.length) continue;
    const { m, idx, cnt } = nonzero(w), off = w.lo - lo;
    for (let i = 0; i < m; i++) counts[off + idx[i]!] += cnt[i]!;
  }
  return { lo, counts };
}

/** The nonzero bins as [bin, count] pairs, ascending (the JSON form). */
export function windowPairs(w: BinWindow): [number, number][] {
  const out: [number, number][] = [];
  const c = w.counts;
  for (let i = 0; i < c.length; i++) if (c[i]) out.push([w.lo + i, c[i]!]);
  return out;
}

/** The window of [bin, count] pairs (any order; repeated bins add). Throws on a bin outside [0, nbins). */
export function windowFromPairs(pairs: readonly (readonly [number, number])[], nbins: number): BinWindow {
  const w = emptyWindow();
  let lo = Infinity, hi = -Infinity;
  for (const [b, k] of pairs) {
    if (!(Number.isInteger(b) && b >= 0 && b < nbins)) throw new Error(`histogram bin ${b} outside [0, ${nbins})`);
    if (k) { lo = Math.min(lo, b); hi = Math.max(hi, b + 1); }
  }
  if (!(hi > lo)) return w;
  w.lo = lo;
  w.counts = new Uint32Array(hi - lo);
  for (const [b, k] of pairs) w.counts[b - lo] += k;
  return w;
}
