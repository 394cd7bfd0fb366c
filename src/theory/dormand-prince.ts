/** The Dormand–Prince 5(4) pair: its tableau (shared with the replicator flow, flow.ts) and a generic adaptive integrator. */

// Dormand–Prince 5(4) (Dormand & Prince 1980; Hairer, Nørsett & Wanner, Solving ODEs I, Table 5.2).
export const DP_C = [0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1, 1];
export const DP_A: number[][] = [
  [],
  [1 / 5],
  [3 / 40, 9 / 40],
  [44 / 45, -56 / 15, 32 / 9],
  [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
  [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
  [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
];
// Error weights b5 − b4 (the 5th-order solution equals the last row of A: first same as last).
export const DP_E = [71 / 57600, 0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40];

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
        for (let j = 0; j < s; j++) { const a = DP_A[s]![j]!; if (a !== 0) for (let i = 0; i < n; i++) tmp[i] += hh * a * k[j]![i]!; }
        f(t + DP_C[s]! * hh, tmp, k[s]!);
      }
      let err = 0;
      for (let i = 0; i < n; i++) {
        let v = y[i]!, e = 0;
        for (let j = 0; j < 6; j++) v += hh * DP_A[6]![j]! * k[j]![i]!;
        for (let j = 0; j < 7; j++) e += DP_E[j]! * k[j]![i]!;
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

