/**
 * The mean-field (gradient-flow) dynamics of the reduced STDP chain (arXiv 2505.10272), in time t = αk:
 * the replicator equation (Eq. 9), its correlated-input form with fitness Γp (Section 5), the time-varying-rates
 * form (Eq. 18), the d = 2 closed form, and a convergence bound derived here.
 */
import { DP_A as A, DP_C as C, DP_E as E } from './dormand-prince.ts';
import { timedTheory } from './theory-clock.ts';

/**
 * Right-hand side of the replicator equation with fitness Γp (arXiv 2505.10272 Section 5, correlated inputs):
 *
 *   dp_i/dt = p_i ((Γp)_i − pᵀΓp),
 *
 * Γ symmetric with unit diagonal. Without `gamma` (Γ = I) this is Eq. (9), dp_i/dt = p_i (p_i − ‖p‖²).
 */
export function replicatorGammaRhs(p: number[], gamma?: number[][]): number[] {
  let f = p;
  if (gamma) gammaFitnessInto(gamma, p, (f = new Array(p.length)));
  return fitnessRhs(p, f);
}

/** The fitness Γp into f (each row summed from j = 0). */
function gammaFitnessInto(gamma: number[][], p: ArrayLike<number>, f: { [i: number]: number }): void {
  for (let i = 0; i < gamma.length; i++) {
    const row = gamma[i]!;
    let a = 0;
    for (let j = 0; j < row.length; j++) a += row[j]! * p[j]!;
    f[i] = a;
  }
}

/** dp_i/dt = p_i (f_i − pᵀf) for a given fitness vector f (the common form of Eq. 9, the Γ-flow and Eq. 18). */
function fitnessRhs(p: number[], f: number[]): number[] {
  const dy: number[] = new Array(p.length);
  fitnessRhsInto(p, f, dy);
  return dy;
}

/**
 * The fitness of the time-varying-rates ODE, arXiv 2505.10272 Eq. (18):
 *
 *   dp/dt = p ⊙ (f − pᵀf 1),   f(t, p) = d/dt log λ(t) + p.
 *
 * `logRateDerivative(t)` returns d/dt log λ_i(t) in flow time t = αk (if λ changes by a factor per *step*, divide
 * the per-step log-change by α). It follows from p = λ⊙w/λᵀw: d/dt log p_i = d/dt log λ_i + d/dt log w_i − Σ_j p_j
 * (d/dt log λ_j + d/dt log w_j), with mean d/dt log w_i = p_i. Pass the result as `integrateFlow`'s `fitness`.
 */
export function timeVaryingFitness(logRateDerivative: (t: number) => number[]): (t: number, p: number[]) => number[] {
  return (t, p) => logRateDerivative(t).map((g, i) => g + p[i]!);
}

/**
 * Integrate the replicator flow dp_i/dt = p_i(f_i − pᵀf) (Eq. 9 with f = p; Section 5 with f = Γp; Eq. 18 with
 * `fitness`) from p(0) = p0 and return p at each of `times` (ascending, ≥ 0, may include 0).
 *
 * Method: adaptive Dormand–Prince RK45 (5th-order solution propagated, embedded 4th-order error estimate, error
 * norm RMS of err_i / (atol + rtol·max(|p_i|, |p_i'|)), step factor 0.9·err^{−1/5} clamped to [0.2, 5]); steps are
 * shortened to land exactly on each requested time. Defaults rtol = 1e-10, atol = 1e-13 (d = 2: within 1.1e-11 of
 * `closedFormD2` up to t = 40). `fitness` (if given) takes precedence over `gamma`.
 *
 * Simplex projection: the exact flow keeps p on the simplex and each RK stage's increments sum to zero, but
 * rounding drifts Σp and can push a vanishing coordinate below 0. After every accepted step, negatives are clipped
 * to 0 and p is renormalised to Σp = 1 (the derivative is then re-evaluated at the projected point, so FSAL is not
 * used across the projection). The projection moves p by O(rounding) only.
 */
function integrateFlowUntimed(
  p0: number[], times: number[],
  opts: { gamma?: number[][]; fitness?: (t: number, p: number[]) => number[]; rtol?: number; atol?: number } = {},
): number[][] {
  const rtol = opts.rtol ?? 1e-10, atol = opts.atol ?? 1e-13;
  for (let i = 0; i < times.length; i++) {
    if (!(times[i]! >= 0) || (i > 0 && times[i]! < times[i - 1]!)) throw new Error('integrateFlow: times must be ascending and ≥ 0');
  }
  const n = p0.length;
  // The stages live in preallocated arrays (a solve takes thousands of steps; the flow is integrated for every grid
  // point's analysis and plots): the same operations in the same order as with fresh arrays, so the same numbers.
  const f = new Float64Array(n);
  const rhs = (t: number, y: Float64Array, dy: Float64Array): void => {
    if (opts.fitness) {
      const fit = opts.fitness(t, Array.from(y));
      for (let i = 0; i < n; i++) f[i] = fit[i]!;
    } else if (opts.gamma) gammaFitnessInto(opts.gamma, y, f);
    else f.set(y);
    fitnessRhsInto(y, f, dy);
  };
  const p = new Float64Array(n), y = new Float64Array(n), pNew = new Float64Array(n);
  projectInto(Float64Array.from(p0), p);
  let t = 0;
  let h = 1e-2;
  const out: number[][] = [];
  const k = Array.from({ length: 7 }, () => new Float64Array(n));
  const maxSteps = 10_000_000;
  let steps = 0;
  for (const target of times) {
    while (t < target) {
      if (++steps > maxSteps) throw new Error('integrateFlow: too many steps');
      const last = target - t <= h;
      const hh = last ? target - t : h;
      rhs(t, p, k[0]!);
      for (let s = 1; s < 7; s++) {
        y.set(p);
        for (let j = 0; j < s; j++) {
          const a = A[s]![j]!;
          if (a !== 0) for (let i = 0; i < n; i++) y[i] = y[i]! + hh * a * k[j]![i]!;
        }
        rhs(t + C[s]! * hh, y, k[s]!);
      }
      pNew.set(p);
      for (let j = 0; j < 6; j++) {
        const a = A[6]![j]!;
        for (let i = 0; i < n; i++) pNew[i] = pNew[i]! + hh * a * k[j]![i]!;
      }
      let err = 0;
      for (let i = 0; i < n; i++) {
        let e = 0;
        for (let j = 0; j < 7; j++) e += E[j]! * k[j]![i]!;
        const sc = atol + rtol * Math.max(Math.abs(p[i]!), Math.abs(pNew[i]!));
        err += (hh * e / sc) ** 2;
      }
      err = Math.sqrt(err / n);
      const factor = err === 0 ? 5 : Math.min(5, Math.max(0.2, 0.9 * err ** -0.2));
      if (err <= 1) {
        t = last ? target : t + hh;
        projectInto(pNew, p);
        // Do not let the shortened landing step shrink the step used afterwards.
        h = last ? Math.max(h, hh * factor) : hh * factor;
      } else {
        h = hh * Math.max(0.2, factor);
      }
    }
    out.push(Array.from(p));
  }
  return out;
}

/** dy_i = p_i (f_i − pᵀf) into dy (fitnessRhs; integrateFlow's stages). */
function fitnessRhsInto(p: ArrayLike<number>, f: ArrayLike<number>, dy: { [i: number]: number }): void {
  let mean = 0;
  for (let i = 0; i < p.length; i++) mean += p[i]! * f[i]!;
  for (let i = 0; i < p.length; i++) dy[i] = p[i]! * (f[i]! - mean);
}

/** Clip negatives to 0 and renormalise to Σp = 1, from `from` into `to`. */
function projectInto(from: Float64Array, to: Float64Array): void {
  let s = 0;
  for (let i = 0; i < from.length; i++) {
    const v = from[i]! > 0 ? from[i]! : 0;
    to[i] = v;
    s = s + v;
  }
  for (let i = 0; i < to.length; i++) to[i] = to[i]! / s;
}

/**
 * Closed form of Eq. (9) for d = 2 (arXiv 2505.10272, stated after Eq. 9): p_1(t) for p_1(0) = p10.
 *
 * Derivation (checked here): with p_2 = 1 − p_1, p_1 − ‖p‖² = (2p_1 − 1)(1 − p_1), so dp_1/dt =
 * p_1(1 − p_1)(2p_1 − 1). With u = 1 − 2p_1: du/dt = u(1 − u²)/2, i.e. d(u²)/dt = u²(1 − u²), whose solution is
 * u² = 1/(C e^{−t} + 1), C = 1/u(0)² − 1 = 4p_1(0)p_2(0)/(1 − 2p_1(0))². u keeps its sign, so
 *
 *   p_1(0) > 1/2:  u(t) = −1/√(C e^{−t} + 1),  p_1(t) = ½(1 + (1 + C e^{−t})^{−1/2})   (MODEL-NOTES' form),
 *   p_1(0) < 1/2:  u(t) = +1/√(C e^{−t} + 1),  p_1(t) = ½(1 − (1 + C e^{−t})^{−1/2})   (by the symmetry 1 ↔ 2),
 *   p_1(0) = 1/2:  p_1(t) = 1/2 (unstable equilibrium).
 *
 * Care needed in the notes' form: the minus sign in u(t) = −1/√(·) holds only for p_1(0) > 1/2, and C must be
 * taken from u(0)² (C = 1/u(0)² − 1), not u(0). Near the vertex 1 − p_1(t) ≈ (C/4)e^{−t}: rate 1 per unit time.
 * See `closedFormD2Gap` for 1 − p_1 without cancellation.
 */
export function closedFormD2(p10: number, t: number): number {
  if (p10 === 0.5) return 0.5;
  const g = closedFormD2Gap(p10 > 0.5 ? p10 : 1 - p10, t);
  return p10 > 0.5 ? 1 - g : g;
}

/** 1 − p_1(t) of `closedFormD2` for p10 > 1/2, computed as ½(1 − (1 + x)^{−1/2}) = −½ expm1(−½ log1p(x)), x = Ce^{−t}. */
export function closedFormD2Gap(p10: number, t: number): number {
  if (!(p10 > 0.5)) throw new Error('closedFormD2Gap: p10 must exceed 1/2');
  const C = (4 * p10 * (1 - p10)) / (1 - 2 * p10) ** 2;
  return -0.5 * Math.expm1(-0.5 * Math.log1p(C * Math.exp(-t)));
}

/**
 * A convergence bound for the flow of Eq. (9), derived here (it is NOT the paper's Theorem 2.4, whose bound was not
 * available to us): with i* = argmax p0 (index "1" below) and Δ = p_1(0) − max_{i≠1} p_i(0) ≥ 0,
 *
 *   1 − p_1(t) ≤ (1 − p_1(0)) exp(−p_1(0) Δ t).
 *
 * Derivation. d/dt(1 − p_1) = −p_1(p_1 − ‖p‖²), and p_1 − ‖p‖² = p_1(1 − p_1) − Σ_{i≠1} p_i² = Σ_{i≠1} p_i(p_1 − p_i)
 * ≥ (1 − p_1)(p_1 − max_{i≠1} p_i). Along the flow: d/dt log(p_1/p_i) = p_1 − p_i, so p_1 stays the largest
 * coordinate and p_i/p_1 is non-increasing; then ‖p‖² ≤ p_1 Σp_i = p_1 gives dp_1/dt ≥ 0, so p_1 is non-decreasing;
 * hence p_1 − p_i = p_1(1 − p_i/p_1) is non-decreasing, and the gap stays ≥ Δ. So d/dt(1 − p_1) ≤ −p_1(0) Δ (1 − p_1),
 * and Grönwall gives the bound. (With Δ = 0 it reduces to the trivial 1 − p_1(t) ≤ 1 − p_1(0).) The true
 * asymptotic rate is 1 (d/dt(1 − p_1) ≈ −(1 − p_1) near e_1), so the bound is loose late in the path.
 */
export function flowBound(p0: number[], t: number): { bound: number; delta: number } {
  let iStar = 0;
  for (let i = 1; i < p0.length; i++) if (p0[i]! > p0[iStar]!) iStar = i;
  let second = 0;
  for (let i = 0; i < p0.length; i++) if (i !== iStar && p0[i]! > second) second = p0[i]!;
  const p1 = p0[iStar]!;
  const delta = p1 - second;
  return { bound: (1 - p1) * Math.exp(-p1 * delta * t), delta };
}

/**
 * The mean flow of a scenario with correlated inputs and piecewise-constant rates (Section 5 of arXiv 2505.10272):
 * the Γ-replicator dp_i/dt = p_i((Γp)_i − pᵀΓp) between switches, and at each switch time t_s = α·fromStep the jump
 * p ← p ⊙ (λ_new/λ_old) / Σ_j p_j λ_new,j/λ_old,j (w is continuous, p = λ⊙w/λᵀw is not). This is Eq. (18) for a
 * schedule whose d/dt log λ is a sum of Dirac masses. Returns p at each of `times` (ascending); at a time equal to a
 * switch time the jump has happened (as the engines report p(k) with λ(k)).
 */
function scenarioFlowUntimed(
  s: { p0: number[]; alpha: number; rates: number[]; correlation: { gamma: number[][] } | null; schedule: { fromStep: number; rates: number[] }[] },
  times: number[],
): number[][] {
  const gamma = s.correlation?.gamma;
  const switches = s.schedule.map((e) => s.alpha * e.fromStep);
  const out: number[][] = [];
  let p = s.p0.slice(), t = 0, prevRates = s.rates, next = 0;
  const advanceTo = (target: number) => {
    if (target > t) p = integrateFlow(p, [target - t], { gamma })[0]!;
    t = target;
  };
  for (const target of times) {
    while (next < switches.length && switches[next]! <= target) {
      advanceTo(switches[next]!);
      const r = s.schedule[next]!.rates;
      const q = p.map((v, i) => (v * r[i]!) / prevRates[i]!);
      const sum = q.reduce((a, v) => a + v, 0);
      p = q.map((v) => v / sum);
      prevRates = r;
      next++;
    }
    advanceTo(target);
    out.push(p.slice());
  }
  return out;
}

/** The exported solvers count their time on the theory clock (theory-clock.ts). */
export const integrateFlow = timedTheory(integrateFlowUntimed);
export const scenarioFlow = timedTheory(scenarioFlowUntimed);
