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
