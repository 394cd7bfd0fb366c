import { describe, expect, it } from 'vitest';
import {
  accumulateTrajectory, accumulatorFromJSON, accumulatorToJSON, emptyAccumulator, histBin, logGapQuantile,
  mergeAccumulators, summarizeCheckpoint,
} from '../../src/stats/checkpoint-stats.ts';
import { wilson } from '../../src/stats/intervals.ts';
import { philox4x32, u32ToUniform } from '../../src/rng/philox.ts';
import { histPairs } from '../../src/stats/sparse-hist.ts';

function lcgUniforms(n: number, seed: number): number[] {
  const out: number[] = [];
  const w = new Uint32Array(4);
  for (let i = 0; out.length < n; i++) {
    philox4x32(i, seed, 9, 0, 1, 2, w);
    for (const x of w) out.push(u32ToUniform(x));
  }
  return out.slice(0, n);
}

describe('checkpoint statistics', () => {
  it('histogram quantiles of L are within the bin resolution of the exact order statistics', () => {
    // L = −exp(U·20 − 10): −L log-uniform over [e^-10, e^10], a wide range like real log-gaps.
    const Ls = lcgUniforms(20001, 3).map((u) => -Math.exp(u * 20 - 10));
    const a = emptyAccumulator(0, 2);
    for (const L of Ls) accumulateTrajectory(a, 0, L, Math.exp(L), 0, [0.5, 0.5]);
    const sorted = [...Ls].sort((x, y) => x - y);
    for (const q of [0.1, 0.5, 0.9]) {
      const exact = sorted[Math.round(q * (Ls.length - 1))]!;
      const est = logGapQuantile(a, q)!;
      expect(Math.abs(Math.log(-est) - Math.log(-exact))).toBeLessThan(0.01); // < one bin in ln(−L)
    }
  });

  it('quantiles of a point mass are the point itself (clamped to the exact min/max)', () => {
    const a = emptyAccumulator(0, 2);
    for (let i = 0; i < 10; i++) accumulateTrajectory(a, 0, -0.5878, 0.5, 0, [0.6, 0.4]);
    expect(summarizeCheckpoint(a).logGapQuantiles.map((q) => q.value)).toEqual([-0.5878, -0.5878, -0.5878]);
  });

  it('merging accumulators equals accumulating everything at once', () => {
    const us = lcgUniforms(3000, 5);
    const all = emptyAccumulator(7, 3), x = emptyAccumulator(7, 3), y = emptyAccumulator(7, 3);
    us.forEach((u, i) => {
      const L = Math.log(u) * 30, am = i % 3;
      const p = [u, (1 - u) / 2, (1 - u) / 2];
      accumulateTrajectory(all, 0, L, Math.exp(L), am, p);
      accumulateTrajectory(i < 1234 ? x : y, 0, L, Math.exp(L), am, p);
    });
    const m = mergeAccumulators(x, y);
    expect(m.vertexCounts).toEqual(all.vertexCounts);
    expect(m.successCount).toBe(all.successCount);
    expect(histPairs(m.hist)).toEqual(histPairs(all.hist));
    expect(m.belowDelta).toEqual(all.belowDelta);
    expect(m.logGap.mean).toBeCloseTo(all.logGap.mean, 10);
    expect(m.logGap.m2 / all.logGap.m2).toBeCloseTo(1, 10);
    expect(m.p![0]!.mean).toBeCloseTo(all.p![0]!.mean, 12);
    expect(accumulatorFromJSON(JSON.parse(JSON.stringify(accumulatorToJSON(m))))).toEqual(m);
  });

  it('bins −L on a log scale and clamps outside [1e-8, 1e8]', () => {
    expect(histBin(0)).toBe(0);
    expect(histBin(-1e-12)).toBe(0);
    expect(histBin(-1e12)).toBe(4095);
    expect(histBin(-1.001)).toBe(2048); // ln(1.001) lies in the first bin above ln(−L) = 0
    expect(histBin(-0.999)).toBe(2047);
  });
});

describe('Wilson interval', () => {
  it('covers the true p in about 95% of simulated binomials (n = 50, p = 0.9; 4000 replications)', () => {
    const us = lcgUniforms(4000 * 50, 11);
    let cover = 0;
    for (let r = 0; r < 4000; r++) {
      let k = 0;
      for (let j = 0; j < 50; j++) if (us[r * 50 + j]! < 0.9) k++;
      const [lo, hi] = wilson(k, 50);
      if (lo <= 0.9 && 0.9 <= hi) cover++;
    }
    // Wilson's actual coverage at n = 50, p = 0.9 is ≈ 0.95 (oscillating within ~±0.015); MC sd ≈ 0.0035.
    expect(cover / 4000).toBeGreaterThan(0.925);
    expect(cover / 4000).toBeLessThan(0.975);
  });

  it('matches a textbook value', () => {
    const [lo, hi] = wilson(81, 263);
    expect(lo).toBeCloseTo(0.2553, 3);
    expect(hi).toBeCloseTo(0.3662, 3);
  });
});
