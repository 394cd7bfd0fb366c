/**
 * Counts of a fixed histogram (bins 0 … nbins − 1) stored as its occupied bins only: the bins holding a nonzero count,
 * ascending, with their counts. An ensemble's values at one checkpoint occupy few bins of a wide histogram (the 4096
 * bins of L in checkpoint-stats.ts span 16 decades; 100 trajectories occupy at most 100 bins), but not a narrow band
 * of it: the failing paths' L sit near 0 and the converged ones' tens of units lower, so a window from the first to
 * the last occupied bin (the form this replaced) was a thousand bins wide for a few dozen counts. Every read of the
 * histogram (the integrity check, the state log's packed form, merging, the quantiles) runs over the occupied bins
 * alone: for `experiments/fig2-simplex.json` about 7 000 instead of 130 000 per batch, which in a short run's cold
 * code was a large part of the run layer's cost. The form is canonical (no zero counts, bins strictly ascending), so
 * two equal histograms have equal objects, and it is a plain object (structured clone carries it to workers).
 */
import { wasmInstance } from '../core/wasm-module.ts';
import { HIST_MERGE_WASM_BASE64 } from './wasm/hist-merge-wasm.ts';

export interface SparseHist {
  /** The occupied bins, strictly ascending. */
  bins: Uint32Array;
  /** Their counts, each positive. */
  counts: Uint32Array;
}

export function emptyHist(): SparseHist {
  return { bins: new Uint32Array(0), counts: new Uint32Array(0) };
}

/** The index of the first occupied bin ≥ b (the number of occupied bins below b). */
function lowerBound(bins: Uint32Array, b: number): number {
  let lo = 0, hi = bins.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (bins[mid]! < b) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Add k (a positive count) to bin b, in place (a bin not yet occupied gets arrays one longer). For one value at a time
 * (the spiking engine's copies); a batch of values goes through histAddBins.
 */
export function histAdd(h: SparseHist, b: number, k = 1): void {
  if (k === 0) return;
  if (!(Number.isInteger(k) && k > 0)) throw new Error(`histogram count ${k} is not a positive integer`);
  const i = lowerBound(h.bins, b);
  if (i < h.bins.length && h.bins[i] === b) {
    h.counts[i] += k;
    return;
  }
  const m = h.bins.length;
  const bins = new Uint32Array(m + 1), counts = new Uint32Array(m + 1);
  bins.set(h.bins.subarray(0, i));
  counts.set(h.counts.subarray(0, i));
  bins[i] = b;
  counts[i] = k;
  bins.set(h.bins.subarray(i), i + 1);
  counts.set(h.counts.subarray(i), i + 1);
  h.bins = bins;
  h.counts = counts;
}

let countScratch = new Uint32Array(4096);

/**
 * Add one count to each of the bins list[0 … n) (any order, repeats allowed), in place, then merge them with the
 * occupied bins. Many values over a narrow span (a large batch at one checkpoint) are counted in a dense scratch over
 * their span, O(n + span); few values over a wide span are sorted natively (the list is scratch: its order changes).
 */
export function histAddBins(h: SparseHist, list: Uint32Array, n: number): void {
  if (n <= 0) return;
  let lo = list[0]!, hi = lo;
  for (let i = 1; i < n; i++) {
    const b = list[i]!;
    if (b < lo) lo = b;
    else if (b > hi) hi = b;
  }
  const span = hi - lo + 1;
  const add = span <= 4 * n + 64 ? countedBins(list, n, lo, span) : sortedBins(list, n);
  const sum = h.bins.length ? mergeTwo(h, add) : add;
  h.bins = sum.bins;
  h.counts = sum.counts;
}

/** The bins list[0 … n), all in [lo, lo + span), counted in the dense scratch (left zeroed again). */
function countedBins(list: Uint32Array, n: number, lo: number, span: number): SparseHist {
  if (countScratch.length < span) countScratch = new Uint32Array(Math.max(span, 2 * countScratch.length));
  const c = countScratch;
  for (let i = 0; i < n; i++) c[list[i]! - lo]++;
  const h = histFromDense(c, 0, span, lo);
  c.fill(0, 0, span);
  return h;
}

/** The bins list[0 … n) sorted (in place) and counted in runs. */
function sortedBins(list: Uint32Array, n: number): SparseHist {
  const s = list.subarray(0, n).sort();
  let u = 1;
  for (let i = 1; i < n; i++) if (s[i] !== s[i - 1]) u++;
  const bins = new Uint32Array(u), counts = new Uint32Array(u);
  let j = 0;
  bins[0] = s[0]!;
  counts[0] = 1;
  for (let i = 1; i < n; i++) {
    if (s[i] === s[i - 1]) counts[j]! += 1;
    else {
      bins[++j] = s[i]!;
      counts[j] = 1;
    }
  }
  return { bins, counts };
}

/** The WebAssembly merge (wasm/hist-merge.wat) and a view of its memory; null where it cannot run (or not made yet). */
let merger: { merge(na: number, nb: number): number; u32: Uint32Array } | null | undefined;

function wasmMerger(): typeof merger {
  if (merger === undefined) {
    const inst = wasmInstance(HIST_MERGE_WASM_BASE64);
    const memory = inst?.exports.memory as WebAssembly.Memory | undefined;
    merger = inst && memory ? { merge: inst.exports.merge as (na: number, nb: number) => number, u32: new Uint32Array(memory.buffer) } : null;
  }
  return merger;
}

/** Does mergeTwo run in WebAssembly here? */
export function histMergeInWasm(): boolean {
  return !!wasmMerger();
}

/** Bins per histogram the WebAssembly merge has room for (its two pages hold 4·(na + nb) words). */
const WASM_MERGE_MAX = 4096;

/**
 * The sum of two histograms: their occupied bins merged in one pass (into room for both, then cut to length). In
 * WebAssembly where it runs (the same numbers: wasm/hist-merge.wat): a run merges every checkpoint of every grid point
 * of two batches or more, and this loop, run for the first time in a short run, was most of that merge's time.
 */
export function mergeTwo(a: SparseHist, b: SparseHist): SparseHist {
  const ab = a.bins, ac = a.counts, bb = b.bins, bc = b.counts;
  const na = ab.length, nb = bb.length;
  const w = na <= WASM_MERGE_MAX && nb <= WASM_MERGE_MAX ? wasmMerger() : null;
  if (w) {
    const u = w.u32;
    u.set(ab, 0);
    u.set(ac, na);
    u.set(bb, 2 * na);
    u.set(bc, 2 * na + nb);
    const k = w.merge(na, nb), o = 2 * (na + nb);
    return { bins: u.slice(o, o + k), counts: u.slice(o + na + nb, o + na + nb + k) };
  }
  return mergeTwoJs(a, b);
}

/** mergeTwo in JavaScript (the reference; where WebAssembly does not run, or STDP_MC_NO_WASM=1). */
export function mergeTwoJs(a: SparseHist, b: SparseHist): SparseHist {
  const ab = a.bins, ac = a.counts, bb = b.bins, bc = b.counts;
  const na = ab.length, nb = bb.length;
  const bins = new Uint32Array(na + nb), counts = new Uint32Array(na + nb);
  let i = 0, j = 0, k = 0;
  while (i < na && j < nb) {
    const x = ab[i]!, y = bb[j]!;
    if (x < y) { bins[k] = x; counts[k++] = ac[i++]!; }
    else if (x > y) { bins[k] = y; counts[k++] = bc[j++]!; }
    else { bins[k] = x; counts[k++] = ac[i++]! + bc[j++]!; }
  }
  if (i < na) { bins.set(ab.subarray(i), k); counts.set(ac.subarray(i), k); k += na - i; }
  else if (j < nb) { bins.set(bb.subarray(j), k); counts.set(bc.subarray(j), k); k += nb - j; }
  return k === na + nb ? { bins, counts } : { bins: bins.slice(0, k), counts: counts.slice(0, k) };
}

/**
 * The sum of several histograms (exact: integer counts). Two are merged bin list by bin list; more are added into
 * dense counts over the bins they span (one pass over each histogram's occupied bins, then one over the span), so a
 * grid point's thousands of batches cost no more than their bins. A single histogram comes back as a copy.
 */
export function mergeHists(list: readonly SparseHist[]): SparseHist {
  const full: SparseHist[] = [];
  for (let j = 0; j < list.length; j++) if (list[j]!.bins.length) full.push(list[j]!);
  if (full.length === 0) return emptyHist();
  if (full.length === 1) return { bins: full[0]!.bins.slice(), counts: full[0]!.counts.slice() };
  if (full.length === 2) return mergeTwo(full[0]!, full[1]!);
  let lo = Infinity, hi = -Infinity;
  for (const h of full) {
    if (h.bins[0]! < lo) lo = h.bins[0]!;
    if (h.bins[h.bins.length - 1]! + 1 > hi) hi = h.bins[h.bins.length - 1]! + 1;
  }
  const dense = new Uint32Array(hi - lo);
  for (const h of full) for (let i = 0; i < h.bins.length; i++) dense[h.bins[i]! - lo] += h.counts[i]!;
  return histFromDense(dense, 0, dense.length, lo);
}

/** The count of bin b. */
export function histGet(h: SparseHist, b: number): number {
  const i = lowerBound(h.bins, b);
  return i < h.bins.length && h.bins[i] === b ? h.counts[i]! : 0;
}

/** Sum of all counts. */
export function histTotal(h: SparseHist): number {
  const c = h.counts;
  let t = 0;
  for (let i = 0; i < c.length; i++) t += c[i]!;
  return t;
}

/** The histogram of dense counts dense[offset … offset + nbins) (a device's read-back histogram); bin i is first + i. */
export function histFromDense(dense: ArrayLike<number>, offset = 0, nbins = dense.length - offset, first = 0): SparseHist {
  let m = 0;
  for (let i = 0; i < nbins; i++) if (dense[offset + i]) m++;
  const bins = new Uint32Array(m), counts = new Uint32Array(m);
  let k = 0;
  for (let i = 0; i < nbins; i++) {
    const c = dense[offset + i]!;
    if (c) {
      bins[k] = first + i;
      counts[k++] = c;
    }
  }
  return { bins, counts };
}

/** All nbins counts, zeros included. */
export function histToDense(h: SparseHist, nbins: number): Uint32Array {
  const dense = new Uint32Array(nbins);
  for (let i = 0; i < h.bins.length; i++) dense[h.bins[i]!] = h.counts[i]!;
  return dense;
}

/** The occupied bins as [bin, count] pairs, ascending (the JSON form). */
export function histPairs(h: SparseHist): [number, number][] {
  const out: [number, number][] = new Array(h.bins.length);
  for (let i = 0; i < h.bins.length; i++) out[i] = [h.bins[i]!, h.counts[i]!];
  return out;
}

/**
 * The histogram of [bin, count] pairs (any order; repeated bins add; zero counts are left out). Throws on a bin outside
 * [0, nbins), or a count that is not a whole number in [0, 2³²) (alone or added up), which the canonical form cannot
 * hold.
 */
export function histFromPairs(pairs: readonly (readonly [number, number])[], nbins: number): SparseHist {
  for (const [b, k] of pairs) {
    if (!(Number.isInteger(b) && b >= 0 && b < nbins)) throw new Error(`histogram bin ${b} outside [0, ${nbins})`);
    if (!(Number.isInteger(k) && k >= 0 && k < 2 ** 32)) throw new Error(`histogram count ${k} of bin ${b} is not a whole number in [0, 2^32)`);
  }
  const sorted = pairs.filter(([, k]) => k > 0).sort((x, y) => x[0] - y[0]);
  const bins: number[] = [], counts: number[] = [];
  for (const [b, k] of sorted) {
    if (bins.length && bins[bins.length - 1] === b) counts[counts.length - 1] += k;
    else { bins.push(b); counts.push(k); }
  }
  for (let i = 0; i < counts.length; i++) {
    if (counts[i]! >= 2 ** 32) throw new Error(`histogram count ${counts[i]} of bin ${bins[i]} is not a whole number in [0, 2^32)`);
  }
  return { bins: Uint32Array.from(bins), counts: Uint32Array.from(counts) };
}
