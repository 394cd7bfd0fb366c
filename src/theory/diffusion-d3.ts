/**
 * P(the chain finds input i*) and P(it ends at vertex j) for every j, from the diffusion approximation (arXiv
 * 2505.10272, Eq. 1–2; derived here, the paper gives P(Θ) → 1 as α → 0 but no formula): the entry point for reports.
 *
 * Input (`PredictInput`; a chain ResolvedScenario can be passed as it is):
 *   { rates: number[] (λ, d ≥ 2), w0?: number[] or initialWeights?: number[] (w(0), default all 1), alpha: number,
 *     noise?: NoiseSpec (default uniform on [−1, 1]), iStar?: number (default the largest λ_i w_i(0), lowest index
 *     on ties), correlation?: {gamma, variant} | null, schedule?: {fromStep, rates}[], grid?: GridOptions }.
 * Output (`Prediction`): { pSuccess, pVertex (by input index), discretisationError, method, applies, approximate,
 *   reason?, details }.
 * - d = 2: diffusion-d2.ts (closed-form scale function; quadrature error only, reported as 0).
 * - d = 3: the backward equation m·∇u + ½Σ:∇²u = 0 in y = (x_{i*} − x_j, x_{i*} − x_k), x = log(λ⊙w)
 *   (coefficients-d3.ts, backward-d3.ts), on a coarse and a fine grid (spacing H and H/2) with Richardson
 *   extrapolation for the scheme's h² error: u = u_f + (u_f − u_c)/3. `discretisationError` = |u_f − u_c|/3, the
 *   estimated error of the fine-grid value; the extrapolated value is typically 5–10× closer (measured), so it is a
 *   conservative bar. Defaults: H/2 = 0.19·s, s = √(α(1 + 2V)) (V = E Z²) the width of the d = 2 solution's
 *   transition layer (diffusion-d2.ts: Φ ≈ x²/(2s²) near 0), and box |y_c| ≤ Lbox = 1.5 + 4.65 s, extended to contain
 *   y(0) ± 1.5. Measured (λ = (10, 7.5, 5), uniform and Rademacher noise, α ∈ [0.01, 0.2]): moving the box out by 1
 *   changes P by < 5e-5, halving h changes the extrapolated P by < 8e-5, both below the stated error
 *   (test/theory/diffusion-d3.test.ts). Cost ≈ 0.1–0.3 s CPU per α at α ≥ 0.01 (10⁴–3·10⁴ unknowns on the fine
 *   grid); it grows like 1/α below. Results are cached per (α, noise, y(0), grid).
 * - d ≥ 4: `topThreeApproximation`, labelled approximate (its error against the chain is for the report to show).
 * applies = false for correlated inputs (Γ ≠ I, or the figure-code variant, whose B is not one-hot) and for rate
 * schedules (p jumps at each switch): the diffusion above is that of Eq. (1) with constant λ and one-hot B.
 *
 * Boundary data (d = 3). Far out, one input is far behind and the other two race as in d = 2. With U₂ the d = 2
 * success probability of the log-odds (scale-table-d2.ts), the data are the normalised products
 *   P(i*) ∝ U₂(y1) U₂(y2),  P(j) ∝ U₂(−y1) U₂(y2 − y1),  P(k) ∝ U₂(−y2) U₂(y1 − y2),                (D1)
 * each factor the d = 2 probability that the vertex beats one rival. On y1 = +L (j behind by L), P(j) ≈ 0 and
 * P(i*) ≈ U₂(y2): exact as L → ∞, where p_j → 0 and the (i*, k) coefficients of coefficients-d3.ts become the
 * d = 2 ones; the error is O(p_j) = O(e^{−L}) in the coefficients, and smaller in u (measured above). The
 * normalisation makes the three data sum to 1, so the three discrete solutions do too.
 */
import { successProbabilityD2 } from './diffusion-d2.ts';
import { noiseVariance, type NoiseSpec } from './noise-moments.ts';
import { stepMomentsD3 } from './coefficients-d3.ts';
import { prolongD3, solveGridD3, type GridD3, type GridSolutionD3 } from './backward-d3.ts';
import { d2Coefficients, scaleTableD2, type ScaleTableD2 } from './scale-table-d2.ts';
import { timedTheory } from './theory-clock.ts';
import { storedTheory } from './theory-store.ts';

export interface GridOptions {
  /** Fine-grid spacing in y (default 0.19·√(α(1 + 2V))). */
  h?: number;
  /** Half-width of the box in y before it is extended to contain y(0) (default 1.5 + 4.65·√(α(1 + 2V))). */
  box?: number;
  /** Relative residual of the linear solves (default 1e-11). */
  tol?: number;
}

export interface PredictInput {
  rates: number[];
  w0?: number[];
  initialWeights?: number[];
  alpha: number;
  noise?: NoiseSpec;
  iStar?: number;
  correlation?: { gamma: number[][]; variant: 'paper' | 'figure-code' } | null;
  schedule?: { fromStep: number; rates: number[] }[];
  grid?: GridOptions;
  /** The most fine-grid unknowns of a backward-equation solve (default MAX_D3_UNKNOWNS); beyond, (D1) stands in. */
  maxUnknowns?: number;
}

export interface Prediction {
  pSuccess: number;
  /** P(the chain ends at vertex e_j), j by input index; sums to 1. */
  pVertex: number[];
  /** Estimated error of pSuccess from the discretisation (0 for d = 2; NaN where not estimated, d ≥ 4). */
  discretisationError: number;
  /** Per vertex, the same estimate. */
  vertexErrors: number[];
  method: string;
  applies: boolean;
  approximate: boolean;
  reason?: string;
  details?: Record<string, unknown>;
}

const DEFAULT_NOISE: NoiseSpec = { law: 'uniform', halfWidth: 1 };

/** Layer width s = √(α(1 + 2V)) of the d = 2 solution in log-odds (see the module comment). */
export function layerWidth(alpha: number, noise: NoiseSpec): number {
  return Math.sqrt(alpha * (1 + 2 * noiseVariance(noise)));
}

/** (D1): the normalised pairwise products, in the order (i*, j, k). */
export function boundaryD3(T: ScaleTableD2): (y1: number, y2: number) => [number, number, number] {
  return (y1, y2) => {
    const a = T.success(y1) * T.success(y2), b = T.success(-y1) * T.success(y2 - y1), c = T.success(-y2) * T.success(y1 - y2);
    const s = a + b + c;
    return [a / s, b / s, c / s];
  };
}

/** Γ = I with the paper's variant is Eq. (1) itself. */
function correlationIsTrivial(c: PredictInput['correlation']): boolean {
  if (!c) return true;
  return c.variant === 'paper' && c.gamma.every((row, i) => row.every((g, j) => g === (i === j ? 1 : 0)));
}

function notApplicable(d: number, reason: string): Prediction {
  return {
    pSuccess: NaN, pVertex: new Array(d).fill(NaN), discretisationError: NaN, vertexErrors: new Array(d).fill(NaN),
    method: 'not comparable', applies: false, approximate: false, reason,
  };
}

/** x(0) = log(λ⊙w(0)) and the default i* (largest, lowest index on ties). */
function startState(inp: PredictInput): { x: number[]; iStar: number } {
  const w = inp.w0 ?? inp.initialWeights ?? inp.rates.map(() => 1);
  const x = inp.rates.map((l, i) => Math.log(l) + Math.log(w[i]!));
  let iStar = 0;
  for (let i = 1; i < x.length; i++) if (x[i]! > x[iStar]!) iStar = i;
  return { x, iStar: inp.iStar ?? iStar };
}

const cache = new Map<string, SolveD3>();

/** Forget this process's d = 3 solves (the solve-time benchmark, bench/theory.ts, times each solve afresh). */
export function clearSolveD3Cache(): void {
  cache.clear();
}

/**
 * The d = 3 solve at y(0) = (y1, y2): two grids and Richardson; returns (P(i*), P(j), P(k)) and their error estimates.
 * Exposed for tests and the large-deviation fit; reports use `predictSuccessD3`.
 */
export function solveD3(y0: [number, number], alpha: number, noise: NoiseSpec, grid: GridOptions = {}) {
  const key = JSON.stringify([y0, alpha, noise.law, noise.halfWidth, noise.sd ?? null, grid]);
  const hit = cache.get(key);
  if (hit) return hit;
  // Across processes (a run, its shards, their merge): the store keys the full noise law, not only what this key names.
  const out = storedTheory(`solveD3 ${JSON.stringify([y0, alpha, noise, grid])}`, () => solveD3Uncached(y0, alpha, noise, grid), isSolveD3);
  if (cache.size > 256) cache.delete(cache.keys().next().value!);
  cache.set(key, out);
  return out;
}

/** Whether a stored value has the shape solveD3 returns. */
function isSolveD3(v: unknown): v is SolveD3 {
  const o = v as SolveD3;
  return !!o && Array.isArray(o.vals) && o.vals.length === 3 && o.vals.every((x) => typeof x === 'number')
    && Array.isArray(o.errs) && o.errs.length === 3 && !!o.details && typeof o.details === 'object';
}

type SolveD3 = { vals: number[]; errs: number[]; details: Record<string, unknown> };

/**
 * The two grids of a d = 3 solve at y(0): the fine spacing hf, the coarse H = 2·hf, the coarse grid's node range, and
 * the number of unknowns on the fine grid (what the solve's time and memory follow).
 */
export function gridPlanD3(y0: [number, number], alpha: number, noise: NoiseSpec, grid: GridOptions = {}) {
  const s = layerWidth(alpha, noise);
  // Spacing: resolve the layer (0.19 s on the fine grid) and, where the failure probability towards the nearest
  // rival is exponentially small, its exponential profile: with G = Φ'(min|y_c|), the d = 2 slope of −log P
  // (scale-table-d2.ts), G·H ≤ 1 on the coarse grid. Measured: at G·H ≈ 1.2–1.4 the two grids are not yet in the h²
  // regime (P(failure) off by 1–4% at α ≤ 0.01 with an estimate below that), at G·H ≤ 1 they are.
  const { r, M2 } = d2Coefficients(alpha, noise);
  const t = Math.tanh(Math.min(Math.abs(y0[0]), Math.abs(y0[1])) / 2), G = (2 * r * t) / (M2 - r * r * t * t);
  const hf = grid.h ?? Math.min(0.19 * s, 0.5 / G), H = 2 * hf, Lb = grid.box ?? 1.5 + 4.65 * s;
  const lo: [number, number] = [0, 0], hi: [number, number] = [0, 0];
  for (let c = 0; c < 2; c++) {
    const a = Math.min(-Lb, y0[c]! - 1.5), b = Math.max(Lb, y0[c]! + 1.5);
    lo[c] = Math.ceil((a - y0[c]!) / H);
    hi[c] = Math.floor((b - y0[c]!) / H);
  }
  const fineUnknowns = (2 * (hi[0] - lo[0]) + 1) * (2 * (hi[1] - lo[1]) + 1);
  return { hf, H, lo, hi, fineUnknowns };
}

/**
 * The most unknowns on the fine grid for which `predictSuccessD3` solves the backward equation (about 10 s and
 * 100 MB on a small machine). Below α ≈ 0.01 the spacing follows the failure probability's exponential profile
 * (G·H ≤ 1, G ∝ 1/α), so the unknowns grow like 1/α² and the solve's time faster still: at λ = (10, 7.5, 5),
 * α = 0.0005 needs 6.3·10⁶ unknowns, 10 minutes and 2 GB, for a failure probability below 10⁻²⁰. Beyond the limit
 * the product of d = 2 races (D1) stands in, labelled approximate.
 */
export const MAX_D3_UNKNOWNS = 300_000;

function solveD3Uncached(y0: [number, number], alpha: number, noise: NoiseSpec, grid: GridOptions): SolveD3 {
  const t0 = performance.now();
  const { hf, H, lo, hi } = gridPlanD3(y0, alpha, noise, grid);
  const mom = stepMomentsD3(alpha, noise);
  const bnd = boundaryD3(scaleTableD2(alpha, noise));
  const coarse: GridD3 = { y0, h: H, lo, hi };
  const fine: GridD3 = { y0, h: hf, lo: [2 * lo[0], 2 * lo[1]], hi: [2 * hi[0], 2 * hi[1]] };
  const tol = grid.tol ?? 1e-11;
  const sc: GridSolutionD3 = solveGridD3(coarse, mom, bnd, { tol });
  const init: [Float64Array, Float64Array] = [prolongD3(sc.fields[0], coarse, fine), prolongD3(sc.fields[1], coarse, fine)];
  const sf = solveGridD3(fine, mom, bnd, { init, tol });
  // Richardson for P(j), P(k) (computed directly, so small ones keep their digits); P(i*) = 1 − P(j) − P(k).
  const ext = [1, 2].map((v) => Math.min(1, Math.max(0, sf.atStart[v]! + (sf.atStart[v]! - sc.atStart[v]!) / 3)));
  const vals = [1 - ext[0]! - ext[1]!, ext[0]!, ext[1]!];
  const errs = [0, 1, 2].map((v) => Math.abs(sf.atStart[v]! - sc.atStart[v]!) / 3);
  const details = {
    grids: [sc, sf].map((g) => ({ h: g.grid.h, unknowns: g.unknowns, iterations: g.iterations, wideNodes: g.wideNodes, atStart: g.atStart })),
    box: [0, 1].map((c) => [y0[c]! + H * lo[c]!, y0[c]! + H * hi[c]!]),
    seconds: (performance.now() - t0) / 1000,
  };
  return { vals, errs, details };
}

/**
 * Any d: P(vertex v) ≈ Π_{w≠v} U₂(x_v − x_w) / Σ_u Π_{w≠u} U₂(x_u − x_w): each vertex must beat every rival, the
 * races taken as independent d = 2 diffusions. Exact where all but two inputs are far behind; elsewhere it
 * underestimates failure, since a rival's race is slower and noisier with the others present: at d = 3,
 * λ = (10, 7.5, 5), α = 0.05 it gives P(failure) 0.147 against the backward equation's 0.171, and at
 * λ = (1.5, 1, 1) 0.082 against 0.152 (test/theory/diffusion-d3.test.ts). Kept for comparison.
 */
export function pairwiseProductApproximation(x: number[], alpha: number, noise: NoiseSpec): number[] {
  const T = scaleTableD2(alpha, noise);
  const w = x.map((xv, v) => x.reduce((acc, xw, u) => (u === v ? acc : acc * T.success(xv - xw)), 1));
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / s);
}

/**
 * d ≥ 4, the approximation `predictSuccessD3` uses: the three inputs with the largest λ_i w_i(0) (S) race as in
 * d = 3 (the backward equation, u₃), and every other input is a rival to beat as in d = 2:
 *   P(v) ∝ u₃(v) Π_{l∉S} U₂(x_v − x_l) for v ∈ S,   P(v) ∝ Π_{l≠v} U₂(x_v − x_l) for v ∉ S,   normalised.
 * Exact as the inputs outside S fall far behind; not a solution of the d-dimensional equation.
 */
export function topThreeApproximation(x: number[], alpha: number, noise: NoiseSpec, grid: GridOptions = {}, maxUnknowns = MAX_D3_UNKNOWNS) {
  const T = scaleTableD2(alpha, noise);
  const order = x.map((_, i) => i).sort((a, b) => x[b]! - x[a]! || a - b);
  const [a, b, c] = order as [number, number, number];
  const y0: [number, number] = [x[a]! - x[b]!, x[a]! - x[c]!];
  const solvable = Math.max(Math.abs(y0[0]), Math.abs(y0[1])) <= 12 && gridPlanD3(y0, alpha, noise, grid).fineUnknowns <= maxUnknowns;
  const u3 = solvable ? solveD3(y0, alpha, noise, grid).vals : boundaryD3(T)(y0[0], y0[1]);
  const inS = (v: number) => v === a || v === b || v === c;
  const w = x.map((xv, v) => {
    let prod = 1; // v ∈ S: the rivals outside S; v ∉ S: every rival
    for (let l = 0; l < x.length; l++) if (l !== v && !(inS(v) && inS(l))) prod *= T.success(xv - x[l]!);
    return inS(v) ? u3[order.indexOf(v)]! * prod : prod;
  });
  const s = w.reduce((p, q) => p + q, 0);
  return w.map((v) => v / s);
}

/** The prediction for a chain scenario (see the module comment for the input and output). */
function predictSuccessD3Untimed(inp: PredictInput): Prediction {
  const d = inp.rates.length;
  if (inp.schedule && inp.schedule.length > 0) {
    return notApplicable(d, 'rate schedule: p jumps at each switch, the diffusion is for constant rates');
  }
  if (!correlationIsTrivial(inp.correlation)) {
    return notApplicable(d, 'correlated inputs: S = C·B is not one-hot, the drift and covariance differ from Eq. (1)');
  }
  const noise = inp.noise ?? DEFAULT_NOISE;
  const { x, iStar } = startState(inp);
  const others = x.map((_, i) => i).filter((i) => i !== iStar);
  if (d === 2) {
    const pS = successProbabilityD2(1 / (1 + Math.exp(x[others[0]!]! - x[iStar]!)), inp.alpha, noise);
    const pVertex = [0, 0];
    pVertex[iStar] = pS;
    pVertex[others[0]!] = 1 - pS;
    return { pSuccess: pS, pVertex, discretisationError: 0, vertexErrors: [0, 0], method: 'd = 2 scale function (diffusion-d2.ts)', applies: true, approximate: false };
  }
  if (d >= 4) {
    const pVertex = topThreeApproximation(x, inp.alpha, noise, inp.grid, inp.maxUnknowns);
    return {
      pSuccess: pVertex[iStar]!, pVertex, discretisationError: NaN, vertexErrors: new Array(d).fill(NaN),
      method: 'd = 3 backward equation for the top three × d = 2 races against the rest (approximate)', applies: true,
      approximate: true,
      reason: 'd ≥ 4: the three largest inputs race as in d = 3, each must also beat every other input as in d = 2 (independent races); not a solution of the d-dimensional equation',
    };
  }
  const [j, k] = others as [number, number];
  const y0: [number, number] = [x[iStar]! - x[j]!, x[iStar]! - x[k]!];
  const pVertex = [0, 0, 0], vertexErrors = [0, 0, 0];
  if (Math.max(Math.abs(y0[0]), Math.abs(y0[1])) > 12) {
    // One input is e^{12} behind: (D1) itself, whose error is below double precision's relevance here.
    const b = boundaryD3(scaleTableD2(inp.alpha, noise))(y0[0], y0[1]);
    [pVertex[iStar], pVertex[j], pVertex[k]] = b;
    return { pSuccess: b[0], pVertex, discretisationError: 0, vertexErrors, method: 'd = 3 far field: product of d = 2 solutions', applies: true, approximate: false };
  }
  const cap = inp.maxUnknowns ?? MAX_D3_UNKNOWNS, unknowns = gridPlanD3(y0, inp.alpha, noise, inp.grid).fineUnknowns;
  if (unknowns > cap) {
    // Too large to solve here (MAX_D3_UNKNOWNS): (D1), the normalised product of the d = 2 races, which is the
    // equation's own far-field data; it underestimates failure where all three inputs are close (0.147 against
    // 0.171 at λ = (10, 7.5, 5), α = 0.05; about half of P(failure) at α = 0.003).
    const b = boundaryD3(scaleTableD2(inp.alpha, noise))(y0[0], y0[1]);
    [pVertex[iStar], pVertex[j], pVertex[k]] = b;
    return {
      pSuccess: b[0], pVertex, discretisationError: NaN, vertexErrors: [NaN, NaN, NaN],
      method: 'product of d = 2 races (D1), in place of the backward equation', applies: true, approximate: true,
      reason: `the backward equation at α = ${inp.alpha} would need ${unknowns} unknowns on its fine grid (the limit is ${cap}: ` +
        'the spacing follows the exponentially small failure probability, so the unknowns grow like 1/α²); the product of ' +
        'the d = 2 races stands in, which underestimates P(failure) (about half at α = 0.003, λ = (10, 7.5, 5))',
    };
  }
  const r = solveD3(y0, inp.alpha, noise, inp.grid);
  [pVertex[iStar], pVertex[j], pVertex[k]] = r.vals;
  [vertexErrors[iStar], vertexErrors[j], vertexErrors[k]] = r.errs;
  return {
    pSuccess: r.vals[0]!, pVertex, discretisationError: r.errs[0]!, vertexErrors,
    method: 'd = 3 backward equation, monotone scheme, two grids + Richardson', applies: true, approximate: false,
    details: r.details,
  };
}

/** The exported solvers count their time on the theory clock (theory-clock.ts). */
export const predictSuccessD3 = timedTheory(predictSuccessD3Untimed);
