/**
 * Theory beside the Monte Carlo for one grid point: the predictions of src/theory evaluated for the scenario, the
 * empirical estimates with their intervals, a verdict per row, and the data series the plots draw.
 */
import type { ResolvedScenario } from '../model/scenario.ts';
import type { PointResult } from '../orchestrator/run-experiment.ts';
import type { PointAnalysis } from '../orchestrator/summary.ts';
import { logGapQuantile, type CheckpointAccumulator } from '../stats/checkpoint-stats.ts';
import { compareToInterval, notComparable, type Comparison } from '../stats/compare.ts';
import { wilson } from '../stats/intervals.ts';
import { asymptoticWindow, batchMeanInterval, fitLine, type MeanInterval } from '../stats/slope.ts';
import { asymptoticSlopes } from '../theory/asymptotic-slope.ts';
import { failureProbabilityD2, largeDeviationConstantD2, successProbabilityD2 } from '../theory/diffusion-d2.ts';
import { flowBound, integrateFlow } from '../theory/flow.ts';
import { theorem22Rate } from '../theory/theorem22.ts';

/** The asymptotic regime for slopes: the statistic of log(1 − p_{i*}) is below this (1 − p_{i*} < e^{-5} ≈ 0.7 %). */
export const REGIME_LOG_GAP = -5;

export interface PointSeries {
  logGap: {
    bands: { t: number; median: number; q10: number; q90: number }[];
    meanOnSuccess: { t: number; value: number }[];
    flow: { t: number; value: number }[];
    slopes: { t: number; value: number; label: string }[];
  };
  successVsStep: { step: number; p: number; lo: number; hi: number }[];
  simplex?: {
    paths: { id: number; step: number; p: [number, number, number] }[];
    flowPaths: { id: number; t: number; p: [number, number, number] }[];
  };
  /** Measured slopes per step with batch-means intervals (null where the regime is not reached). */
  medianSlope: MeanInterval | null;
  meanGapSlope: MeanInterval | null;
}

/** log(1 − p_{i*}) of a probability vector without cancellation: log Σ_{j≠i*} p_j. */
export function logGapOf(p: number[], iStar: number): number {
  let s = 0;
  for (let j = 0; j < p.length; j++) if (j !== iStar) s += p[j]!;
  return Math.log(s);
}

/** Slope per step of y(acc) over the window, estimated on each block; batch-means interval across blocks. */
function blockSlope(
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

const median = (a: CheckpointAccumulator) => logGapQuantile(a, 0.5);
const logMeanGapSuccess = (a: CheckpointAccumulator) => (a.gapSuccess.n > 0 && a.gapSuccess.mean > 0 ? Math.log(a.gapSuccess.mean) : null);

function fmt(v: number): string {
  return Number(v.toPrecision(4)).toString();
}

export function flowAt(s: ResolvedScenario, times: number[]): number[][] {
  return integrateFlow(s.p0, times);
}

export function analyzePoint(pt: PointResult): { analysis: PointAnalysis; series: PointSeries } {
  const s = pt.scenario;
  const acc = pt.checkpoints;
  const last = acc[acc.length - 1]!;
  const n = last.n;
  const a = s.alpha;
  const T = a * s.steps;
  const iStar = s.iStar;
  const others = s.p0.filter((_, i) => i !== iStar);
  const delta = s.p0[iStar]! - Math.max(...others);
  const comparisons: Comparison[] = [];
  const theory: Record<string, unknown> = { t: T, delta };

  // ---- success probability (d = 2: diffusion approximation of the log-odds chain) ----
  const ci = wilson(last.successCount, n);
  const pHat = last.successCount / n;
  if (s.d === 2) {
    const pTheory = successProbabilityD2(s.p0[iStar]!, a, s.noise);
    const fail = failureProbabilityD2(s.p0[iStar]!, a, s.noise);
    const c = largeDeviationConstantD2(s.p0[iStar]!, s.noise);
    Object.assign(theory, { successProbabilityD2: pTheory, logFailureD2: fail.logP, largeDeviationC: c });
    // The diffusion predicts the probability of absorption at e_{i*}; it applies once the chain has decided.
    const decided = (last.belowDelta[0]! + (n - last.successCount)) / n;
    const q = `P(argmax p(K) = i*), d = 2 diffusion approximation`;
    if (decided < 0.99) {
      comparisons.push(notComparable(q, pHat, ci, pTheory,
        `only ${(100 * decided).toFixed(1)}% of trajectories have decided by step K (1 − p* < 0.01 or argmax ≠ i*): run longer`));
    } else {
      comparisons.push(compareToInterval(q, pHat, ci, pTheory, `Wilson 95% interval over ${n} trajectories`));
    }
  }

  // ---- asymptotic slopes near the vertex ----
  const slopes = asymptoticSlopes(a, s.noise);
  Object.assign(theory, {
    asymptoticSlopeMedianLogGapPerStep: slopes.medianLogGapPerStep,
    asymptoticSlopeLogMeanGapPerStep: slopes.meanGapLogPerStep,
  });
  const medWindow = asymptoticWindow(acc.map((c) => c.step > 0 && (median(c) ?? 0) <= REGIME_LOG_GAP));
  const meanWindow = asymptoticWindow(acc.map((c) => c.step > 0 && (logMeanGapSuccess(c) ?? 0) <= REGIME_LOG_GAP));
  const medianSlope = medWindow ? blockSlope(pt.blocks, medWindow, median) : null;
  const meanGapSlope = meanWindow ? blockSlope(pt.blocks, meanWindow, logMeanGapSuccess) : null;
  const q1 = 'slope of the median of log(1 − p*) per step';
  if (medianSlope) {
    comparisons.push(compareToInterval(q1, medianSlope.mean, [medianSlope.lo, medianSlope.hi], slopes.medianLogGapPerStep,
      `steps ${acc[medWindow![0]!]!.step}–${last.step}; −r = −(E log(1+α(1+Z)) − E log(1+αZ')); batch means over ${medianSlope.batches} blocks`));
  } else {
    comparisons.push(notComparable(q1, null, null, slopes.medianLogGapPerStep,
      `the asymptotic regime (median 1 − p* < e^${REGIME_LOG_GAP} at ≥ 3 trailing checkpoints) is not reached by step K`));
  }
  const q2 = 'slope of log E[1 − p* | success] per step';
  if (meanGapSlope) {
    comparisons.push(compareToInterval(q2, meanGapSlope.mean, [meanGapSlope.lo, meanGapSlope.hi], slopes.meanGapLogPerStep,
      `steps ${acc[meanWindow![0]!]!.step}–${last.step}; log E[1/(1+α(1+Z))]; success = argmax p = i* at each checkpoint`));
  } else {
    comparisons.push(notComparable(q2, null, null, slopes.meanGapLogPerStep,
      `the mean of 1 − p* on the success event does not fall below e^${REGIME_LOG_GAP} at ≥ 3 trailing checkpoints`));
  }

  // ---- the paper's Theorem 2.2 (reconstructed contraction factor): a rate bound, not an estimate ----
  const th = theorem22Rate(s.p0);
  theory.theorem22 = { ratePerUnitTime: th.ratePerUnitTime, perStepFactor: th.perStepFactor(a), delta: th.delta, note: th.note };
  comparisons.push(notComparable(
    'decay rate of E[1 − p* | success] per unit time (αk), against Theorem 2.2',
    meanGapSlope ? meanGapSlope.mean / a : null,
    meanGapSlope ? [meanGapSlope.lo / a, meanGapSlope.hi / a] : null,
    -th.ratePerUnitTime,
    `Theorem 2.2's per-step factor 1 − α(Δ/(4d))(1 + (d−1)Δ/2), grouping reconstructed (MODEL-NOTES); a bound on the ` +
      `rate, valid under a learning-rate condition and on an event of probability ≥ 1 − ε/2 that are not available to us` +
      (meanGapSlope ? `; measured decay is ${meanGapSlope.hi / a <= -th.ratePerUnitTime ? 'at least as fast as' : 'slower than'} the bound's rate` : ''),
  ));

  // ---- the flow: its derived bound, and the ensemble mean against it ----
  const fb = flowBound(s.p0, T);
  theory.flowBound = { t: T, bound: fb.bound, delta: fb.delta };
  const medFinal = median(last);
  comparisons.push(notComparable('log(1 − p*) at t = αK against the flow bound', medFinal, null, Math.log(fb.bound),
    `derived bound for the replicator flow (1 − p*(t) ≤ (1 − p*(0)) e^{−p*(0) Δ t}, src/theory/flow.ts), not for the chain; empirical value is the median`));
  const flowTimes = [1, 2, 3].map((j) => Math.round((j * s.steps) / 3)).filter((k, j, arr) => k > 0 && arr.indexOf(k) === j);
  const cpIdx = flowTimes.map((k) => acc.findIndex((c) => c.step >= k)).filter((i, j, arr) => i >= 0 && arr.indexOf(i) === j);
  const flowAtCp = flowAt(s, cpIdx.map((i) => a * acc[i]!.step));
  cpIdx.forEach((i, j) => {
    const c = acc[i]!;
    if (!c.p) return;
    const m = c.p[iStar]!;
    const se = Math.sqrt(m.m2 / Math.max(1, m.n - 1) / m.n);
    comparisons.push(compareToInterval(`mean p*(k) at t = αk = ${fmt(a * c.step)}`, m.mean, [m.mean - 1.96 * se, m.mean + 1.96 * se],
      flowAtCp[j]![iStar]!, `replicator flow (Eq. 9); the chain's mean differs from it by O(α) (here α = ${a})`));
  });

  // ---- plot series ----
  const bands = acc.map((c) => ({ t: a * c.step, median: median(c)!, q10: logGapQuantile(c, 0.1)!, q90: logGapQuantile(c, 0.9)! }));
  const meanOnSuccess = acc.flatMap((c) => {
    const v = logMeanGapSuccess(c);
    return v === null ? [] : [{ t: a * c.step, value: v }];
  });
  const fineT = Array.from({ length: 201 }, (_, j) => (j * T) / 200);
  const fineFlow = flowAt(s, fineT);
  const flow = fineFlow.map((p, j) => ({ t: fineT[j]!, value: logGapOf(p, iStar) })).filter((r) => Number.isFinite(r.value));
  const slopeLines: PointSeries['logGap']['slopes'] = [];
  const addLine = (w: number[] | null, y: (c: CheckpointAccumulator) => number | null, perStep: number, label: string) => {
    if (!w) return;
    const c0 = acc[w[0]!]!, y0 = y(c0);
    if (y0 === null) return;
    for (const k of [c0.step, last.step]) slopeLines.push({ t: a * k, value: y0 + perStep * (k - c0.step), label });
  };
  addLine(medWindow, median, slopes.medianLogGapPerStep, 'theory slope of the median (−r per step)');
  addLine(meanWindow, logMeanGapSuccess, slopes.meanGapLogPerStep, 'theory slope of log E[1 − p* | success]');
  const successVsStep = acc.map((c) => {
    const [lo, hi] = wilson(c.successCount, c.n);
    return { step: c.step, p: c.successCount / c.n, lo, hi };
  });
  let simplex: PointSeries['simplex'];
  if (s.d === 3 && pt.paths?.length) {
    const paths = pt.paths.flatMap((path, id) => path.map((p, c) => ({ id, step: acc[c]!.step, p: p as [number, number, number] })));
    const flowPaths = fineFlow.map((p, j) => ({ id: 0, t: fineT[j]!, p: p as [number, number, number] }));
    simplex = { paths, flowPaths };
  }
  return {
    analysis: { theory, comparisons },
    series: { logGap: { bands, meanOnSuccess, flow, slopes: slopeLines }, successVsStep, simplex, medianSlope, meanGapSlope },
  };
}
