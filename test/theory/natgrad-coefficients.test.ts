/**
 * The natural-gradient coefficients (src/models/natgrad/coefficients.ts) against independent computations:
 * Stein's lemma (c2 = E[h'(V)], c3 = E[h''(V)] for V ~ N(m, v)) evaluated with a composite Simpson rule on analytic
 * derivatives, the algebra of the authors' g1..g4 rewritten from the I_k, the table's bilinear interpolation against
 * direct quadrature, and Campbell's moments against a brute-force Monte Carlo of the discretised input process.
 */
import { describe, expect, it } from 'vitest';
import {
  buildCoefficientTable, campbellMoments, centredMoments, lookupCoefficients, natgradCoefficients, sigma,
} from '../../src/models/natgrad/coefficients.ts';
import { kernelSquareIntegral, resolveNatgradScenario } from '../../src/models/natgrad/scenario.ts';
import { natgradParams, testPatterns } from '../../src/models/natgrad/cpu-engine.ts';

const P = { phiMax: 100, beta: 0.3, theta: 10 };

/** E[g(V)], V ~ N(m, v), composite Simpson on ±14 sd with 4000 panels (independent of the G7–K15 code). */
function simpsonGauss(g: (u: number) => number, m: number, v: number): number {
  const sd = Math.sqrt(v), a = m - 14 * sd, b = m + 14 * sd, n = 4000, h = (b - a) / n;
  let s = 0;
  for (let k = 0; k <= n; k++) {
    const u = a + k * h, w = k === 0 || k === n ? 1 : k % 2 ? 4 : 2;
    s += w * g(u) * Math.exp(-0.5 * (u - m) ** 2 / v);
  }
  return (s * h) / 3 / (sd * Math.sqrt(2 * Math.PI));
}

// h(u) = β² φ_max σ(1 − σ)² and its u-derivatives (σ' = β σ(1 − σ)).
const sig = (u: number) => sigma(P.beta * (u - P.theta));
const h = (u: number) => { const s = sig(u); return P.beta ** 2 * P.phiMax * s * (1 - s) ** 2; };
// d/ds [s(1−s)²] = (1 − s)(1 − 3s); d²/ds² = 6s − 4.
const h1 = (u: number) => { const s = sig(u), ds = P.beta * s * (1 - s); return P.beta ** 2 * P.phiMax * (1 - s) * (1 - 3 * s) * ds; };
const h2 = (u: number) => {
  const s = sig(u), ds = P.beta * s * (1 - s), dds = P.beta * ds * (1 - 2 * s);
  return P.beta ** 2 * P.phiMax * ((6 * s - 4) * ds * ds + (1 - s) * (1 - 3 * s) * dds);
};

describe('natural-gradient coefficients', () => {
  it('∫ε² matches the authors\' intepsquad = 38.46 for τ_m = 10 ms, τ_s = 3 ms', () => {
    expect(kernelSquareIntegral(0.01, 0.003)).toBeCloseTo(38.46, 2);
  });

  it('centred moments obey Stein\'s lemma (c2 = E[h\'], c3 = E[h\'\']) to 1e-7 relative', () => {
    for (const [m, v] of [[0, 3.8], [5, 0.04], [-10, 100], [12, 25], [2, 400]] as const) {
      const [J0, J1, J2] = centredMoments(m, v, P);
      const c2 = J1 / v, c3 = (J2 - J0 * v) / (v * v);
      const e0 = simpsonGauss(h, m, v), e1 = simpsonGauss(h1, m, v), e2 = simpsonGauss(h2, m, v);
      expect(Math.abs(J0 - e0)).toBeLessThan(1e-9 * Math.abs(e0));
      expect(Math.abs(c2 - e1)).toBeLessThan(1e-7 * Math.max(Math.abs(e1), 1e-3 * Math.abs(e0)));
      expect(Math.abs(c3 - e2)).toBeLessThan(1e-6 * Math.max(Math.abs(e2), 1e-3 * Math.abs(e0) * P.beta));
    }
  });

  it('γ_s and g1..g4 follow the authors\' Eqn. 82–107 from the raw moments I_k = E[h V^k]', () => {
    for (const [m, v, q] of [[0, 3.8, 78], [3, 12, 26], [-6, 50, 390]] as const) {
      const I1 = simpsonGauss(h, m, v), I2 = simpsonGauss((u) => h(u) * u, m, v), I3 = simpsonGauss((u) => h(u) * u * u, m, v);
      // Literal transcription of File04_create_lt.py's g(m, v, q).
      const c2 = (I2 - I1 * m) / v;
      const c3 = (I3 - I1 * (m * m + v) - 2 * c2 * m * v) / (v * v);
      const K1 = 1 / (I1 * (q + 1) + c2 * m);
      const K2 = 1 / (I1 + (c2 * m + c3 * v) - K1 * (I1 * m + c2 * v) * (c2 * q + c3 * m));
      const g1 = K1 * K2 * (-1 / K2 * I1 + (I1 * c2 * m + c2 ** 2 * v) - K1 * I1 * ((I1 * c2 * m + v * c2 ** 2) * q + (I1 * c3 * m + c2 * c3 * v) * m));
      const g2 = K1 * K2 * (-c2 / K2 + (I1 * c3 * m + c2 * c3 * v) * (1 - K1 * m * c2) - K1 * c2 * (I1 * c2 * m + v * c2 ** 2) * q);
      const g3 = K1 * K2 * ((I1 * c2 * q + I1 * c3 * m) - c2 / K1);
      const g4 = K1 * K2 * ((c2 ** 2 * q + c2 * c3 * m) - c3 / K1);
      const want = [1 / I1, g1, g2, g3, g4];
      const got = natgradCoefficients(m, v, q, P);
      want.forEach((x, k) => expect(Math.abs(got[k]! - x)).toBeLessThan(1e-6 * Math.abs(x) + 1e-12));
    }
  });

  it('the bilinear table is within 0.5 % of direct quadrature between its nodes (γ_s, g1, g4)', () => {
    const g = { vMin: -10, vStep: 0.5, nv: 41, sdMin: 0.5, sdStep: 0.2, ns: 40 };
    const t = buildCoefficientTable(g, 78, P);
    const out = new Float64Array(5);
    for (const [m, sd] of [[0.13, 1.93], [-3.71, 4.05], [6.2, 7.33]] as const) {
      expect(lookupCoefficients(t, g, m, sd, out)).toBe(false);
      const d = natgradCoefficients(m, sd * sd, 78, P);
      for (const k of [0, 1, 4]) expect(Math.abs(out[k]! - d[k]!)).toBeLessThan(5e-3 * Math.abs(d[k]!));
    }
    expect(lookupCoefficients(t, g, 50, 1, out)).toBe(true);
  });

  it('Campbell\'s mean and variance of V match a Monte Carlo of the discretised inputs (4 SE, plus the dt bias)', () => {
    const s = resolveNatgradScenario({
      model: 'natgrad', trajectories: 1, seed: 77, duration: 1, testPatterns: 3000, testWarmup: 200,
      inputs: [{ count: 10, rate: 10 }, { count: 10, rate: 50 }],
      table: { vMin: -1, vMax: 1, vStep: 1, sdMin: 0.5, sdMax: 1.5, sdStep: 1 },
    });
    const sp = natgradParams(s, new Float64Array(2 * 2 * 5));
    const X = testPatterns(s, sp);
    const w = Array.from({ length: s.N }, (_, i) => ((i * 37) % 11 - 5) / 50);
    const vs: number[] = [];
    for (let p = 0; p < s.testPatterns; p++) { let V = 0; for (let i = 0; i < s.N; i++) V += w[i]! * X[p * s.N + i]!; vs.push(V); }
    const n = vs.length, mean = vs.reduce((a, b) => a + b, 0) / n;
    const varr = vs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
    const { mean: m, variance: v } = campbellMoments(w, s.rates, s.intEpsSq);
    const seMean = Math.sqrt(varr / n);
    // Var of the sample variance ≈ (μ4 − σ⁴)/n; bound μ4 by the sample's fourth moment.
    const m4 = vs.reduce((a, b) => a + (b - mean) ** 4, 0) / n;
    const seVar = Math.sqrt((m4 - varr * varr) / n);
    // Discretisation: Bernoulli inputs give Var ∝ p(1 − p) instead of p (≤ 2.5 % at 50 Hz, dt = 0.5 ms), and the
    // sampled kernel sums differ from ∫ε, ∫ε² by < 1 % at dt = 0.5 ms.
    console.log(`V moments: MC mean ${mean.toFixed(4)} ± ${seMean.toFixed(4)} vs Campbell ${m.toFixed(4)}; MC var ${varr.toFixed(3)} ± ${seVar.toFixed(3)} vs ${v.toFixed(3)}`);
    expect(Math.abs(mean - m)).toBeLessThan(4 * seMean + 0.01 * Math.abs(m));
    expect(Math.abs(varr - v)).toBeLessThan(4 * seVar + 0.035 * v);
  });
});
