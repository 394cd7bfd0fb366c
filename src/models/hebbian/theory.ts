/**
 * Closed forms for the linear student of the Hebbian-alignment model (Koplow, Poggio & Ziyin, arXiv 2505.18069;
 * MODEL-NOTES §3), derived here for the discrete SGD this project simulates (src/models/hebbian/cpu-engine.ts).
 *
 * Setting (per output row; rows add): x ~ N(0, I_D), y = w*ᵀx + ξ (ξ ~ N(0, σ_y²)), batch of B independent samples,
 * parameter noise ε ~ N(0, σ²I) shared by the batch, w = v + ε, e_b = wᵀx_b − y_b, signal S = −(1/B)Σ e_b x_bᵀ,
 * Hebbian direction H = (1/B)Σ (wᵀx_b) x_bᵀ, update v' = (1 − ηγ) v + η S. Write u = v − w*, G = (1/B)Σ x_b x_bᵀ.
 *
 * (A) Conditional on v. ⟨S, H⟩ = −(u + ε)ᵀ G² (v + ε) + (ξ terms of mean 0). Gaussian moments:
 *     E[x xᵀ M x xᵀ] = M + Mᵀ + tr(M) I, so E[G²] = κ I with κ = (D + B + 1)/B (B = 1: D + 2), hence
 *       E[⟨S, H⟩ | v] = −κ (‖v‖² − vᵀw* + σ² D).
 *     For B = 1 this is the paper's −‖x‖²[(vᵀx)² + σ²‖x‖² − vᵀx·y] averaged over x (E‖x‖⁴ = D(D+2)).
 *
 * (B) Exact moments of the discrete iteration. With a = 1 − ηγ, E[G] = I:
 *       m' = (a − η) m + η w*                                   (mean; m → w* / (1 + γ) exactly, for any η)
 *       T' = a² T − 2aη (T − c) + η² κ (T − 2c + ‖w*‖²) + η² κ σ² D + η² σ_y² D / B,
 *     where T = E‖v‖², c = mᵀw*. (Expand E‖v'‖² with v' = a v − ηG u − ηG ε + η(1/B)Σ ξ_b x_b; the cross terms
 *     with ε and ξ vanish.) So E⟨S, H⟩ at step n is −κ (T_n − c_n + σ² D) exactly, with no small-η approximation.
 *     Stationary: c∞ = ‖w*‖² / (1 + γ),
 *       T∞ = [2aη c∞ − 2η²κ c∞ + η²κ(‖w*‖² + σ² D) + η² σ_y² D / B] / (1 − a² + 2aη − η²κ).
 *
 * (C) η → 0: T∞ → ‖w*‖² / (1 + γ)², so E⟨S, H⟩∞ → κ [‖w*‖² γ/(1 + γ)² − σ² D]: Hebbian (> 0) iff
 *     γ/(1 + γ)² > σ² D/‖w*‖² (the γ ∝ σ² boundary at small σ; a second, upper branch γ ≈ ‖w*‖² / (σ²D) where strong
 *     decay shrinks v so much that the noise wins again). The fluctuations of v add O(η) to T∞ and move the boundary;
 *     `stationaryInnerProduct` keeps them and `phaseBoundary(…, 'exact')` solves for its zeros.
 *
 * For W (D_out × D): rows are independent given x, so ‖w*‖² → ‖W*‖²_F and the σ², σ_y² terms are multiplied by D_out.
 *
 * (D) The other noise sources (scenario `noise`; derived here for this discrete SGD, not taken from the paper):
 *     gradient noise S ← S + σ_g ζ (ζ ~ N(0, I), P = D·D_out entries) and input noise (the student sees x̃ = x + σ_x ν,
 *     the teacher labels the clean x). Write s² = 1 + σ_x². Given x̃, x = x̃/s² + ρ with ρ ~ N(0, (σ_x²/s²) I)
 *     independent of x̃, so input noise is regression on x̃ ~ N(0, s² I) with the teacher W* / s² and extra label noise of
 *     total variance ‖W*‖² σ_x²/s² (summed over rows). Then E[G̃] = s² I, E[G̃²] = s⁴κ I, and
 *       E[⟨S, H⟩ | v] = −κ s⁴ (‖v‖² − ⟨v, W*⟩/s² + σ² P)      (ζ is independent of H, so gradient noise adds 0 here)
 *       m' = (a − η s²) m + η W*                              (m∞ = W* / (γ + s²))
 *       T' = a² T − 2aη (s² T − c) + η² κ s⁴ (T − 2c/s² + ‖W*‖²/s⁴ + σ² P)
 *            + η² (D_out σ_y² + ‖W*‖² σ_x²/s²) s² D / B + η² σ_g² P.
 *     η → 0: E⟨S, H⟩∞ → κ s⁴ [‖W*‖² γ / (s² (γ + s²)²) − σ² P], which gradient and input noise do not make negative:
 *     their anti-Hebbian phase comes from the O(η) fluctuations of v (T∞ − ‖m∞‖² ≈ η (σ_g² P + …)/(2(γ + s²))), so its
 *     boundary is γ ∝ η σ_g² (resp. η σ_x²) at small noise, and only the exact-η root finder draws it.
 *     With σ_g = σ_x = 0 the functions below take the original code path (B), so their numbers are unchanged.
 */

import { timedTheory } from '../../theory/theory-clock.ts';

export interface LinearTheoryParams {
  /** Input dimension D. */
  D: number;
  /** Output rows. */
  Dout: number;
  B: number;
  eta: number;
  gamma: number;
  sigma: number;
  /** Label-noise standard deviation σ_y. */
  labelNoise: number;
  /** ‖W*‖²_F of the teacher. */
  teacherNorm2: number;
  /** Gradient-noise standard deviation σ_g (D); default 0. */
  gradientNoise?: number;
  /** Input-noise standard deviation σ_x (D); default 0. */
  inputNoise?: number;
}

/** Whether (D) applies (some gradient or input noise). */
const hasExtraNoise = (p: Pick<LinearTheoryParams, 'gradientNoise' | 'inputNoise'>) => (p.gradientNoise ?? 0) > 0 || (p.inputNoise ?? 0) > 0;

/**
 * The theory's parameters for a scenario's noise source at level σ: parameter noise sets `sigma`, gradient noise
 * `gradientNoise`, input noise `inputNoise` (the other two 0).
 */
export function noiseLevels(noise: 'parameter' | 'gradient' | 'input', sigma: number): Pick<LinearTheoryParams, 'sigma' | 'gradientNoise' | 'inputNoise'> {
  return noise === 'parameter' ? { sigma, gradientNoise: 0, inputNoise: 0 }
    : noise === 'gradient' ? { sigma: 0, gradientNoise: sigma, inputNoise: 0 } : { sigma: 0, gradientNoise: 0, inputNoise: sigma };
}

/** (D): one step of the moments (T, α) with m = α W*; returns [T', α']. */
function momentStepD(p: LinearTheoryParams, t: number, alpha: number): [number, number] {
  const { D, Dout, B, eta, gamma, sigma, labelNoise, teacherNorm2: w2 } = p;
  const a = 1 - eta * gamma, k = kappa(D, B), P = D * Dout, gz = p.gradientNoise ?? 0, sx = p.inputNoise ?? 0;
  const s2 = 1 + sx * sx, c = alpha * w2;
  const next = a * a * t - 2 * a * eta * (s2 * t - c) + eta * eta * k * s2 * s2 * (t - (2 * c) / s2 + w2 / (s2 * s2) + sigma * sigma * P)
    + (eta * eta * (Dout * labelNoise * labelNoise + (w2 * sx * sx) / s2) * s2 * D) / B + eta * eta * gz * gz * P;
  return [next, (a - eta * s2) * alpha + eta];
}

/** (D): E⟨S, H⟩ from T = E‖v‖² and c = E[v]ᵀW*. */
function innerProductD(p: LinearTheoryParams, T: number, c: number): number {
  const sx = p.inputNoise ?? 0, s2 = 1 + sx * sx;
  return -kappa(p.D, p.B) * s2 * s2 * (T - c / s2 + p.sigma * p.sigma * p.D * p.Dout);
}

/** κ = E[G²] / I = (D + B + 1)/B. */
export function kappa(D: number, B: number): number {
  return (D + B + 1) / B;
}

/** (A): E[⟨S, H⟩ | v] given ‖v‖²_F and ⟨v, W*⟩. */
export function conditionalInnerProduct(vNorm2: number, vDotTeacher: number, p: Pick<LinearTheoryParams, 'D' | 'Dout' | 'B' | 'sigma'>): number {
  return -kappa(p.D, p.B) * (vNorm2 - vDotTeacher + p.Dout * p.sigma * p.sigma * p.D);
}

/**
 * (B): the exact E‖v_n‖² = T_n and c_n = E[v_n]ᵀW* for n = 0..nMax, from v_0 with mean 0 and E‖v_0‖² = T0
 * (initial weights N(0, s²/D): T0 = s²·D_out).
 */
export function momentPath(p: LinearTheoryParams, T0: number, nMax: number): { T: Float64Array; c: Float64Array } {
  if (hasExtraNoise(p)) {
    const T = new Float64Array(nMax + 1), c = new Float64Array(nMax + 1);
    let t = T0, alpha = 0;
    for (let n = 0; n <= nMax; n++) {
      T[n] = t;
      c[n] = alpha * p.teacherNorm2;
      [t, alpha] = momentStepD(p, t, alpha);
    }
    return { T, c };
  }
  const { D, Dout, B, eta, gamma, sigma, labelNoise, teacherNorm2: w2 } = p;
  const a = 1 - eta * gamma, k = kappa(D, B);
  const T = new Float64Array(nMax + 1), c = new Float64Array(nMax + 1);
  let t = T0, alpha = 0; // m_n = alpha_n W*
  const noise = eta * eta * k * sigma * sigma * D * Dout + (eta * eta * labelNoise * labelNoise * D * Dout) / B;
  for (let n = 0; n <= nMax; n++) {
    const cn = alpha * w2;
    T[n] = t;
    c[n] = cn;
    t = a * a * t - 2 * a * eta * (t - cn) + eta * eta * k * (t - 2 * cn + w2) + noise;
    alpha = (a - eta) * alpha + eta;
  }
  return { T, c };
}

/** (B): E⟨S, H⟩ at steps 0..nMax (the update of step n is computed at v_n). */
function innerProductPathUntimed(p: LinearTheoryParams, T0: number, nMax: number): Float64Array {
  const { T, c } = momentPath(p, T0, nMax);
  if (hasExtraNoise(p)) return T.map((t, n) => innerProductD(p, t, c[n]!));
  const k = kappa(p.D, p.B), s2 = p.Dout * p.sigma * p.sigma * p.D;
  return T.map((t, n) => -k * (t - c[n]! + s2));
}

/** (B): stationary E‖v‖² (null when the second moment diverges). */
export function stationaryT(p: LinearTheoryParams): number | null {
  if (hasExtraNoise(p)) {
    // T' = A T + b at the stationary mean: A = T'(1) − T'(0), b = T'(0) (the recursion is affine in T)
    const s2 = 1 + (p.inputNoise ?? 0) ** 2, alpha = 1 / (p.gamma + s2);
    if (Math.abs(1 - p.eta * p.gamma - p.eta * s2) >= 1) return null;
    const b = momentStepD(p, 0, alpha)[0], A = momentStepD(p, 1, alpha)[0] - b;
    return A < 1 ? b / (1 - A) : null;
  }
  const { D, Dout, B, eta, gamma, sigma, labelNoise, teacherNorm2: w2 } = p;
  const a = 1 - eta * gamma, k = kappa(D, B), c = w2 / (1 + gamma);
  const den = 1 - a * a + 2 * a * eta - eta * eta * k;
  if (!(den > 0) || Math.abs(a - eta) >= 1) return null;
  const num = 2 * a * eta * c - 2 * eta * eta * k * c + eta * eta * k * (w2 + sigma * sigma * D * Dout) + (eta * eta * labelNoise * labelNoise * D * Dout) / B;
  return num / den;
}

/** (B): stationary E⟨S, H⟩ with the O(η) fluctuation terms (null when the iteration diverges). */
function stationaryInnerProductUntimed(p: LinearTheoryParams): number | null {
  const T = stationaryT(p);
  if (T === null) return null;
  if (hasExtraNoise(p)) return innerProductD(p, T, p.teacherNorm2 / (p.gamma + 1 + (p.inputNoise ?? 0) ** 2));
  return -kappa(p.D, p.B) * (T - p.teacherNorm2 / (1 + p.gamma) + p.Dout * p.sigma * p.sigma * p.D);
}

/** (C): the η → 0 stationary value κ [‖W*‖² γ/(1+γ)² − D_out σ² D]. */
function smallEtaInnerProductUntimed(
  p: Pick<LinearTheoryParams, 'D' | 'Dout' | 'B' | 'gamma' | 'sigma' | 'teacherNorm2' | 'inputNoise'>,
): number {
  const g = p.gamma;
  if ((p.inputNoise ?? 0) > 0) {
    const s2 = 1 + p.inputNoise! ** 2;
    return kappa(p.D, p.B) * s2 * s2 * ((p.teacherNorm2 * g) / (s2 * (g + s2) * (g + s2)) - p.Dout * p.sigma * p.sigma * p.D);
  }
  return kappa(p.D, p.B) * ((p.teacherNorm2 * g) / ((1 + g) * (1 + g)) - p.Dout * p.sigma * p.sigma * p.D);
}

/**
 * The phase boundary: the γ at which the stationary E⟨S, H⟩ changes sign, for a given σ. 'small-eta': the two roots
 * of γ/(1+γ)² = ρ, ρ = D_out σ² D/‖W*‖², γ± = (1 − 2ρ ± √(1 − 4ρ))/(2ρ) (none when ρ > 1/4: anti-Hebbian for all γ;
 * lower root ≈ ρ, i.e. γ ∝ σ²). 'exact': sign changes of `stationaryInnerProduct` on [gMin, gMax], refined by
 * bisection. Returns the sorted roots.
 */
function phaseBoundaryUntimed(
  p: Omit<LinearTheoryParams, 'gamma'>, mode: 'small-eta' | 'exact', range: [number, number] = [1e-4, 1e2],
): number[] {
  if (mode === 'small-eta') {
    const rho = (p.Dout * p.sigma * p.sigma * p.D) / p.teacherNorm2;
    if (rho === 0) return [];
    if (rho > 0.25) return [];
    const s = Math.sqrt(1 - 4 * rho);
    return [(1 - 2 * rho - s) / (2 * rho), (1 - 2 * rho + s) / (2 * rho)].filter((g) => g >= range[0] && g <= range[1]);
  }
  // One parameter object with γ set per call: a fresh spread per evaluation (about 50 000 of them per boundary) cost
  // more than the evaluations themselves.
  const q: LinearTheoryParams = { ...p, gamma: range[0] };
  const f = (g: number) => { q.gamma = g; return stationaryInnerProduct(q); };
  const n = 400, out: number[] = [];
  const lg0 = Math.log(range[0]), lg1 = Math.log(range[1]);
  let gPrev = range[0], fPrev = f(gPrev);
  for (let i = 1; i <= n; i++) {
    const g = Math.exp(lg0 + ((lg1 - lg0) * i) / n), fg = f(g);
    if (fPrev !== null && fg !== null && Math.sign(fPrev) !== Math.sign(fg) && fPrev !== 0) {
      let lo = gPrev, hi = g, flo = fPrev;
      for (let it = 0; it < 80; it++) {
        const mid = Math.sqrt(lo * hi), fm = f(mid)!;
        if (Math.sign(fm) === Math.sign(flo)) { lo = mid; flo = fm; } else hi = mid;
      }
      out.push(Math.sqrt(lo * hi));
    }
    gPrev = g;
    fPrev = fg;
  }
  return out;
}

// The closed forms a run's summary sets beside its statistics, on the theory clock (src/theory/theory-clock.ts), so the
// CLI's time line counts them as theory, not bookkeeping.
export const innerProductPath = timedTheory(innerProductPathUntimed);
export const stationaryInnerProduct = timedTheory(stationaryInnerProductUntimed);
export const smallEtaInnerProduct = timedTheory(smallEtaInnerProductUntimed);
export const phaseBoundary = timedTheory(phaseBoundaryUntimed);
