/**
 * The reduced quantities of one trajectory at a checkpoint (checkpoint-stats.ts) from its log-state x (log-weights
 * up to a constant, the mirror-descent form of every engine): p = softmax(x), L = log(1 − p_{i*}), G = 1 − p_{i*}
 * and argmax p. Shared by the reduced chain's host engines and the spiking network's rows.
 */
export interface Reduced {
  /** L = log(1 − p_{i*}) */
  L: number;
  /** G = 1 − p_{i*} */
  G: number;
  argmax: number;
}

/**
 * Reduce a log-state to (L, G, argmax) and write p into `p`. 1 − p_{i*} is never formed as a difference near 0:
 * for p_{i*} < 1/2, L = log1p(−p_{i*}); otherwise L = log Σ_{j≠i*} e^{x_j} − log Σ_j e^{x_j} by log-sum-exp, so
 * L stays finite and accurate long after 1 − p_{i*} underflows.
 */
export function reduceState(x: ArrayLike<number>, d: number, iStar: number, p: Float64Array): Reduced {
  let S = 0, argmax = 0, mo = -Infinity;
  for (let i = 0; i < d; i++) {
    const v = Math.exp(x[i]!);
    p[i] = v;
    S += v;
    if (x[i]! > x[argmax]!) argmax = i;
    if (i !== iStar && x[i]! > mo) mo = x[i]!;
  }
  for (let i = 0; i < d; i++) p[i] = p[i]! / S;
  const pI = p[iStar]!;
  let L: number;
  if (pI < 0.5) L = Math.log1p(-pI);
  else {
    let so = 0;
    for (let i = 0; i < d; i++) if (i !== iStar) so += Math.exp(x[i]! - mo);
    L = mo + Math.log(so) - Math.log(S);
  }
  return { L, G: pI < 0.5 ? 1 - pI : Math.exp(L), argmax };
}
