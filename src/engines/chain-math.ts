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

/** Philox stream words of the extensions (issue 4): S's Bernoulli draws, and the figure code's matrix C. */
export const CORR_STREAM = 1;
export const CMATRIX_STREAM = 2;

/**
 * The model extensions of Section 5 of arXiv 2505.10272, precomputed for the engines.
 *
 * Correlated inputs, variant "paper" (variant 1): the input ζ ~ Categorical(p) spikes and each other input i spikes
 * with it with probability Γ_iζ: S = C·B with C symmetric, C_ij ~ Bernoulli(Γ_ij) (only column ζ of C is ever used in
 * a step, so the d − 1 draws S_i = 1[u_i < Γ_iζ] are all that is needed), E[S | p] = Γp. Uniform u_i is word i mod 4
 * of Philox(k, t, CORR_STREAM, ⌊i/4⌋). With Γ = I no draw can fire (u > 0), so the stream of Eq. (1) is unchanged.
 * Variant "figure-code" (variant 2), as the authors' public code: C_ij ~ Bernoulli(Γ_ij) independently for i ≠ j
 * (not symmetric; uniform i·d + j of CMATRIX_STREAM), C_ii = 1, and B_i ~ Bernoulli(min((Cp)_i, 1)) independently
 * (uniform i of CORR_STREAM); E[B_i | p] = min((Γp)_i, 1)-ish, never one-hot, and for Γ = I B_i ~ Bernoulli(p_i).
 *
 * Time-varying rates: at each switch step s (schedule[].fromStep), after the update that produces w(s), the log-state
 * gains log(λ_new/λ_old), so that p(s) = λ(s)⊙w(s)/λ(s)ᵀw(s) (w continues, p jumps; Eq. 18's piecewise-constant case).
 */
export interface ChainExtras {
  variant: 0 | 1 | 2;
  /** Γ row-major, d × d (variants 1 and 2). */
  gamma: Float64Array | null;
  switchSteps: number[];
  /** log(λ_new/λ_old) per switch. */
  switchDlog: Float64Array[];
}

export function chainExtras(s: ResolvedScenario): ChainExtras | null {
  if (!s.correlation && !s.schedule.length) return null;
  const d = s.d;
  let gamma: Float64Array | null = null;
  if (s.correlation) {
    gamma = new Float64Array(d * d);
    s.correlation.gamma.forEach((row, i) => row.forEach((g, j) => { gamma![i * d + j] = g; }));
  }
  let prev = s.rates;
  const switchDlog = s.schedule.map((e) => {
    const dl = Float64Array.from(e.rates, (r, i) => Math.log(r) - Math.log(prev[i]!));
    prev = e.rates;
    return dl;
  });
  return {
    variant: s.correlation ? (s.correlation.variant === 'paper' ? 1 : 2) : 0,
    gamma, switchSteps: s.schedule.map((e) => e.fromStep), switchDlog,
  };
}

/** Uniforms 0..count−1 of stream `stream` at step k of trajectory traj (word n mod 4 of Philox block ⌊n/4⌋). */
function fillUniforms(k: number, traj: number, stream: number, count: number, key: [number, number], w: Uint32Array, out: Float64Array): void {
  for (let b = 0; 4 * b < count; b++) {
    philox4x32(k, traj, stream, b, key[0], key[1], w);
    for (let j = 0; j < 4 && 4 * b + j < count; j++) out[4 * b + j] = u32ToUniform(w[j]!);
  }
}

/** Scratch for `advanceExtended`: p, the spikes S, and the uniforms of the three streams of one step. */
export interface ExtendedScratch { spikes: Float64Array; u0: Float64Array; u1: Float64Array; u2: Float64Array }

export function extendedScratch(d: number): ExtendedScratch {
  return { spikes: new Float64Array(d), u0: new Float64Array(d + 1), u1: new Float64Array(d), u2: new Float64Array(d * d) };
}

/** `advance` with the extensions: correlated spikes and rate switches (see ChainExtras). */
export function advanceExtended(
  x: Float64Array, d: number, k0: number, nSteps: number, traj: number,
  key: [number, number], alpha: number, np: NoiseParams, e: Float64Array, w: Uint32Array, ex: ChainExtras,
  sc: ExtendedScratch,
): void {
  const { spikes, u0, u1, u2 } = sc;
  for (let st = 0; st < nSteps; st++) {
    const k = k0 + st;
    let S = 0;
    for (let i = 0; i < d; i++) { const v = Math.exp(x[i]!); e[i] = v; S += v; }
    fillUniforms(k, traj, CHAIN_STREAM, d + 1, key, w, u0);
    if (ex.variant !== 0) fillUniforms(k, traj, CORR_STREAM, d, key, w, u1);
    if (ex.variant === 2) {
      // figure code: (Cp)_i = p_i + Σ_{j≠i} C_ij p_j, C_ij = 1[u2_{id+j} < Γ_ij], B_i ~ Bernoulli(min((Cp)_i, 1))
      fillUniforms(k, traj, CMATRIX_STREAM, d * d, key, w, u2);
      for (let i = 0; i < d; i++) {
        let cp = e[i]! / S;
        for (let j = 0; j < d; j++) if (j !== i && u2[i * d + j]! < ex.gamma![i * d + j]!) cp += e[j]! / S;
        spikes[i] = u1[i]! < Math.min(cp, 1) ? 1 : 0;
      }
    } else {
      let lastPositive = d - 1;
      for (let i = d - 1; i >= 0; i--) if (e[i]! > 0) { lastPositive = i; break; }
      const target = u0[0]! * S;
      let zeta = lastPositive, acc = 0;
      for (let i = 0; i < d; i++) { acc += e[i]!; if (target < acc) { zeta = i; break; } }
      for (let i = 0; i < d; i++) spikes[i] = i === zeta ? 1 : ex.variant === 1 && u1[i]! < ex.gamma![i * d + zeta]! ? 1 : 0;
    }
    let m = -Infinity;
    for (let i = 0; i < d; i++) {
      const xi = x[i]! + Math.log1p(alpha * (spikes[i]! + noiseFromUniform(u0[i + 1]!, np)));
      x[i] = xi;
      if (xi > m) m = xi;
    }
    for (let i = 0; i < d; i++) x[i] = x[i]! - m;
    const sw = ex.switchSteps.indexOf(k + 1);
    if (sw >= 0) {
      const dl = ex.switchDlog[sw]!;
      let m2 = -Infinity;
      for (let i = 0; i < d; i++) { x[i] = x[i]! + dl[i]!; if (x[i]! > m2) m2 = x[i]!; }
      for (let i = 0; i < d; i++) x[i] = x[i]! - m2;
    }
  }
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
