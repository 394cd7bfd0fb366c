/**
 * TEST DATA ONLY. Made-up inputs of plausible shape for the report plots (closed-form curves plus deterministic
 * pseudo-random scatter). Nothing here is a simulation result of the STDP chain or a prediction of the paper.
 */
import type { LogFailureData, LogGapData, SuccessVsAlphaData, SuccessVsStepData } from '../../src/report/plots.ts';
import type { SimplexData } from '../../src/report/simplex-plot.ts';

/** mulberry32: a tiny deterministic PRNG for the made-up scatter. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gauss(u: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/** Wilson 95% interval (test-local, so the samples do not depend on src/stats). */
function wilson(k: number, n: number): [number, number] {
  const z = 1.959964, ph = k / n, z2 = z * z;
  const c = (ph + z2 / (2 * n)) / (1 + z2 / n);
  const h = (z * Math.sqrt((ph * (1 - ph)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return [Math.max(0, c - h), Math.min(1, c + h)];
}

const SERIES = [
  { name: 'rates (1, 0.8), uniform ±1', c: 0.03 },
  { name: 'rates (1, 0.9), uniform ±1', c: 0.012 },
];
const ALPHAS = [0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2];
const N = 4000;

/** Made-up success probabilities: P(fail) = ½·exp(−c/α) per series, binomial scatter with N = 4000. */
function sweep() {
  const u = prng(7);
  const emp: { alpha: number; k: number; series: string }[] = [];
  for (const s of SERIES) for (const a of ALPHAS) {
    const pf = 0.5 * Math.exp(-s.c / a);
    const mean = N * pf, sd = Math.sqrt(N * pf * (1 - pf));
    const fails = Math.max(0, Math.round(mean + sd * gauss(u)));
    emp.push({ alpha: a, k: N - fails, series: s.name });
  }
  const theoryAlphas = Array.from({ length: 60 }, (_, i) => Math.exp(Math.log(0.004) + (i / 59) * Math.log(0.25 / 0.004)));
  return { emp, theoryAlphas };
}

export function successVsAlphaSample(): SuccessVsAlphaData {
  const { emp, theoryAlphas } = sweep();
  return {
    empirical: emp.map((e) => {
      const [lo, hi] = wilson(e.k, N);
      return { alpha: e.alpha, p: e.k / N, lo, hi, series: e.series };
    }),
    theory: SERIES.flatMap((s) => theoryAlphas.map((a) => ({ alpha: a, p: 1 - 0.5 * Math.exp(-s.c / a), series: s.name }))),
  };
}

export function logFailureSample(): LogFailureData {
  const { emp } = sweep();
  return {
    empirical: emp
      .filter((e) => e.k < N) // the caller drops α with no observed failure
      .map((e) => {
        const f = N - e.k;
        const [lo, hi] = wilson(f, N);
        return { invAlpha: 1 / e.alpha, logP: Math.log(f / N), lo: Math.log(Math.max(lo, 1e-6)), hi: Math.log(hi), series: e.series };
      }),
    theory: SERIES.flatMap((s) => Array.from({ length: 42 }, (_, i) => 4 + 5 * i).map((ia) => ({ invAlpha: ia, logP: Math.log(0.5) - s.c * ia, series: s.name }))),
  };
}

/** Made-up log-gap curves: a logistic flow from 1 − p*(0) = 0.6 at rate 0.8, a median a little behind it. */
export function logGapSample(): LogGapData {
  const u = prng(11);
  const g0 = 0.6, r = 0.8;
  const flowAt = (t: number) => Math.log((g0 * Math.exp(-r * t)) / (1 - g0 + g0 * Math.exp(-r * t)));
  const ts = Array.from({ length: 61 }, (_, i) => i * 0.2);
  const bands = ts.map((t) => {
    const median = flowAt(t) + 0.06 * t + 0.03 * gauss(u);
    const w = 0.25 + 0.11 * t;
    return { t, median, q10: median - 1.25 * w, q90: median + w };
  });
  const meanOnSuccess = ts.map((t) => ({ t, value: flowAt(t) + 0.15 + 0.09 * t + 0.02 * gauss(u) }));
  const flow = ts.map((t) => ({ t, value: flowAt(t) }));
  const m0 = bands[30]!, e0 = meanOnSuccess[30]!;
  const slopes = [
    { t: 6, value: m0.median, label: 'theory slope of the median (−r per step)' },
    { t: 12, value: m0.median - 0.8 * 6, label: 'theory slope of the median (−r per step)' },
    { t: 6, value: e0.value, label: 'theory slope of log E[1 − p* | success]' },
    { t: 12, value: e0.value - 0.62 * 6, label: 'theory slope of log E[1 − p* | success]' },
  ];
  return { bands, meanOnSuccess, flow, slopes };
}

/**
 * Made-up d = 3 paths: multiplicative noisy updates w_i ← w_i·exp(α(r_i + ξ_i)) with rates (1, 0.9, 0.8) from
 * p(0) = (0.4, 0.33, 0.27); the noiseless update stands in for the flow.
 */
export function simplexSample(nPaths = 40, steps = 600, groups?: string[]): SimplexData {
  const u = prng(23);
  const rates = [1, 0.9, 0.8], alpha = 0.02, half = 2.5;
  const p0: [number, number, number] = [0.4, 0.33, 0.27];
  const paths: SimplexData['paths'] = [];
  for (let id = 0; id < nPaths; id++) {
    let w = [...p0];
    const group = groups ? groups[id % groups.length] : undefined;
    for (let k = 0; k <= steps; k++) {
      const s = w[0]! + w[1]! + w[2]!;
      const p: [number, number, number] = [w[0]! / s, w[1]! / s, w[2]! / s];
      paths.push(group === undefined ? { id, step: k, p } : { id, step: k, p, group });
      w = p.map((pi, i) => pi * Math.exp(alpha * (rates[i]! + half * (2 * u() - 1))));
    }
  }
  const flowPaths: NonNullable<SimplexData['flowPaths']> = [];
  let w = [...p0];
  for (let k = 0; k <= steps; k++) {
    const s = w[0]! + w[1]! + w[2]!;
    const p: [number, number, number] = [w[0]! / s, w[1]! / s, w[2]! / s];
    flowPaths.push({ id: 0, t: alpha * k, p });
    w = p.map((pi, i) => pi * Math.exp(alpha * rates[i]!));
  }
  return { paths, flowPaths };
}

/** Made-up success fraction against steps: rises from 0.42 to a plateau near 0.86, Wilson intervals, N = 2000. */
export function successVsStepSample(withSeries = false): SuccessVsStepData {
  const u = prng(31);
  const n = 2000;
  const steps = Array.from({ length: 25 }, (_, i) => Math.round(Math.pow(10, (4 * i) / 24)));
  const out: SuccessVsStepData = [];
  const variants = withSeries ? [{ name: 'α = 0.01', plateau: 0.93, tau: 3000 }, { name: 'α = 0.05', plateau: 0.86, tau: 600 }] : [{ name: '', plateau: 0.86, tau: 600 }];
  for (const v of variants) for (const step of [...new Set(steps)]) {
    const p = 0.42 + (v.plateau - 0.42) * (1 - Math.exp(-step / v.tau));
    const k = Math.min(n, Math.max(0, Math.round(n * p + Math.sqrt(n * p * (1 - p)) * gauss(u))));
    const [lo, hi] = wilson(k, n);
    out.push(withSeries ? { step, p: k / n, lo, hi, series: v.name } : { step, p: k / n, lo, hi });
  }
  return out;
}
