/** Theorem 2.2's reconstructed per-step contraction factor (theorem22.ts). */
import { describe, expect, it } from 'vitest';
import { theorem22Rate } from '../../src/theory/theorem22.ts';
import { flowBound } from '../../src/theory/flow.ts';

describe('theorem22Rate', () => {
  it('1 − α(Δ/(4d))(1 + (d−1)Δ/2), Δ = largest − second largest, flagged as reconstructed', () => {
    const t = theorem22Rate([0.3, 0.3, 0.4]);
    expect(t.delta).toBeCloseTo(0.1, 15);
    expect(t.ratePerUnitTime).toBeCloseTo((0.1 / 12) * (1 + 0.1), 15);
    expect(t.perStepFactor(0.01)).toBeCloseTo(1 - 0.01 * t.ratePerUnitTime, 15);
    expect(t.reconstructed).toBe(true);
    expect(t.note).toMatch(/reconstructed/);
    expect(t.note).toMatch(/learning-rate condition/);
    expect(theorem22Rate([0.5, 0.5]).ratePerUnitTime).toBe(0);
  });

  it('is slower than the flow bound derived in flow.ts (a chain bound on the event Ω, not a flow bound)', () => {
    for (const p0 of [[0.3, 0.3, 0.4], [0.6, 0.4], [0.7, 0.1, 0.1, 0.1]]) {
      const { delta } = flowBound(p0, 0);
      expect(theorem22Rate(p0).ratePerUnitTime).toBeLessThan(Math.max(...p0) * delta);
    }
  });
});
