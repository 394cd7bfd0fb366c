/**
 * The limit of the reconstruction, dZ/dt = −κ∇L_k(Z) on opportunity k's interval (kT, (k+1)T] (the stated gradient
 * flow of Christensen & Kallsen; MODEL-NOTES §2), Z_0 = θ₀:
 *   quadratic: exact, Z_i(t) = e^{−κh_i t} θ₀,i (θ* = 0);
 *   network:   adaptive Dormand–Prince RK45 (src/theory/dormand-prince.ts), restarted at each opportunity's start
 *              (the loss changes).
 */
import { lossGradient, type LossSpec } from './loss.ts';
import { rk45 } from '../../theory/dormand-prince.ts';

export interface FlowRequest {
  loss: LossSpec;
  theta0: Float64Array;
  kappa: number;
  /** Updates per unit time n: the grid is t_j = j/n, j = 0…N. */
  n: number;
  N: number;
  /** Time per opportunity and opportunities (sample k mod samples on (kT, (k+1)T]). */
  T: number;
  K: number;
  /** Extra times (checkpoints), ascending. */
  extra: ArrayLike<number>;
}

/** Z at the grid times j/n ((N + 1)·d values, row j at j·d) and at the extra times (their count·d). */
export function flowGrid(q: FlowRequest): { grid: Float64Array; extra: Float64Array } {
  const d = q.theta0.length;
  const grid = new Float64Array((q.N + 1) * d), extra = new Float64Array(q.extra.length * d);
  if (q.loss.kind === 'quadratic') {
    const rate = q.loss.hdiag.map((h) => -q.kappa * h);
    const fill = (dst: Float64Array, row: number, t: number) => {
      for (let i = 0; i < d; i++) dst[row * d + i] = Math.exp(rate[i]! * t) * q.theta0[i]!;
    };
    for (let j = 0; j <= q.N; j++) fill(grid, j, j / q.n);
    for (let c = 0; c < q.extra.length; c++) fill(extra, c, q.extra[c]!);
    return { grid, extra };
  }
  const a = new Float64Array(q.loss.net.h);
  const nT = Math.round(q.n * q.T);
  let y = Float64Array.from(q.theta0);
  grid.set(y, 0);
  for (let k = 0; k < q.K; k++) {
    const sample = k % q.loss.samples, t0 = k * q.T, t1 = (k + 1) * q.T;
    // Requested times in (t0, t1]: grid rows k·nT + 1 … (k+1)·nT and the extra times there, merged in time order.
    const req: { t: number; row: number; extra: number }[] = [];
    for (let j = k * nT + 1; j <= (k + 1) * nT; j++) req.push({ t: j / q.n, row: j, extra: -1 });
    for (let c = 0; c < q.extra.length; c++) {
      const t = q.extra[c]!;
      if ((t > t0 && t <= t1) || (k === 0 && t <= t0)) req.push({ t: Math.max(t, t0), row: -1, extra: c });
    }
    req.sort((u, v) => u.t - v.t || u.row - v.row);
    const f = (_t: number, z: Float64Array, dz: Float64Array) => {
      lossGradient(q.loss, z, sample, dz, a);
      for (let i = 0; i < d; i++) dz[i] = -q.kappa * dz[i]!;
    };
    rk45(f, t0, y, req.map((r) => r.t), (m, z) => {
      const r = req[m]!;
      if (r.row >= 0) grid.set(z, r.row * d);
      else extra.set(z, r.extra * d);
    });
    y = grid.slice((k + 1) * nT * d, ((k + 1) * nT + 1) * d);
  }
  return { grid, extra };
}

/** Z(t) by linear interpolation of the grid (Poisson event times; error O(1/n²)), into `out`. */
export function flowAt(grid: Float64Array, d: number, n: number, N: number, t: number, out: Float64Array): void {
  const s = t * n, k = Math.min(N - 1, Math.max(0, Math.floor(s))), f = s - k;
  for (let i = 0; i < d; i++) out[i] = grid[k * d + i]! + f * (grid[(k + 1) * d + i]! - grid[k * d + i]!);
}
