/**
 * Statistics of the Hebbian-alignment model (arXiv 2505.18069), mergeable across batches and shards.
 *
 * Per copy and checkpoint the engines return REC numbers (HEBBIAN_REC), each averaged over the checkpoint's window
 * of steps: per layer the inner product ⟨S, H⟩ of the learning signal and the Hebbian direction and their cosine;
 * the batch loss; for a linear student and teacher the conditional expectation E[⟨S, H⟩ | v] (theory (A) of
 * src/models/hebbian/theory.ts, evaluated at the copy's own weights); ‖v‖² at the checkpoint. Copies are
 * independent, so intervals are mean ± t_{n−1}·sd/√n across copies; the fraction of copies with a positive cosine
 * has a Wilson interval.
 */
import { wilson } from '../../stats/intervals.ts';
import { addSums, emptySums, meanCI, pushSums, type MeanCI, type Sums } from '../../stats/running-sums.ts';

export const REC = 10;
/**
 * Offsets in a per-copy checkpoint record (layer 2 entries are 0 for the linear student); wcos1, wcos2: the cosine of
 * the learning signal and the Hebbian direction each summed over the checkpoint's last sumWindow steps (not averaged).
 */
export const HEBBIAN_REC = { ip1: 0, cos1: 1, ip2: 2, cos2: 3, loss: 4, cond: 5, vnorm2: 6, wcos1: 7, wcos2: 8 } as const;

export const HEBBIAN_FLAG = {
  nonFinite: 1, // NaN or ±Inf in the weights
} as const;

/** Per-copy raw output of an engine: grid points `points`, copies [0, n) of a batch, C checkpoints. */
export interface HebbianCopyData {
  points: number[];
  n: number;
  checkpoints: number;
  /** [((point · n + copy) · C + c) · REC + k]. */
  rec: Float64Array | Float32Array;
  /** [point · n + copy]. */
  flags: Uint32Array;
}

export interface HebbianCheckpointAcc {
  step: number;
  /** wcos: the window-summed cosine cos(Σ S, Σ H) over sumWindow steps. */
  layers: { ip: Sums; cos: Sums; positive: number; wcos: Sums }[];
  loss: Sums;
  /** Conditional theory E[⟨S, H⟩ | v] (linear student and teacher), and the paired difference measured − theory. */
  cond: Sums;
  diff: Sums;
  vnorm2: Sums;
}

export interface HebbianAccumulator {
  window: number;
  points: { sigma: number; gamma: number; checkpoints: HebbianCheckpointAcc[]; flags: number; flaggedCopies: number }[];
}

export function emptyHebbianAccumulator(
  grid: { sigma: number; gamma: number }[], checkpoints: number[], layers: number, window: number,
): HebbianAccumulator {
  return {
    window,
    points: grid.map(({ sigma, gamma }) => ({
      sigma, gamma, flags: 0, flaggedCopies: 0,
      checkpoints: checkpoints.map((step) => ({
        step,
        layers: Array.from({ length: layers }, () => ({ ip: emptySums(), cos: emptySums(), positive: 0, wcos: emptySums() })),
        loss: emptySums(), cond: emptySums(), diff: emptySums(), vnorm2: emptySums(),
      })),
    })),
  };
}

/**
 * Fold one copy's C checkpoint records (rec[off + c·REC + k]) and its fault flags into its grid point's accumulator.
 * The engines call this copy by copy in copy order, so every running sum sees the same additions in the same order
 * as a fold of the whole per-copy table (accumulateHebbian) would.
 */
export function accumulateCopy(pt: HebbianAccumulator['points'][number], rec: ArrayLike<number>, off: number, C: number, flags: number): void {
  for (let c = 0; c < C; c++) {
    const o = off + c * REC, cp = pt.checkpoints[c]!;
    cp.layers.forEach((l, li) => {
      pushSums(l.ip, rec[o + HEBBIAN_REC.ip1 + 2 * li]!);
      const cs = rec[o + HEBBIAN_REC.cos1 + 2 * li]!;
      pushSums(l.cos, cs);
      if (cs > 0) l.positive++;
      pushSums(l.wcos, rec[o + HEBBIAN_REC.wcos1 + li]!);
    });
    pushSums(cp.loss, rec[o + HEBBIAN_REC.loss]!);
    pushSums(cp.cond, rec[o + HEBBIAN_REC.cond]!);
    pushSums(cp.diff, rec[o + HEBBIAN_REC.ip1]! - rec[o + HEBBIAN_REC.cond]!);
    pushSums(cp.vnorm2, rec[o + HEBBIAN_REC.vnorm2]!);
  }
  if (flags) pt.flaggedCopies++;
  pt.flags |= flags;
}

/** Fold a table of per-copy data into the accumulator (grid point by grid point, copies in order). */
export function accumulateHebbian(a: HebbianAccumulator, d: HebbianCopyData): void {
  const C = d.checkpoints;
  d.points.forEach((g, gi) => {
    const pt = a.points[g]!;
    for (let t = 0; t < d.n; t++) {
      const row = gi * d.n + t;
      accumulateCopy(pt, d.rec, row * C * REC, C, d.flags[row]!);
    }
  });
}

export function mergeHebbianAccumulators(a: HebbianAccumulator, b: HebbianAccumulator): HebbianAccumulator {
  return {
    window: a.window,
    points: a.points.map((p, g) => {
      const q = b.points[g]!;
      return {
        ...p, flags: p.flags | q.flags, flaggedCopies: p.flaggedCopies + q.flaggedCopies,
        checkpoints: p.checkpoints.map((c, i) => {
          const d = q.checkpoints[i]!;
          return {
            step: c.step,
            layers: c.layers.map((l, li) => ({
              ip: addSums(l.ip, d.layers[li]!.ip), cos: addSums(l.cos, d.layers[li]!.cos), positive: l.positive + d.layers[li]!.positive,
              wcos: addSums(l.wcos, d.layers[li]!.wcos),
            })),
            loss: addSums(c.loss, d.loss), cond: addSums(c.cond, d.cond), diff: addSums(c.diff, d.diff), vnorm2: addSums(c.vnorm2, d.vnorm2),
          };
        }),
      };
    }),
  };
}

export interface HebbianLayerSummary {
  innerProduct: MeanCI;
  cosine: MeanCI;
  /** cos(Σ S, Σ H) over the checkpoint's last sumWindow steps, mean over copies. */
  windowCosine: MeanCI;
  fractionPositive: { p: number | null; ci: [number, number] | null };
}

export interface HebbianPointSummary {
  sigma: number;
  gamma: number;
  copies: number;
  checkpoints: {
    step: number;
    layers: HebbianLayerSummary[];
    loss: MeanCI;
    /** Mean of the conditional theory at the copies' weights, and of measured − theory (paired, per copy). */
    conditionalTheory: MeanCI;
    measuredMinusConditional: MeanCI;
    weightNorm2: MeanCI;
  }[];
  flags: number;
  flaggedCopies: number;
}

export function summarizeHebbian(a: HebbianAccumulator): HebbianPointSummary[] {
  return a.points.map((p) => ({
    sigma: p.sigma,
    gamma: p.gamma,
    copies: p.checkpoints[0]?.loss.n ?? 0,
    checkpoints: p.checkpoints.map((c) => ({
      step: c.step,
      layers: c.layers.map((l) => ({
        innerProduct: meanCI(l.ip),
        cosine: meanCI(l.cos),
        windowCosine: meanCI(l.wcos),
        fractionPositive: l.cos.n > 0 ? { p: l.positive / l.cos.n, ci: wilson(l.positive, l.cos.n) } : { p: null, ci: null },
      })),
      loss: meanCI(c.loss),
      conditionalTheory: meanCI(c.cond),
      measuredMinusConditional: meanCI(c.diff),
      weightNorm2: meanCI(c.vnorm2),
    })),
    flags: p.flags,
    flaggedCopies: p.flaggedCopies,
  }));
}

/** Names of the set fault flags. */
export function hebbianFlagNames(flags: number): string[] {
  return Object.entries(HEBBIAN_FLAG).filter(([, v]) => flags & v).map(([k]) => k);
}
