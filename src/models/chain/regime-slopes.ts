/**
 * The measured side of the asymptotic slopes near the vertex (analyze.ts): the statistics of L = log(1 − p*) per
 * checkpoint on the success event, the trailing window of checkpoints in the asymptotic regime, and a slope per block
 * of the run with its batch-means interval.
 */
import { logGapQuantile, type CheckpointAccumulator } from '../../stats/checkpoint-stats.ts';
import { asymptoticWindow, batchMeanInterval, fitLine, type MeanInterval } from '../../stats/slope.ts';

/**
 * The asymptotic regime for slopes: the statistic of log(1 − p_{i*}) is below this (1 − p_{i*} < e^{-10} ≈ 4.5e-5).
 * With e^{-5} the windows began while paths delayed near a saddle still made up a visible part of the success event,
 * and the measured slopes of E[L | success] and log E[1 − p* | success] came out 0.2–20 % shallower than the vertex
 * theory; from e^{-10} on they agree with it (success-vs-alpha-d2, every α).
 */
export const REGIME_LOG_GAP = -10;

/** Slope per step of y(acc) over the window, estimated on each block; batch-means interval across blocks. */
export function blockSlope(
  blocks: CheckpointAccumulator[][], window: number[], y: (a: CheckpointAccumulator) => number | null,
): MeanInterval | null {
  if (blocks.length < 2) return null;
  const slopes: number[] = [];
  for (const b of blocks) {
    const xs: number[] = [], ys: number[] = [];
    for (const c of window) {
      const v = y(b[c]!);
      if (v !== null && Number.isFinite(v)) { xs.push(b[c]!.step); ys.push(v); }
    }
    if (xs.length < 2) return null;
    slopes.push(fitLine(xs, ys).slope);
  }
  return batchMeanInterval(slopes);
}

export const median = (a: CheckpointAccumulator) => logGapQuantile(a, 0.5);
/**
 * Median of L = log(1 − p*) on the success event (argmax p = i*), from the histogram of all trajectories: a path with
 * argmax ≠ i* has p* < 1/2, so L > log ½, above every success path in the regime (L ≤ −5) but the rare ones still
 * near a saddle; the successes are the bottom ranks and their median is the quantile of level P̂(success)/2. The
 * median over all trajectories is instead the success quantile of level 1/(2P̂(success)): with failures it sits above
 * the success median and its slope is shallower by the diffusive spread (≈ z·σ/(2√k)), which is not the vertex rate.
 */
export const medianOnSuccess = (a: CheckpointAccumulator) => (a.successCount > 0 ? logGapQuantile(a, (0.5 * a.successCount) / a.n) : null);
export const meanLogGapSuccess = (a: CheckpointAccumulator) => (a.logGapSuccess.n > 0 ? a.logGapSuccess.mean : null);
export const logMeanGapSuccess = (a: CheckpointAccumulator) => (a.gapSuccess.n > 0 && a.gapSuccess.mean > 0 ? Math.log(a.gapSuccess.mean) : null);

/**
 * The asymptotic window of y: the trailing checkpoints (k > 0) with y ≤ REGIME_LOG_GAP (slope.ts asymptoticWindow).
 * Only that trailing run decides the window, so y is evaluated from the last checkpoint back to the first one outside
 * the regime (a histogram quantile each, for the median) and the earlier ones are left out of the regime unread.
 */
export function regimeWindow(acc: CheckpointAccumulator[], y: (c: CheckpointAccumulator) => number | null): number[] | null {
  const inRegime: boolean[] = new Array(acc.length).fill(false);
  for (let i = acc.length - 1; i >= 0; i--) {
    const c = acc[i]!;
    if (!(c.step > 0 && (y(c) ?? 0) <= REGIME_LOG_GAP)) break;
    inRegime[i] = true;
  }
  return asymptoticWindow(inRegime);
}
