/**
 * The reconstructed local update's mean drift (MODEL-NOTES §2): at a fixed θ, n·E[θ' − θ] = −α·E[Dξ] should be
 * −(2/3)A²α∇L(θ) for the two-point difference D = L(θ+ξ) − L(θ−ξ) and −(1/3)A²α∇L(θ) for the one-point
 * D = L(θ+ξ) − L(θ) (E ξξᵀ = A²/3·I), exactly on a quadratic loss. Each coordinate's mean over R independent updates
 * (the engine's own Philox words, copy r = 0…R−1) must lie within 4 standard errors of the drift (SE = sample sd/√R;
 * with d = 8 coordinates and two estimators the chance of a false failure is ~1e-3); and, to show the test can fail,
 * the two-point drift must lie more than 10 SE away from the one-point constant (and vice versa).
 *
 * The network's backpropagated gradient (the flow's right-hand side and ‖∇L‖) is checked against central finite
 * differences, and its two-point drift at small A against −κ∇L (the smoothing bias is O(A²) relative, 1e-4 here,
 * far below the 4-SE tolerance).
 */
import { describe, expect, it } from 'vitest';
import { applyUpdate, drawPerturbation } from '../../../src/models/zero-order/cpu-engine.ts';
import { gradNormAndLoss, lossGradient, networkLoss } from '../../../src/models/zero-order/loss.ts';
import { zeroOrderPoint } from '../../../src/models/zero-order/point.ts';
import { resolveZeroOrderScenario } from '../../../src/models/zero-order/scenario.ts';

const R = 20_000;

/** Per coordinate: mean and SE of n·(θ' − θ) over R updates at θ₀ (sample k = 0), and ∇L(θ₀). */
function driftAt(scenario: Record<string, unknown>) {
  const s = resolveZeroOrderScenario({ model: 'zero-order', minRatio: 0, trajectories: R, seed: 99, ...scenario });
  const p = zeroOrderPoint(s, 0), d = p.d, n = p.n;
  const xi = new Float64Array(d), th = new Float64Array(d), a = new Float64Array(Math.max(1, p.loss.net.h));
  const sum = new Float64Array(d), sum2 = new Float64Array(d);
  for (let r = 0; r < R; r++) {
    drawPerturbation(p, s.seedKey, 1, r, xi);
    th.set(p.theta0);
    applyUpdate(p, th, xi, 0, a);
    for (let i = 0; i < d; i++) { const v = n * (th[i]! - p.theta0[i]!); sum[i] += v; sum2[i] += v * v; }
  }
  const g = new Float64Array(d);
  lossGradient(p.loss, p.theta0, 0, g, a);
  const mean = Array.from(sum, (x) => x / R);
  const se = mean.map((m, i) => Math.sqrt((sum2[i]! / R - m * m) / (R - 1)));
  return { mean, se, grad: Array.from(g), kappa: s.kappa, A: s.A, alpha: s.alpha };
}

/** Largest |mean_i − c·(−A²α∇L_i)| / SE_i over the coordinates. */
const worstZ = (r: ReturnType<typeof driftAt>, c: number) => Math.max(...r.mean.map((m, i) => Math.abs(m + c * r.A * r.A * r.alpha * r.grad[i]!) / r.se[i]!));

const quadratic = { loss: { kind: 'quadratic', dims: [8], hessian: { min: 0.5, max: 4 }, distance: 1.3 }, updates: [50], A: 0.7, alpha: 1.3 };

describe('zero-order: the mean drift of one local update', () => {
  it('two-point on a quadratic: −(2/3)A²α∇L within 4 SE in every coordinate (and not the one-point −(1/3))', () => {
    const r = driftAt(quadratic);
    expect(r.kappa).toBeCloseTo((2 / 3) * 0.49 * 1.3, 14);
    expect(worstZ(r, 2 / 3)).toBeLessThan(4);
    expect(worstZ(r, 1 / 3)).toBeGreaterThan(10);
  });

  it('one-point on a quadratic: −(1/3)A²α∇L within 4 SE in every coordinate (and not the two-point −(2/3))', () => {
    const r = driftAt({ ...quadratic, estimator: 'one-point' });
    expect(r.kappa).toBeCloseTo((1 / 3) * 0.49 * 1.3, 14);
    expect(worstZ(r, 1 / 3)).toBeLessThan(4);
    expect(worstZ(r, 2 / 3)).toBeGreaterThan(10);
  });

  it('two-point on the network at A = 0.01: −κ∇L within 4 SE (the smoothing bias is O(A²))', () => {
    const r = driftAt({ loss: { kind: 'network', inputs: 3, hidden: [4], outputs: 2 }, updates: [50], A: 0.01, alpha: 10_000 });
    expect(worstZ(r, 2 / 3)).toBeLessThan(4);
    expect(worstZ(r, 1 / 3)).toBeGreaterThan(10);
  });
});

describe('zero-order: the network loss', () => {
  it('backpropagated gradient and ‖∇L‖ equal central finite differences', () => {
    const s = resolveZeroOrderScenario({ model: 'zero-order', loss: { kind: 'network', inputs: 3, hidden: [4], outputs: 2, samples: 2 }, updates: [10], minRatio: 0, trajectories: 1, seed: 5 });
    const p = zeroOrderPoint(s, 0), d = p.d, a = new Float64Array(4), dz = new Float64Array(4);
    expect(d).toBe(4 * (3 + 2));
    for (const k of [0, 1]) {
      const g = new Float64Array(d), zero = new Float64Array(d);
      const L = lossGradient(p.loss, p.theta0, k, g, a);
      expect(L).toBeCloseTo(networkLoss(p.loss, p.theta0, zero, 0, k, a), 14);
      const h = 1e-6;
      for (let i = 0; i < d; i++) {
        const e = new Float64Array(d);
        e[i] = h;
        const fd = (networkLoss(p.loss, p.theta0, e, 1, k, a) - networkLoss(p.loss, p.theta0, e, -1, k, a)) / (2 * h);
        expect(Math.abs(fd - g[i]!), `sample ${k}, weight ${i}`).toBeLessThan(1e-8 * Math.max(1, Math.abs(g[i]!)));
      }
      const [norm, loss] = gradNormAndLoss(p.loss, p.theta0, k, a, dz);
      expect(norm).toBeCloseTo(Math.hypot(...g), 12);
      expect(loss).toBeCloseTo(L, 14);
    }
  });
});
