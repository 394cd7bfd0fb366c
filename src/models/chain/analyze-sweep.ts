/**
 * Across a sweep over α: success probability against α with the d = 2 diffusion prediction, log P(failure) against
 * 1/α (the large-deviation check log P(failure) ≈ −c/α), and the measured asymptotic rates against theory.
 */
import type { PointResult } from './run-experiment.ts';
import { compareToInterval, notComparable, type Comparison } from '../../stats/compare.ts';
import { clopperPearson, wilson } from '../../stats/intervals.ts';
import { weightedSlope } from '../../stats/slope.ts';
import { asymptoticSlopes } from '../../theory/asymptotic-slope.ts';
import { failureProbabilityD2, largeDeviationConstantD2, successProbabilityD2 } from '../../theory/diffusion-d2.ts';
import { predictSuccessD3 } from '../../theory/diffusion-d3.ts';
import { chainLargeDeviationConstantD2 } from '../../theory/quasi-potential-d2.ts';
import type { PointSeries } from './analyze.ts';
import { scenarioFlow } from '../../theory/flow.ts';

export interface SweepSeries {
  /** P(end at vertex i) against a swept parameter other than α (gammaScale ν, switchStep K*), with the flow's limit. */
  vertexVsParameter?: { axis: 'gammaScale' | 'switchStep'; empirical: { x: number; p: number; lo: number; hi: number; series: string }[]; theory: { x: number; p: number; series: string }[] };
  successVsAlpha: {
    empirical: { alpha: number; p: number; lo: number; hi: number; series: string }[];
    theory: { alpha: number; p: number; series: string }[];
  };
  logFailure: {
    empirical: { invAlpha: number; logP: number; lo: number; hi: number; series: string }[];
    theory: { invAlpha: number; logP: number; series: string }[];
  };
  rates: {
    empirical: { alpha: number; rate: number; lo: number; hi: number; series: string }[];
    theory: { alpha: number; rate: number; series: string }[];
  };
}

/** The label of a point without its α, so that points differing only in α form one series. */
export function seriesName(p: PointResult): string {
  const rest = Object.entries(p.values).filter(([k]) => k !== 'alpha');
  if (!rest.length) return `d=${p.scenario.d}, λ=(${p.scenario.rates.join(',')})`;
  return rest.map(([k, v]) => `${k}=${Array.isArray(v) ? `(${v.join(',')})` : typeof v === 'object' ? JSON.stringify(v) : v}`).join(', ');
}

function logGrid(lo: number, hi: number, n: number): number[] {
  return Array.from({ length: n }, (_, j) => Math.exp(Math.log(lo) + ((Math.log(hi) - Math.log(lo)) * j) / (n - 1)));
}

interface SweepGroup {
  name: string;
  /** The points of the series, sorted by α, and their indices among the sweep's points. */
  pts: PointResult[];
  idx: number[];
}

/** The points of a sweep that differ only in α, as one series each (sorted by α), in the order they first appear. */
function sweepGroups(points: PointResult[]): SweepGroup[] {
  const groups = new Map<string, number[]>();
  points.forEach((p, i) => {
    const k = seriesName(p);
    groups.set(k, [...(groups.get(k) ?? []), i]);
  });
  return [...groups].map(([name, ids]) => {
    const idx = ids.sort((a, b) => points[a]!.scenario.alpha - points[b]!.scenario.alpha); // stable, as the points' sort was
    return { name, pts: idx.map((i) => points[i]!), idx };
  });
}

/** 1/α, log P̂(failure) and its delta-method sd over the points of a series with failures. */
function failurePoints(pts: PointResult[]): { fx: number[]; fy: number[]; fse: number[] } {
  const fx: number[] = [], fy: number[] = [], fse: number[] = [];
  for (const p of pts) {
    const last = p.checkpoints[p.checkpoints.length - 1]!;
    const n = last.n, f = n - last.successCount;
    if (f > 0) {
      const P = f / n;
      fx.push(1 / p.scenario.alpha);
      fy.push(Math.log(P));
      fse.push(Math.sqrt((1 - P) / (n * P))); // delta method: sd of log P̂
    }
  }
  return { fx, fy, fse };
}

/**
 * The sweep's comparisons (for the summary) and its plot series. The series (Clopper–Pearson intervals, theory curves
 * over a grid of α: up to 12 backward-equation solves for d = 3, the flows' limits) serve only the plots and CSV
 * tables, so they are computed when first read: a run without its report does not compute them.
 */
export function analyzeSweep(points: PointResult[], series: PointSeries[]): { comparisons: Comparison[]; readonly series: SweepSeries } {
  const comparisons: Comparison[] = [];
  const groups = sweepGroups(points);
  for (const { name, pts } of groups) {
    const s0 = pts[0]!.scenario;
    if (pts.length < 2 || s0.d !== 2) continue;
    // The fitted slope of log P̂(failure) on 1/α against the same fit of the diffusion's own log P(failure) at the
    // same α and weights: like for like. The α → 0 constants (diffusion c and the chain's own c from its Lundberg
    // exponent) are printed beside it; at these α the prefactor of e^{−c/α} still bends the curve.
    const nMin = Math.min(...pts.map((p) => p.checkpoints[p.checkpoints.length - 1]!.n));
    const p10 = s0.p0[s0.iStar]!;
    const c = largeDeviationConstantD2(p10, s0.noise);
    const cChain = chainLargeDeviationConstantD2(p10, s0.noise);
    const { fx, fy, fse } = failurePoints(pts);
    const fit = weightedSlope(fx, fy, fse);
    const q = `slope of log P(failure) against 1/α, ${name}`;
    if (fit) {
      const ty = fx.map((ia) => failureProbabilityD2(p10, 1 / ia, s0.noise).logP);
      const tfit = weightedSlope(fx, ty, fse)!;
      comparisons.push(compareToInterval(q, fit.slope, [fit.lo, fit.hi], tfit.slope,
        `weighted least squares over α ∈ [${Math.min(...fx.map((v) => 1 / v))}, ${Math.max(...fx.map((v) => 1 / v))}] ` +
        `(the α with failures); theory: the same fit of the d = 2 diffusion's log P(failure) at those α`, { n: nMin }));
      comparisons.push(notComparable(`large-deviation constant c (log P(failure) ≈ −c/α as α → 0), ${name}`, -fit.slope, [-fit.hi, -fit.lo], c,
        `α → 0 limits: diffusion c = ${Number(c.toPrecision(5))}, the chain's own (Lundberg) c = ${Number(cChain.toPrecision(5))}; ` +
        `the finite-α fit also carries the O(log α) prefactor, so it need not equal either`));
    } else {
      comparisons.push(notComparable(q, null, null, -c, 'fewer than three α with observed failures'));
    }
  }
  let out: SweepSeries | null = null;
  return { comparisons, get series() { return (out ??= sweepSeries(points, groups, series)); } };
}

/** The plot series of a sweep (analyzeSweep), from its points and their groups. */
function sweepSeries(points: PointResult[], groups: SweepGroup[], series: PointSeries[]): SweepSeries {
  const out: SweepSeries = {
    successVsAlpha: { empirical: [], theory: [] },
    logFailure: { empirical: [], theory: [] },
    rates: { empirical: [], theory: [] },
  };
  for (const { name, pts, idx } of groups) {
    const alphas = pts.map((p) => p.scenario.alpha);
    const s0 = pts[0]!.scenario;
    pts.forEach((p, j) => {
      const last = p.checkpoints[p.checkpoints.length - 1]!;
      const n = last.n, k = last.successCount, f = n - k;
      const [lo, hi] = wilson(k, n);
      out.successVsAlpha.empirical.push({ alpha: p.scenario.alpha, p: k / n, lo, hi, series: name });
      if (f > 0) {
        const [flo, fhi] = clopperPearson(f, n);
        out.logFailure.empirical.push({ invAlpha: 1 / p.scenario.alpha, logP: Math.log(f / n), lo: Math.log(flo), hi: Math.log(fhi), series: name });
      }
      const ms = series[idx[j]!]?.medianSlope;
      if (ms) {
        const a = p.scenario.alpha;
        out.rates.empirical.push({ alpha: a, rate: ms.mean / a, lo: ms.lo / a, hi: ms.hi / a, series: name });
      }
    });
    if (alphas.length > 1) {
      const grid = logGrid(Math.min(...alphas), Math.max(...alphas), 40);
      for (const a of grid) out.rates.theory.push({ alpha: a, rate: asymptoticSlopes(a, s0.noise).medianLogGapPerStep / a, series: name });
      // d = 3: the backward equation's P(success) at 12 α (≈ 0.1–0.3 s each, cached per α), as the curve
      const plain = !s0.correlation && !s0.schedule.length;
      if (s0.d === 3 && plain) {
        for (const a of logGrid(Math.min(...alphas), Math.max(...alphas), 12)) {
          // Only where the equation is solved: beyond MAX_D3_UNKNOWNS (very small α) the stand-in is an approximation.
          const pr = predictSuccessD3({ ...s0, alpha: a });
          if (!pr.approximate) out.successVsAlpha.theory.push({ alpha: a, p: pr.pSuccess, series: name });
        }
      }
      if (s0.d === 2) {
        const p10 = s0.p0[s0.iStar]!;
        for (const a of grid) {
          out.successVsAlpha.theory.push({ alpha: a, p: successProbabilityD2(p10, a, s0.noise), series: name });
          out.logFailure.theory.push({ invAlpha: 1 / a, logP: failureProbabilityD2(p10, a, s0.noise).logP, series: name });
        }
      }
    }
  }
  const axis = (['gammaScale', 'switchStep'] as const).find((a) => points.some((p) => a in p.values));
  if (axis) out.vertexVsParameter = vertexVsParameter(points, axis);
  return out;
}

/**
 * Vertex probabilities against ν or K*, and where the mean flow ends (scenarioFlow run to t = 200, the argmax of its
 * limit). Points that differ in anything but the axis are kept apart by their other values in the series name.
 */
function vertexVsParameter(points: PointResult[], axis: 'gammaScale' | 'switchStep'): NonNullable<SweepSeries['vertexVsParameter']> {
  const empirical: NonNullable<SweepSeries['vertexVsParameter']>['empirical'] = [];
  const theory: NonNullable<SweepSeries['vertexVsParameter']>['theory'] = [];
  for (const p of points) {
    const xv = Number(p.values[axis]);
    const last = p.checkpoints[p.checkpoints.length - 1]!;
    const rest = Object.entries(p.values).filter(([k]) => k !== axis).map(([k, v]) => `${k}=${Array.isArray(v) ? `(${v.join(',')})` : v}`).join(', ');
    last.vertexCounts.forEach((c, i) => {
      const [lo, hi] = wilson(c, last.n);
      empirical.push({ x: xv, p: c / last.n, lo, hi, series: `e${i + 1}${rest ? ` (${rest})` : ''}` });
    });
    const s = p.scenario;
    const tEnd = Math.max(200, s.alpha * s.steps);
    const lim = scenarioFlow(s, [tEnd])[0]!;
    const v = lim.indexOf(Math.max(...lim));
    lim.forEach((_, i) => theory.push({ x: xv, p: i === v ? 1 : 0, series: `e${i + 1}${rest ? ` (${rest})` : ''}` }));
  }
  const byX = (a: { x: number }, b: { x: number }) => a.x - b.x;
  return { axis, empirical: empirical.sort(byX), theory: theory.sort(byX) };
}
