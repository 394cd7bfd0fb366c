/**
 * Closed forms of the reconstructed zero-order learner on the quadratic loss (derived here; MODEL-NOTES §2).
 *
 * With g = θ − θ*, H = I and ξ ~ Uniform[−A, A]^d (moments μ₂ = A²/3, μ₄ = A⁴/5, μ₆ = A⁶/7), one update with step s
 * (α/n on the regular clock, α/(nλ) on the Poisson clock) is
 *   two-point: g ← g − s·2(gᵀξ)ξ                (L(θ+ξ) − L(θ−ξ) = 2gᵀξ exactly),
 *   one-point: g ← g − s·(gᵀξ + ½‖ξ‖²)ξ.
 * Using E(gᵀξ)² = μ₂‖g‖², E(gᵀξ)²‖ξ‖² = ‖g‖²(μ₄ + (d−1)μ₂²) and odd moments 0:
 *   E[g' | g] = p·g,   p = 1 − (2/3)sA² (two-point), 1 − (1/3)sA² (one-point);
 *   E[‖g'‖² | g] = q·‖g‖² + r,
 *     two-point: q = 1 − (4/3)sA² + 4s²A⁴((d−1)/9 + 1/5),   r = 0,
 *     one-point: q = 1 − (2/3)sA² + s²A⁴((d−1)/9 + 1/5),    r = ¼s²E‖ξ‖⁶,
 *       E‖ξ‖⁶ = dμ₆ + 3d(d−1)μ₄μ₂ + d(d−1)(d−2)μ₂³.
 * The trace recursion closes, so after k updates E‖g_k‖² = q^k‖g₀‖² + r(1 − q^k)/(1 − q) and E g_k = p^k g₀: the
 * exact mean square distance to the flow Z_t = e^{−κt}g₀ is
 *   regular: E‖g_k − Z_t‖² = E‖g_k‖² − 2p^k e^{−κt}‖g₀‖² + e^{−2κt}‖g₀‖²   (k = ⌊nt⌋),
 *   Poisson (N_t ~ Poisson(νt), ν = nλ): E q^N = e^{−νt(1−q)}, E p^N = e^{−κt}, so E‖g_t − Z_t‖² = E‖g_t‖² − e^{−2κt}‖g₀‖².
 * To leading order in 1/n (two-point, regular) this is MODEL-NOTES' RMS ≈ 2αA²e^{−κT}√(T((d+1)/9 − 2/15)/n)·‖g₀‖
 * (per-step noise covariance 4s²A⁴[‖g‖²I/9 + ggᵀ/9 − (2/15)diag(g²)]); the Poisson clock adds the timing noise,
 * ((d+1)/9 − 2/15) → ((d−1)/9 + 1/5) and n → nλ. Mean-square stability is q < 1:
 *   two-point n > αA²(d + 0.8)/3 (MODEL-NOTES: n > αA²d/3), one-point n > αA²(d + 0.8)/6.
 * For diagonal H the mean is exact too (each coordinate contracts by p_i = 1 − κh_i/n per update): the Euler bias
 * E θ_k − Z_t = ((1 − κh_i/n)^k − e^{−κh_i t}) g₀,i on the regular clock, 0 on the Poisson clock.
 */
export type Estimator = 'two-point' | 'one-point';

/** κ of the limit dZ/dt = −κ∇L(Z): (2/3)A²α two-point (stated), (1/3)A²α one-point. */
export function kappaOf(est: Estimator, A: number, alpha: number): number {
  return ((est === 'two-point' ? 2 : 1) / 3) * A * A * alpha;
}

/** Updates per unit time above which the mean square of the H = I quadratic contracts: q < 1. */
export function stabilityThreshold(est: Estimator, d: number, alpha: number, A: number): number {
  return (alpha * A * A * (d + 0.8)) / (est === 'two-point' ? 3 : 6);
}

/** E‖ξ‖⁶ for ξ ~ Uniform[−A, A]^d. */
export function sixthMoment(d: number, A: number): number {
  const m2 = (A * A) / 3, m4 = A ** 4 / 5, m6 = A ** 6 / 7;
  return d * m6 + 3 * d * (d - 1) * m4 * m2 + d * (d - 1) * (d - 2) * m2 ** 3;
}

/** p, q, r of one update with step s (see the module comment). */
export function updateMoments(est: Estimator, d: number, A: number, s: number): { p: number; qm1: number; r: number } {
  const A2 = A * A, c = (d - 1) / 9 + 1 / 5;
  if (est === 'two-point') return { p: 1 - (2 / 3) * s * A2, qm1: -(4 / 3) * s * A2 + 4 * s * s * A2 * A2 * c, r: 0 };
  return { p: 1 - (1 / 3) * s * A2, qm1: -(2 / 3) * s * A2 + s * s * A2 * A2 * c, r: 0.25 * s * s * sixthMoment(d, A) };
}

export interface ExactSetting {
  estimator: Estimator;
  clock: 'regular' | 'poisson';
  d: number;
  n: number;
  rate: number;
  A: number;
  alpha: number;
  /** ‖θ₀ − θ*‖. */
  distance: number;
}

/** Exact E‖Zⁿ_t − Z_t‖² of the H = I quadratic (module comment). */
export function exactMeanSquare(x: ExactSetting, t: number): number {
  const nu = x.clock === 'poisson' ? x.n * x.rate : x.n;
  const s = x.alpha / nu, kappa = kappaOf(x.estimator, x.A, x.alpha);
  const { p, qm1, r } = updateMoments(x.estimator, x.d, x.A, s);
  const d2 = x.distance * x.distance, z = Math.exp(-kappa * t);
  // E‖g‖² = Q d2 + r (1 − Q)/(1 − q), Q = q^k (regular) or e^{−νt(1−q)} (Poisson); (1 − Q)/(1 − q) via expm1.
  const logQ = x.clock === 'poisson' ? nu * t * qm1 : Math.floor(x.n * t + 1e-9) * Math.log1p(qm1);
  const Q = Math.exp(logQ), sumQ = qm1 === 0 ? 0 : -Math.expm1(logQ) / -qm1;
  const m = Q * d2 + r * sumQ;
  if (x.clock === 'poisson') return m - z * z * d2;
  const k = Math.floor(x.n * t + 1e-9);
  return m - 2 * Math.exp(k * Math.log(p)) * z * d2 + z * z * d2;
}

/** MODEL-NOTES' leading-order RMS ‖Zⁿ_t − Z_t‖ (two-point, H = I): 2αA²e^{−κt}√(t·c_d/ν)·‖g₀‖. */
export function leadingOrderRms(x: ExactSetting, t: number): number | null {
  if (x.estimator !== 'two-point') return null;
  const kappa = kappaOf(x.estimator, x.A, x.alpha);
  const poisson = x.clock === 'poisson';
  const c = poisson ? (x.d - 1) / 9 + 1 / 5 : (x.d + 1) / 9 - 2 / 15;
  const nu = poisson ? x.n * x.rate : x.n;
  return 2 * x.alpha * x.A * x.A * Math.exp(-kappa * t) * Math.sqrt((t * c) / nu) * x.distance;
}

/** ‖E θ_k − Z_t‖ for diagonal H (regular clock; 0 on the Poisson clock): the Euler bias of the mean. */
export function meanBias(h: ArrayLike<number>, g0: ArrayLike<number>, kappa: number, n: number, t: number, clock: 'regular' | 'poisson'): number {
  if (clock === 'poisson') return 0;
  const k = Math.floor(n * t + 1e-9);
  let s = 0;
  for (let i = 0; i < h.length; i++) {
    const b = (Math.exp(k * Math.log1p(-(kappa * h[i]!) / n)) - Math.exp(-kappa * h[i]! * t)) * g0[i]!;
    s += b * b;
  }
  return Math.sqrt(s);
}
