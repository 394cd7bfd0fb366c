/** The finite-gap median path near the vertex (asymptotic-slope.ts, medianLogGapPath). */
import { describe, expect, it } from 'vitest';
import { medianLogGapPath } from '../../src/theory/asymptotic-slope.ts';
import { compareWithAllowance } from '../../src/stats/compare.ts';

describe('medianLogGapPath', () => {
  const r = 0.05;
  it('starts at the anchor and solves dL/dk = −r(1 − g)(1 − 2g), g = e^L (central differences of step 0.01, 1e-9)', () => {
    const ks = Array.from({ length: 20001 }, (_, j) => 100 + j * 0.01);
    const L = medianLogGapPath(-3, 100, ks, r);
    expect(L[0]).toBeCloseTo(-3, 12);
    for (let j = 1; j < ks.length - 1; j += 1000) {
      const dL = (L[j + 1]! - L[j - 1]!) / (ks[j + 1]! - ks[j - 1]!);
      const g = Math.exp(L[j]!);
      expect(Math.abs(dL + r * (1 - g) * (1 - 2 * g))).toBeLessThan(1e-9);
    }
  });
  it('its slope tends to −r deep in the regime and is shallower near the anchor', () => {
    const L = medianLogGapPath(-5, 0, [0, 1, 2000, 2001], r);
    const early = L[1]! - L[0]!, late = L[3]! - L[2]!;
    expect(early).toBeGreaterThan(-r * (1 - 2.5 * Math.exp(-5)));
    expect(Math.abs(late + r)).toBeLessThan(1e-12);
    expect(L[3]).toBeLessThan(-100); // no overflow of sinh/softplus far out
    expect(Number.isFinite(L[3]!)).toBe(true);
  });
  it('refuses an anchor with 1 − p* ≥ 1/2', () => {
    expect(() => medianLogGapPath(Math.log(0.6), 0, [1], r)).toThrow(/1\/2/);
  });
});

describe('compareWithAllowance', () => {
  it('agrees only within the widened interval and names the allowance', () => {
    expect(compareWithAllowance('q', 0.5, [0.49, 0.51], 0.515, 0.01, 'n').verdict).toBe('agrees');
    const c = compareWithAllowance('q', 0.5, [0.49, 0.51], 0.525, 0.01, 'n');
    expect(c.verdict).toBe('disagrees');
    expect(c.note).toMatch(/allowance ±0\.01/);
  });
});
