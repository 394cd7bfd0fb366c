/**
 * The product form of the chain (chain-math.ts advanceProduct: no exp/log between folds) and its WebAssembly kernel
 * (src/models/chain/wasm/chain-kernel.wat through advance-batch.ts):
 * - the fold interval keeps every product of factors 1 + α(B + Z) within 2^±900 for the extreme factors;
 * - on the same Philox stream the product form takes the same categorical draws as the log-space step `advance`
 *   (the previous reference), so states agree to float64 rounding (a wrong factor or a wrong fold would move them
 *   by order α);
 * - chunking a run (g carried between calls) changes no bit;
 * - the kernel gives the same bits as the JavaScript reference, for d = 2 … 9, batch sizes not a multiple of 4,
 *   several blocks, both laws it runs, and short fold intervals (αh close to 1);
 * - the kernel bytes were assembled from the .wat in the tree.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveScenario } from '../../src/models/chain/scenario.ts';
import {
  advance, advanceExtended, advanceProduct, chainExtras, extendedScratch, foldInterval, foldState, noiseParams,
} from '../../src/models/chain/chain-math.ts';
import { advanceBatch, chainKernel } from '../../src/models/chain/wasm/advance-batch.ts';
import { CHAIN_KERNEL_WAT_SHA256 } from '../../src/models/chain/wasm/chain-kernel-wasm.ts';
import { CpuEngine } from '../../src/models/chain/cpu-engine.ts';

const scen = (d: number, alpha: number, law: 'uniform' | 'rademacher' | 'truncnormal', h = 1, seed: number | string = 7) =>
  resolveScenario({
    model: 'chain', rates: Array.from({ length: d }, (_, i) => 10 - (6 * i) / Math.max(1, d - 1)), alpha,
    noise: { law, halfWidth: h }, steps: 10, trajectories: 1, seed,
  });

describe('fold interval', () => {
  it('keeps the extreme products of R factors within 2^±900 (f64) and 2^±100 (f32)', () => {
    for (const alpha of [1e-4, 0.01, 0.1, 0.5, 0.9, 5]) {
      for (const h of [0.01, 0.1, 0.5, 1, 1.5]) {
        if (alpha * h >= 1) continue;
        for (const [range, cap] of [[900, 64], [100, 64], [900, 1 << 20]] as const) {
          const R = foldInterval(alpha, h, range, cap);
          expect(R).toBeGreaterThanOrEqual(1);
          expect(R).toBeLessThanOrEqual(cap);
          // The smallest and the largest factor over R steps, in log2 (no overflow in the check itself).
          expect(R * Math.log2(1 - alpha * h)).toBeGreaterThanOrEqual(-range);
          expect(R * Math.log2(1 + alpha * (1 + h))).toBeLessThanOrEqual(range);
          // And it is the largest such R (below the cap).
          if (R < cap) {
            expect(Math.max(-(R + 1) * Math.log2(1 - alpha * h), (R + 1) * Math.log2(1 + alpha * (1 + h)))).toBeGreaterThan(range);
          }
        }
      }
    }
    expect(foldInterval(0.01, 1)).toBe(64);
    expect(() => foldInterval(0.5, 2)).toThrow(/alpha = 0.5, h = 2/); // 1 − αh = 0
  });

  it('a product over R steps at the extreme factors stays normal in float64', () => {
    for (const [alpha, h] of [[0.9, 1.1], [0.999, 1], [3, 0.3]] as const) {
      const R = foldInterval(alpha, h);
      let lo = 1, hi = 1;
      for (let k = 0; k < R; k++) { lo *= 1 - alpha * h; hi *= 1 + alpha * (1 + h); }
      expect(lo).toBeGreaterThan(2 ** -1000);
      expect(hi).toBeLessThan(2 ** 1000);
    }
  });
});

describe('product form against the log-space step', () => {
  it.each(['uniform', 'rademacher', 'truncnormal'] as const)('same draws, states within 1e-10 over 2000 steps (%s)', (law) => {
    const d = 4, s = scen(d, 0.05, law), np = noiseParams(s), R = foldInterval(s.alpha, np.h);
    let maxDiff = 0, moved = 0;
    for (let t = 0; t < 40; t++) {
      const xl = Float64Array.from(s.x0), xp = Float64Array.from(s.x0), g = new Float64Array(d).fill(1);
      advance(xl, d, 0, 2000, t, s.seedKey, s.alpha, np, new Float64Array(d), new Uint32Array(4));
      advanceProduct(xp, g, d, 0, 2000, t, s.seedKey, s.alpha, np, R, true, new Float64Array(d), new Uint32Array(4));
      for (let i = 0; i < d; i++) {
        // log-states below −700 carry no probability (e^x < 1e-304); the two forms round them differently
        if (xl[i]! > -700) maxDiff = Math.max(maxDiff, Math.abs(xl[i]! - xp[i]!));
        moved = Math.max(moved, Math.abs(xl[i]! - s.x0[i]!));
      }
      expect(g.every((v) => v === 1)).toBe(true); // folded at the end
      expect(Math.max(...xp)).toBe(0);
    }
    expect(moved).toBeGreaterThan(1); // the chain did move
    expect(maxDiff).toBeLessThan(1e-10);
  });

  it('one call or chunks of 1, 7 and 100 steps (g carried, folds at multiples of R): the same bits', () => {
    const d = 3, s = scen(d, 0.02, 'uniform'), np = noiseParams(s), R = foldInterval(s.alpha, np.h);
    const y = new Float64Array(d), w = new Uint32Array(4);
    const ref = Float64Array.from(s.x0), gRef = new Float64Array(d).fill(1);
    advanceProduct(ref, gRef, d, 0, 300, 3, s.seedKey, s.alpha, np, R, true, y, w);
    for (const chunk of [1, 7, 100]) {
      const x = Float64Array.from(s.x0), g = new Float64Array(d).fill(1);
      for (let k = 0; k < 300; k += chunk) {
        const n = Math.min(chunk, 300 - k);
        advanceProduct(x, g, d, k, n, 3, s.seedKey, s.alpha, np, R, k + n === 300, y, w);
      }
      expect(Array.from(x)).toEqual(Array.from(ref));
    }
  });

  it('the extensions (correlated inputs and a rate switch): chunks of 1, 7 and 100 give the same bits', () => {
    const d = 3;
    const s = resolveScenario({
      model: 'chain', rates: [5, 4, 3], alpha: 0.03, steps: 300, trajectories: 1, seed: 11,
      gamma: [[1, 0.3, 0], [0.3, 1, 0.2], [0, 0.2, 1]], schedule: [{ fromStep: 150, rates: [3, 4, 5] }],
    });
    const np = noiseParams(s), R = foldInterval(s.alpha, np.h), ex = chainExtras(s)!, sc = extendedScratch(d);
    const run = (chunk: number) => {
      const x = Float64Array.from(s.x0), g = new Float64Array(d).fill(1);
      for (let k = 0; k < 300; k += chunk) {
        const n = Math.min(chunk, 300 - k);
        advanceExtended(x, g, d, k, n, 5, s.seedKey, s.alpha, np, R, k + n === 300, ex, sc);
      }
      return Array.from(x);
    };
    const ref = run(300);
    for (const chunk of [1, 7, 100]) expect(run(chunk)).toEqual(ref);
    expect(Math.max(...ref)).toBe(0);
  });

  it('foldState: x + log g shifted to max 0, y = e^x, g = 1', () => {
    const x = Float64Array.from([0, -1, -2]), g = Float64Array.from([1.5, 4, 0.25]), y = new Float64Array(3);
    foldState(x, g, 3, y);
    const raw = [Math.log(1.5), -1 + Math.log(4), -2 + Math.log(0.25)], m = Math.max(...raw);
    raw.forEach((v, i) => expect(x[i]).toBeCloseTo(v - m, 14));
    expect(Math.max(...x)).toBe(0);
    expect(Array.from(y)).toEqual(Array.from(x, Math.exp));
    expect(Array.from(g)).toEqual([1, 1, 1]);
  });
});

describe('WebAssembly kernel', () => {
  const kernel = chainKernel();

  it('is available in Node 20 (WebAssembly SIMD) and assembled from the .wat in the tree', () => {
    expect(kernel).not.toBeNull();
    const wat = readFileSync(new URL('../../src/models/chain/wasm/chain-kernel.wat', import.meta.url), 'utf8');
    expect(createHash('sha256').update(wat).digest('hex'), 'run node scripts/build-wasm.mjs').toBe(CHAIN_KERNEL_WAT_SHA256);
  });

  // R = 0: the scenario's fold interval (64 here); R = 5: folds inside every dispatch, at steps the dispatches do not align with.
  const cases: [number, number, 'uniform' | 'rademacher', number, number, number][] = [];
  for (let d = 2; d <= 9; d++) cases.push([d, 0.05, 'uniform', 1, 37, 0]);
  cases.push([3, 0.05, 'rademacher', 1, 37, 0], [6, 0.3, 'rademacher', 0.5, 13, 5], [2, 0.95, 'uniform', 1.05, 9, 5],
    [4, 0.05, 'uniform', 1, 23, 5], [3, 0.01, 'uniform', 1, 4099, 0]);
  it.each(cases)('same bits as the JavaScript reference: d = %i, α = %f, %s h = %f, %i trajectories, R = %i', (d, alpha, law, h, n, R0) => {
    const s = scen(d, alpha, law, h, `k${d}`), np = noiseParams(s), R = R0 || foldInterval(alpha, h);
    const mk = () => {
      const x = new Float64Array(d * n);
      for (let i = 0; i < d; i++) x.fill(s.x0[i]!, i * n, (i + 1) * n);
      return { x, g: new Float64Array(d * n).fill(1) };
    };
    const a = mk(), b = mk();
    // dispatches that end between folds, on a fold, and on a checkpoint; a trajectory offset in the stream
    const steps = n > 1000 ? [[0, 20, false], [20, 50, true]] : [[0, 50, false], [50, 78, true], [128, 3, false], [131, 200, true]];
    for (const [k0, nSteps, foldAtEnd] of steps as [number, number, boolean][]) {
      const q = { d, n, traj0: 1000, k0, nSteps, key: s.seedKey, alpha, np, R, foldAtEnd };
      advanceBatch(a.x, a.g, q, null);
      advanceBatch(b.x, b.g, q, kernel);
    }
    expect(Array.from(b.x)).toEqual(Array.from(a.x));
    expect(Array.from(b.g)).toEqual(Array.from(a.g));
    // the last coordinate differs between trajectories (each lane has its own stream)
    expect(new Set(Array.from(a.x.subarray((d - 1) * n, d * n))).size).toBeGreaterThan(n / 2);
  });

  it('the cpu engine runs the kernel for the plain chain and the JavaScript step for the extensions', async () => {
    const plain = resolveScenario({ model: 'chain', rates: [3, 2], alpha: 0.02, steps: 20, trajectories: 16, seed: 1 });
    expect((await new CpuEngine().run(plain)).engine.details?.step).toBe('wasm-simd128');
    const sw = resolveScenario({ model: 'chain', rates: [3, 2], alpha: 0.02, steps: 20, trajectories: 16, seed: 1, schedule: [{ fromStep: 10, rates: [2, 3] }] });
    expect((await new CpuEngine().run(sw)).engine.details?.step).toBe('js-extended');
  });
});
