/**
 * The ensemble mean of p(k) follows the replicator flow dp_i/dt = p_i(p_i − ‖p‖²) (arXiv 2505.10272, Eq. 9) at
 * t = αk ∈ {1, 2, 3}, α = 0.0005, 20000 trajectories.
 *
 * Tolerance per coordinate: 4 Monte Carlo standard errors (sd_i/√N) plus 2α. The 2α allows for the O(α) bias of
 * the mean of a nonlinear function of the chain relative to the flow (E f(p) ≠ f(E p) with Var p = O(α), plus the
 * O(α) per-unit-time drift correction of the step map). At α = 0.002 that bias is already several standard errors
 * at t = 3; the tolerance is deliberately not loosened to hide it.
 */
import { describe, expect, it } from 'vitest';
import { resolveScenario } from '../../src/models/chain/scenario.ts';
import { CpuEngine } from '../../src/models/chain/cpu-engine.ts';
import { accumulatorFromJSON, type CheckpointAccumulator } from '../../src/stats/checkpoint-stats.ts';
import { integrateReplicator } from '../../src/theory/replicator.ts';
import { runOnGpu } from '../gpu/spawn.ts';

const alpha = 0.0005;
const N = 20000;
const scenario = {
  model: 'chain', rates: [10, 7.5, 5], alpha, steps: 6000, trajectories: N, seed: 'flow-agreement',
  checkpoints: [2000, 4000, 6000],
} as const;

function check(acc: CheckpointAccumulator[], p0: number[]): void {
  for (const t of [1, 2, 3]) {
    const a = acc.find((c) => c.step === Math.round(t / alpha))!;
    const flow = integrateReplicator(p0, t, 1e-3);
    for (let i = 0; i < 3; i++) {
      const m = a.p![i]!;
      const se = Math.sqrt(m.m2 / (m.n - 1) / m.n);
      const tol = 4 * se + 2 * alpha;
      expect(Math.abs(m.mean - flow[i]!), `t=${t} i=${i} mean=${m.mean} flow=${flow[i]} se=${se}`).toBeLessThan(tol);
    }
  }
}

describe('ensemble mean against the replicator flow', () => {
  const s = resolveScenario(scenario);

  it('CPU engine', async () => {
    const r = await new CpuEngine().run(s);
    check(r.checkpoints, s.p0);
  }, 300_000);

  it('WebGPU engine (Deno, lavapipe)', () => {
    const r = runOnGpu('deno', { kind: 'run', scenario });
    check(r.accumulators.map(accumulatorFromJSON), s.p0);
  }, 300_000);
});
