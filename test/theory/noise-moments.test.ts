/**
 * One-step log-moments of Eq. (1) (noise-moments.ts) and the asymptotic slopes (asymptotic-slope.ts) against
 * Monte Carlo: 10^6 Philox draws through the engines' own noise transform, tolerance 4 standard errors, all three
 * laws, α = 0.02 and 0.5 (the latter where the log-nonlinearity is far above the standard error).
 */
import { describe, expect, it } from 'vitest';
import { inverseMoment, logMoments, noiseLogMgf, noiseVariance, type NoiseSpec } from '../../src/theory/noise-moments.ts';
import { asymptoticSlopes } from '../../src/theory/asymptotic-slope.ts';
import { integrate } from '../../src/theory/quadrature.ts';
import { meanSe, noiseMap, philoxUniforms } from './mc-draws.ts';

const N = 1_000_000;
const laws: NoiseSpec[] = [
  { law: 'uniform', halfWidth: 1 },
  { law: 'rademacher', halfWidth: 1 },
  { law: 'truncnormal', halfWidth: 1 },
];
const alphas = [0.02, 0.5];

describe('logMoments / inverseMoment / asymptoticSlopes against Monte Carlo (10^6 Philox draws, 4 SE)', () => {
  const U = philoxUniforms(N, 2, 11);
  for (const noise of laws) {
    for (const alpha of alphas) {
      it(`${noise.law}, α = ${alpha}`, () => {
        const Z = noiseMap(noise);
        const a1 = new Float64Array(N), a0 = new Float64Array(N), s1 = new Float64Array(N), s0 = new Float64Array(N);
        const rX = new Float64Array(N), inv = new Float64Array(N);
        for (let i = 0; i < N; i++) {
          const z = Z(U[2 * i]!), zp = Z(U[2 * i + 1]!);
          const l1 = Math.log1p(alpha * (1 + z)), l0 = Math.log1p(alpha * zp);
          a1[i] = l1; a0[i] = l0; s1[i] = l1 * l1; s0[i] = l0 * l0;
          rX[i] = l1 - l0;
          inv[i] = 1 / (1 + alpha * (1 + z));
        }
        const m1 = logMoments(alpha, noise, 1), m0 = logMoments(alpha, noise, 0);
        const sl = asymptoticSlopes(alpha, noise);
        const checks: [string, Float64Array, number][] = [
          ['m1(1)', a1, m1.m1], ['m1(0)', a0, m0.m1], ['m2(1)', s1, m1.m2], ['m2(0)', s0, m0.m2],
          ['r', rX, sl.r], ['E 1/(1+α(1+Z))', inv, inverseMoment(alpha, noise)],
        ];
        for (const [name, xs, theory] of checks) {
          const { mean, se } = meanSe(xs);
          expect(Math.abs(mean - theory), `${name}: MC ${mean} ± ${se}, theory ${theory}`).toBeLessThan(4 * se);
        }
        expect(sl.medianLogGapPerStep).toBe(-sl.r);
        expect(sl.meanGapLogPerStep).toBeCloseTo(Math.log(inverseMoment(alpha, noise)), 15);
        // Jensen: the mean gap decays more slowly than the typical (median) gap.
        expect(sl.meanGapLogPerStep).toBeGreaterThan(sl.medianLogGapPerStep);
      });
    }
  }
});

describe('closed forms against quadrature', () => {
  const uniformDirect = (g: (z: number) => number, h: number) => integrate(g, -h, h, { relTol: 1e-15 }).value / (2 * h);
  it('uniform: series and closed-form branches agree with direct quadrature around the switch c = 1/4', () => {
    for (const h of [1, 0.5]) {
      for (const alpha of [1e-3, 0.1, 0.2, 0.249, 0.2501, 0.26, 0.6, 0.95]) {
        if (alpha * h >= 1) continue;
        for (const shift of [0, 1] as const) {
          const f = (z: number) => Math.log1p(alpha * (shift + z));
          const { m1, m2 } = logMoments(alpha, { law: 'uniform', halfWidth: h }, shift);
          expect(m1).toBeCloseTo(uniformDirect(f, h), 13);
          expect(m2).toBeCloseTo(uniformDirect((z) => f(z) ** 2, h), 13);
        }
        expect(inverseMoment(alpha, { law: 'uniform', halfWidth: h })).toBeCloseTo(
          uniformDirect((z) => 1 / (1 + alpha * (1 + z)), h), 13);
      }
    }
  });

  it('small α: m1(0) ≈ −α²E Z²/2 with full relative precision, r ≈ α − α²/2', () => {
    for (const noise of laws) {
      const a = 1e-6, V = noiseVariance(noise);
      expect(logMoments(a, noise, 0).m1 / (-(a * a) * V / 2)).toBeCloseTo(1, 5);
      expect(asymptoticSlopes(a, noise).r / (a - a * a / 2)).toBeCloseTo(1, 9);
    }
  });

  it('noise variance and cumulant generating function', () => {
    expect(noiseVariance({ law: 'uniform', halfWidth: 2 })).toBeCloseTo(4 / 3, 15);
    expect(noiseVariance({ law: 'rademacher', halfWidth: 0.5 })).toBe(0.25);
    // Truncated N(0, σ²) on [−h, h]: σ²(1 − 2(h/σ)φ(h/σ)/W), W = erf(h/(σ√2)); h = 1, σ = 1/2 → h/σ = 2.
    const phi2 = Math.exp(-2) / Math.sqrt(2 * Math.PI), W = 0.9544997361036416;
    expect(noiseVariance({ law: 'truncnormal', halfWidth: 1 })).toBeCloseTo(0.25 * (1 - (4 * phi2) / W), 13);
    for (const noise of laws) {
      expect(noiseLogMgf(1e-4, noise) / (0.5e-8 * noiseVariance(noise))).toBeCloseTo(1, 6);
      const direct = noise.law === 'uniform' ? Math.log(Math.sinh(1.3) / 1.3) : noise.law === 'rademacher' ? Math.log(Math.cosh(1.3)) : null;
      if (direct !== null) expect(noiseLogMgf(1.3, noise)).toBeCloseTo(direct, 14);
    }
  });
});
