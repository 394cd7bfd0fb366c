/**
 * Coefficients of the natural-gradient rule for a spiking neuron (Kreutzer, Senn & Petrovici 2022), from the Gaussian
 * approximation of the membrane potential V ~ N(m, v) under Poisson inputs (Campbell's theorem):
 *
 *   m = ∫ε · Σ w_i r_i = Σ w_i r_i,     v = ∫ε² · Σ w_i² r_i                                        (Eqn. 36-37)
 *
 * Following the authors' g(m, v, q) (Figure3/Figure3B-CF/File04_create_lt.py and Figure4/File01_attenuation_Fig4.py),
 * with h(u) = β² φ_max σ(u)(1 − σ(u))², σ(u) = σ(β(u − θ)):
 *
 *   I_k = E[h(V) V^k], k = 0, 1, 2                                                                 (Eqn. 77-79)
 *   c2 = (I2 − I1 m)/v,  c3 = (I3 − I1(m² + v) − 2 c2 m v)/v²                                       (Eqn. 82)
 *   K1 = 1/(I1(q + 1) + c2 m),  K2 = 1/(I1 + c2 m + c3 v − K1 (I1 m + c2 v)(c2 q + c3 m))          (Eqn. 88, 91)
 *   g1..g4 (Eqn. 102-105),  γ_s = 1/I1 (Eqn. 107)
 *
 * (the code's I1, I2, I3 are our I_0, I_1, I_2 — we keep its names). Per step the rule then uses (File05_main_simulation.py)
 *
 *   γ_u = −c_ε (c_ε g1 Σ_i x^ε_i + g3 V)       (Eqn. 108),    γ_w = c_ε g2 Σ_i x^ε_i + g4 V      (Eqn. 109)
 *
 * with c_ε = 1/∫ε². The moments are computed as centred ones (u = m + z): J0 = E[h], J1 = E[h z], J2 = E[h z²], so
 * that c2 = J1/v and c3 = (J2 − J0 v)/v² do not lose digits for small v (Stein's lemma: c2 = E[h'], c3 = E[h'']).
 */
import { integrate } from '../../theory/quadrature.ts';

export interface SigmoidParams { phiMax: number; beta: number; theta: number }

/** The five per-(m, v) coefficients [γ_s, g1, g2, g3, g4] of the authors' lookup table. */
export type NatgradCoefficients = [number, number, number, number, number];
export const NATGRAD_COEFFS = 5;

export function sigma(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** Centred Gaussian moments J0 = E[h], J1 = E[h z], J2 = E[h z²] of h(m + z), z ~ N(0, v), by adaptive G7–K15. */
export function centredMoments(m: number, v: number, p: SigmoidParams): [number, number, number] {
  const sd = Math.sqrt(v), b2 = p.beta * p.beta * p.phiMax;
  const h = (z: number) => {
    const s = sigma(p.beta * (m + z - p.theta));
    return b2 * s * (1 - s) * (1 - s) * Math.exp(-0.5 * z * z / v) / (sd * Math.sqrt(2 * Math.PI));
  };
  // The Gaussian is negligible beyond 12 sd; split at the sigmoid's centre when it falls inside.
  const a = -12 * sd, b = 12 * sd, c = Math.min(b, Math.max(a, p.theta - m));
  const opts = { relTol: 1e-11, absTol: 1e-300 };
  const J = (k: number) => {
    const f = k === 0 ? h : k === 1 ? (z: number) => h(z) * z : (z: number) => h(z) * z * z;
    return integrate(f, a, c, opts).value + integrate(f, c, b, opts).value;
  };
  return [J(0), J(1), J(2)];
}

/** [γ_s, g1, g2, g3, g4] at mean m (mV), variance v (mV²) and q = c_ε Σ r_i (authors' g(m, v, q)). */
export function natgradCoefficients(m: number, v: number, q: number, p: SigmoidParams): NatgradCoefficients {
  const [J0, J1, J2] = centredMoments(m, v, p);
  const I1 = J0;
  const c2 = J1 / v;
  const c3 = (J2 - J0 * v) / (v * v);
  const K1 = 1 / (I1 * (q + 1) + c2 * m);
  const K2 = 1 / (I1 + (c2 * m + c3 * v) - K1 * (I1 * m + c2 * v) * (c2 * q + c3 * m));
  const g1 = K1 * K2 * (-I1 / K2 + (I1 * c2 * m + c2 * c2 * v) - K1 * I1 * ((I1 * c2 * m + v * c2 * c2) * q + (I1 * c3 * m + c2 * c3 * v) * m));
  const g2 = K1 * K2 * (-c2 / K2 + (I1 * c3 * m + c2 * c3 * v) * (1 - K1 * m * c2) - K1 * c2 * (I1 * c2 * m + v * c2 * c2) * q);
  const g3 = K1 * K2 * ((I1 * c2 * q + I1 * c3 * m) - c2 / K1);
  const g4 = K1 * K2 * ((c2 * c2 * q + c2 * c3 * m) - c3 / K1);
  return [1 / I1, g1, g2, g3, g4];
}

/** Campbell's theorem for V = Σ w_i x^ε_i: mean Σ w_i r_i ∫ε (∫ε = 1) and variance ∫ε² Σ w_i² r_i. */
export function campbellMoments(w: ArrayLike<number>, rates: ArrayLike<number>, intEpsSq: number): { mean: number; variance: number } {
  let m = 0, s = 0;
  for (let i = 0; i < rates.length; i++) { m += w[i]! * rates[i]!; s += w[i]! * w[i]! * rates[i]!; }
  return { mean: m, variance: intEpsSq * s };
}

export interface CoefficientGrid { vMin: number; vStep: number; nv: number; sdMin: number; sdStep: number; ns: number }

/**
 * The precomputed table over (mean, sd) of V: entry ((iv·ns + is)·5 + k) holds coefficient k at mean vMin + iv·vStep
 * and sd sdMin + is·sdStep. The authors look up the nearest lower node of a (mean, variance) grid; we interpolate
 * bilinearly in (mean, sd) and clamp to the grid (the engines flag a clamp).
 */
export function buildCoefficientTable(g: CoefficientGrid, q: number, p: SigmoidParams): Float64Array {
  const t = new Float64Array(g.nv * g.ns * NATGRAD_COEFFS);
  for (let iv = 0; iv < g.nv; iv++) {
    const m = g.vMin + iv * g.vStep;
    for (let is = 0; is < g.ns; is++) {
      const sd = g.sdMin + is * g.sdStep;
      t.set(natgradCoefficients(m, sd * sd, q, p), (iv * g.ns + is) * NATGRAD_COEFFS);
    }
  }
  return t;
}

/**
 * Bilinear lookup into `out` (5 numbers); returns true when (m, sd) lay outside the grid and was clamped. The WGSL
 * (shaders/natgrad.wgsl, lookup_coeffs) does the same arithmetic in f32.
 */
export function lookupCoefficients(table: ArrayLike<number>, g: CoefficientGrid, m: number, sd: number, out: Float64Array | number[]): boolean {
  let x = (m - g.vMin) / g.vStep, y = (sd - g.sdMin) / g.sdStep;
  let clamped = false;
  if (!(x >= 0)) { x = 0; clamped = true; } else if (x > g.nv - 1) { x = g.nv - 1; clamped = true; }
  if (!(y >= 0)) { y = 0; clamped = true; } else if (y > g.ns - 1) { y = g.ns - 1; clamped = true; }
  const i0 = Math.min(Math.floor(x), g.nv - 2), j0 = Math.min(Math.floor(y), g.ns - 2);
  const fx = x - i0, fy = y - j0;
  const a = (i0 * g.ns + j0) * NATGRAD_COEFFS, b = a + NATGRAD_COEFFS, c = a + g.ns * NATGRAD_COEFFS, d = c + NATGRAD_COEFFS;
  for (let k = 0; k < NATGRAD_COEFFS; k++) {
    out[k] = (1 - fx) * ((1 - fy) * table[a + k]! + fy * table[b + k]!) + fx * ((1 - fy) * table[c + k]! + fy * table[d + k]!);
  }
  return clamped;
}
