/**
 * d = 3: the backward (Kolmogorov) equation of the diffusion of coefficients-d3.ts on one grid,
 *   L u = m·∇u + ½ Σ:∇²u = 0  in a box,  u = boundary data outside it,                                  (B1)
 * discretised by a monotone scheme and solved by sparse-solve.ts. Used by diffusion-d3.ts, which runs two grids
 * and extrapolates. Derived here, not in the paper.
 *
 * Grid: nodes y = y0 + h·(k1, k2), k in [lo, hi]² (y0, the start, is a node of every grid, so no interpolation);
 * nodes outside the box are Dirichlet nodes with the boundary data (the stencil reaches two nodes out).
 *
 * Scheme (a positive-coefficient scheme, so the matrix is an M-matrix and u stays in [0, 1]): at each node Σ is
 * written as a sum of non-negative multiples of v vᵀ over lattice directions v, each term discretised by the
 * central second difference along v (coefficients ½c/h² on u(y ± hv)), and the drift m_1, m_2 is put on the axes,
 * where it is combined with that axis's diffusion D by Il'in–Allen–Southwell exponential fitting:
 *   ½D u'' + m u' ≈ (D/2h²)[B(−P) u(y+h) − (B(P) + B(−P)) u + B(P) u(y−h)],  P = 2mh/D,  B(x) = x/(eˣ − 1),  (B2)
 * exact for constant coefficients in 1-D, positive for every cell Péclet number, second order as h → 0.
 * Two decompositions of Σ:
 * - 7-point, where Σ is diagonally dominant (Σ11, Σ22 ≥ |Σ12|; always for uniform noise on [−1, 1]):
 *   Σ = (Σ11 − |Σ12|) e1e1ᵀ + (Σ22 − |Σ12|) e2e2ᵀ + |Σ12| (1, σ)(1, σ)ᵀ, σ = sign Σ12 (the diagonal chosen by
 *   the sign of Σ12). Fitting only with Σ11 − |Σ12| would leave much upwind diffusion; fitting with the full Σ11 and
 *   taking ½|Σ12|/h² from both axial neighbours (the textbook 7-point mixed stencil) can make the upwind coefficient
 *   negative at high Péclet number, since B(P) → 0. So each axis is fitted with D = Σ11 − |Σ12| + t|Σ12| and
 *   ½t|Σ12|/h² is taken from both neighbours, with the largest t ∈ [0, 1] that keeps both coefficients ≥ 0
 *   (t = 1 wherever possible; bisection otherwise: the upwind coefficient minus ½t|Σ12|/h² decreases in t).
 * - 13-point otherwise (other noise laws, where Σ11 < |Σ12| somewhere): the exact decomposition (C4) of
 *   coefficients-d3.ts, directions (1,1), (1,0), (0,1), (2,1), (1,2), (1,−1), drift fitted with D_j and D_k.
 * Each row is divided by its diagonal, so the system reads u − W u = b with W ≥ 0, row sums of W plus the weights
 * on Dirichlet nodes = 1: the scheme is itself a Markov chain on the grid, and constants are reproduced exactly.
 */
import { driftCovarianceD3, type StepMomentsD3 } from './coefficients-d3.ts';
import { bicgstab, ilu0, type Csr } from './sparse-solve.ts';

/** Lattice offsets of the stencil (the centre excluded); knight moves are used by the 13-point form only. */
const OFFSETS: [number, number][] = [
  [1, 0], [-1, 0], [0, 1], [0, -1], [1, 1], [-1, -1], [1, -1], [-1, 1], [2, 1], [-2, -1], [1, 2], [-1, -2],
];

function bern(x: number): number {
  return Math.abs(x) < 1e-8 ? 1 - x / 2 : x / Math.expm1(x);
}

/** (B2): c[o] = coefficient of u(y + h·e), c[o + 1] of u(y − h·e), for ½D u'' + m u' minus `cut` on both. */
function fitted(m: number, D: number, h: number, cut: number, c: Float64Array, o: number): void {
  if (!(D > 0)) { c[o] = Math.max(m, 0) / h - cut; c[o + 1] = Math.max(-m, 0) / h - cut; return; }
  const P = (2 * m * h) / D, a = D / (2 * h * h);
  c[o] = a * bern(-P) - cut;
  c[o + 1] = a * bern(P) - cut;
}

/**
 * One axis of the 7-point form: fitted with D0 + t·s and ½t·s/h² taken off both neighbours, for the largest t ∈ [0, 1]
 * that keeps both coefficients ≥ 0. Only the upwind one can fail: with c = 2|m|h and f(D) = D·B(c/D) = c/(e^{c/D} − 1)
 * (2h² × the upwind coefficient), the condition is F(t) = f(D0 + ts) − ts ≥ 0, F(0) ≥ 0. f is convex with f' < 1, so
 * F is convex and decreasing: Newton's method from t = 1 lands on the feasible side after one step and then climbs
 * monotonically to the root (a tangent of a convex function lies below it). Six steps; the result is re-checked.
 */
function axis(m: number, D0: number, s: number, h: number, c: Float64Array, o: number): void {
  const h2 = h * h;
  fitted(m, D0 + s, h, (0.5 * s) / h2, c, o);
  if (c[o]! >= 0 && c[o + 1]! >= 0) return;
  const cc = 2 * Math.abs(m) * h;
  let t = 1;
  for (let it = 0; it < 6; it++) {
    const z = cc / (D0 + t * s), e = Math.expm1(z);
    const F = cc / e - t * s, dF = s * ((z * z * (e + 1)) / (e * e) - 1);
    const next = t - F / dF;
    if (!(next >= 0 && next < t)) break;
    t = next;
  }
  for (; t > 1e-12; t *= 0.5) {
    fitted(m, D0 + t * s, h, (0.5 * t * s) / h2, c, o);
    if (c[o]! >= 0 && c[o + 1]! >= 0) return;
  }
  fitted(m, D0, h, 0, c, o);
}

/** The stencil at y: c[o] ≥ 0 for OFFSETS[o] (operator L of (B1); centre = −Σc); returns true if 13-point. */
export function stencilD3(y1: number, y2: number, h: number, mom: StepMomentsD3, c: Float64Array): boolean {
  const { m, S, D, K } = driftCovarianceD3(y1, y2, mom);
  const [S11, S12, S22] = S, s = Math.abs(S12), h2 = h * h;
  c.fill(0);
  if (S11 >= s && S22 >= s) {
    axis(m[0], S11 - s, s, h, c, 0);
    axis(m[1], S22 - s, s, h, c, 2);
    const dg = (0.5 * s) / h2;
    if (S12 >= 0) { c[4] = dg; c[5] = dg; } else { c[6] = dg; c[7] = dg; }
    return false;
  }
  fitted(m[0], D[1], h, 0, c, 0);
  fitted(m[1], D[2], h, 0, c, 2);
  c[4] = c[5] = (0.5 * D[0]) / h2;
  c[8] = c[9] = (0.5 * K[0]) / h2;
  c[10] = c[11] = (0.5 * K[1]) / h2;
  c[6] = c[7] = (0.5 * K[2]) / h2;
  return true;
}

export interface GridD3 {
  y0: [number, number];
  h: number;
  /** Interior node indices k ∈ [lo[i], hi[i]] in each coordinate (lo ≤ 0 ≤ hi: y0 is a node). */
  lo: [number, number];
  hi: [number, number];
}

/** Boundary data at a Dirichlet node: the probabilities of ending at (i*, j, k). */
export type BoundaryD3 = (y1: number, y2: number) => [number, number, number];

export interface GridSolutionD3 {
  grid: GridD3;
  /** u_j, u_k on the interior nodes (index (k1 − lo1)·n2 + (k2 − lo2)). */
  fields: [Float64Array, Float64Array];
  /** P(end at i*), P(j), P(k) at y0; P(i*) = 1 − P(j) − P(k) (exact for the scheme: its rows reproduce constants). */
  atStart: [number, number, number];
  unknowns: number;
  iterations: number;
  /** Nodes that needed the 13-point form. */
  wideNodes: number;
  residual: number;
}

/**
 * Assemble and solve (B1) on `grid` for u_j and u_k (boundary data components 1 and 2), from initial guesses
 * `init` (default: the boundary function at the interior nodes).
 */
export function solveGridD3(
  grid: GridD3, mom: StepMomentsD3, boundary: BoundaryD3,
  opts: { init?: [Float64Array, Float64Array]; tol?: number } = {},
): GridSolutionD3 {
  const { y0, h, lo, hi } = grid;
  const n1 = hi[0] - lo[0] + 1, n2 = hi[1] - lo[1] + 1, n = n1 * n2;
  const order = OFFSETS.map((o, i) => ({ i, delta: o[0] * n2 + o[1] }));
  order.push({ i: -1, delta: 0 });
  order.sort((a, b) => a.delta - b.delta);
  const rowPtr = new Int32Array(n + 1), col = new Int32Array(13 * n), val = new Float64Array(13 * n);
  const bj = new Float64Array(n), bk = new Float64Array(n);
  const g0 = new Float64Array(n), g1 = new Float64Array(n);
  const c = new Float64Array(12);
  let nnz = 0, wideNodes = 0;
  for (let a = 0; a < n1; a++) {
    for (let b = 0; b < n2; b++) {
      const row = a * n2 + b, k1 = lo[0] + a, k2 = lo[1] + b;
      const y1 = y0[0] + h * k1, y2 = y0[1] + h * k2;
      if (stencilD3(y1, y2, h, mom, c)) wideNodes++;
      let sum = 0;
      for (let o = 0; o < 12; o++) sum += c[o]!;
      if (!opts.init) { const B = boundary(y1, y2); g0[row] = B[1]; g1[row] = B[2]; }
      for (const { i, delta } of order) {
        if (i < 0) { col[nnz] = row; val[nnz++] = 1; continue; }
        const w = c[i]! / sum;
        if (w === 0) continue;
        const t1 = a + OFFSETS[i]![0], t2 = b + OFFSETS[i]![1];
        if (t1 >= 0 && t1 < n1 && t2 >= 0 && t2 < n2) { col[nnz] = row + delta; val[nnz++] = -w; continue; }
        const B = boundary(y0[0] + h * (lo[0] + t1), y0[1] + h * (lo[1] + t2));
        bj[row] = bj[row]! + w * B[1];
        bk[row] = bk[row]! + w * B[2];
      }
      rowPtr[row + 1] = nnz;
    }
  }
  const A: Csr = { n, rowPtr, col: col.subarray(0, nnz), val: val.subarray(0, nnz) };
  const M = ilu0(A);
  const tol = opts.tol ?? 1e-13;
  const sj = bicgstab(A, bj, M, { x0: opts.init?.[0] ?? g0, tol });
  const sk = bicgstab(A, bk, M, { x0: opts.init?.[1] ?? g1, tol });
  if (!sj.converged || !sk.converged) {
    throw new Error(`solveGridD3: BiCGSTAB did not converge (residuals ${sj.residual}, ${sk.residual})`);
  }
  const at = (-lo[0]) * n2 + (-lo[1]);
  const uj = sj.x[at]!, uk = sk.x[at]!;
  return {
    grid, fields: [sj.x, sk.x], atStart: [1 - uj - uk, uj, uk], unknowns: n,
    iterations: sj.iterations + sk.iterations, wideNodes, residual: Math.max(sj.residual, sk.residual),
  };
}

/** Bilinear prolongation of a field from `coarse` (spacing 2h) to `fine` (spacing h, indices doubled). */
export function prolongD3(field: Float64Array, coarse: GridD3, fine: GridD3): Float64Array {
  const cn2 = coarse.hi[1] - coarse.lo[1] + 1;
  const fn1 = fine.hi[0] - fine.lo[0] + 1, fn2 = fine.hi[1] - fine.lo[1] + 1;
  const out = new Float64Array(fn1 * fn2);
  const get = (c1: number, c2: number) => field[(c1 - coarse.lo[0]) * cn2 + (c2 - coarse.lo[1])]!;
  for (let a = 0; a < fn1; a++) {
    const k1 = fine.lo[0] + a, c1a = Math.floor(k1 / 2), c1b = Math.ceil(k1 / 2);
    for (let b = 0; b < fn2; b++) {
      const k2 = fine.lo[1] + b, c2a = Math.floor(k2 / 2), c2b = Math.ceil(k2 / 2);
      out[a * fn2 + b] = 0.25 * (get(c1a, c2a) + get(c1a, c2b) + get(c1b, c2a) + get(c1b, c2b));
    }
  }
  return out;
}
