/**
 * d = 3: the constant c in P(failure) ≈ e^{−c/α} (α → 0) for the diffusion of coefficients-d3.ts, two ways. Derived
 * here; the d = 2 analogue is diffusion-d2.ts `largeDeviationConstantD2` (the chain's own constant differs slightly:
 * quasi-potential-d2.ts).
 *
 * 1. Minimum action (the α → 0 limit). As α → 0, m = α m̂ + O(α²), Σ = α² Σ̂ + O(α³) with (coefficients-d3.ts, r/α → 1,
 *    v_s/α² → V = E Z²)
 *      m̂ = (p_{i*} − p_j, p_{i*} − p_k),  Σ̂ = V[(1,1)(1,1)ᵀ + e1e1ᵀ + e2e2ᵀ] + Σ_{i<l} p_i p_l (A(e_i − e_l))(·)ᵀ.
 *    WKB, u_fail ≈ e^{−W/α} in m·∇u + ½Σ:∇²u = 0, gives ½∇WᵀΣ̂∇W − m̂·∇W = 0, W = 0 where i* ties a rival
 *    (y1 = 0 or y2 = 0: the deterministic flow keeps the order of the p's, so the basin of e_{i*} is y1, y2 > 0).
 *    Its solution is the least geometric action (Freidlin–Wentzell; Heymann & Vanden-Eijnden 2008) of a path from
 *    y(0) to that boundary,
 *      c = W(y(0)) = min_φ ∫ (|φ'|_{A} |m̂|_{A} − ⟨φ', m̂⟩_{A}) dσ,   A = Σ̂⁻¹,                               (L1)
 *    computed for paths to y1 = 0 (failure towards j) written as graphs y2 = g(y1), y1 decreasing from y1(0) to 0
 *    (the action is independent of the parametrisation, and a path against m̂1 > 0 has no reason to turn back),
 *    and likewise to y2 = 0; c is the smaller. Discretised with M segments (midpoint rule, nodes graded towards
 *    y1 = 0 as (1 − t)²) and minimised over g by Levenberg–Marquardt: each node enters two segments, so the Hessian is
 *    tridiagonal (finite differences of the segment costs); M/4 → M/2 → M segments, each level started from the last.
 *    With k far behind it reduces to the d = 2 integral (to 6 digits, test/theory/diffusion-d3-ld.test.ts).
 *    Uniform noise on [−1, 1]: c = 0.022771 at λ = (10, 7.5, 5) (the pair (10, 7.5) alone: 0.024896) and
 *    c = 0.043145 at λ = (1.5, 1, 1) (pair alone: 0.049588); |c(M) − c(M/2)| < 1e-6.
 * 2. Fit (`fittedExponentD3`): log P(failure) from the backward equation (diffusion-d3.ts) at several small α, fitted
 *    by −c/α + a log α + b + dα (the d = 2 form: log P = −Φ(x0) + ½ log α + O(1), Φ = c/α + O(1)). Pre-asymptotic:
 *    over α ∈ [0.005, 0.02] it gives 0.02297 (λ = (10, 7.5, 5), 0.9% above the action) and 0.04389 (λ = (1.5, 1, 1),
 *    1.7% above); the same fit to the exact d = 2 values overshoots the d = 2 constant by 0.2–1%. The minimum action
 *    is the limit; the fit says how far the α one can solve for (and simulate) are from it.
 */
import { noiseVariance, type NoiseSpec } from './noise-moments.ts';
import { largeDeviationConstantD2 } from './diffusion-d2.ts';
import { probabilitiesD3 } from './coefficients-d3.ts';
import { solveD3 } from './diffusion-d3.ts';
import { timedTheory } from './theory-clock.ts';

/** Segment cost of (L1) at the midpoint y with displacement v = (v1, v2). */
function segment(y1: number, y2: number, v1: number, v2: number, V: number): number {
  const [pi, pj, pk] = probabilitiesD3(y1, y2);
  const m1 = pi - pj, m2 = pi - pk;
  const K0 = pi * pj, K1 = pi * pk, K2 = pj * pk;
  const S11 = 2 * V + 4 * K0 + K1 + K2, S22 = 2 * V + K0 + 4 * K1 + K2;
  const S12 = V + 2 * K0 + 2 * K1 - K2;
  const det = S11 * S22 - S12 * S12, A11 = S22 / det, A22 = S11 / det, A12 = -S12 / det;
  const nv = Math.sqrt(A11 * v1 * v1 + 2 * A12 * v1 * v2 + A22 * v2 * v2);
  const nm = Math.sqrt(A11 * m1 * m1 + 2 * A12 * m1 * m2 + A22 * m2 * m2);
  return Math.max(0, nv * nm - (A11 * v1 * m1 + A12 * (v1 * m2 + v2 * m1) + A22 * v2 * m2));
}

/**
 * Least action (L1) of graph paths from y = (a, b) to y1 = 0 written as y2 = g(y1) (swap = false), or from y = (b, a)
 * to y2 = 0 written as y1 = g(y2) (swap = true); `end` is g at the boundary.
 */
function graphAction(
  a: number, b: number, V: number, M: number, swap: boolean, init?: Float64Array,
): { action: number; end: number; g: Float64Array } {
  if (!(a > 0)) return { action: 0, end: b, g: new Float64Array(M + 1).fill(b) };
  const s = Float64Array.from({ length: M + 1 }, (_, i) => a * (1 - i / M) ** 2);
  // Initial path: constant, or the path of M/2 segments (same nodes in t = i/M at even i), linearly in t between.
  const g = new Float64Array(M + 1).fill(b);
  if (init) for (let i = 0; i <= M; i++) g[i] = i % 2 === 0 ? init[i / 2]! : 0.5 * (init[(i - 1) / 2]! + init[(i + 1) / 2]!);
  const seg = (i: number, gi: number, gn: number) => {
    const ya = 0.5 * (s[i]! + s[i + 1]!), yb = 0.5 * (gi + gn), va = s[i + 1]! - s[i]!, vb = gn - gi;
    return swap ? segment(yb, ya, vb, va, V) : segment(ya, yb, va, vb, V);
  };
  const total = (gg: Float64Array) => { let t = 0; for (let i = 0; i < M; i++) t += seg(i, gg[i]!, gg[i + 1]!); return t; };
  const eps = 1e-5;
  let S = total(g), mu = 1e-3;
  const grad = new Float64Array(M + 1), hd = new Float64Array(M + 1), ho = new Float64Array(M + 1), step = new Float64Array(M + 1);
  for (let it = 0, small = 0; it < 500 && small < 3; it++) {
    // Gradient and tridiagonal Hessian in g_1..g_M (g_0 = b is fixed) by central differences of the segment costs.
    for (let n = 1; n <= M; n++) {
      const f = (d: number) => seg(n - 1, g[n - 1]!, g[n]! + d) + (n < M ? seg(n, g[n]! + d, g[n + 1]!) : 0);
      const f0 = f(0), fp = f(eps), fm = f(-eps);
      grad[n] = (fp - fm) / (2 * eps);
      hd[n] = Math.max((fp - 2 * f0 + fm) / (eps * eps), 1e-12);
      if (n < M) {
        const c = (d1: number, d2: number) => seg(n, g[n]! + d1, g[n + 1]! + d2);
        ho[n] = (c(eps, eps) - c(eps, -eps) - c(-eps, eps) + c(-eps, -eps)) / (4 * eps * eps);
      }
    }
    // Levenberg–Marquardt: solve (H + μ·diag H) step = grad by the Thomas algorithm; μ grows until S decreases.
    let accepted = false;
    const cp = new Float64Array(M + 1), dp = new Float64Array(M + 1), trial = new Float64Array(M + 1);
    for (let tries = 0; tries < 40 && !accepted; tries++, mu *= 10) {
      for (let n = 1; n <= M; n++) {
        const lower = n > 1 ? ho[n - 1]! : 0, den = hd[n]! * (1 + mu) - lower * (n > 1 ? cp[n - 1]! : 0);
        cp[n] = n < M ? ho[n]! / den : 0;
        dp[n] = (grad[n]! - lower * (n > 1 ? dp[n - 1]! : 0)) / den;
      }
      for (let n = M; n >= 1; n--) step[n] = dp[n]! - (n < M ? cp[n]! * step[n + 1]! : 0);
      trial[0] = b;
      // Steps are clipped to ±1 and g kept ≥ 0 (a path to y1 = 0 that crossed y2 = 0 would have failed towards k
      // first): near the invariant line y1 = 0 the action is flat in g, where unclipped steps could run off.
      for (let n = 1; n <= M; n++) trial[n] = Math.max(0, g[n]! - Math.max(-1, Math.min(1, step[n]!)));
      const St = total(trial);
      if (St < S * (1 - 1e-15)) {
        g.set(trial); small = S - St < 1e-13 * S ? small + 1 : 0; S = St; accepted = true; mu = Math.max(mu / 30, 1e-12);
      }
    }
    if (!accepted) break;
  }
  return { action: S, end: g[M]!, g };
}

export interface MinimumActionD3 {
  /** c = min over the two failure boundaries. */
  c: number;
  /** Least action to y1 = 0 (i* ties j) and to y2 = 0 (i* ties k), and where the paths end. */
  toJ: { action: number; end: number };
  toK: { action: number; end: number };
  /** |c(M) − c(M/2)|: the discretisation error estimate of c. */
  error: number;
}

/** (L1) at y(0) = (x_{i*} − x_j, x_{i*} − x_k), y(0) in the basin (both > 0; otherwise c = 0); M divisible by 4. */
export function minimumActionD3(y0: [number, number], noise: NoiseSpec, M = 100): MinimumActionD3 {
  const V = noiseVariance(noise);
  // M/4 → M/2 → M segments, each started from the previous path.
  const family = (a: number, b: number, swap: boolean) => {
    let prev = graphAction(a, b, V, M / 4, swap), last = prev;
    for (const m of [M / 2, M]) { prev = last; last = graphAction(a, b, V, m, swap, prev.g); }
    return { action: last.action, end: last.end, coarse: prev.action };
  };
  const j = family(y0[0], y0[1], false), k = family(y0[1], y0[0], true);
  const c = Math.min(j.action, k.action);
  return {
    c, toJ: { action: j.action, end: j.end }, toK: { action: k.action, end: k.end },
    error: Math.abs(c - Math.min(j.coarse, k.coarse)),
  };
}

export interface FittedExponentD3 {
  c: number;
  /** Coefficients of log α, 1, α in the fit. */
  a: number;
  b: number;
  d: number;
  points: { alpha: number; logP: number; relErr: number }[];
}

/**
 * Fit of log P(failure)(α) from the backward equation by −c/α + a log α + b + dα (least squares) over `alphas`, at
 * y(0). Points whose stated discretisation error exceeds 2% of P are left out (the scheme loses relative accuracy
 * where P is tiny); at least four must remain.
 */
export function fittedExponentD3(y0: [number, number], noise: NoiseSpec, alphas = [0.02, 0.015, 0.01, 0.007, 0.005]): FittedExponentD3 {
  const points = alphas.map((alpha) => {
    const r = solveD3(y0, alpha, noise);
    const pf = r.vals[1]! + r.vals[2]!;
    return { alpha, logP: Math.log(pf), relErr: (r.errs[1]! + r.errs[2]!) / pf };
  });
  const used = points.filter((p) => p.relErr < 0.02 && Number.isFinite(p.logP));
  if (used.length < 4) throw new Error('fittedExponentD3: fewer than four accurate points; use larger α');
  // Normal equations for the basis (−1/α, log α, 1, α).
  const basis = (a: number) => [-1 / a, Math.log(a), 1, a];
  const N = [0, 1, 2, 3].map(() => [0, 0, 0, 0]), rhs = [0, 0, 0, 0];
  for (const p of used) {
    const f = basis(p.alpha);
    for (let i = 0; i < 4; i++) { rhs[i] += f[i]! * p.logP; for (let k = 0; k < 4; k++) N[i]![k] += f[i]! * f[k]!; }
  }
  for (let i = 0; i < 4; i++) for (let r = i + 1; r < 4; r++) {
    const f = N[r]![i]! / N[i]![i]!;
    for (let k = i; k < 4; k++) N[r]![k] -= f * N[i]![k]!;
    rhs[r] -= f * rhs[i]!;
  }
  const x = [0, 0, 0, 0];
  for (let i = 3; i >= 0; i--) { let s = rhs[i]!; for (let k = i + 1; k < 4; k++) s -= N[i]![k]! * x[k]!; x[i] = s / N[i]![i]!; }
  return { c: x[0]!, a: x[1]!, b: x[2]!, d: x[3]!, points };
}

export interface LargeDeviationD3 {
  /** c from the minimum action (the α → 0 constant of the diffusion), and its discretisation error. */
  c: number;
  error: number;
  /** The d = 2 constant of i* against its nearest rival alone (diffusion-d2.ts), for comparison: c ≤ cPairD2. */
  cPairD2: number;
  toJ: { action: number; end: number };
  toK: { action: number; end: number };
  /** With `fit`: the fit of log P(failure) from the backward equation (pre-asymptotic; see the module comment). */
  fit?: FittedExponentD3;
  method: string;
}

/**
 * c in P(failure) ≈ e^{−c/α} for a d = 3 chain scenario (rates, w0 or initialWeights, noise, iStar as in
 * diffusion-d3.ts `PredictInput`), by minimum action; with `fit`, also the fit of the backward equation's P(failure)
 * at small α (a few seconds: one solve per α).
 */
function largeDeviationConstantD3Untimed(
  inp: { rates: number[]; w0?: number[]; initialWeights?: number[]; noise?: NoiseSpec; iStar?: number },
  opts: { fit?: boolean; alphas?: number[]; segments?: number } = {},
): LargeDeviationD3 {
  if (inp.rates.length !== 3) throw new Error('largeDeviationConstantD3: d = 3 only');
  const noise = inp.noise ?? { law: 'uniform', halfWidth: 1 };
  const w = inp.w0 ?? inp.initialWeights ?? [1, 1, 1];
  const x = inp.rates.map((l, i) => Math.log(l) + Math.log(w[i]!));
  const iStar = inp.iStar ?? x.indexOf(Math.max(...x));
  const [j, k] = [0, 1, 2].filter((i) => i !== iStar) as [number, number];
  const y0: [number, number] = [x[iStar]! - x[j]!, x[iStar]! - x[k]!];
  const ma = minimumActionD3(y0, noise, opts.segments ?? 100);
  const gap = Math.min(y0[0], y0[1]);
  const cPairD2 = gap > 0 ? largeDeviationConstantD2(1 / (1 + Math.exp(-gap)), noise) : 0;
  const out: LargeDeviationD3 = {
    c: ma.c, error: ma.error, cPairD2, toJ: ma.toJ, toK: ma.toK,
    method: 'minimum geometric action of the α → 0 diffusion (Freidlin–Wentzell), graph paths, Levenberg–Marquardt',
  };
  if (opts.fit) out.fit = fittedExponentD3(y0, noise, opts.alphas);
  return out;
}

/** The exported solvers count their time on the theory clock (theory-clock.ts). */
export const largeDeviationConstantD3 = timedTheory(largeDeviationConstantD3Untimed);
