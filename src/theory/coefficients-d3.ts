/**
 * d = 3: the per-step drift and covariance of the log-ratios y = (x_{i*} − x_j, x_{i*} − x_k), x = log(λ⊙w), for the
 * chain of arXiv 2505.10272, Eq. (1)–(2), computed exactly from its step law. Derived here (the paper has no d ≥ 3
 * diffusion); the d = 2 analogue is diffusion-d2.ts. i* is the input to be found (the leader), j < k the other two.
 *
 * One step in logs: x_i ← x_i + a_{B_i}(Z_i), a_s(z) = log(1 + α(s + z)), B = e_ζ, ζ ~ Categorical(p),
 * p_i = e^{x_i}/Σ e^{x_l} (Eq. 2), Z_i i.i.d. With m1(s) = E a_s(Z), v_s = Var a_s(Z) (noise-moments.ts logMoments)
 * and r = m1(1) − m1(0):
 *   E[Δx_i | ζ] = m1(0) + r·1[ζ = i],  Cov(Δx_i, Δx_l | ζ) = 1[i = l] v_{1[ζ = i]},
 * so, unconditionally (law of total covariance, Cov(B) = diag(p) − ppᵀ):
 *   E Δx = m1(0)·1 + r p,   Cov(Δx) = diag(D) + r²(diag(p) − ppᵀ),   D_i = p_i v1 + (1 − p_i) v0.      (C1)
 * y = A x with A = [[1, −1, 0], [1, 0, −1]] (rows i*, j, k), A·1 = 0, hence
 *   m(y) = E Δy = r (p_{i*} − p_j, p_{i*} − p_k),                                                     (C2)
 *   Σ(y) = A Cov(Δx) Aᵀ:  Σ11 = D_{i*} + D_j + r²(4p_{i*}p_j + p_{i*}p_k + p_j p_k),
 *                          Σ22 = D_{i*} + D_k + r²(p_{i*}p_j + 4p_{i*}p_k + p_j p_k),
 *                          Σ12 = D_{i*} + r²(2p_{i*}p_j + 2p_{i*}p_k − p_j p_k).                       (C3)
 * Equivalently (the form the monotone scheme uses), with diag(p) − ppᵀ = Σ_{i<l} p_i p_l (e_i − e_l)(e_i − e_l)ᵀ,
 *   Σ = D_{i*} (1,1)(1,1)ᵀ + D_j (1,0)(1,0)ᵀ + D_k (0,1)(0,1)ᵀ
 *     + r² [p_{i*}p_j (2,1)(2,1)ᵀ + p_{i*}p_k (1,2)(1,2)ᵀ + p_j p_k (1,−1)(1,−1)ᵀ],                   (C4)
 * a sum of rank-one terms along lattice directions with non-negative weights: the noise Z moves y along A e_i =
 * (1,1), (−1,0), (0,−1), the choice of ζ along A(e_i − e_l) = (2,1), (1,2), (−1,1).
 * Σ is the covariance (not the second moment) of Δy, as σ² in diffusion-d2.ts. As in d = 2, the diffusion with
 * generator m·∇ + ½ Σ:∇² has the chain's per-step mean and covariance; the step count is irrelevant for where it ends.
 * Reduction: as y2 → ∞ (p_k → 0), m1 → r tanh(y1/2), Σ11 → v1 + v0 + r² − m1² = M2 − μ², the d = 2 coefficients.
 */
import { logMoments, type NoiseSpec } from './noise-moments.ts';

/** r = m1(1) − m1(0) and the variances v1, v0 of a_1(Z), a_0(Z): everything (C1)–(C4) need from the noise law. */
export interface StepMomentsD3 { r: number; v1: number; v0: number }

export function stepMomentsD3(alpha: number, noise: NoiseSpec): StepMomentsD3 {
  const a1 = logMoments(alpha, noise, 1), a0 = logMoments(alpha, noise, 0);
  return { r: a1.m1 - a0.m1, v1: a1.m2 - a1.m1 * a1.m1, v0: a0.m2 - a0.m1 * a0.m1 };
}

/** (p_{i*}, p_j, p_k) from y = (x_{i*} − x_j, x_{i*} − x_k) (Eq. 2, overflow-safe softmax of (0, −y1, −y2)). */
export function probabilitiesD3(y1: number, y2: number): [number, number, number] {
  const m = Math.max(0, -y1, -y2);
  const a = Math.exp(-m), b = Math.exp(-y1 - m), c = Math.exp(-y2 - m), s = a + b + c;
  return [a / s, b / s, c / s];
}

export interface DriftCovarianceD3 {
  /** E Δy (C2). */
  m: [number, number];
  /** Σ11, Σ12, Σ22 (C3). */
  S: [number, number, number];
  /** p_{i*}, p_j, p_k. */
  p: [number, number, number];
  /** The weights of (C4): D_{i*}, D_j, D_k (noise) and r² p_{i*}p_j, r² p_{i*}p_k, r² p_j p_k (choice of ζ). */
  D: [number, number, number];
  K: [number, number, number];
}

/** Per-step drift m(y) and covariance Σ(y) of y = (x_{i*} − x_j, x_{i*} − x_k), exact for the chain's step law. */
export function driftCovarianceD3(y1: number, y2: number, mom: StepMomentsD3): DriftCovarianceD3 {
  const { r, v1, v0 } = mom;
  const p = probabilitiesD3(y1, y2);
  const [pi, pj, pk] = p;
  const D: [number, number, number] = [pi * v1 + (1 - pi) * v0, pj * v1 + (1 - pj) * v0, pk * v1 + (1 - pk) * v0];
  const r2 = r * r;
  const K: [number, number, number] = [r2 * pi * pj, r2 * pi * pk, r2 * pj * pk];
  const S11 = D[0] + D[1] + 4 * K[0] + K[1] + K[2];
  const S22 = D[0] + D[2] + K[0] + 4 * K[1] + K[2];
  const S12 = D[0] + 2 * K[0] + 2 * K[1] - K[2];
  return { m: [r * (pi - pj), r * (pi - pk)], S: [S11, S12, S22], p, D, K };
}
