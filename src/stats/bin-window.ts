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

/** Sum of all counts. */
export function windowTotal(w: BinWindow): number {
  let t = 0;
  const c = w.counts;
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

/** The sum of several windows (exact: integer counts). */
export function mergeWindows(list: readonly BinWindow[]): BinWindow {
  let lo = Infinity, hi = -Infinity;
  for (const w of list) {
    if (!w.counts.length) continue;
    lo = Math.min(lo, w.lo);
    hi = Math.max(hi, w.lo + w.counts.length);
  }
  if (!(hi > lo)) return emptyWindow();
  const counts = new Uint32Array(hi - lo);
  for (const w of list) {
    const c = w.counts, off = w.lo - lo;
    for (let i = 0; i < c.length; i++) counts[off + i] += c[i]!;
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
