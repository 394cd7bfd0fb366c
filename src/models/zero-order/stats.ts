/**
 * Statistics of one (d, n) grid point, mergeable across batches, shards and resumed sessions (sums add; batches are
 * merged in batch order, so the floating-point sums do not depend on how the run was cut).
 *
 * Per copy and checkpoint t the engines return REC numbers: e = ‖Zⁿ_t − Z_t‖, s = sup_{u≤t} ‖Zⁿ_u − Z_u‖ (over the
 * update times, both sides of each jump, and t), ‖∇L(Zⁿ_t)‖ and L(Zⁿ_t); at the last checkpoint also the error
 * vector Zⁿ_T − Z_T (its sum over copies estimates the bias ‖E Zⁿ_T − Z_T‖), and for copies < paths the coordinate
 * θ₁ along the sample-path times. Running sums (n, Σx, Σx²) of e, e², s, s², ‖∇L‖, L give means with t intervals
 * and the mean squares E e², E s² with intervals (RMS = √ of them; copies are independent).
 */
import { addSums, emptySums, meanCI, pushSums, type MeanCI, type Sums } from '../../stats/running-sums.ts';

export const REC = 4;
export const ZO_REC = { err: 0, sup: 1, grad: 2, loss: 3 } as const;

export const ZO_FLAG = {
  nonFinite: 1, // NaN or ±Inf in θ
  eventCap: 2, // Poisson clock: the planned events ended before the end time
} as const;

export interface ZeroOrderCheckpointAcc {
  t: number;
  err: Sums;
  err2: Sums;
  sup: Sums;
  sup2: Sums;
  grad: Sums;
  loss: Sums;
}

export interface ZeroOrderAcc {
  point: number;
  d: number;
  n: number;
  checkpoints: ZeroOrderCheckpointAcc[];
  /** Σ over copies of (Zⁿ_T − Z_T)_i at the last checkpoint. */
  errSum: number[];
  /** θ₁ at the sample-path times of copies 0…paths−1, in copy order. */
  paths: { copy: number; values: number[] }[];
  flags: number;
  flaggedCopies: number;
}

export function emptyZeroOrderAcc(point: number, d: number, n: number, times: readonly number[]): ZeroOrderAcc {
  return {
    point, d, n,
    checkpoints: times.map((t) => ({ t, err: emptySums(), err2: emptySums(), sup: emptySums(), sup2: emptySums(), grad: emptySums(), loss: emptySums() })),
    errSum: new Array<number>(d).fill(0), paths: [], flags: 0, flaggedCopies: 0,
  };
}

/**
 * Fold one copy: its C records rec[off + c·REC + k], its final error vector fin[finOff + i] (i < d), its path values
 * (or null) and its flags. Engines call this copy by copy in copy order.
 */
export function accumulateCopy(
  a: ZeroOrderAcc, rec: ArrayLike<number>, off: number, fin: ArrayLike<number>, finOff: number,
  copy: number, path: ArrayLike<number> | null, flags: number,
): void {
  a.checkpoints.forEach((cp, c) => {
    const o = off + c * REC, e = rec[o + ZO_REC.err]!, s = rec[o + ZO_REC.sup]!;
    pushSums(cp.err, e);
    pushSums(cp.err2, e * e);
    pushSums(cp.sup, s);
    pushSums(cp.sup2, s * s);
    pushSums(cp.grad, rec[o + ZO_REC.grad]!);
    pushSums(cp.loss, rec[o + ZO_REC.loss]!);
  });
  for (let i = 0; i < a.d; i++) a.errSum[i] += fin[finOff + i]!;
  if (path) a.paths.push({ copy, values: Array.from(path) });
  if (flags) a.flaggedCopies++;
  a.flags |= flags;
}

export function mergeZeroOrderAcc(a: ZeroOrderAcc, b: ZeroOrderAcc): ZeroOrderAcc {
  return {
    point: a.point, d: a.d, n: a.n,
    checkpoints: a.checkpoints.map((c, i) => {
      const q = b.checkpoints[i]!;
      return {
        t: c.t, err: addSums(c.err, q.err), err2: addSums(c.err2, q.err2), sup: addSums(c.sup, q.sup),
        sup2: addSums(c.sup2, q.sup2), grad: addSums(c.grad, q.grad), loss: addSums(c.loss, q.loss),
      };
    }),
    errSum: a.errSum.map((x, i) => x + b.errSum[i]!),
    paths: [...a.paths, ...b.paths],
    flags: a.flags | b.flags,
    flaggedCopies: a.flaggedCopies + b.flaggedCopies,
  };
}

/** A root mean square with its 95 % interval (the square roots of the mean square's t interval) and the SE of its log. */
export interface RmsCI {
  value: number | null;
  ci: [number, number] | null;
  /** SE of ln(RMS) = ½·SE(mean square)/mean square (delta method), for the slope fits. */
  logSE: number | null;
}

export function rmsOf(s: Sums): RmsCI {
  const m = meanCI(s);
  if (m.mean === null) return { value: null, ci: null, logSE: null };
  const value = Math.sqrt(m.mean);
  const se = m.sd !== null ? m.sd / Math.sqrt(m.n) : null;
  return {
    value,
    ci: m.ci ? [Math.sqrt(Math.max(0, m.ci[0])), Math.sqrt(m.ci[1])] : null,
    logSE: se !== null && m.mean > 0 ? (0.5 * se) / m.mean : null,
  };
}

export interface ZeroOrderCheckpointSummary {
  t: number;
  rmsError: RmsCI;
  meanError: MeanCI;
  rmsSup: RmsCI;
  meanSup: MeanCI;
  gradNorm: MeanCI;
  loss: MeanCI;
}

export function summarizeCheckpoint(c: ZeroOrderCheckpointAcc): ZeroOrderCheckpointSummary {
  return { t: c.t, rmsError: rmsOf(c.err2), meanError: meanCI(c.err), rmsSup: rmsOf(c.sup2), meanSup: meanCI(c.sup), gradNorm: meanCI(c.grad), loss: meanCI(c.loss) };
}

/**
 * The bias of the last checkpoint from the summed error vectors: ē = Σe_r/R, ‖ē‖² − tr Ŝ/R is an unbiased
 * estimate of ‖E Zⁿ_T − Z_T‖² (tr Ŝ = (Σ‖e_r‖² − R‖ē‖²)/(R − 1)); the noise floor √(tr Ŝ/R) is ‖ē‖'s size when
 * there is no bias.
 */
export function biasOf(a: ZeroOrderAcc): { squared: number | null; meanErrorNorm: number | null; noiseFloor: number | null } {
  const last = a.checkpoints.at(-1)!, R = last.err2.n;
  if (R < 2) return { squared: null, meanErrorNorm: null, noiseFloor: null };
  const m2 = a.errSum.reduce((s, x) => s + (x / R) ** 2, 0);
  const tr = (last.err2.sum - R * m2) / (R - 1);
  return { squared: m2 - tr / R, meanErrorNorm: Math.sqrt(m2), noiseFloor: Math.sqrt(Math.max(0, tr) / R) };
}

/** Names of the set fault flags. */
export function zeroOrderFlagNames(flags: number): string[] {
  return Object.entries(ZO_FLAG).filter(([, v]) => flags & v).map(([k]) => k);
}
