/**
 * The reduced chain in log space, in float64: the reference implementation that shaders/chain.wgsl mirrors line by
 * line (there in f32).
 *
 * State: x_i = log(λ_i w_i) − max_j log(λ_j w_j), so p_i = e^{x_i} / Σ_j e^{x_j} (Eq. 2) and max_i x_i = 0.
 * One step k (Eq. 1, in logs): ζ ~ Categorical(p) from uniform u_0, Z_i = noise(u_i), then
 *   x_i ← x_i + log1p(α (1[i = ζ] + Z_i)),   followed by the shift x ← x − max_j x_j.
 * Uniform u_n of step k of trajectory t is word n mod 4 of Philox(counter = (k, t, 0, ⌊n/4⌋), key = seedKey).
 *
 * The cpu engines step the plain chain in the equivalent product form (`advanceProduct` below: the same draws, no
 * exp or log between folds, float64 rounding slightly different from `advance`); `advance` stays the log-space
 * reference of the WGSL kernel, gpu.js and the particle engines (particles-cpu.ts reproduces it bit for bit).
 */
import type { ResolvedScenario } from './scenario.ts';
import { philox4x32, u32ToUniform } from '../../rng/philox.ts';
import { philoxUniforms } from '../../rng/philox-blocks.ts';
import { noiseFromUniform, noiseParams, type NoiseParams } from '../../rng/noise.ts';

export const CHAIN_STREAM = 0;

export { noiseFromUniform, noiseParams, type NoiseParams };

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

/** Scratch for `advanceExtended`: the spikes S, the weights e_i = y_i g_i, y, and the uniforms of the three streams. */
export interface ExtendedScratch {
  spikes: Float64Array; e: Float64Array; y: Float64Array; u0: Float64Array; u1: Float64Array; u2: Float64Array;
}

export function extendedScratch(d: number): ExtendedScratch {
  return {
    spikes: new Float64Array(d), e: new Float64Array(d), y: new Float64Array(d),
    u0: new Float64Array(d + 1), u1: new Float64Array(d), u2: new Float64Array(d * d),
  };
}

/**
 * `advanceProduct` with the extensions (see ChainExtras): correlated spikes and rate switches, in the same product
 * form (state x at the last fold and the factors g since; folds after step k when (k + 1) % R = 0, after the last
 * step when foldAtEnd, and at every switch, which then adds log(λ_new/λ_old) to x and shifts its max to 0). With
 * Γ = I (variant 1) no correlated spike can fire and the operations are those of advanceProduct: the same bits.
 */
export function advanceExtended(
  x: Float64Array, g: Float64Array, d: number, k0: number, nSteps: number, traj: number,
  key: [number, number], alpha: number, np: NoiseParams, R: number, foldAtEnd: boolean, ex: ChainExtras, sc: ExtendedScratch,
): void {
  const { spikes, e, y, u0, u1, u2 } = sc;
  for (let i = 0; i < d; i++) y[i] = Math.exp(x[i]!);
  for (let st = 0; st < nSteps; st++) {
    const k = k0 + st;
    let S = 0;
    for (let i = 0; i < d; i++) { const v = y[i]! * g[i]!; e[i] = v; S += v; }
    // Uniforms 0 … count − 1 of a stream at step k of trajectory traj: word n mod 4 of Philox block ⌊n/4⌋.
    philoxUniforms(k, traj, CHAIN_STREAM, 0, key[0], key[1], d + 1, u0);
    if (ex.variant !== 0) philoxUniforms(k, traj, CORR_STREAM, 0, key[0], key[1], d, u1);
    if (ex.variant === 2) {
      // figure code: (Cp)_i = p_i + Σ_{j≠i} C_ij p_j, C_ij = 1[u2_{id+j} < Γ_ij], B_i ~ Bernoulli(min((Cp)_i, 1))
      philoxUniforms(k, traj, CMATRIX_STREAM, 0, key[0], key[1], d * d, u2);
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
    for (let i = 0; i < d; i++) g[i] = g[i]! * (1 + alpha * (spikes[i]! + noiseFromUniform(u0[i + 1]!, np)));
    const sw = ex.switchSteps.indexOf(k + 1);
    if ((k + 1) % R === 0 || (foldAtEnd && st === nSteps - 1) || sw >= 0) foldState(x, g, d, y);
    if (sw >= 0) {
      const dl = ex.switchDlog[sw]!;
      let m2 = -Infinity;
      for (let i = 0; i < d; i++) { x[i] = x[i]! + dl[i]!; if (x[i]! > m2) m2 = x[i]!; }
      for (let i = 0; i < d; i++) { x[i] = x[i]! - m2; y[i] = Math.exp(x[i]!); }
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
  for (let s = 0; s < nSteps; s++) stepWithStream(x, d, k0 + s, traj, CHAIN_STREAM, key, alpha, np, e, w);
}

/**
 * One step of Eq. (1) in logs at step k, reading Philox(counter = (k, id, stream, block), key): word 0 of block 0
 * the categorical draw, words 1..d the noise. The plain chain is stream CHAIN_STREAM (`advance`); models built on the
 * chain may step their own streams ≥ 1 (the registry hands this function to them).
 */
export function stepWithStream(
  x: Float64Array, d: number, k: number, id: number, stream: number,
  key: [number, number], alpha: number, np: NoiseParams, e: Float64Array, w: Uint32Array,
): void {
  let S = 0;
  let lastPositive = d - 1;
  for (let i = 0; i < d; i++) {
    const v = Math.exp(x[i]!);
    e[i] = v;
    S += v;
  }
  for (let i = d - 1; i >= 0; i--) if (e[i]! > 0) { lastPositive = i; break; }
  philox4x32(k, id, stream, 0, key[0], key[1], w);
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
    if ((n & 3) === 0) philox4x32(k, id, stream, n >>> 2, key[0], key[1], w);
    const z = noiseFromUniform(u32ToUniform(w[n & 3]!), np);
    const xi = x[i]! + Math.log1p(alpha * ((i === zeta ? 1 : 0) + z));
    x[i] = xi;
    if (xi > m) m = xi;
  }
  for (let i = 0; i < d; i++) x[i] = x[i]! - m;
}

// Philox4x32 constants (src/rng/philox.ts).
const PM0 = 0xd2511f53;
const PM1 = 0xcd9e8d57;
const PW0 = 0x9e3779b9;
const PW1 = 0xbb67ae85;
const M0L = PM0 & 0xffff, M0H = PM0 >>> 16, M1L = PM1 & 0xffff, M1H = PM1 >>> 16;

/**
 * Philox4x32-10 of counter (c0, c1, c2, c3) under key (k0, k1) into out[0..3]; bit-identical to philox.ts. All
 * arithmetic stays in int32 (words held as signed int32, reinterpreted as u32 by the Uint32Array store), so V8 keeps
 * it in machine words: 16×16-bit partial products with Math.imul, whose true values stay below 2^32.
 */
export function philoxFast(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, out: Uint32Array): void {
  c0 |= 0; c1 |= 0; c2 |= 0; c3 |= 0; k0 |= 0; k1 |= 0;
  for (let r = 0; r < 10; r++) {
    if (r > 0) {
      k0 = (k0 + PW0) | 0;
      k1 = (k1 + PW1) | 0;
    }
    const b0 = c0 & 0xffff, b1 = c0 >>> 16;
    const t0 = (Math.imul(M0H, b0) + (Math.imul(M0L, b0) >>> 16)) | 0;
    const v0 = ((t0 & 0xffff) + Math.imul(M0L, b1)) | 0;
    const hi0 = (Math.imul(M0H, b1) + (t0 >>> 16) + (v0 >>> 16)) | 0;
    const lo0 = Math.imul(PM0, c0);
    const e0 = c2 & 0xffff, e1 = c2 >>> 16;
    const t1 = (Math.imul(M1H, e0) + (Math.imul(M1L, e0) >>> 16)) | 0;
    const v1 = ((t1 & 0xffff) + Math.imul(M1L, e1)) | 0;
    const hi1 = (Math.imul(M1H, e1) + (t1 >>> 16) + (v1 >>> 16)) | 0;
    const lo1 = Math.imul(PM1, c2);
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
  }
  out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}

/**
 * Steps between folds of the product form (`advanceProduct`): the largest R ≤ cap such that a product of R factors
 * 1 + α(B_i + Z_i) stays within 2^±log2Range. Every noise law of the scenario has |Z_i| ≤ h (uniform and Rademacher by
 * construction, the truncated normal by truncation and the clamp in noiseFromUniform), and B_i ∈ {0, 1}, so each
 * factor lies in [1 − αh, 1 + α(1 + h)], and 1 − αh > 0 (the scenario schema requires αh < 1). Over R steps
 * |log2 g_i| ≤ R · max(−log2(1 − αh), log2(1 + α(1 + h))). float64 uses log2Range = 900 (normal range 2^±1022, with
 * room for a sum of d terms), the f32 kernel 100 (normal range 2^−126 … 2^128).
 */
export function foldInterval(alpha: number, h: number, log2Range = 900, cap = 64): number {
  const perStep = Math.max(-Math.log2(1 - alpha * h), Math.log2(1 + alpha * (1 + h)));
  if (!(perStep > 0) || !Number.isFinite(perStep)) throw new Error(`foldInterval: factor range of alpha = ${alpha}, h = ${h} is not usable`);
  return Math.max(1, Math.min(cap, Math.floor(log2Range / perStep)));
}

/**
 * The chain of Eq. (1) in product form, float64: the cpu engines' step (the WebAssembly kernel in
 * src/engines/wasm/ repeats it operation for operation, so both give the same bits).
 *
 * State of one trajectory: x (log-state at the last fold, max_i x_i = 0) and g_i = Π (1 + α(B_i + Z_i)) over the
 * steps since that fold (g = 1 right after it). With y_i = e^{x_i}, the weights of Eq. (2) are p_i ∝ λ_i w_i ∝ y_i g_i,
 * so a step needs no exp or log:
 *   e_i = y_i g_i, S = Σ e_i, ζ = first i with u_0 S < Σ_{j≤i} e_j (the last i with e_i > 0 when there is none),
 *   g_i ← g_i (1 + α(1[i = ζ] + Z_i)).
 * A fold (x_i ← x_i + log g_i, x ← x − max_j x_j, y_i = e^{x_i}, g_i = 1) follows step k whenever (k + 1) is a
 * multiple of R (foldInterval keeps g in normal range in between, so S ≥ 2^−900 > 0 and the draw is exact) and
 * after the last step when `foldAtEnd` (a checkpoint: statistics read x). Fold points depend on the absolute step
 * only, so chunking a run into dispatches does not change a bit, as long as g is carried between the calls.
 * The uniforms are those of `advance`: word n mod 4 of Philox(k, traj, 0, ⌊n/4⌋), u_0 for ζ, u_{i+1} for Z_i.
 * `y` and `w` are scratch (length d and 4).
 */
export function advanceProduct(
  x: Float64Array, g: Float64Array, d: number, k0: number, nSteps: number, traj: number,
  key: [number, number], alpha: number, np: NoiseParams, R: number, foldAtEnd: boolean, y: Float64Array, w: Uint32Array,
): void {
  const k0key = key[0], k1key = key[1];
  for (let i = 0; i < d; i++) y[i] = Math.exp(x[i]!);
  for (let s = 0; s < nSteps; s++) {
    const k = k0 + s;
    let S = 0;
    let lastPositive = d - 1;
    for (let i = 0; i < d; i++) S += y[i]! * g[i]!;
    for (let i = d - 1; i >= 0; i--) if (y[i]! * g[i]! > 0) { lastPositive = i; break; }
    philoxFast(k, traj, CHAIN_STREAM, 0, k0key, k1key, w);
    const target = u32ToUniform(w[0]!) * S;
    let zeta = lastPositive;
    let acc = 0;
    for (let i = 0; i < d; i++) {
      acc += y[i]! * g[i]!;
      if (target < acc) { zeta = i; break; }
    }
    for (let i = 0; i < d; i++) {
      const n = i + 1;
      if ((n & 3) === 0) philoxFast(k, traj, CHAIN_STREAM, n >>> 2, k0key, k1key, w);
      const z = noiseFromUniform(u32ToUniform(w[n & 3]!), np);
      g[i] = g[i]! * (1 + alpha * ((i === zeta ? 1 : 0) + z));
    }
    if ((k + 1) % R === 0 || (foldAtEnd && s === nSteps - 1)) foldState(x, g, d, y);
  }
}

/** The fold of `advanceProduct`: x_i ← x_i + log g_i, shifted so that max_i x_i = 0; y_i = e^{x_i}; g_i = 1. */
export function foldState(x: Float64Array, g: Float64Array, d: number, y: Float64Array): void {
  let m = -Infinity;
  for (let i = 0; i < d; i++) {
    const xi = x[i]! + Math.log(g[i]!);
    x[i] = xi;
    if (xi > m) m = xi;
  }
  for (let i = 0; i < d; i++) {
    const xi = x[i]! - m;
    x[i] = xi;
    y[i] = Math.exp(xi);
    g[i] = 1;
  }
}

