/**
 * Late-time slopes of the chain near its absorbing vertex (arXiv 2505.10272, Eq. 1–2 in logs; derived here, not a
 * formula of the paper).
 */
import { inverseMoment, logMoments, type NoiseSpec } from './noise-moments.ts';

/**
 * Per-step log-slopes of the gap 1 − p_{i*} near the vertex e_{i*} (i* the winning input).
 *
 * Near e_{i*}, B = e_{i*} almost surely, so by Eq. (1)–(2) each log(p_j/p_{i*}), j ≠ i*, is a random walk with
 * increment log(1 + αZ_j) − log(1 + α(1 + Z_{i*})) and drift −r,
 *
 *   r = E log(1 + α(1 + Z)) − E log(1 + αZ')   (> 0),
 *
 * and 1 − p_{i*} ≈ Σ_{j≠i*} p_j/p_{i*}. Two different statistics, two different slopes:
 * - `medianLogGapPerStep = −r`: slope per step of the median (and of the mean) of log(1 − p_{i*}) — the typical
 *   path. The log of a sum of d − 1 walks with common drift −r has slope −r.
 * - `meanGapLogPerStep = log E[(1 + αZ')/(1 + α(1 + Z))] = log E[1/(1 + α(1 + Z))]` (E[1 + αZ'] = 1, Z' ⊥ Z): slope
 *   per step of log E[1 − p_{i*}; success], the log of the ensemble mean of the gap on the success event.
 * By Jensen (log E X ≥ E log X), meanGapLogPerStep > medianLogGapPerStep: the mean gap decays more slowly than the
 * typical gap; for small α the difference is ≈ α² E Z² per step (while r ≈ α − α²/2). Divide by α for per-unit-time
 * slopes (both → −1 as α → 0, the flow's rate).
 */
export function asymptoticSlopes(alpha: number, noise: NoiseSpec): { medianLogGapPerStep: number; meanGapLogPerStep: number; r: number } {
  const r = logMoments(alpha, noise, 1).m1 - logMoments(alpha, noise, 0).m1;
  return { medianLogGapPerStep: -r, meanGapLogPerStep: Math.log(inverseMoment(alpha, noise)), r };
}

/**
 * The median path of log(1 − p_{i*}) near the vertex, with the finite-gap correction the constant slope −r leaves
 * out (derived here). For d = 2 the log-odds x = log(p_{i*}/p_j) has the exact per-step mean drift
 * E[Δx | x] = r (p_{i*} − p_j) = r tanh(x/2) (B = e_{i*} with probability p_{i*}; diffusion-d2.ts), and the median
 * of x follows the mean drift up to the skewness of Δx, which is O(α²). The ODE dx/dk = r tanh(x/2) has the closed
 * form sinh(x(k)/2) = sinh(x(k0)/2) e^{r(k − k0)/2}, and log(1 − p_{i*}) = −log(1 + e^{x}) is monotone in x, so its
 * median is the image of the median of x:
 *
 *   L(k) = −softplus(2 asinh(sinh(x0/2) e^{r(k − k0)/2})),   x0 = log((1 − g0)/g0), g0 = e^{L(k0)}.
 *
 * Its slope is −r(1 − g)(1 − 2g), which tends to −r as g = 1 − p_{i*} → 0: at g = e^{−5} it is 2 % shallower.
 * For d > 2, x is taken as log(p_{i*}/Σ_{j≠i*} p_j): exact when one other input dominates the gap; with several
 * comparable ones the max of d − 1 correlated walks adds a further O(k^{−1/2}) term not modelled here.
 */
export function medianLogGapPath(L0: number, k0: number, ks: number[], r: number): number[] {
  const g0 = Math.exp(L0);
  if (!(g0 < 0.5)) throw new Error('medianLogGapPath: needs 1 − p_{i*} < 1/2 at the anchor');
  const x0 = Math.log1p(-g0) - L0;
  const s0 = Math.sinh(x0 / 2);
  return ks.map((k) => {
    // log sinh(x/2) = log s0 + r(k − k0)/2; x/2 = asinh(sinh), computed in logs for large arguments.
    const ls = Math.log(s0) + (r * (k - k0)) / 2;
    const half = ls > 20 ? ls + Math.LN2 : Math.asinh(Math.exp(ls));
    const x = 2 * half;
    return -(x > 40 ? x + Math.exp(-x) : Math.log1p(Math.exp(x)));
  });
}
