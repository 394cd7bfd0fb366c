/**
 * Exact one-step log-moments of the chain's multiplicative factor 1 + α(B_i + Z_i) (arXiv 2505.10272, Eq. 1), for
 * the three noise laws of stdp-mc: 'uniform' on [−h, h], 'rademacher' ±h, 'truncnormal' (normal with sd σ,
 * default h/2, truncated to [−h, h]). All laws are symmetric, which the formulas below use:
 *
 *   E log(a + αZ) = log a + ½ E log1p(−(αZ/a)²),   a = 1 + α·shift,
 *
 * so the O(α²) result is never formed as a difference of O(α) terms.
 */
import { integrate } from './quadrature.ts';
import { timedTheory } from './theory-clock.ts';

export type NoiseLaw = 'uniform' | 'rademacher' | 'truncnormal';
/** Same shape as ResolvedScenario['noise']. */
export interface NoiseSpec { law: NoiseLaw; halfWidth: number; sd?: number }

/** E g(Z) for an even g, Z ~ N(0, σ²) truncated to [−h, h], by adaptive Gauss–Kronrod on [0, h]. */
function truncNormalEvenMean(g: (z: number) => number, h: number, sd: number): number {
  const w = (z: number) => Math.exp(-0.5 * (z / sd) ** 2);
  // The normaliser uses the same rule, so its quadrature error cancels to first order.
  const norm = integrate(w, 0, h, { relTol: 1e-15 }).value;
  return integrate((z) => w(z) * g(z), 0, h, { relTol: 1e-14, absTol: 1e-300 }).value / norm;
}

function sdOf(noise: NoiseSpec): number {
  return noise.sd ?? noise.halfWidth / 2;
}

/** E Z² of the noise law: h²/3 (uniform), h² (Rademacher), σ²(1 − 2(h/σ)φ(h/σ)/W) (truncated normal, W its mass). */
export function noiseVariance(noise: NoiseSpec): number {
  const h = noise.halfWidth;
  if (noise.law === 'uniform') return (h * h) / 3;
  if (noise.law === 'rademacher') return h * h;
  return truncNormalEvenMean((z) => z * z, h, sdOf(noise));
}

/** E log(1 + v), v ~ Uniform[−c, c], 0 ≤ c < 1: = −Σ_{k≥1} c^{2k}/(2k(2k+1)) (series for small c, closed form else). */
function uniformLogMean(c: number): number {
  if (c === 0) return 0;
  if (c < 0.25) {
    let s = 0, ck = 1;
    for (let k = 1; k < 200; k++) {
      ck *= c * c;
      const term = ck / (2 * k * (2 * k + 1));
      s -= term;
      if (term < 1e-18 * Math.abs(s)) break;
    }
    return s;
  }
  // (1/(2c)) [(1+v)log(1+v) − v]_{−c}^{c}; (1−c)log(1−c) → 0 as c → 1.
  const lo = c < 1 ? (1 - c) * Math.log1p(-c) : 0;
  return ((1 + c) * Math.log1p(c) - lo) / (2 * c) - 1;
}

/** E log²(1 + v), v ~ Uniform[−c, c]: = Σ_{k≥1} 2H_{2k−1} c^{2k}/(2k(2k+1)) (H harmonic numbers), closed form else. */
function uniformLogSqMean(c: number): number {
  if (c === 0) return 0;
  if (c < 0.25) {
    let s = 0, ck = 1, H = 1; // H = H_{2k−1}
    for (let k = 1; k < 200; k++) {
      ck *= c * c;
      if (k > 1) H += 1 / (2 * k - 2) + 1 / (2 * k - 1);
      const term = (2 * H * ck) / (2 * k * (2 * k + 1));
      s += term;
      if (term < 1e-18 * s) break;
    }
    return s;
  }
  // ∫ log² y dy = y(log² y − 2 log y + 2).
  const F = (y: number, L: number) => (y === 0 ? 0 : y * (L * L - 2 * L + 2));
  return (F(1 + c, Math.log1p(c)) - F(1 - c, Math.log1p(-c))) / (2 * c);
}

/**
 * m1 = E log(1 + α(shift + Z)) and m2 = E log²(1 + α(shift + Z)): the per-step mean and second moment of the
 * log-increment of a weight (Eq. 1 in logs, x_i ← x_i + log(1 + α(B_i + Z_i))), for B_i = shift ∈ {0, 1}.
 *
 * With a = 1 + α·shift, c = αh/a and Z = h·V: log(1 + α(shift + Z)) = log a + log(1 + cV), so
 * m1 = log a + E log(1 + cV), m2 = log² a + 2 log a · E log(1 + cV) + E log²(1 + cV).
 * - uniform: closed form of E log(1 + cV), E log²(1 + cV) for V ~ U[−1, 1] (power series for c < 1/4, where the
 *   closed form would cancel);
 * - rademacher: exact two-point sums, m1 = ½ log1p(2α·shift + α²(shift − h²)) (shift² = shift);
 * - truncnormal (sd σ, default h/2): adaptive Gauss–Kronrod with the symmetrised integrands
 *   ½ log1p(−c²V²) and ½(log1p(cV)² + log1p(−cV)²).
 * Requires αh < 1 for shift 0 (the chain's condition), as the factor must stay positive.
 */
export const logMoments = timedTheory(logMomentsUntimed);

function logMomentsUntimed(alpha: number, noise: NoiseSpec, shift: 0 | 1): { m1: number; m2: number } {
  const h = noise.halfWidth;
  if (!(alpha * h < 1 + alpha * shift)) throw new Error('logMoments: 1 + α(shift − h) must be positive');
  const la = Math.log1p(alpha * shift);
  if (noise.law === 'rademacher') {
    const lp = Math.log1p(alpha * (shift + h)), lm = Math.log1p(alpha * (shift - h));
    return { m1: 0.5 * Math.log1p(2 * alpha * shift + alpha * alpha * (shift - h * h)), m2: 0.5 * (lp * lp + lm * lm) };
  }
  const a = 1 + alpha * shift;
  let e1: number, e2: number;
  if (noise.law === 'uniform') {
    const c = (alpha * h) / a;
    e1 = uniformLogMean(c);
    e2 = uniformLogSqMean(c);
  } else {
    const c = alpha / a;
    const sd = sdOf(noise);
    e1 = truncNormalEvenMean((z) => 0.5 * Math.log1p(-((c * z) ** 2)), h, sd);
    e2 = truncNormalEvenMean((z) => 0.5 * (Math.log1p(c * z) ** 2 + Math.log1p(-c * z) ** 2), h, sd);
  }
  return { m1: la + e1, m2: la * la + 2 * la * e1 + e2 };
}

/**
 * E[1/(1 + α(1 + Z))]: the per-step factor of the mean of a ratio p_j/p_{i*} near the vertex e_{i*} (with
 * E[1 + αZ'] = 1 and independence, E[(1 + αZ')/(1 + α(1 + Z))] = E[1/(1 + α(1 + Z))]; see asymptotic-slope.ts).
 * With a = 1 + α, c = αh/a:
 * - uniform: log((1 + α(1 + h))/(1 + α(1 − h)))/(2αh) = atanh(c)/(c·a);
 * - rademacher: ½(1/(a + αh) + 1/(a − αh)) = a/(a² − α²h²);
 * - truncnormal: (1/a) E[1/(1 − (αZ/a)²)] by adaptive Gauss–Kronrod.
 */
export function inverseMoment(alpha: number, noise: NoiseSpec): number {
  const h = noise.halfWidth;
  const a = 1 + alpha;
  if (!(alpha * h < a)) throw new Error('inverseMoment: 1 + α(1 − h) must be positive');
  if (noise.law === 'uniform') {
    const c = (alpha * h) / a;
    return c === 0 ? 1 / a : Math.atanh(c) / (c * a);
  }
  if (noise.law === 'rademacher') return a / (a * a - alpha * alpha * h * h);
  const c = alpha / a;
  return truncNormalEvenMean((z) => 1 / (1 - (c * z) ** 2), h, sdOf(noise)) / a;
}

/**
 * log E e^{ηZ} (the noise's cumulant generating function; even in η): log(sinh(ηh)/(ηh)) (uniform),
 * log cosh(ηh) (Rademacher), adaptive Gauss–Kronrod of E cosh(ηZ) (truncated normal). Used by the chain's
 * large-deviation (Cramér) exponent in quasi-potential-d2.ts.
 */
export function noiseLogMgf(eta: number, noise: NoiseSpec): number {
  const u = Math.abs(eta * noise.halfWidth);
  if (noise.law === 'uniform') {
    if (u < 1e-3) return (u * u) / 6 - (u * u * u * u) / 180;
    return u + Math.log1p(-Math.exp(-2 * u)) - Math.LN2 - Math.log(u);
  }
  if (noise.law === 'rademacher') return u + Math.log1p(Math.exp(-2 * u)) - Math.LN2;
  return Math.log(truncNormalEvenMean((z) => Math.cosh(eta * z), noise.halfWidth, sdOf(noise)));
}
