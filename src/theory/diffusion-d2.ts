/**
 * d = 2: the success probability P(p → e_1) of the chain (arXiv 2505.10272, Eq. 1–2) from a diffusion
 * approximation of the log-odds x = log(p_1/p_2). Derived here; the paper gives P(Θ) → 1 as α → 0 but no formula.
 *
 * One step of Eq. (1) in logs: x ← x + log(1 + α(B_1 + Z_1)) − log(1 + α(B_2 + Z_2)), B = e_1 with probability
 * p_1 = 1/(1 + e^{−x}). Writing a_s = log(1 + α(s + Z)), m1(s) = E a_s, m2(s) = E a_s² (noise-moments.ts):
 *   B = e_1: Δx = a_1(Z_1) − a_0(Z_2),  E = m1(1) − m1(0) = r;
 *   B = e_2: Δx = a_0(Z_1) − a_1(Z_2),  E = −r;
 * so μ(x) = (p_1 − p_2) r = r tanh(x/2). In both cases E[Δx² | B] = m2(1) + m2(0) − 2 m1(1) m1(0) =: M2 (Z_1, Z_2
 * i.i.d.), so σ²(x) = M2 − r² tanh²(x/2) (the variance includes the randomness of B).
 *
 * Scale function. With τ = tanh(y/2), dy = 2dτ/(1 − τ²) and u = τ², 2μ/σ² integrates in closed form:
 *   Φ(x) := ∫_0^x 2μ/σ² dy = κ [2 log cosh(x/2) + log(1 − q tanh²(x/2))],  κ = 2r/(M2 − r²), q = r²/M2 < 1,
 * s'(x) = e^{−Φ(x)}, even in x. Φ is convex on [0, ∞) (Φ' = 2rτ/(M2 − r²τ²) increases), Φ ~ κ|x| for large |x|.
 * Then P(failure | x0) = ∫_{x0}^{∞} s' / ∫_{−∞}^{∞} s' = J(x0)/(2J(0)) for x0 ≥ 0, J(a) = ∫_a^∞ s'.
 * For small α, r ≈ α, M2 ≈ α²(1 + 2E Z²), κ ≈ 1/(α E Z²) and q → 1/(1 + 2EZ²), so s' spans e^{−O(1/α)}.
 */
import { integrate } from './quadrature.ts';
import { logMoments, noiseVariance, type NoiseSpec } from './noise-moments.ts';
import { timedTheory } from './theory-clock.ts';

interface Coeffs { r: number; M2: number }

function coeffs(alpha: number, noise: NoiseSpec): Coeffs {
  const a1 = logMoments(alpha, noise, 1), a0 = logMoments(alpha, noise, 0);
  return { r: a1.m1 - a0.m1, M2: a1.m2 + a0.m2 - 2 * a1.m1 * a0.m1 };
}

/**
 * Per-step drift μ(x) = E[Δx] = r tanh(x/2) and variance σ²(x) = Var Δx = M2 − μ(x)² of the log-odds
 * x = log(p_1/p_2), d = 2, computed exactly from the step law of Eq. (1): r = m1(1) − m1(0),
 * M2 = m2(1) + m2(0) − 2 m1(1) m1(0) (see the module comment for the algebra).
 */
export function driftVariance(x: number, alpha: number, noise: NoiseSpec): { mu: number; sigma2: number } {
  const { r, M2 } = coeffs(alpha, noise);
  const mu = r * Math.tanh(x / 2);
  return { mu, sigma2: M2 - mu * mu };
}

/** log cosh(z) without overflow. */
function logCosh(z: number): number {
  const a = Math.abs(z);
  return a + Math.log1p(Math.exp(-2 * a)) - Math.LN2;
}

/** Φ(x) = ∫_0^x 2μ/σ² (closed form) and its first two derivatives, for x ≥ 0. */
function scale(c: Coeffs) {
  const { r, M2 } = c;
  const kappa = (2 * r) / (M2 - r * r), q = (r * r) / M2;
  const phi = (x: number) => {
    const t = Math.tanh(x / 2);
    return kappa * (2 * logCosh(x / 2) + Math.log1p(-q * t * t));
  };
  const dphi = (x: number) => {
    const t = Math.tanh(x / 2);
    return (2 * r * t) / (M2 - r * r * t * t);
  };
  const d2phi = (x: number) => {
    const t = Math.tanh(x / 2), s = M2 - r * r * t * t;
    return (r * (M2 + r * r * t * t) * (1 - t * t)) / (s * s);
  };
  return { phi, dphi, d2phi };
}

/**
 * log J(a) = log ∫_a^∞ e^{−Φ(y)} dy for a ≥ 0, as −Φ(a) + log ∫_a^∞ e^{−(Φ(y) − Φ(a))} dy: the inner integrand is
 * ≤ 1 and equals 1 at y = a, so no under/overflow however small α is. Panels of geometrically growing width from
 * the local scale 1/(Φ'(a) + √Φ''(a)), each by adaptive Gauss–Kronrod; stop when the convexity tail bound
 * ∫_b^∞ e^{−(Φ(y)−Φ(a))} ≤ e^{−(Φ(b)−Φ(a))}/Φ'(b) is below 1e-17 of the sum.
 */
function logTail(a: number, c: Coeffs): number {
  const { phi, dphi, d2phi } = scale(c);
  const pa = phi(a);
  const g = (y: number) => Math.exp(-(phi(y) - pa));
  let width = 1 / (dphi(a) + Math.sqrt(d2phi(a)));
  let lo = a, sum = 0;
  for (let k = 0; k < 2000; k++) {
    const hi = lo + width;
    sum += integrate(g, lo, hi, { relTol: 1e-13, absTol: 1e-18 * sum }).value;
    lo = hi;
    width *= 2;
    const dp = dphi(lo);
    if (dp > 0 && g(lo) / dp < 1e-17 * sum) break;
  }
  return -pa + Math.log(sum);
}

function log1mexp(x: number): number {
  // log(1 − e^{x}) for x < 0.
  return x > -Math.LN2 ? Math.log(-Math.expm1(x)) : Math.log1p(-Math.exp(x));
}

/**
 * P(failure) = P(p → e_2) for d = 2 from the diffusion approximation (scale function s' = e^{−Φ}, see the module
 * comment), x0 = log(p10/(1 − p10)):
 *   x0 ≥ 0: P = J(x0)/(2J(0)), computed in logs (logP = log J(x0) − log 2 − log J(0)): no 1 − (1 − tiny);
 *   x0 < 0: P = 1 − J(|x0|)/(2J(0)) (s' is even), with J(|x0|)/(2J(0)) ≤ 1/2 from logs.
 * `logP` stays finite where `p` underflows. Noise laws must be symmetric (all of stdp-mc's are).
 */
function failureProbabilityD2Untimed(p10: number, alpha: number, noise: NoiseSpec): { p: number; logP: number } {
  if (!(p10 >= 0 && p10 <= 1)) throw new Error('failureProbabilityD2: p10 must lie in [0, 1]');
  if (p10 === 1) return { p: 0, logP: -Infinity };
  if (p10 === 0) return { p: 1, logP: 0 };
  const c = coeffs(alpha, noise);
  const x0 = Math.log(p10) - Math.log1p(-p10);
  const logJ0 = logTail(0, c);
  if (x0 >= 0) {
    const logP = logTail(x0, c) - Math.LN2 - logJ0;
    return { p: Math.exp(logP), logP };
  }
  // x0 < 0: P = 1 − Q, Q = J(|x0|)/(2J(0)) < 1/2 the failure probability of the mirrored start (s' is even).
  const logQ = logTail(-x0, c) - Math.LN2 - logJ0;
  return { p: -Math.expm1(logQ), logP: log1mexp(logQ) };
}

/**
 * P(success) = P(p → e_1) for d = 2 from the diffusion approximation of x = log(p_1/p_2) (scale function
 * s'(x) = exp(−∫_0^x 2μ/σ²), P = ∫_{−∞}^{x0} s' / ∫_{−∞}^{∞} s'). By the 1 ↔ 2 symmetry success(p10) =
 * failure(1 − p10), which is what is computed for p10 < 1/2 so that small success probabilities keep their digits.
 */
function successProbabilityD2Untimed(p10: number, alpha: number, noise: NoiseSpec): number {
  if (p10 < 0.5) return failureProbabilityD2(1 - p10, alpha, noise).p;
  return 1 - failureProbabilityD2(p10, alpha, noise).p;
}

/**
 * c in log P(failure) ≈ −c/α as α → 0 for the diffusion approximation above (not the chain's own constant: see
 * quasi-potential-d2.ts). With τ0 = tanh(x0/2) = 2p10 − 1 and V = E Z²:
 *
 *   c = lim α·Φ(x0) = (1/V) log((1 − τ0²/(1 + 2V))/(1 − τ0²)) = (1/V) log1p((2V/(1 + 2V)) τ0²/(1 − τ0²)),
 *
 * because r ≈ α, M2 ≈ α²(1 + 2V), so κα → 1/V and q → 1/(1 + 2V) in the closed form of Φ; the prefactor
 * J(x0)/(2J(0)) only adds O(α log α) to α·log P. Equivalently 2μ/σ² ≈ (2/α) τ/(1 + 2V − τ²).
 *
 * Care: the shortcut σ² ≈ α²(1 + 2V) (dropping μ² = α²τ², which is of the same order) gives
 * c_lead = 4 log cosh(x0/2)/(1 + 2V) = −2 log(1 − τ0²)/(1 + 2V), which agrees only to leading order in τ0
 * (both ≈ 2τ0²/(1 + 2V)). Uniform noise on [−1, 1], p10 = 0.6: c = 0.049588 against c_lead = 0.048987.
 * Measured α·(−log P_fail) from `failureProbabilityD2` (uniform, h = 1, p10 = 0.6): 0.1286 (α = 0.05, 2.6 c),
 * 0.0714 (α = 0.01, 44% above c), 0.0528 (α = 0.001, 6.6% above c), 0.05003 (α = 1e-4), 0.049643 (α = 1e-5),
 * 0.049595 (α = 1e-6):
 * it converges to this c (not to c_lead), slowly, the gap being the O(α log(1/α)) prefactor
 * (test/theory/diffusion-d2.test.ts).
 */
function largeDeviationConstantD2Untimed(p10: number, noise: NoiseSpec): number {
  const V = noiseVariance(noise);
  const t2 = (2 * p10 - 1) ** 2;
  return Math.log1p(((2 * V) / (1 + 2 * V)) * (t2 / (1 - t2))) / V;
}

/** The exported solvers count their time on the theory clock (theory-clock.ts). */
export const failureProbabilityD2 = timedTheory(failureProbabilityD2Untimed);
export const successProbabilityD2 = timedTheory(successProbabilityD2Untimed);
export const largeDeviationConstantD2 = timedTheory(largeDeviationConstantD2Untimed);
