/**
 * d = 3 large-deviation constant c in P(failure) ≈ e^{−c/α} (src/theory/large-deviation-d3.ts): the minimum action
 * against the d = 2 constant where it must reduce to it, its values at the paper's λ and at rare-failure.json's
 * λ = (1.5, 1, 1), and the fit of the backward equation's P(failure) at small α beside it.
 */
import { describe, expect, it } from 'vitest';
import { fittedExponentD3, largeDeviationConstantD3, minimumActionD3 } from '../../src/theory/large-deviation-d3.ts';
import { largeDeviationConstantD2 } from '../../src/theory/diffusion-d2.ts';
import type { NoiseSpec } from '../../src/theory/noise-moments.ts';

const uniform: NoiseSpec = { law: 'uniform', halfWidth: 1 };

describe('minimum action (α → 0 constant of the d = 3 diffusion)', () => {
  it('reduces to the d = 2 constant when the third input is far behind', () => {
    for (const noise of [uniform, { law: 'rademacher', halfWidth: 1 } as NoiseSpec]) {
      for (const p10 of [0.6, 0.75]) {
        const r = minimumActionD3([Math.log(p10 / (1 - p10)), 14], noise);
        expect(r.c / largeDeviationConstantD2(p10, noise)).toBeCloseTo(1, 5);
      }
    }
  });

  it('λ = (10, 7.5, 5): c = 0.02277, below the pair constant 0.02490; λ = (1.5, 1, 1): c = 0.04315 by either rival', () => {
    const a = largeDeviationConstantD3({ rates: [10, 7.5, 5] });
    expect(a.c).toBeCloseTo(0.022771, 5);
    expect(a.error).toBeLessThan(1e-5);
    expect(a.cPairD2).toBeCloseTo(0.024896, 5);
    expect(a.toK.action).toBeGreaterThan(a.toJ.action); // failure goes towards the nearer rival
    const b = largeDeviationConstantD3({ rates: [1.5, 1, 1] });
    expect(b.c).toBeCloseTo(0.043145, 5);
    expect(b.toJ.action).toBeCloseTo(b.toK.action, 6);
    expect(b.c).toBeLessThan(b.cPairD2); // the third input makes failure easier
    // Relabelling: the same constant with the leader at index 2.
    expect(largeDeviationConstantD3({ rates: [5, 7.5, 10] }).c / a.c).toBeCloseTo(1, 4);
  });
});

describe('fit of the backward equation at small α', () => {
  it('λ = (10, 7.5, 5): log P fitted over α ∈ [0.005, 0.02] gives c within 3% above the minimum action', () => {
    const f = fittedExponentD3([Math.log(10 / 7.5), Math.log(2)], uniform);
    const c = minimumActionD3([Math.log(10 / 7.5), Math.log(2)], uniform).c;
    expect(f.c).toBeGreaterThan(c);
    expect(f.c / c - 1).toBeLessThan(0.03);
    expect(f.points.every((p) => p.relErr < 0.02)).toBe(true); // every point was used
    // α·(−log P) decreases towards c as α → 0.
    const w = f.points.map((p) => p.alpha * -p.logP);
    for (let i = 1; i < w.length; i++) expect(w[i]!).toBeLessThan(w[i - 1]!);
    expect(w.at(-1)!).toBeGreaterThan(c);
  }, 60_000);
});
