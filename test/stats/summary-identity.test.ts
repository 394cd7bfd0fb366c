/**
 * The faster paths of checkpoint-stats.ts (quantiles from the occupied bins, the loops of summarizeCheckpoint and
 * mergeAccumulatorList, mergeHists adding occupied bins) give the numbers of the plain versions they replaced, bit
 * for bit: those are written out here as the reference.
 */
import { describe, expect, it } from 'vitest';
import { histPairs, histToDense, mergeHists, type SparseHist } from '../../src/stats/sparse-hist.ts';
import {
  DELTAS, H_BINS, H_HI, H_LO, H_SCALE, QUANTILE_LEVELS, accumulateTrajectory, emptyAccumulator, logGapQuantile, logGapQuantiles, mergeAccumulatorList,
  mergeMoments, sd, summarizeCheckpoint, type CheckpointAccumulator,
} from '../../src/stats/checkpoint-stats.ts';

/** The quantile as it was computed before: a scan of every bin of the dense histogram. */
function referenceQuantile(a: CheckpointAccumulator, q: number): number | null {
  if (a.n === 0) return null;
  const target = (1 - q) * a.n;
  let cum = 0, v = -Math.exp(H_HI);
  const counts = histToDense(a.hist, H_BINS);
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (c > 0 && cum + c >= target) {
      v = -Math.exp(H_LO + (i + Math.min(1, Math.max(0, (target - cum) / c))) / H_SCALE);
      break;
    }
    cum += c;
  }
  return Math.min(a.maxLogGap, Math.max(a.minLogGap, v));
}

function referenceSummary(a: CheckpointAccumulator) {
  return {
    step: a.step, trajectories: a.n, successCount: a.successCount, vertexCounts: [...a.vertexCounts],
    meanLogGap: a.n ? a.logGap.mean : null, sdLogGap: sd(a.logGap), meanGap: a.n ? a.gap.mean : null, sdGap: sd(a.gap),
    meanLogGapOnSuccess: a.logGapSuccess.n ? a.logGapSuccess.mean : null, sdLogGapOnSuccess: sd(a.logGapSuccess),
    meanGapOnSuccess: a.gapSuccess.n ? a.gapSuccess.mean : null, sdGapOnSuccess: sd(a.gapSuccess),
    logGapQuantiles: QUANTILE_LEVELS.map((q) => ({ q, value: referenceQuantile(a, q) })),
    minLogGap: a.n ? a.minLogGap : null, maxLogGap: a.n ? a.maxLogGap : null,
    belowDelta: DELTAS.map((delta, j) => ({ delta, count: a.belowDelta[j]! })),
    meanP: a.p ? a.p.map((m) => m.mean) : null, sdP: a.p ? a.p.map((m) => sd(m) ?? 0) : null,
  };
}

/** The merge as it was: a left fold, one accumulator at a time. */
function referenceMerge(list: CheckpointAccumulator[]): CheckpointAccumulator {
  let acc = list[0]!;
  const hist = mergeHists(list.map((a) => a.hist));
  for (const b of list.slice(1)) {
    acc = {
      step: acc.step, n: acc.n + b.n, successCount: acc.successCount + b.successCount,
      vertexCounts: acc.vertexCounts.map((v, i) => v + b.vertexCounts[i]!), belowDelta: acc.belowDelta.map((v, i) => v + b.belowDelta[i]!),
      hist, logGap: mergeMoments(acc.logGap, b.logGap), minLogGap: Math.min(acc.minLogGap, b.minLogGap),
      maxLogGap: Math.max(acc.maxLogGap, b.maxLogGap), gap: mergeMoments(acc.gap, b.gap),
      logGapSuccess: mergeMoments(acc.logGapSuccess, b.logGapSuccess), gapSuccess: mergeMoments(acc.gapSuccess, b.gapSuccess),
      p: acc.p && b.p ? acc.p.map((m, i) => mergeMoments(m, b.p![i]!)) : null,
    };
  }
  return acc;
}

/** A dense reference for mergeHists: every bin added. */
function referenceHistSum(list: SparseHist[]): [number, number][] {
  const dense = new Map<number, number>();
  for (const w of list) w.counts.forEach((c, i) => dense.set(w.bins[i]!, (dense.get(w.bins[i]!) ?? 0) + c));
  return [...dense].filter(([, c]) => c).sort((x, y) => x[0] - y[0]);
}

/** Accumulators of a few batches: two clusters of L far apart (few occupied bins over a wide span), a point mass, an empty one. */
function batches(): CheckpointAccumulator[][] {
  let seed = 7;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  return [0, 1, 2].map((b) => [5, 10, 15].map((step, c) => {
    const a = emptyAccumulator(step, 3);
    const n = c === 2 ? 0 : 40 + 7 * b;
    for (let t = 0; t < n; t++) {
      const fail = rand() < 0.1, L = c === 1 ? -2.5 : fail ? -1e-6 * rand() : -15 - 20 * rand();
      const p1 = 1 - Math.exp(L);
      accumulateTrajectory(a, 0, L, Math.exp(L), fail ? 1 : 0, [p1, (1 - p1) * 0.7, (1 - p1) * 0.3]);
    }
    return a;
  }));
}

describe('the faster statistics give the numbers of the plain versions', () => {
  it('quantiles and checkpoint summaries, of single batches and merged ones', () => {
    const bs = batches();
    const merged = bs[0]!.map((_, c) => mergeAccumulatorList(bs.map((b) => b[c]!)));
    for (const a of [...bs.flat(), ...merged]) {
      for (const q of [0, 0.1, 0.25, 0.5, 0.9, 1, 0.49, 0.5 * a.successCount / Math.max(1, a.n)]) {
        expect(Object.is(logGapQuantile(a, q), referenceQuantile(a, q))).toBe(true);
      }
      expect(summarizeCheckpoint(a)).toStrictEqual(referenceSummary(a));
      // several levels in one pass, in any order and repeated, as one level at a time
      const levels = [0.9, 0.1, 0.5, 0.5, 1, 0, 0.25];
      expect(logGapQuantiles(a, levels)).toStrictEqual(levels.map((q) => ({ q, value: referenceQuantile(a, q) })));
    }
  });

  it('merging in order, and adding histograms by their occupied bins', () => {
    const bs = batches();
    for (let c = 0; c < 3; c++) {
      const list = bs.map((b) => b[c]!);
      for (const part of [list, list.slice(0, 2), list.slice(1)]) {
        const m = mergeAccumulatorList(part), r = referenceMerge(part);
        expect({ ...m, hist: histPairs(m.hist) }).toStrictEqual({ ...r, hist: histPairs(r.hist) });
        expect(histPairs(m.hist)).toEqual(referenceHistSum(part.map((a) => a.hist)));
      }
    }
  });
});
