/**
 * The mean dynamic of the chain: the replicator equation (arXiv 2505.10272, Eq. 9), in time t = αk,
 *
 *   dp_i/dt = p_i (p_i − ‖p‖²),
 *
 * which is also the Shahshahani gradient flow of −‖p‖²/2. Integrated with classical RK4 at a fixed step; the
 * simplex is invariant for the exact flow and RK4 preserves Σp_i = 1 up to rounding (each stage's increments sum
 * to zero). Kept for test/engines/flow-agreement.test.ts; flow.ts has the adaptive RK45 `integrateFlow`, Γ-fitness,
 * time-varying rates (Eq. 18) and the d = 2 closed form.
 */
export function replicatorRhs(p: number[]): number[] {
  const n2 = p.reduce((a, v) => a + v * v, 0);
  return p.map((v) => v * (v - n2));
}

/** p(t) under Eq. (9) from p0 by classical RK4 with fixed step ≤ dt (see `integrateFlow` in flow.ts for adaptive steps). */
export function integrateReplicator(p0: number[], t: number, dt = 1e-3): number[] {
  let p = [...p0];
  const n = Math.max(1, Math.ceil(t / dt));
  const h = t / n;
  const add = (a: number[], b: number[], s: number) => a.map((v, i) => v + s * b[i]!);
  for (let k = 0; k < n; k++) {
    const k1 = replicatorRhs(p);
    const k2 = replicatorRhs(add(p, k1, h / 2));
    const k3 = replicatorRhs(add(p, k2, h / 2));
    const k4 = replicatorRhs(add(p, k3, h));
    p = p.map((v, i) => v + (h / 6) * (k1[i]! + 2 * k2[i]! + 2 * k3[i]! + k4[i]!));
  }
  return p;
}
