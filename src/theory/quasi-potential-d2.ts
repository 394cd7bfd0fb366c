/**
 * d = 2: the small-α large-deviation constant of the chain itself (arXiv 2505.10272, Eq. 1–2), for comparison with
 * the diffusion's `largeDeviationConstantD2`. Derived here, not in the paper.
 *
 * As α → 0 the log-odds x = log(p_1/p_2) moves by Δx = αY + O(α²), Y = (B_1 − B_2) + Z_1 − Z_2, B = e_1 with
 * probability p_1 = (1 + τ)/2, τ = tanh(x/2). Failure (x → −∞) against the drift ατ is a rare event; by the
 * one-dimensional WKB/Cramér argument, log P(failure | x0) ≈ −(1/α) ∫_0^{x0} η*(y) dy, where η*(y) > 0 is the
 * non-zero root of the local Lundberg equation E_y e^{−ηY} = 1:
 *
 *   M(η)² (cosh η − τ sinh η) = 1,   M the noise's moment generating function.
 *
 * The diffusion approximation replaces this by its quadratic expansion, η ≈ 2τ/(1 + 2V − τ²) (V = E Z²), exact as
 * τ → 0 only: the higher cumulants of Y (the third, −2τ(1 − τ²) from B, and the fourth) enter at higher order in τ.
 * Measured (h = 1), c_chain against the diffusion's c: uniform p10 = 0.6: 0.049270 vs 0.049588 (0.6% apart);
 * p10 = 0.9: 1.4104 vs 1.6114 (diffusion 14% too large, i.e. it underestimates failure exponentially);
 * Rademacher p10 = 0.6: 0.027359 vs 0.027399; truncnormal (σ = h/2) p10 = 0.6: 0.059211 vs 0.059741.
 */
import { integrate } from './quadrature.ts';
import { noiseLogMgf, type NoiseSpec } from './noise-moments.ts';
import { timedTheory } from './theory-clock.ts';

/** η*(τ): the positive root of 2 log M(η) + log(cosh η − τ sinh η) = 0 for τ ∈ (0, 1) (Lundberg equation above). */
export function lundbergRootD2(tau: number, noise: NoiseSpec): number {
  if (tau <= 0) return 0;
  // log(cosh η − τ sinh η) = η + log((1 − τ)/2 + (1 + τ)/2 e^{−2η}), no overflow.
  const f = (eta: number) => 2 * noiseLogMgf(eta, noise) + eta + Math.log((1 - tau) / 2 + ((1 + tau) / 2) * Math.exp(-2 * eta));
  let hi = Math.max(1e-3, tau);
  while (f(hi) <= 0) hi *= 2;
  // f < 0 on (0, η*) (f(0) = 0, f'(0) = −τ), f > 0 beyond (f is convex in η: a cumulant generating function).
  let lo = 0;
  for (let k = 0; k < 200 && hi - lo > 1e-15 * hi; k++) {
    const mid = 0.5 * (lo + hi);
    if (f(mid) > 0 || mid === 0) hi = mid; else lo = mid;
  }
  return 0.5 * (lo + hi);
}

/**
 * c_chain in log P(failure) ≈ −c_chain/α (α → 0) for the d = 2 chain itself: ∫_0^{x0} η*(tanh(y/2)) dy with
 * x0 = log(p10/(1 − p10)), p10 > 1/2 (see the module comment; by symmetry the same integral gives the failure
 * exponent of input 2 when p10 < 1/2).
 */
function chainLargeDeviationConstantD2Untimed(p10: number, noise: NoiseSpec): number {
  const x0 = Math.abs(Math.log(p10) - Math.log1p(-p10));
  return integrate((y) => lundbergRootD2(Math.tanh(y / 2), noise), 0, x0, { relTol: 1e-11 }).value;
}

/** The exported solvers count their time on the theory clock (theory-clock.ts). */
export const chainLargeDeviationConstantD2 = timedTheory(chainLargeDeviationConstantD2Untimed);
