/**
 * The mean-field map of the multi-output chain: Algorithm 1 or 2 of arXiv 2505.10272 with the one-hot draw B_j
 * replaced by its mean p_j and the noise Z by 0, so output j moves by Δw_j = α_j w_j ⊙ p_j. Everything else is the
 * engine's step (cpu-engine.ts `advanceMulti` / `updateOutput`): outputs updated from the last to the first, each
 * projected against the weights w_l (l < j) from before this step's update, sequentially (Δw_j −= (Δw_jᵀw_l/‖w_l‖²) w_l
 * for l = 1..j−1 in turn) or onto the orthogonal complement of their span (the Gram–Schmidt basis), as the scenario's
 * `projection` says; then clipped at 0 and renormalised to λᵀw_j = 1. Under algorithm 2 only the output whose period
 * holds step k moves.
 *
 * It is theory (on the theory clock, src/theory/theory-clock.ts): a deterministic map the run's statistics are held
 * against, not part of the simulation or its bookkeeping.
 */
import { timedTheory } from '../../theory/theory-clock.ts';
import { gramSchmidt, periodOf } from './cpu-engine.ts';
import type { ResolvedMultiScenario } from './scenario.ts';

/** P = (p_ji) of the weights W (row-major m × d): p_ji = λ_i w_ji / λᵀw_j (uniform for a row clipped to 0, as weightsToP). */
function sharesOf(W: Float64Array, rates: readonly number[], m: number, d: number): number[][] {
  const P: number[][] = new Array(m);
  for (let j = 0; j < m; j++) {
    let n = 0;
    for (let i = 0; i < d; i++) n += rates[i]! * W[j * d + i]!;
    const row: number[] = new Array(d);
    for (let i = 0; i < d; i++) row[i] = n > 0 ? (rates[i]! * W[j * d + i]!) / n : 1 / d;
    P[j] = row;
  }
  return P;
}

/** P of the mean-field map after each step in `ks` (ascending). */
function meanFieldPUntimed(s: ResolvedMultiScenario, ks: readonly number[]): number[][][] {
  const { m, d, rates, alphas } = s;
  const orthogonal = s.projection !== 'sequential';
  const W = new Float64Array(m * d), q = new Float64Array(m * d), dw = new Float64Array(d);
  for (let j = 0; j < m; j++) {
    const row = s.initialWeights[j]!;
    let n = 0;
    for (let i = 0; i < d; i++) n += rates[i]! * row[i]!;
    for (let i = 0; i < d; i++) W[j * d + i] = row[i]! / n;
  }
  const out: number[][][] = [];
  let k = 0;
  for (const target of ks) {
    for (; k < target; k++) {
      const only = s.algorithm === 2 && s.periodEnds ? periodOf(s.periodEnds, k) : null;
      if (only === -1) continue; // past the last period: nothing moves
      if (orthogonal) gramSchmidt(W, d, only ?? m - 1, q); // the basis of the outputs below the highest that moves
      for (let j = m - 1; j >= 0; j--) {
        if (only !== null && j !== only) continue;
        const o = j * d, alpha = alphas[j]!;
        // p_j of the weights before this update (rows below j are updated later in the step, so W[j] is still w_j(k)).
        let S = 0;
        for (let i = 0; i < d; i++) S += rates[i]! * W[o + i]!;
        for (let i = 0; i < d; i++) dw[i] = alpha * W[o + i]! * (S > 0 ? (rates[i]! * W[o + i]!) / S : 1 / d);
        for (let l = 0; l < j; l++) {
          if (orthogonal) {
            let c = 0;
            for (let i = 0; i < d; i++) c += dw[i]! * q[l * d + i]!;
            for (let i = 0; i < d; i++) dw[i] = dw[i]! - c * q[l * d + i]!;
          } else {
            let dot = 0, nn = 0;
            for (let i = 0; i < d; i++) dot += dw[i]! * W[l * d + i]!;
            for (let i = 0; i < d; i++) nn += W[l * d + i]! * W[l * d + i]!;
            if (nn > 0) for (let i = 0; i < d; i++) dw[i] = dw[i]! - (dot / nn) * W[l * d + i]!;
          }
        }
        let n = 0;
        for (let i = 0; i < d; i++) {
          const v = Math.max(0, W[o + i]! + dw[i]!);
          W[o + i] = v;
          n += rates[i]! * v;
        }
        if (n > 0) for (let i = 0; i < d; i++) W[o + i] = W[o + i]! / n; // a row clipped to 0 stays 0 (as the engine)
      }
    }
    out.push(sharesOf(W, rates, m, d));
  }
  return out;
}

export const meanFieldP = timedTheory(meanFieldPUntimed);
