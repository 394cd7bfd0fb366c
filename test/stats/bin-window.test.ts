/**
 * The histogram window (src/stats/bin-window.ts): the same counts as a dense array under every operation, always
 * trimmed to its nonzero ends (so equal histograms compare equal), merges exact in any cut.
 */
import { describe, expect, it } from 'vitest';
import {
  emptyWindow, mergeWindows, windowAdd, windowFromDense, windowFromPairs, windowGet, windowPairs, windowToDense, windowTotal,
  type BinWindow,
} from '../../src/stats/bin-window.ts';

const NB = 64;

/** Deterministic bins (LCG), clustered in a band as an ensemble's values are. */
function bins(n: number, seed: number): number[] {
  let s = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(20 + Math.floor((s / 2 ** 32) * 25));
  }
  return out;
}

function trimmed(w: BinWindow): boolean {
  return w.counts.length === 0 ? w.lo === 0 : w.counts[0]! > 0 && w.counts[w.counts.length - 1]! > 0;
}

describe('bin window', () => {
  it('adds as a dense histogram does, and stays trimmed', () => {
    const dense = new Uint32Array(NB), w = emptyWindow();
    for (const b of [...bins(200, 1), 3, 60, 0, NB - 1]) {
      dense[b] += 1;
      windowAdd(w, b);
      expect(trimmed(w)).toBe(true);
    }
    expect(Array.from(windowToDense(w, NB))).toEqual(Array.from(dense));
    expect(windowTotal(w)).toBe(204);
    expect(windowGet(w, 3)).toBe(1);
    expect(windowGet(w, 1)).toBe(0);
    expect(windowGet(w, NB + 5)).toBe(0);
    expect(windowFromDense(dense)).toEqual(w);
  });

  it('merges exactly whatever the cut, empty parts included', () => {
    const all = bins(300, 7), whole = emptyWindow();
    all.forEach((b) => windowAdd(whole, b));
    for (const cuts of [[0, 300], [0, 1, 150, 300], [0, 0, 299, 300, 300]]) {
      const parts = cuts.slice(1).map((c, i) => {
        const w = emptyWindow();
        all.slice(cuts[i], c).forEach((b) => windowAdd(w, b));
        return w;
      });
      expect(mergeWindows(parts)).toEqual(whole);
    }
    expect(mergeWindows([emptyWindow(), emptyWindow()])).toEqual(emptyWindow());
  });

  it('round-trips through its JSON pairs and refuses a bin outside the histogram', () => {
    const w = emptyWindow();
    bins(100, 3).forEach((b) => windowAdd(w, b));
    const pairs = windowPairs(w);
    expect(pairs.every(([, c]) => c > 0)).toBe(true);
    expect(windowFromPairs(pairs, NB)).toEqual(w);
    expect(windowFromPairs([], NB)).toEqual(emptyWindow());
    expect(() => windowFromPairs([[NB, 1]], NB)).toThrow(/bin 64 outside \[0, 64\)/);
    expect(() => windowFromPairs([[1.5, 1]], NB)).toThrow(/outside/);
  });

  it('reads a device histogram at an offset (one checkpoint of several)', () => {
    const dense = new Uint32Array(3 * NB);
    dense[NB + 5] = 2;
    dense[NB + 9] = 1;
    dense[2 * NB + 1] = 7;
    expect(windowFromDense(dense, NB, NB)).toEqual({ lo: 5, counts: Uint32Array.of(2, 0, 0, 0, 1) });
    expect(windowFromDense(dense, 0, NB)).toEqual(emptyWindow());
  });
});
