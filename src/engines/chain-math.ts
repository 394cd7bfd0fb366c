/**
 * The reduced chain in log space, in float64: the reference implementation that shaders/chain.wgsl mirrors line by
 * line (there in f32).
 *
 * State: x_i = log(λ_i w_i) − max_j log(λ_j w_j), so p_i = e^{x_i} / Σ_j e^{x_j} (Eq. 2) and max_i x_i = 0.
 * One step k (Eq. 1, in logs): ζ ~ Categorical(p) from uniform u_0, Z_i = noise(u_i), then
 *   x_i ← x_i + log1p(α (1[i = ζ] + Z_i)),   followed by the shift x ← x − max_j x_j.
 * Uniform u_n of step k of trajectory t is word n mod 4 of Philox(counter = (k, t, 0, ⌊n/4⌋), key = seedKey).
 */
import type { ResolvedScenario } from '../model/scenario.ts';
import { philox4x32, u32ToUniform } from '../rng/philox.ts';
import { normCdf, normInv } from '../stats/normal.ts';

export const CHAIN_STREAM = 0;

/** Parameters of the noise transform u ↦ Z in (0,1) ↦ [-h, h], precomputed on the host. */
export interface NoiseParams {
  law: 0 | 1 | 2; // uniform, rademacher, truncnormal
  h: number;
  /** truncnormal: Z = sd · Φ^{-1}(lo + u · width), lo = Φ(−h/sd), width = Φ(h/sd) − lo. */
  sd: number;
  lo: number;
  width: number;
}

export function noiseParams(s: ResolvedScenario): NoiseParams {
  const h = s.noise.halfWidth;
  if (s.noise.law === 'uniform') return { law: 0, h, sd: 0, lo: 0, width: 1 };
  if (s.noise.law === 'rademacher') return { law: 1, h, sd: 0, lo: 0, width: 1 };
  const sd = s.noise.sd!;
  const lo = normCdf(-h / sd);
  return { law: 2, h, sd, lo, width: normCdf(h / sd) - lo };
}

export function noiseFromUniform(u: number, np: NoiseParams): number {
  if (np.law === 0) return np.h * (2 * u - 1);
  if (np.law === 1) return u < 0.5 ? -np.h : np.h;
  // Clamp guards the last ulp of Acklam's approximation at the truncation points.
  const z = np.sd * normInv(np.lo + u * np.width);
  return z < -np.h ? -np.h : z > np.h ? np.h : z;
}

/**
 * Advance one trajectory `nSteps` steps from step k0. `x` (length d) is updated in place; `e` and `w` are scratch.
 */
export function advance(
  x: Float64Array, d: number, k0: number, nSteps: number, traj: number,
  key: [number, number], alpha: number, np: NoiseParams, e: Float64Array, w: Uint32Array,
): void {
  const k0key = key[0], k1key = key[1];
  for (let s = 0; s < nSteps; s++) {
    const k = k0 + s;
    let S = 0;
    let lastPositive = d - 1;
    for (let i = 0; i < d; i++) {
      const v = Math.exp(x[i]!);
      e[i] = v;
      S += v;
    }
    for (let i = d - 1; i >= 0; i--) if (e[i]! > 0) { lastPositive = i; break; }
    philox4x32(k, traj, CHAIN_STREAM, 0, k0key, k1key, w);
    // Categorical draw by inversion: the first i with u_0·S < Σ_{j≤i} e^{x_j}.
    const target = u32ToUniform(w[0]!) * S;
    let zeta = lastPositive;
    let acc = 0;
    for (let i = 0; i < d; i++) {
      acc += e[i]!;
      if (target < acc) { zeta = i; break; }
    }
    let m = -Infinity;
    for (let i = 0; i < d; i++) {
      const n = i + 1;
      if ((n & 3) === 0) philox4x32(k, traj, CHAIN_STREAM, n >>> 2, k0key, k1key, w);
      const z = noiseFromUniform(u32ToUniform(w[n & 3]!), np);
      const xi = x[i]! + Math.log1p(alpha * ((i === zeta ? 1 : 0) + z));
      x[i] = xi;
      if (xi > m) m = xi;
    }
    for (let i = 0; i < d; i++) x[i] = x[i]! - m;
  }
}

export interface Reduced {
  /** L = log(1 − p_{i*}) */
  L: number;
  /** G = 1 − p_{i*} */
  G: number;
  argmax: number;
}

/**
 * Reduce a log-state to (L, G, argmax) and write p into `p`. 1 − p_{i*} is never formed as a difference near 0:
 * for p_{i*} < 1/2, L = log1p(−p_{i*}); otherwise L = log Σ_{j≠i*} e^{x_j} − log Σ_j e^{x_j} by log-sum-exp, so
 * L stays finite and accurate long after 1 − p_{i*} underflows.
 */
export function reduceState(x: ArrayLike<number>, d: number, iStar: number, p: Float64Array): Reduced {
  let S = 0, argmax = 0, mo = -Infinity;
  for (let i = 0; i < d; i++) {
    const v = Math.exp(x[i]!);
    p[i] = v;
    S += v;
    if (x[i]! > x[argmax]!) argmax = i;
    if (i !== iStar && x[i]! > mo) mo = x[i]!;
  }
  for (let i = 0; i < d; i++) p[i] = p[i]! / S;
  const pI = p[iStar]!;
  let L: number;
  if (pI < 0.5) L = Math.log1p(-pI);
  else {
    let so = 0;
    for (let i = 0; i < d; i++) if (i !== iStar) so += Math.exp(x[i]! - mo);
    L = mo + Math.log(so) - Math.log(S);
  }
  return { L, G: pI < 0.5 ? 1 - pI : Math.exp(L), argmax };
}
