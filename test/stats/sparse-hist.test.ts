/**
 * The sparse histogram (src/stats/sparse-hist.ts): the same counts as a dense array under every operation, always
 * canonical (occupied bins strictly ascending, counts positive, so equal histograms compare equal), merges exact in
 * any cut, one value at a time or a batch at once.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  emptyHist, histAdd, histAddBins, histFromDense, histFromPairs, histGet, histPairs, histToDense, histTotal, mergeHists,
  histMergeInWasm, mergeTwo, mergeTwoJs, type SparseHist,
} from '../../src/stats/sparse-hist.ts';
import { HIST_MERGE_WAT_SHA256 } from '../../src/stats/wasm/hist-merge-wasm.ts';

const NB = 64;

/** Deterministic bins (LCG): a band of 25 bins and, one value in five, a far cluster near 0 (as failing paths are). */
function bins(n: number, seed: number): number[] {
  let s = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = s / 2 ** 32;
    out.push(u < 0.2 ? Math.floor(u * 10) : 30 + Math.floor(u * 25));
  }
  return out;
}

function canonical(h: SparseHist): boolean {
  if (h.bins.length !== h.counts.length) return false;
  for (let i = 0; i < h.bins.length; i++) {
    if (!(h.counts[i]! > 0) || (i > 0 && !(h.bins[i]! > h.bins[i - 1]!))) return false;
  }
  return true;
}

function dense(list: number[]): Uint32Array {
  const d = new Uint32Array(NB);
  for (const b of list) d[b] += 1;
  return d;
}

describe('sparse histogram', () => {
  it('adds one value at a time as a dense histogram does, and stays canonical', () => {
    const list = [...bins(200, 1), 3, 60, 0, NB - 1], h = emptyHist();
    for (const b of list) {
      histAdd(h, b);
      expect(canonical(h)).toBe(true);
    }
    histAdd(h, 5, 0);
    expect(Array.from(histToDense(h, NB))).toEqual(Array.from(dense(list)));
    expect(histTotal(h)).toBe(204);
    expect(histGet(h, 3)).toBe(dense(list)[3]);
    expect(histGet(h, 60)).toBe(1);
    expect(histGet(h, 29)).toBe(0);
    expect(histGet(h, NB + 5)).toBe(0);
    expect(histFromDense(dense(list))).toEqual(h);
  });

  it('adds a batch of values at once (histAddBins) as one at a time, onto an empty or an occupied histogram', () => {
    const first = bins(150, 11), second = bins(80, 12);
    const one = emptyHist();
    [...first, ...second].forEach((b) => histAdd(one, b));
    const batch = emptyHist();
    histAddBins(batch, Uint32Array.from(first), first.length);
    histAddBins(batch, Uint32Array.from([...second, 9, 9, 9]), second.length); // only the first n are read
    histAddBins(batch, new Uint32Array(4), 0);
    expect(canonical(batch)).toBe(true);
    expect(batch).toEqual(one);
    // Few values far apart (sorted, not counted over their span), and both ways onto the same histogram.
    const wide = [4000, 0, 2000, 4000, 17, 0], sparse = emptyHist(), single = emptyHist();
    histAddBins(sparse, Uint32Array.from(wide), wide.length);
    histAddBins(sparse, Uint32Array.from(first), first.length);
    [...wide, ...first].forEach((b) => histAdd(single, b));
    expect(canonical(sparse)).toBe(true);
    expect(sparse).toEqual(single);
    expect(histPairs(sparse).slice(-2)).toEqual([[2000, 1], [4000, 2]]);
  });

  it('merges exactly whatever the cut (two parts and many), empty parts included', () => {
    const all = bins(300, 7), whole = emptyHist();
    all.forEach((b) => histAdd(whole, b));
    for (const cuts of [[0, 300], [0, 1, 150, 300], [0, 0, 299, 300, 300], [0, 40, 80, 120, 200, 300]]) {
      const parts = cuts.slice(1).map((c, i) => {
        const h = emptyHist();
        all.slice(cuts[i], c).forEach((b) => histAdd(h, b));
        return h;
      });
      const merged = mergeHists(parts);
      expect(canonical(merged)).toBe(true);
      expect(merged).toEqual(whole);
    }
    expect(mergeHists([emptyHist(), emptyHist()])).toEqual(emptyHist());
    // a single part comes back as a copy: changing it leaves the part alone
    const copy = mergeHists([whole]);
    copy.counts[0] += 1;
    expect(copy.counts[0]).toBe(whole.counts[0]! + 1);
  });

  it('round-trips through its JSON pairs (any order, repeats add) and refuses a bin outside the histogram', () => {
    const h = emptyHist();
    bins(100, 3).forEach((b) => histAdd(h, b));
    const pairs = histPairs(h);
    expect(pairs.every(([, c]) => c > 0)).toBe(true);
    expect(histFromPairs(pairs, NB)).toEqual(h);
    expect(histFromPairs([...pairs].reverse(), NB)).toEqual(h);
    expect(histFromPairs([[5, 1], [2, 3], [5, 2], [7, 0]], NB)).toEqual({ bins: Uint32Array.of(2, 5), counts: Uint32Array.of(3, 3) });
    expect(histFromPairs([], NB)).toEqual(emptyHist());
    expect(() => histFromPairs([[NB, 1]], NB)).toThrow(/bin 64 outside \[0, 64\)/);
    expect(() => histFromPairs([[1.5, 1]], NB)).toThrow(/outside/);
    // Counts the canonical form cannot hold (it would write a zero or a wrapped count into a state log).
    expect(() => histFromPairs([[5, 2], [5, -2]], NB)).toThrow(/count -2 of bin 5 is not a whole number/);
    expect(() => histFromPairs([[5, 0.5]], NB)).toThrow(/count 0.5/);
    expect(() => histFromPairs([[5, 2 ** 31], [5, 2 ** 31]], NB)).toThrow(/count 4294967296 of bin 5/);
    expect(() => histAdd(emptyHist(), 3, -1)).toThrow(/not a positive integer/);
  });

  it('reads a device histogram at an offset (one checkpoint of several)', () => {
    const d = new Uint32Array(3 * NB);
    d[NB + 5] = 2;
    d[NB + 9] = 1;
    d[2 * NB + 1] = 7;
    expect(histFromDense(d, NB, NB)).toEqual({ bins: Uint32Array.of(5, 9), counts: Uint32Array.of(2, 1) });
    expect(histFromDense(d, 0, NB)).toEqual(emptyHist());
  });
});

describe('the WebAssembly merge of two histograms (src/stats/wasm/hist-merge.wat)', () => {
  it('runs in Node 20, and is assembled from the .wat in the tree', () => {
    expect(histMergeInWasm()).toBe(true);
    const wat = readFileSync(new URL('../../src/stats/wasm/hist-merge.wat', import.meta.url), 'utf8');
    expect(createHash('sha256').update(wat).digest('hex'), 'run node scripts/build-wasm.mjs').toBe(HIST_MERGE_WAT_SHA256);
  });

  it('gives the JavaScript merge\'s bins and counts: overlapping, disjoint, nested, empty, at the largest size and past it', () => {
    // Random canonical histograms over [0, span) with about `fill` of the bins occupied (LCG, fixed seeds).
    const random = (seed: number, span: number, fill: number, big = false): SparseHist => {
      let s = seed >>> 0;
      const dense = new Uint32Array(span);
      for (let b = 0; b < span; b++) {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        if (s / 2 ** 32 < fill) dense[b] = big ? 2 ** 32 - 1 - (s % 7) : 1 + (s % 1000);
      }
      return histFromDense(dense);
    };
    const shift = (h: SparseHist, by: number): SparseHist => ({ bins: h.bins.map((b) => b + by), counts: h.counts.slice() });
    const cases: [SparseHist, SparseHist][] = [
      [random(1, 200, 0.3), random(2, 200, 0.3)],
      [random(3, 50, 0.5), shift(random(4, 50, 0.5), 1000)], // disjoint, a first
      [shift(random(5, 50, 0.5), 1000), random(6, 50, 0.5)], // disjoint, b first
      [random(7, 4096, 0.05), shift(random(8, 20, 1), 2000)], // b inside a
      [random(9, 100, 0.4), emptyHist()],
      [emptyHist(), random(10, 100, 0.4)],
      [emptyHist(), emptyHist()],
      [random(11, 300, 0.5, true), random(12, 300, 0.5, true)], // counts whose sum passes 2^32 (wraps, as in a Uint32Array)
      [random(13, 4096, 1), random(14, 4096, 1)], // 4096 bins each: the most the WebAssembly memory holds
      [random(15, 5000, 1), random(16, 4096, 0.5)], // more: the JavaScript merge
    ];
    for (const [a, b] of cases) {
      const w = mergeTwo(a, b), js = mergeTwoJs(a, b);
      expect(Array.from(w.bins)).toEqual(Array.from(js.bins));
      expect(Array.from(w.counts)).toEqual(Array.from(js.counts));
      expect(w.bins.length).toBe(new Set([...a.bins, ...b.bins]).size);
    }
    // the inputs are left as they were (the merge copies them into its memory)
    const a = random(17, 64, 0.5), b = random(18, 64, 0.5), a0 = Array.from(a.counts);
    mergeTwo(a, b);
    expect(Array.from(a.counts)).toEqual(a0);
  });
});

