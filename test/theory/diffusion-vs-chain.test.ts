/**
 * The d = 2 diffusion prediction of the success probability against a direct simulation of the chain on the CPU
 * engine: α = 0.05, p_1(0) = 0.6 (λ = (1.5, 1), equal weights), uniform noise on [−1, 1], 40000 trajectories run to
 * t = αK = 40 (every trajectory has decided: 1 − p* < 1e-2 or argmax ≠ i*). Tolerance: 4 binomial standard errors.
 */
import { describe, expect, it } from 'vitest';
import { resolveScenario } from '../../src/models/chain/scenario.ts';
import { CpuEngine } from '../../src/models/chain/cpu-engine.ts';
import { successProbabilityD2 } from '../../src/theory/diffusion-d2.ts';

describe('d = 2 diffusion approximation against the chain', () => {
  it('α = 0.05, p1(0) = 0.6: within 4 standard errors of 40000 trajectories', async () => {
    const s = resolveScenario({ model: 'chain', rates: [1.5, 1], alpha: 0.05, steps: 800, trajectories: 40000, seed: 'diffusion-d2', checkpoints: [800] });
    const last = (await new CpuEngine().run(s)).checkpoints.at(-1)!;
    const decided = (last.belowDelta[0]! + (last.n - last.successCount)) / last.n;
    expect(decided).toBeGreaterThan(0.999);
    const pHat = last.successCount / last.n;
    const pTheory = successProbabilityD2(0.6, 0.05, s.noise);
    const se = Math.sqrt((pHat * (1 - pHat)) / last.n);
    expect(Math.abs(pHat - pTheory), `simulated ${pHat}, diffusion ${pTheory}, se ${se}`).toBeLessThan(4 * se);
  }, 300_000);
});
