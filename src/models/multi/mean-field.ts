/**
 * The mean-field map of the multi-output chain: Algorithm 1 or 2 of arXiv 2505.10272 with the one-hot draw B_j
 * replaced by its mean p_j and the noise Z by 0, so output j's increment is Δw_j = α_j w_j ⊙ p_j. Everything else is
 * the engine's step (cpu-engine.ts `advanceMulti`): outputs updated from the last to the first, each increment applied
 * by `applyIncrement` (projected against the rows below it as they were before the step, sequentially or onto the
 * orthogonal complement of their span, as the scenario's `projection` says; clipped at 0; renormalised). Under
 * algorithm 2 only the output whose period holds step k moves.
 *
 * It is theory (on the theory clock, src/theory/theory-clock.ts): a deterministic map the run's statistics are held
 * against, not part of the simulation or its bookkeeping.
 */
import { timedTheory } from '../../theory/theory-clock.ts';
import { applyIncrement, gramSchmidt, initialWeights, multiParams, periodOf, weightsToP } from './cpu-engine.ts';
import type { ResolvedMultiScenario } from './scenario.ts';

/** P of the mean-field map after each step in `ks` (ascending), as rows of numbers. */
function meanFieldPUntimed(s: ResolvedMultiScenario, ks: readonly number[]): number[][][] {
  const mp = multiParams(s), { m, d, alphas } = mp;
  const W = initialWeights(s), P = new Float64Array(m * d), q = new Float64Array(m * d), delta = new Float64Array(d);
  const rows = (): number[][] => Array.from({ length: m }, (_, j) => Array.from(P.subarray(j * d, (j + 1) * d)));
  const out: number[][][] = [];
  let k = 0;
  for (const target of ks) {
    for (; k < target; k++) {
      const only = s.algorithm === 2 && s.periodEnds ? periodOf(s.periodEnds, k) : null;
      if (only === -1) continue; // past the last period: nothing moves
      if (mp.projection === 1) gramSchmidt(W, d, only ?? m - 1, q); // the basis of the outputs below the highest that moves
      // p of every output before the step (a row is updated once per step, so row j's p is that of w_j(k)).
      weightsToP(W, mp, P);
      for (let j = m - 1; j >= 0; j--) {
        if (only !== null && j !== only) continue;
        for (let i = 0; i < d; i++) delta[i] = alphas[j]! * W[j * d + i]! * P[j * d + i]!;
        applyIncrement(W, j, delta, mp, q);
      }
    }
    weightsToP(W, mp, P);
    out.push(rows());
  }
  return out;
}

export const meanFieldP = timedTheory(meanFieldPUntimed);
