/**
 * d = 2 diffusion approximation of the log-odds (diffusion-d2.ts) and the chain's own large-deviation constant
 * (quasi-potential-d2.ts). The comparison with a full chain simulation is diffusion-vs-chain.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  driftVariance, failureProbabilityD2, largeDeviationConstantD2, successProbabilityD2,
} from '../../src/theory/diffusion-d2.ts';
import { chainLargeDeviationConstantD2, lundbergRootD2 } from '../../src/theory/quasi-potential-d2.ts';
import { logMoments, noiseLogMgf, noiseVariance, type NoiseSpec } from '../../src/theory/noise-moments.ts';
import { meanSe, noiseMap, philoxUniforms } from './mc-draws.ts';

const uniform: NoiseSpec = { law: 'uniform', halfWidth: 1 };
const laws: NoiseSpec[] = [uniform, { law: 'rademacher', halfWidth: 1 }, { law: 'truncnormal', halfWidth: 1 }];

describe('driftVariance against a Monte Carlo of one step of Δx (10^6 Philox draws, 4 SE)', () => {
  const N = 1_000_000, alpha = 0.3;
  const U = philoxUniforms(N, 3, 12);
  for (const noise of laws) {
    it(noise.law, () => {
      const Z = noiseMap(noise);
      for (const x of [-1.5, 0, 0.4, 2]) {
        const p1 = 1 / (1 + Math.exp(-x));
        const dx = new Float64Array(N), dx2 = new Float64Array(N);
        for (let i = 0; i < N; i++) {
          const b1 = U[3 * i]! < p1 ? 1 : 0;
          const v = Math.log1p(alpha * (b1 + Z(U[3 * i + 1]!))) - Math.log1p(alpha * (1 - b1 + Z(U[3 * i + 2]!)));
          dx[i] = v; dx2[i] = v * v;
        }
        const { mu, sigma2 } = driftVariance(x, alpha, noise);
        const m = meanSe(dx), s = meanSe(dx2);
        expect(Math.abs(m.mean - mu), `x=${x} mean ${m.mean} ± ${m.se} vs μ ${mu}`).toBeLessThan(4 * m.se);
        expect(Math.abs(s.mean - (sigma2 + mu * mu)), `x=${x} E Δx² ${s.mean} ± ${s.se}`).toBeLessThan(4 * s.se);
      }
    });
  }

  it('μ = r tanh(x/2), and E[Δx²] does not depend on x', () => {
    const r = logMoments(0.1, uniform, 1).m1 - logMoments(0.1, uniform, 0).m1;
    const a = driftVariance(0.7, 0.1, uniform), b = driftVariance(-3, 0.1, uniform);
    expect(a.mu).toBeCloseTo(r * Math.tanh(0.35), 16);
    expect(a.sigma2 + a.mu ** 2).toBeCloseTo(b.sigma2 + b.mu ** 2, 16);
  });
});

describe('success / failure probability (diffusion, d = 2)', () => {
  it('P(1/2) = 1/2, P monotone in p1(0), P → 1 as p1(0) → 1, symmetric', () => {
    for (const noise of laws) {
      for (const alpha of [0.01, 0.05, 0.2]) {
        expect(successProbabilityD2(0.5, alpha, noise)).toBeCloseTo(0.5, 12);
        let prev = 0;
        for (const p of [0.01, 0.1, 0.3, 0.45, 0.5, 0.55, 0.7, 0.9, 0.99]) {
          const P = successProbabilityD2(p, alpha, noise);
          expect(P).toBeGreaterThanOrEqual(prev);
          expect(P + successProbabilityD2(1 - p, alpha, noise)).toBeCloseTo(1, 12);
          prev = P;
        }
        expect(successProbabilityD2(0.999, alpha, noise)).toBeGreaterThan(1 - 1e-6);
      }
    }
    expect(successProbabilityD2(1, 0.05, uniform)).toBe(1);
    expect(successProbabilityD2(0, 0.05, uniform)).toBe(0);
  });

  it('failure probability matches brute-force integration of the scale density (α = 0.1, 0.05)', () => {
    for (const alpha of [0.1, 0.05]) {
      // s'(x) = exp(−∫_0^x 2μ/σ²) by the trapezoid rule on a fine grid, no closed form used.
      const L = 40, n = 400_000, hgrid = (2 * L) / n;
      const xs = Array.from({ length: n + 1 }, (_, i) => -L + i * hgrid);
      const ratio = xs.map((x) => { const { mu, sigma2 } = driftVariance(x, alpha, uniform); return (2 * mu) / sigma2; });
      const logS = [0];
      for (let i = 1; i <= n; i++) logS.push(logS[i - 1]! - 0.5 * hgrid * (ratio[i]! + ratio[i - 1]!));
      const s = logS.map((v, i) => Math.exp(v - logS[n / 2]!));
      const cum = [0];
      for (let i = 1; i <= n; i++) cum.push(cum[i - 1]! + 0.5 * hgrid * (s[i]! + s[i - 1]!));
      for (const p10 of [0.3, 0.6, 0.8]) {
        const x0 = Math.log(p10 / (1 - p10));
        const i0 = Math.round((x0 + L) / hgrid);
        // Interpolate the cumulative integral at x0.
        const frac = (x0 + L) / hgrid - i0;
        const c0 = cum[i0]! + frac * hgrid * s[i0]!;
        const brute = 1 - c0 / cum[n]!;
        const { p } = failureProbabilityD2(p10, alpha, uniform);
        expect(Math.abs(p - brute) / brute, `α=${alpha} p10=${p10}: ${p} vs ${brute}`).toBeLessThan(2e-6);
      }
    }
  });

  it('tiny failure probabilities keep their digits in logP', () => {
    const a = failureProbabilityD2(0.9, 0.001, uniform);
    expect(a.p).toBe(0);
    expect(Number.isFinite(a.logP)).toBe(true);
    expect(a.logP).toBeLessThan(-1000);
    const b = failureProbabilityD2(0.9, 0.05, uniform);
    expect(b.p).toBeGreaterThan(0);
    expect(Math.log(b.p)).toBeCloseTo(b.logP, 12);
    expect(1 - successProbabilityD2(0.9, 0.05, uniform)).toBeCloseTo(b.p, 15);
    // Starting on the losing side at tiny α: failure is nearly certain, success keeps its digits.
    expect(failureProbabilityD2(0.4, 1e-6, uniform).p).toBe(1);
    expect(successProbabilityD2(0.4, 1e-6, uniform)).toBe(0);
    expect(Math.log(successProbabilityD2(0.4, 0.01, uniform))).toBeCloseTo(failureProbabilityD2(0.6, 0.01, uniform).logP, 12);
  });

  it('α·(−log P_fail) → c (largeDeviationConstantD2) as α → 0, uniform noise, p1(0) = 0.6', () => {
    const c = largeDeviationConstantD2(0.6, uniform);
    expect(c).toBeCloseTo(3 * Math.log(0.976 / 0.96), 14); // (1/V) log((1 − τ²/(1+2V))/(1 − τ²)), V = 1/3, τ = 0.2
    const g = (alpha: number) => alpha * -failureProbabilityD2(0.6, alpha, uniform).logP;
    const vals = [0.05, 0.01, 0.001, 1e-4, 1e-5, 1e-6].map(g);
    for (let i = 1; i < vals.length; i++) expect(vals[i]!).toBeLessThan(vals[i - 1]!);
    expect(vals[2]! / c).toBeCloseTo(1.066, 2); // α = 0.001: 6.6% above c
    expect(Math.abs(vals[5]! / c - 1)).toBeLessThan(2e-4); // α = 1e-6
    // The shortcut constant 4 log cosh(x0/2)/(1 + 2V) (σ² ≈ α²(1 + 2V)) is 1.2% lower and is not the limit.
    const cLead = (-2 * Math.log(0.96)) / (5 / 3);
    expect(Math.abs(vals[5]! / cLead - 1)).toBeGreaterThan(0.01);
  });
});

describe("the chain's own large-deviation constant (quasi-potential-d2.ts)", () => {
  it('the Lundberg root solves M(η)²(cosh η − τ sinh η) = 1 and → 2τ/(1 + 2V − τ²) for small τ', () => {
    for (const noise of laws) {
      for (const tau of [1e-3, 0.2, 0.6, 0.95]) {
        const eta = lundbergRootD2(tau, noise);
        expect(eta).toBeGreaterThan(0);
        expect(2 * noiseLogMgf(eta, noise) + Math.log(Math.cosh(eta) - tau * Math.sinh(eta))).toBeCloseTo(0, 12);
      }
      const V = noiseVariance(noise), tau = 1e-3;
      expect(lundbergRootD2(tau, noise) / ((2 * tau) / (1 + 2 * V - tau * tau))).toBeCloseTo(1, 2);
    }
  });

  it('agrees with the diffusion constant near p1(0) = 1/2 and departs from it further out', () => {
    for (const noise of laws) {
      expect(chainLargeDeviationConstantD2(0.51, noise) / largeDeviationConstantD2(0.51, noise)).toBeCloseTo(1, 3);
      expect(chainLargeDeviationConstantD2(0.9, noise)).toBeLessThan(largeDeviationConstantD2(0.9, noise));
    }
    expect(chainLargeDeviationConstantD2(0.6, uniform)).toBeCloseTo(0.04927, 5);
    expect(chainLargeDeviationConstantD2(0.9, uniform)).toBeCloseTo(1.4104, 4);
  });
});
