/**
 * Late-time slopes of the chain near its absorbing vertex (arXiv 2505.10272, Eq. 1–2 in logs; derived here, not a
 * formula of the paper).
 */
import { inverseMoment, logMoments, type NoiseSpec } from './noise-moments.ts';
import { timedTheory } from './theory-clock.ts';

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
function asymptoticSlopesUntimed(alpha: number, noise: NoiseSpec): { medianLogGapPerStep: number; meanGapLogPerStep: number; r: number } {
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
function medianLogGapPathUntimed(L0: number, k0: number, ks: number[], r: number): number[] {
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

/**
 * The slope per step of E[log(1 − p_{i*})] near the vertex for d ≥ 3, with the correction from several losers
 * (derived here). With X_j = log(p_j/p_{i*}), j ≠ i*, L = log Σ_j e^{X_j}; near e_{i*} (B = e_{i*}) one step moves
 * ΔX_j = log(1 + αZ_j) − log(1 + α(1 + Z_{i*})), so E ΔX_j = −r and Cov(ΔX_j, ΔX_l) = v1 + δ_jl v0
 * (v0 = Var log(1 + αZ), v1 = Var log(1 + α(1 + Z))). A second-order expansion of L (∂L/∂X_j = q_j, the share of the
 * gap held by j; ∂²L/∂X_j∂X_l = q_j δ_jl − q_j q_l) gives
 *
 *   E[ΔL | X] = −r + ½ v0 (1 − Σ_j q_j²)        (the common v1 part and the common drift cancel: Σ_j q_j = 1).
 *
 * For d = 2 the correction vanishes (one loser, q = 1). For d ≥ 3 the losers' log-ratios wander (a pair's difference
 * has variance 2v0 per step near the vertex), so E Σ q_j² < 1 and the mean of L falls more slowly than −r; the
 * correction is O(α²) per step against r = O(α), i.e. O(α) relative.
 *
 * `expectedShareSquares(mu, variance)` evaluates E Σ_j q_j² for independent Gaussian X_j ~ N(mu_j, variance_j) (the
 * losers' log-ratios to i*; only their differences matter): exactly by 64-point Gauss–Hermite on the one difference
 * for two losers, by a fixed quasi-random (Halton + inverse normal) average of 4096 points for more.
 */
function expectedShareSquaresUntimed(mu: number[], variance: number[]): number {
  const m = mu.length;
  if (m <= 1) return 1;
  if (m === 2) {
    // q = σ(D), D = X_1 − X_2 ~ N(μ, s²): Σq² = 1 − 2σ(D)σ(−D).
    const mD = mu[0]! - mu[1]!, sD = Math.sqrt(variance[0]! + variance[1]!);
    const { x, w } = gaussHermite64();
    let e = 0;
    for (let k = 0; k < x.length; k++) {
      const D = mD + Math.SQRT2 * sD * x[k]!;
      const s = 1 / (1 + Math.exp(-D));
      e += w[k]! * (1 - 2 * s * (1 - s));
    }
    return e / Math.sqrt(Math.PI);
  }
  const n = 4096;
  const primes = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71];
  let acc = 0;
  const xs = new Float64Array(m);
  for (let i = 1; i <= n; i++) {
    let mx = -Infinity;
    for (let j = 0; j < m; j++) {
      const u = halton(i, primes[j % primes.length]!, Math.floor(j / primes.length));
      xs[j] = mu[j]! + Math.sqrt(variance[j]!) * normalQuantile(u);
      if (xs[j]! > mx) mx = xs[j]!;
    }
    let s = 0, s2 = 0;
    for (let j = 0; j < m; j++) { const e = Math.exp(xs[j]! - mx); s += e; s2 += e * e; }
    acc += s2 / (s * s);
  }
  return acc / n;
}

/** Radical inverse of i in base b, scrambled by a fixed digit shift per `shift` (so repeated bases decorrelate). */
function halton(i: number, b: number, shift: number): number {
  let f = 1, r = 0;
  while (i > 0) { f /= b; r += f * ((i % b + shift) % b); i = Math.floor(i / b); }
  return Math.min(1 - 1e-12, Math.max(1e-12, r + f / 2));
}

/** Standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9). */
function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const pl = 0.02425;
  if (p < pl) { const q = Math.sqrt(-2 * Math.log(p)); return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1); }
  if (p > 1 - pl) { const q = Math.sqrt(-2 * Math.log(1 - p)); return -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1); }
  const q = p - 0.5, r = q * q;
  return (((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

let gh: { x: number[]; w: number[] } | null = null;
/** 64-point Gauss–Hermite nodes and weights (∫ e^{−x²} f ≈ Σ w f(x)), by Newton on the Hermite recurrence. */
function gaussHermite64(): { x: number[]; w: number[] } {
  if (gh) return gh;
  const n = 64, x: number[] = new Array(n), w: number[] = new Array(n);
  let z = 0;
  for (let i = 0; i < n / 2; i++) {
    // Initial guesses (Numerical Recipes, gauher).
    if (i === 0) z = Math.sqrt(2 * n + 1) - 1.85575 * (2 * n + 1) ** (-1 / 6);
    else if (i === 1) z -= (1.14 * n ** 0.426) / z;
    else if (i === 2) z = 1.86 * z - 0.86 * x[0]!;
    else if (i === 3) z = 1.91 * z - 0.91 * x[1]!;
    else z = 2 * z - x[i - 2]!;
    let pp = 0;
    for (let it = 0; it < 100; it++) {
      let p1 = Math.PI ** -0.25, p2 = 0;
      for (let j = 1; j <= n; j++) { const p3 = p2; p2 = p1; p1 = z * Math.sqrt(2 / j) * p2 - Math.sqrt((j - 1) / j) * p3; }
      pp = Math.sqrt(2 * n) * p2;
      const z1 = z;
      z = z1 - p1 / pp;
      if (Math.abs(z - z1) <= 1e-14) break;
    }
    x[i] = z; x[n - 1 - i] = -z;
    w[i] = 2 / (pp * pp); w[n - 1 - i] = w[i]!;
  }
  gh = { x, w };
  return gh;
}

/** The exported solvers count their time on the theory clock (theory-clock.ts). */
export const asymptoticSlopes = timedTheory(asymptoticSlopesUntimed);
export const medianLogGapPath = timedTheory(medianLogGapPathUntimed);
export const expectedShareSquares = timedTheory(expectedShareSquaresUntimed);
