/**
 * The d = 2 diffusion's success probability U₂(x) = P(p → e_1 | log(p_1/p_2) = x) as a fast table, for the many
 * evaluations the d = 3 boundary values need (diffusion-d3.ts: a few thousand per grid). Same formula as
 * diffusion-d2.ts `successProbabilityD2` (which it is tested against): with the closed-form scale density
 *   s'(x) = e^{−Φ(x)},  Φ(x) = κ [2 log cosh(x/2) + log(1 − q tanh²(x/2))],  κ = 2r/(M2 − r²),  q = r²/M2,
 * J(a) = ∫_a^∞ s' (a ≥ 0), U₂(x) = 1 − J(x)/(2J(0)) for x ≥ 0 and U₂(x) = J(−x)/(2J(0)) for x < 0 (s' is even).
 *
 * Table: log J on x_k = kδ, k = 0..K, with δ = min(width, 1/κ)/8 (width = (κ(1 − q)/2)^{−1/2}, the scale of s'
 * near 0; 1/κ its decay length in the tails), K such that Φ(x_K) > 800. Panel integrals by 4-point Gauss–Legendre
 * relative to e^{−Φ(x_k)}, summed from the right in log space (no underflow); between nodes cubic Hermite on log J
 * with the exact slope (log J)' = −s'/J. Beyond x_K, log J ≈ −Φ − log Φ' (Laplace). Relative error ~1e-11.
 */
import { logMoments, type NoiseSpec } from './noise-moments.ts';

const GL4X = [-0.8611363115940526, -0.3399810435848563, 0.3399810435848563, 0.8611363115940526];
const GL4W = [0.3478548451374538, 0.6521451548625461, 0.6521451548625461, 0.3478548451374538];

function logCosh(z: number): number {
  const a = Math.abs(z);
  return a + Math.log1p(Math.exp(-2 * a)) - Math.LN2;
}

/** U₂ and log U₂ / log(1 − U₂) of the d = 2 diffusion at fixed (α, noise). */
export interface ScaleTableD2 {
  /** U₂(x): success probability of input 1 from log-odds x = log(p_1/p_2). */
  success(x: number): number;
  /** log min(U₂(x), 1 − U₂(x)) = log J(|x|) − log 2J(0): the smaller probability's digits where it underflows. */
  logMinority(x: number): number;
}

/** r = m1(1) − m1(0), M2 = m2(1) + m2(0) − 2 m1(1) m1(0) of the one-step log-increment (diffusion-d2.ts). */
export function d2Coefficients(alpha: number, noise: NoiseSpec): { r: number; M2: number } {
  const a1 = logMoments(alpha, noise, 1), a0 = logMoments(alpha, noise, 0);
  return { r: a1.m1 - a0.m1, M2: a1.m2 + a0.m2 - 2 * a1.m1 * a0.m1 };
}

export function scaleTableD2(alpha: number, noise: NoiseSpec): ScaleTableD2 {
  const { r, M2 } = d2Coefficients(alpha, noise);
  const kappa = (2 * r) / (M2 - r * r), q = (r * r) / M2;
  const phi = (x: number) => { const t = Math.tanh(x / 2); return kappa * (2 * logCosh(x / 2) + Math.log1p(-q * t * t)); };
  const dphi = (x: number) => { const t = Math.tanh(x / 2); return (2 * r * t) / (M2 - r * r * t * t); };
  const width = 1 / Math.sqrt((kappa * (1 - q)) / 2);
  const delta = Math.min(width, 1 / kappa) / 8;
  let K = 8;
  while (phi(K * delta) < 800) K *= 2;
  const L = new Float64Array(K + 1), dL = new Float64Array(K + 1);
  // log J(x_K) by Laplace's approximation: J(a) ≈ e^{−Φ(a)}/Φ'(a) (Φ(x_K) > 800, so e^{−Φ} is far below every term).
  L[K] = -phi(K * delta) - Math.log(dphi(K * delta));
  for (let k = K - 1; k >= 0; k--) {
    const a = k * delta, pa = phi(a);
    let s = 0;
    for (let g = 0; g < 4; g++) s += GL4W[g]! * Math.exp(-(phi(a + 0.5 * delta * (1 + GL4X[g]!)) - pa));
    const logPanel = -pa + Math.log(0.5 * delta * s);
    const hi = Math.max(L[k + 1]!, logPanel), lo = Math.min(L[k + 1]!, logPanel);
    L[k] = hi + Math.log1p(Math.exp(lo - hi));
  }
  for (let k = 0; k <= K; k++) dL[k] = -Math.exp(-phi(k * delta) - L[k]!);
  const logJ = (x: number): number => {
    if (x >= K * delta) return -phi(x) - Math.log(dphi(x));
    const u = x / delta, k = Math.min(K - 1, Math.floor(u)), t = u - k;
    const h00 = (1 + 2 * t) * (1 - t) ** 2, h10 = t * (1 - t) ** 2, h01 = t * t * (3 - 2 * t), h11 = t * t * (t - 1);
    return h00 * L[k]! + h10 * delta * dL[k]! + h01 * L[k + 1]! + h11 * delta * dL[k + 1]!;
  };
  const log2J0 = Math.LN2 + L[0]!;
  const logMinority = (x: number) => logJ(Math.abs(x)) - log2J0;
  return {
    success: (x: number) => {
      if (!Number.isFinite(x)) return x > 0 ? 1 : 0;
      return x >= 0 ? -Math.expm1(logMinority(x)) : Math.exp(logMinority(x));
    },
    logMinority,
  };
}
