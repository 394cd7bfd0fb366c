/**
 * Closed forms of src/models/hebbian/theory.ts checked on their own: (A) the conditional expectation E[⟨S, H⟩ | v]
 * against direct Monte Carlo at a fixed v (batch 3, two outputs, label noise; Philox Gaussians, fixed seed); (B) the
 * moment recursion reaches its stationary value; (C) the η → 0 limit and the phase boundary γ ∝ σ².
 */
import { describe, expect, it } from 'vitest';
import { fillGauss } from '../../src/models/hebbian/cpu-engine.ts';
import {
  conditionalInnerProduct, innerProductPath, kappa, momentPath, phaseBoundary, smallEtaInnerProduct, stationaryInnerProduct, stationaryT,
} from '../../src/models/hebbian/theory.ts';

describe('hebbian linear theory', () => {
  it('(A) E[⟨S, H⟩ | v] = −κ(‖v‖² − ⟨v, W*⟩ + D_out σ² D), κ = (D + B + 1)/B, against 40 000 direct draws (4 SE)', () => {
    const D = 6, O = 2, B = 3, sigma = 0.3, ln = 0.5, key: [number, number] = [12345, 678];
    const words = new Uint32Array(4), g4 = new Float64Array(4);
    const v = Float64Array.from({ length: O * D }, (_, i) => Math.sin(i + 1));
    const W = Float64Array.from({ length: O * D }, (_, i) => Math.cos(2 * i));
    const w = new Float64Array(O * D), x = new Float64Array(D), xi = new Float64Array(O), S = new Float64Array(O * D), H = new Float64Array(O * D);
    let sum = 0, sumSq = 0;
    const N = 40_000;
    for (let n = 0; n < N; n++) {
      fillGauss(n, 0, 0, O * D, sigma, key, words, g4, w);
      for (let p = 0; p < O * D; p++) w[p] += v[p]!;
      S.fill(0); H.fill(0);
      for (let b = 0; b < B; b++) {
        fillGauss(n, 1 + b, 0, D, 1, key, words, g4, x);
        fillGauss(n, 100 + b, 0, O, ln, key, words, g4, xi);
        for (let o = 0; o < O; o++) {
          let out = 0, y = xi[o]!;
          for (let c = 0; c < D; c++) { out += w[o * D + c]! * x[c]!; y += W[o * D + c]! * x[c]!; }
          for (let c = 0; c < D; c++) { S[o * D + c] -= ((out - y) * x[c]!) / B; H[o * D + c] += (out * x[c]!) / B; }
        }
      }
      let ip = 0;
      for (let p = 0; p < O * D; p++) ip += S[p]! * H[p]!;
      sum += ip; sumSq += ip * ip;
    }
    const mean = sum / N, se = Math.sqrt((sumSq / N - mean * mean) / N);
    let vv = 0, vw = 0;
    for (let p = 0; p < O * D; p++) { vv += v[p]! * v[p]!; vw += v[p]! * W[p]!; }
    const th = conditionalInnerProduct(vv, vw, { D, Dout: O, B, sigma });
    console.log(`direct MC ${mean.toFixed(3)} ± ${se.toFixed(3)}, closed form ${th.toFixed(3)} (κ = ${kappa(D, B)}); with κ = D + 2: ${(th * (D + 2) / kappa(D, B)).toFixed(3)}`);
    expect(Math.abs(mean - th)).toBeLessThan(4 * se);
    expect(Math.abs(mean - th * (D + 2) / kappa(D, B))).toBeGreaterThan(6 * se);
  });

  it('(B) the moment recursion converges to the stationary T∞ and E⟨S, H⟩∞; the mean to W*/(1 + γ)', () => {
    const p = { D: 32, Dout: 1, B: 1, eta: 0.01, gamma: 0.3, sigma: 0.05, labelNoise: 0.1, teacherNorm2: 0.9 };
    const { T, c } = momentPath(p, 1, 20_000);
    expect(T[20_000]).toBeCloseTo(stationaryT(p)!, 10);
    expect(c[20_000]).toBeCloseTo(0.9 / 1.3, 10);
    const ip = -kappa(32, 1) * (T[20_000]! - c[20_000]! + 0.05 * 0.05 * 32);
    expect(ip).toBeCloseTo(stationaryInnerProduct(p)!, 8);
    // divergent step: no stationary state
    expect(stationaryT({ ...p, eta: 0.2 })).toBeNull();
  });

  it('(C) η → 0 limit κ[‖w*‖²γ/(1+γ)² − σ²D]; boundary roots of γ/(1+γ)² = σ²D/‖w*‖², lower root ∝ σ²', () => {
    const base = { D: 32, Dout: 1, B: 1, sigma: 0.02, labelNoise: 0, teacherNorm2: 1 };
    const lim = smallEtaInnerProduct({ ...base, gamma: 0.4 });
    expect(stationaryInnerProduct({ ...base, gamma: 0.4, eta: 1e-6 })!).toBeCloseTo(lim, 3);
    const roots = phaseBoundary({ ...base, eta: 0 }, 'small-eta');
    const rho = 0.02 * 0.02 * 32;
    expect(roots).toHaveLength(2);
    for (const g of roots) expect(g / (1 + g) ** 2).toBeCloseTo(rho, 12);
    // lower branch ∝ σ²: halving σ quarters the boundary γ (to first order in ρ)
    const r2 = phaseBoundary({ ...base, sigma: 0.01, eta: 0 }, 'small-eta');
    expect(roots[0]! / r2[0]!).toBeGreaterThan(3.8);
    expect(roots[0]! / r2[0]!).toBeLessThan(4.2);
    // the exact-η boundary approaches the small-η one as η → 0 and lies above it for η > 0 (fluctuations are anti-Hebbian)
    const ex = phaseBoundary({ ...base, eta: 1e-5 }, 'exact');
    expect(ex[0]!).toBeCloseTo(roots[0]!, 3);
    const ex2 = phaseBoundary({ ...base, eta: 0.02 }, 'exact');
    expect(ex2[0]!).toBeGreaterThan(roots[0]!);
    // no Hebbian phase when σ²D/‖w*‖² > 1/4
    expect(phaseBoundary({ ...base, sigma: 0.1, eta: 0 }, 'small-eta')).toEqual([]);
  });

  it('(D) gradient and input noise: the recursion reaches its stationary value, the mean W* / (γ + 1 + σ_x²); tiny noise → (B); boundary γ ∝ η σ_g²', () => {
    const p = { D: 16, Dout: 2, B: 2, eta: 0.01, gamma: 0.3, sigma: 0, labelNoise: 0.1, teacherNorm2: 1.7 };
    for (const extra of [{ gradientNoise: 0.7 }, { inputNoise: 0.6 }]) {
      const q = { ...p, ...extra };
      const { T, c } = momentPath(q, 1, 20_000);
      expect(T[20_000]).toBeCloseTo(stationaryT(q)!, 9);
      expect(c[20_000]).toBeCloseTo(1.7 / (0.3 + 1 + (q.inputNoise ?? 0) ** 2), 10);
      expect(innerProductPath(q, 1, 20_000)[20_000]).toBeCloseTo(stationaryInnerProduct(q)!, 8);
      // continuity: a vanishing extra noise gives the (B) numbers
      const tiny = { ...p, ...(extra.gradientNoise ? { gradientNoise: 1e-9 } : { inputNoise: 1e-9 }) };
      expect(stationaryInnerProduct(tiny)!).toBeCloseTo(stationaryInnerProduct(p)!, 6);
    }
    // gradient noise: stationary E⟨S, H⟩ drops by ≈ κ η σ_g² P / (2(1 + γ)) (the O(η) fluctuation of v)
    const drop = stationaryInnerProduct(p)! - stationaryInnerProduct({ ...p, gradientNoise: 0.7 })!;
    const approx = (kappa(16, 2) * 0.01 * 0.49 * 32) / (2 * 1.3);
    expect(Math.abs(drop / approx - 1)).toBeLessThan(0.05);
    // the lower boundary at small σ_g scales as σ_g² (η fixed)
    const root = (g: number) => phaseBoundary({ ...p, labelNoise: 0, gradientNoise: g }, 'exact', [1e-5, 10])[0]!;
    expect(root(0.1) / root(0.05)).toBeGreaterThan(3.6);
    expect(root(0.1) / root(0.05)).toBeLessThan(4.4);
    // η → 0: input noise alone keeps the alignment Hebbian (κ s⁴ ‖W*‖² γ / (s² (γ + s²)²) > 0)
    expect(smallEtaInnerProduct({ ...p, inputNoise: 0.6 })).toBeGreaterThan(0);
  });
});
