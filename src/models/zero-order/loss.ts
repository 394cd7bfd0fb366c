/**
 * The losses of a learning opportunity, in float64 (the CPU engine and the flow; shaders/zero-order.wgsl mirrors
 * `lossDifference`, `gradNorm` and `lossAt` in f32):
 *
 *   quadratic: L(θ) = ½ Σ_i h_i θ_i²  (θ* = 0, H = diag(h));
 *   network:   L_k(θ) = ½ ‖W2 tanh(W1 x_k) − y_k‖², θ = [W1 (h × m₀, row-major) | W2 (m_out × h, row-major)].
 *
 * The loss difference of an update is computed coordinate by coordinate for the quadratic,
 * Σ_i ½h_i[(θ_i + ξ_i)² − (θ_i − ξ_i)²] (two-point) or Σ_i ½h_i[(θ_i + ξ_i)² − θ_i²] (one-point): the same number
 * as L(θ + ξ) − L(θ ∓ ξ) without the cancellation of two large sums; for the network by two forward passes.
 *
 * Data from the seed (Philox counter (c0, 0xffffffff, ZERO_ORDER_STREAM, block), Box–Muller on four words per
 * block): θ₀ of the network at c0 = 0, blocks (h << 16) + j (the same for every n of a width h); sample k at
 * c0 = 1 + k, x_k in blocks 0…⌈m₀/4⌉−1, y_k after them.
 */
import { philox4x32, u32ToUniform } from '../../rng/philox.ts';

export const ZERO_ORDER_STREAM = 12;
export const DATA_COPY = 0xffffffff;

export interface NetDims {
  m0: number;
  h: number;
  mo: number;
}

/** Everything a grid point's loss needs: H's diagonal (quadratic) or the network and its samples. */
export interface LossSpec {
  kind: 'quadratic' | 'network';
  d: number;
  /** quadratic: eigenvalues h_i. */
  hdiag: Float64Array;
  net: NetDims;
  /** network: x of sample k at k·m₀, y at k·m_out. */
  xs: Float64Array;
  ys: Float64Array;
  samples: number;
}

const TWO_PI = 2 * Math.PI;

/** dst[i] = scale·g_i, i < count, Gaussians of blocks block0, block0 + 1, … of counter (c0, DATA_COPY, stream, ·). */
export function fillGaussians(key: [number, number], c0: number, block0: number, count: number, scale: number, dst: Float64Array, off = 0): void {
  const w = new Uint32Array(4);
  for (let i = 0; i < count; i += 4) {
    philox4x32(c0, DATA_COPY, ZERO_ORDER_STREAM, block0 + (i >> 2), key[0], key[1], w);
    const r0 = Math.sqrt(-2 * Math.log(u32ToUniform(w[0]!))), t0 = TWO_PI * u32ToUniform(w[1]!);
    const r1 = Math.sqrt(-2 * Math.log(u32ToUniform(w[2]!))), t1 = TWO_PI * u32ToUniform(w[3]!);
    const g = [r0 * Math.cos(t0), r0 * Math.sin(t0), r1 * Math.cos(t1), r1 * Math.sin(t1)];
    for (let l = 0; l < 4 && i + l < count; l++) dst[off + i + l] = scale * g[l]!;
  }
}

/** The network's initial weights N(0, initScale²/fan_in) for hidden width h. */
export function networkInit(key: [number, number], net: NetDims, initScale: number): Float64Array {
  const p1 = net.h * net.m0, th = new Float64Array(p1 + net.mo * net.h);
  fillGaussians(key, 0, net.h << 16, p1, initScale / Math.sqrt(net.m0), th);
  fillGaussians(key, 0, (net.h << 16) + Math.ceil(p1 / 4), net.mo * net.h, initScale / Math.sqrt(net.h), th, p1);
  return th;
}

/** Training samples: x ~ N(0, I_m₀), y ~ N(0, targetScale² I_m_out). */
export function networkSamples(key: [number, number], net: NetDims, samples: number, targetScale: number): { xs: Float64Array; ys: Float64Array } {
  const xs = new Float64Array(samples * net.m0), ys = new Float64Array(samples * net.mo);
  for (let k = 0; k < samples; k++) {
    fillGaussians(key, 1 + k, 0, net.m0, 1, xs, k * net.m0);
    fillGaussians(key, 1 + k, Math.ceil(net.m0 / 4), net.mo, targetScale, ys, k * net.mo);
  }
  return { xs, ys };
}

/** Network loss of θ + sign·ξ on sample k (ξ ignored when sign = 0); `a` is scratch of length h. */
export function networkLoss(L: LossSpec, th: ArrayLike<number>, xi: ArrayLike<number>, sign: number, k: number, a: Float64Array): number {
  const { m0, h, mo } = L.net, p1 = h * m0, xo = k * m0;
  for (let j = 0; j < h; j++) {
    let z = 0;
    for (let i = 0; i < m0; i++) z += (th[j * m0 + i]! + sign * xi[j * m0 + i]!) * L.xs[xo + i]!;
    a[j] = Math.tanh(z);
  }
  let loss = 0;
  for (let o = 0; o < mo; o++) {
    let out = 0;
    for (let j = 0; j < h; j++) out += (th[p1 + o * h + j]! + sign * xi[p1 + o * h + j]!) * a[j]!;
    const e = out - L.ys[k * mo + o]!;
    loss += 0.5 * e * e;
  }
  return loss;
}

/** L(θ + ξ) − L(θ − ξ) (two-point) or L(θ + ξ) − L(θ) (one-point) on sample k. */
export function lossDifference(L: LossSpec, twoPoint: boolean, th: ArrayLike<number>, xi: ArrayLike<number>, k: number, a: Float64Array): number {
  if (L.kind === 'quadratic') {
    let s = 0;
    for (let i = 0; i < L.d; i++) {
      const t = th[i]!, x = xi[i]!, base = twoPoint ? (t - x) * (t - x) : t * t;
      s += 0.5 * L.hdiag[i]! * ((t + x) * (t + x) - base);
    }
    return s;
  }
  return networkLoss(L, th, xi, 1, k, a) - networkLoss(L, th, xi, twoPoint ? -1 : 0, k, a);
}

/** ∇L on sample k into `g` (backpropagation; quadratic: h ⊙ θ); returns L. `a` is scratch of length h. */
export function lossGradient(L: LossSpec, th: ArrayLike<number>, k: number, g: Float64Array, a: Float64Array): number {
  if (L.kind === 'quadratic') {
    let loss = 0;
    for (let i = 0; i < L.d; i++) { g[i] = L.hdiag[i]! * th[i]!; loss += 0.5 * L.hdiag[i]! * th[i]! * th[i]!; }
    return loss;
  }
  const { m0, h, mo } = L.net, p1 = h * m0, xo = k * m0;
  for (let j = 0; j < h; j++) {
    let z = 0;
    for (let i = 0; i < m0; i++) z += th[j * m0 + i]! * L.xs[xo + i]!;
    a[j] = Math.tanh(z);
  }
  g.fill(0, 0, p1);
  let loss = 0;
  for (let o = 0; o < mo; o++) {
    let out = 0;
    for (let j = 0; j < h; j++) out += th[p1 + o * h + j]! * a[j]!;
    const e = out - L.ys[k * mo + o]!;
    loss += 0.5 * e * e;
    for (let j = 0; j < h; j++) {
      g[p1 + o * h + j] = e * a[j]!;
      // ∂L/∂z_j += e·W2_oj·(1 − a_j²); ∂L/∂W1_ji = ∂L/∂z_j · x_i
      const dz = e * th[p1 + o * h + j]! * (1 - a[j]! * a[j]!);
      for (let i = 0; i < m0; i++) g[j * m0 + i] += dz * L.xs[xo + i]!;
    }
  }
  return loss;
}

/**
 * ‖∇L(θ)‖ and L(θ) on sample k without the gradient vector: quadratic √Σ(h_iθ_i)²; network
 * ‖∇L‖² = ‖e‖²‖a‖² + ‖x‖²Σ_j (Σ_o e_o W2_oj (1 − a_j²))² (the W2 and W1 blocks of the backpropagated gradient).
 */
export function gradNormAndLoss(L: LossSpec, th: ArrayLike<number>, k: number, a: Float64Array, dz: Float64Array): [number, number] {
  if (L.kind === 'quadratic') {
    let g2 = 0, loss = 0;
    for (let i = 0; i < L.d; i++) { const g = L.hdiag[i]! * th[i]!; g2 += g * g; loss += 0.5 * g * th[i]!; }
    return [Math.sqrt(g2), loss];
  }
  const { m0, h, mo } = L.net, p1 = h * m0, xo = k * m0;
  let x2 = 0, a2 = 0, e2 = 0;
  for (let i = 0; i < m0; i++) x2 += L.xs[xo + i]! * L.xs[xo + i]!;
  for (let j = 0; j < h; j++) {
    let z = 0;
    for (let i = 0; i < m0; i++) z += th[j * m0 + i]! * L.xs[xo + i]!;
    a[j] = Math.tanh(z);
    a2 += a[j]! * a[j]!;
    dz[j] = 0;
  }
  for (let o = 0; o < mo; o++) {
    let out = 0;
    for (let j = 0; j < h; j++) out += th[p1 + o * h + j]! * a[j]!;
    const e = out - L.ys[k * mo + o]!;
    e2 += e * e;
    for (let j = 0; j < h; j++) dz[j] += e * th[p1 + o * h + j]! * (1 - a[j]! * a[j]!);
  }
  let dz2 = 0;
  for (let j = 0; j < h; j++) dz2 += dz[j]! * dz[j]!;
  return [Math.sqrt(e2 * a2 + x2 * dz2), 0.5 * e2];
}
