/**
 * The limit of the reconstruction, dZ/dt = −κ∇L_k(Z) on opportunity k's interval (kT, (k+1)T] (the stated gradient
 * flow of Christensen & Kallsen; MODEL-NOTES §2), Z_0 = θ₀:
 *   quadratic: exact, Z_i(t) = e^{−κh_i t} θ₀,i (θ* = 0);
 *   network:   adaptive Dormand–Prince RK45, the tableau and step control of src/theory/flow.ts (which is written for
 *              the replicator equation on the simplex), restarted at each opportunity's start (the loss changes).
 */
import { lossGradient, type LossSpec } from './loss.ts';

// Dormand–Prince 5(4) (Dormand & Prince 1980; Hairer, Nørsett & Wanner, Solving ODEs I, Table 5.2).
const C = [0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1, 1];
const A: number[][] = [
  [],
  [1 / 5],
  [3 / 40, 9 / 40],
  [44 / 45, -56 / 15, 32 / 9],
  [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
  [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
  [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
];
const E = [71 / 57600, 0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40];

/**
 * Integrate y' = f(t, y) from (t0, y0) and call `out(i, y)` at each of `times` (ascending, ≥ t0). Error norm: RMS of
 * err_i / (atol + rtol·max(|y_i|, |y_i'|)); step factor 0.9·err^{−1/5} in [0.2, 5]; steps land on each time.
 */
export function rk45(
  f: (t: number, y: Float64Array, dy: Float64Array) => void, t0: number, y0: Float64Array, times: ArrayLike<number>,
  out: (i: number, y: Float64Array) => void, o: { rtol?: number; atol?: number } = {},
): void {
  const rtol = o.rtol ?? 1e-10, atol = o.atol ?? 1e-12, n = y0.length;
  let y = Float64Array.from(y0), t = t0, h = 1e-2;
  const k = Array.from({ length: 7 }, () => new Float64Array(n)), tmp = new Float64Array(n);
  let yNew = new Float64Array(n);
  for (let m = 0; m < times.length; m++) {
    const target = times[m]!;
    if (target < t - 1e-15) throw new Error('rk45: times must be ascending');
    while (t < target) {
      const last = target - t <= h, hh = last ? target - t : h;
      f(t, y, k[0]!);
      for (let s = 1; s < 7; s++) {
        tmp.set(y);
        for (let j = 0; j < s; j++) { const a = A[s]![j]!; if (a !== 0) for (let i = 0; i < n; i++) tmp[i] += hh * a * k[j]![i]!; }
        f(t + C[s]! * hh, tmp, k[s]!);
      }
      let err = 0;
      for (let i = 0; i < n; i++) {
        let v = y[i]!, e = 0;
        for (let j = 0; j < 6; j++) v += hh * A[6]![j]! * k[j]![i]!;
        for (let j = 0; j < 7; j++) e += E[j]! * k[j]![i]!;
        yNew[i] = v;
        err += ((hh * e) / (atol + rtol * Math.max(Math.abs(y[i]!), Math.abs(v)))) ** 2;
      }
      err = Math.sqrt(err / n);
      const factor = err === 0 ? 5 : Math.min(5, Math.max(0.2, 0.9 * err ** -0.2));
      if (err <= 1) {
        t = last ? target : t + hh;
        [y, yNew] = [yNew, y];
        h = last ? Math.max(h, hh * factor) : hh * factor;
      } else {
        h = hh * Math.max(0.2, factor);
      }
    }
    out(m, y);
  }
}

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
