/** The replicator flow (arXiv 2505.10272 Eq. 9, Section 5 Γ-fitness, Eq. 18) and its d = 2 closed form and bound. */
import { describe, expect, it } from 'vitest';
import {
  closedFormD2, closedFormD2Gap, flowBound, integrateFlow, replicatorGammaRhs, timeVaryingFitness,
} from '../../src/theory/flow.ts';
import { integrateReplicator, replicatorRhs } from '../../src/theory/replicator.ts';

describe('closed form d = 2', () => {
  it('solves dp_1/dt = p_1(p_1 − ‖p‖²) (finite differences) on both sides of 1/2', () => {
    for (const p10 of [0.1, 0.3, 0.6, 0.9]) {
      for (const t of [0, 0.5, 2, 7]) {
        const e = 1e-5;
        const der = (closedFormD2(p10, t + e) - closedFormD2(p10, t - e)) / (2 * e);
        const p1 = closedFormD2(p10, t);
        expect(der).toBeCloseTo(replicatorGammaRhs([p1, 1 - p1])[0]!, 8);
      }
      expect(closedFormD2(p10, 0)).toBeCloseTo(p10, 14);
    }
    expect(closedFormD2(0.5, 10)).toBe(0.5);
    expect(closedFormD2(0.3, 4)).toBeCloseTo(1 - closedFormD2(0.7, 4), 14);
  });

  it('the gap form keeps relative precision deep in the tail (≈ (C/4) e^{−t})', () => {
    const p10 = 0.6, C = (4 * p10 * (1 - p10)) / (1 - 2 * p10) ** 2, t = 60;
    expect(closedFormD2Gap(p10, t) / ((C / 4) * Math.exp(-t))).toBeCloseTo(1, 12);
  });

  it('RK45 agrees with the closed form to 1e-8 (p_1(0) ∈ {0.6, 0.9})', () => {
    const times = [0, 0.3, 1, 2.5, 5, 10, 20, 40];
    for (const p10 of [0.6, 0.9]) {
      const path = integrateFlow([p10, 1 - p10], times);
      times.forEach((t, k) => {
        expect(Math.abs(path[k]![0]! - closedFormD2(p10, t)), `p10=${p10} t=${t}`).toBeLessThan(1e-8);
      });
    }
  });
});

describe('integrateFlow', () => {
  it('stays on the simplex (Σ = 1 within 1e-12, no negatives) for d = 3 and d = 10 up to t = 50', () => {
    const starts = [
      [0.25, 0.4, 0.35],
      Array.from({ length: 10 }, (_, i) => (i + 1) / 55),
    ];
    const times = Array.from({ length: 51 }, (_, i) => i);
    for (const p0 of starts) {
      for (const p of integrateFlow(p0, times)) {
        expect(Math.abs(p.reduce((a, v) => a + v, 0) - 1)).toBeLessThan(1e-12);
        for (const v of p) expect(v).toBeGreaterThanOrEqual(0);
      }
      const end = integrateFlow(p0, [50])[0]!;
      expect(Math.max(...end)).toBeGreaterThan(1 - 1e-9); // converged to the vertex of the largest input
      expect(end.indexOf(Math.max(...end))).toBe(p0.indexOf(Math.max(...p0)));
    }
  });

  it('Γ = I gives the independent-input path; an off-diagonal Γ changes it', () => {
    const p0 = [0.3, 0.3, 0.4], times = [0.5, 1, 3, 8];
    const plain = integrateFlow(p0, times);
    const eye = integrateFlow(p0, times, { gamma: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] });
    plain.forEach((p, k) => p.forEach((v, i) => expect(eye[k]![i]).toBeCloseTo(v, 14)));
    const G = [[1, 0.6, 0], [0.6, 1, 0], [0, 0, 1]];
    const corr = integrateFlow(p0, times, { gamma: G });
    expect(Math.abs(corr[3]![2]! - plain[3]![2]!)).toBeGreaterThan(0.05);
    // The Γ-flow's rhs: p_i((Γp)_i − pᵀΓp).
    const r = replicatorGammaRhs(p0, G);
    const gp = G.map((row) => row.reduce((a, g, j) => a + g * p0[j]!, 0));
    const m = gp.reduce((a, v, i) => a + v * p0[i]!, 0);
    r.forEach((v, i) => expect(v).toBeCloseTo(p0[i]! * (gp[i]! - m), 15));
  });

  it('agrees with the fixed-step RK4 of replicator.ts', () => {
    const p0 = [0.444, 0.333, 0.223];
    const a = integrateFlow(p0, [3])[0]!, b = integrateReplicator(p0, 3, 1e-3);
    a.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThan(1e-9));
    replicatorRhs(p0).forEach((v, i) => expect(v).toBeCloseTo(replicatorGammaRhs(p0)[i]!, 16));
  });

  it('the time-varying-rates ODE (Eq. 18) with constant λ equals the plain flow', () => {
    const p0 = [0.2, 0.45, 0.35], times = [0, 1, 4, 12];
    const plain = integrateFlow(p0, times);
    const zero = integrateFlow(p0, times, { fitness: timeVaryingFitness(() => [0, 0, 0]) });
    plain.forEach((p, k) => p.forEach((v, i) => expect(zero[k]![i]).toBeCloseTo(v, 14)));
    // A common growth factor of all rates is invisible in p.
    const common = integrateFlow(p0, times, { fitness: timeVaryingFitness((t) => [Math.sin(t), Math.sin(t), Math.sin(t)]) });
    plain.forEach((p, k) => p.forEach((v, i) => expect(Math.abs(common[k]![i]! - v)).toBeLessThan(1e-9)));
  });

  it('Eq. 18 with λ_3 growing like e^{0.5t} overturns the initial winner', () => {
    const p0 = [0.5, 0.3, 0.2];
    const end = integrateFlow(p0, [30], { fitness: timeVaryingFitness(() => [0, 0, 0.5]) })[0]!;
    expect(end[2]).toBeGreaterThan(0.99);
  });

  it('rejects unsorted times', () => {
    expect(() => integrateFlow([0.5, 0.5], [2, 1])).toThrow();
  });
});

describe('flowBound (derived here)', () => {
  it('1 − p_1(t) ≤ (1 − p_1(0)) exp(−p_1(0) Δ t) along integrated paths, d = 3', () => {
    const starts = [[0.25, 0.4, 0.35], [0.4, 0.27, 0.33], [0.22, 0.38, 0.4], [0.34, 0.33, 0.33], [0.8, 0.15, 0.05]];
    const times = Array.from({ length: 201 }, (_, i) => i * 0.25);
    for (const p0 of starts) {
      const iStar = p0.indexOf(Math.max(...p0));
      const path = integrateFlow(p0, times);
      times.forEach((t, k) => {
        const { bound } = flowBound(p0, t);
        expect(1 - path[k]![iStar]!, `p0=${p0} t=${t}`).toBeLessThanOrEqual(bound * (1 + 1e-9) + 1e-13);
      });
    }
    expect(flowBound([0.25, 0.4, 0.35], 0).delta).toBeCloseTo(0.05, 15);
  });
});
