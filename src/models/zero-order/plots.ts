/**
 * Plot specs (vega-lite) of a zero-order run: the RMS sup-error against n per d with the pooled fit (slope −½
 * expected); √n·RMS of the terminal error against d per n with MODEL-NOTES' H = I formula; sample paths of θ₁ beside
 * the flow; the RMS error along t with the exact H = I mean square.
 */
import { PALETTE, header, logTickValues, seriesColor } from '../../report/plot-theme.ts';
import type { PlotJob } from '../../report/files.ts';
import { flowAt } from './flow.ts';
import { zeroOrderPoint } from './point.ts';
import type { ResolvedZeroOrderScenario } from './scenario.ts';
import type { ZeroOrderAcc } from './stats.ts';
import type { Convergence, PointSummary } from './summary.ts';

const fmt = (v: number | null | undefined, d = 3) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : Number(v.toPrecision(d)).toString());
const slopeText = (f: { value: number; ci95: [number, number] } | null) => (f ? `${fmt(f.value)} [${fmt(f.ci95[0])}, ${fmt(f.ci95[1])}]` : 'not fitted');
/**
 * A log axis labelled at given values (vega's own ticks where there are none): the grid's own n or d on x (the points
 * sit on them), 1-2-5 × 10^k on y. Across decades vega's log ticks are every 1…9 × 10^k, and hiding the overlapping
 * labels dropped decades (1000, 0.1 beside 0.09), the top label (0.2) and the last grid value (d = 80).
 */
const logAxis = (field: string, title: string, values: number[]) => ({
  field, type: 'quantitative', title, scale: { type: 'log', nice: false, padding: 12 }, axis: { format: '~g', ...(values.length ? { values } : {}) },
});

/**
 * Ticks 1-2-5 × 10^k over the positive, finite values when they span a decade or more; none (vega's own, linear steps
 * such as 1.4, 1.8, 2.2) within a decade, where 1-2-5 would leave two or three labels.
 */
function logTicksOver(values: (number | null | undefined)[]): number[] {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x) && x > 0);
  if (!v.length) return [];
  const lo = Math.min(...v), hi = Math.max(...v);
  return hi >= 10 * lo ? logTickValues(lo, hi) : [];
}

/** The distinct values of a grid axis, increasing. */
const gridValues = (xs: number[]) => [...new Set(xs)].sort((a, b) => a - b);

function errorBars(rows: object[], x: string, xTitle: string, xValues: number[], y: string, title: string, yValues: number[], domain: string[]) {
  return [
    { data: { values: rows }, mark: { type: 'rule' }, encoding: { x: logAxis(x, xTitle, xValues), y: { ...logAxis('lo', title, yValues) }, y2: { field: 'hi' }, color: seriesColor(domain) } },
    { data: { values: rows }, mark: { type: 'point', filled: true, size: 50 }, encoding: { x: logAxis(x, xTitle, xValues), y: logAxis(y, title, yValues), color: seriesColor(domain) } },
  ];
}

export function zeroOrderPlots(s: ResolvedZeroOrderScenario, points: PointSummary[], accs: ZeroOrderAcc[], conv: Convergence): PlotJob[] {
  const jobs: PlotJob[] = [];
  const dDomain = [...new Set(points.map((p) => `d = ${p.d}`))];
  // 1. RMS sup-error against n, per d, with the pooled fit a_d + s·ln n
  const supRows = points.filter((p) => p.terminal.rmsSup.value !== null).map((p) => ({
    n: p.n, y: p.terminal.rmsSup.value, lo: p.terminal.rmsSup.ci?.[0] ?? p.terminal.rmsSup.value, hi: p.terminal.rmsSup.ci?.[1] ?? p.terminal.rmsSup.value, series: `d = ${p.d}`,
  }));
  const fitRows = conv.slopeInN ? points.map((p) => ({ n: p.n, y: Math.exp((conv.intercepts.supInN[`d = ${p.d}`] ?? NaN) + conv.slopeInN!.value * Math.log(p.n)), series: `d = ${p.d}` })).filter((r) => Number.isFinite(r.y)) : [];
  const nTicks = gridValues(supRows.map((r) => r.n));
  const supTicks = logTicksOver([...supRows.flatMap((r) => [r.y, r.lo, r.hi]), ...fitRows.map((r) => r.y)]);
  jobs.push({
    name: 'rms-sup-vs-n', title: 'RMS sup-error against n',
    caption: `√(E sup over t ≤ T of ‖Zⁿ_t − Z_t‖²) per (d, n) with 95 % intervals; dashed: the pooled fit, one intercept per d, common slope ${slopeText(conv.slopeInN)} (stated rate: −½).`,
    spec: {
      ...header('RMS of sup over t of ‖Zⁿ(t) − Z(t)‖ against n', [`pooled slope ${slopeText(conv.slopeInN)} (−½ expected); ${s.trajectories} replicates per point`]),
      layer: [
        ...errorBars(supRows, 'n', 'updates per opportunity n', nTicks, 'y', 'RMS sup-error', supTicks, dDomain),
        { data: { values: fitRows }, mark: { type: 'line', strokeDash: [6, 3] }, encoding: { x: logAxis('n', 'updates per opportunity n', nTicks), y: logAxis('y', 'RMS sup-error', supTicks), color: seriesColor(dDomain) } },
      ],
    },
  });
  // 2. √n·RMS terminal error against d, per n, with the H = I leading-order formula
  const nDomain = [...new Set(points.map((p) => `n = ${p.n}`))];
  const termRows = points.filter((p) => p.terminal.rmsError.value !== null).map((p) => {
    const r = p.terminal.rmsError, k = Math.sqrt(p.n);
    return { d: p.d, y: k * r.value!, lo: k * (r.ci?.[0] ?? r.value!), hi: k * (r.ci?.[1] ?? r.value!), series: `n = ${p.n}` };
  });
  const ds = [...new Set(points.map((p) => p.d))].sort((a, b) => a - b);
  const formula: { d: number; y: number }[] = [];
  if (points[0]?.terminal.leadingOrderRms !== null && ds.length) {
    for (let k = 0; k <= 60; k++) {
      const d = ds[0]! * (ds.at(-1)! / ds[0]!) ** (k / 60);
      const c = s.clock === 'poisson' ? (d - 1) / 9 + 1 / 5 : (d + 1) / 9 - 2 / 15;
      const nu = s.clock === 'poisson' ? s.rate : 1;
      formula.push({ d, y: 2 * s.alpha * s.A * s.A * Math.exp(-s.kappa * s.totalTime) * Math.sqrt((s.totalTime * c) / nu) * (s.loss.kind === 'quadratic' ? s.loss.distance : 1) });
    }
  }
  const dTicks = gridValues(termRows.map((r) => r.d));
  const termTicks = logTicksOver([...termRows.flatMap((r) => [r.y, r.lo, r.hi]), ...formula.map((r) => r.y)]);
  jobs.push({
    name: 'rms-vs-d', title: '√n · RMS error against d',
    caption: `√n·√E‖Zⁿ_T − Z_T‖² per (d, n) with 95 % intervals; pooled slope in d ${slopeText(conv.slopeInD)} (stated: ½)` +
      (formula.length ? '; black: MODEL-NOTES\' H = I formula 2αA²e^{−κT}√(T((d+1)/9 − 2/15)) (leading order in 1/n).' : '.'),
    spec: {
      ...header('√n · RMS ‖Zⁿ(T) − Z(T)‖ against d', [`pooled slope ${slopeText(conv.slopeInD)} (½ expected)`]),
      layer: [
        ...errorBars(termRows, 'd', 'edges d', dTicks, 'y', '√n · RMS error', termTicks, nDomain),
        ...(formula.length ? [{ data: { values: formula }, mark: { type: 'line', color: '#000' }, encoding: { x: logAxis('d', 'edges d', dTicks), y: logAxis('y', '√n · RMS error', termTicks) } }] : []),
      ],
    },
  });
  // 3. sample paths of θ₁ beside the flow: the smallest d, its smallest and largest n
  const d0 = ds[0], pick = points.map((p, i) => ({ p, i })).filter((x) => x.p.d === d0);
  const shown = pick.length > 1 ? [pick[0]!, pick.at(-1)!] : pick;
  const pathRows: object[] = [], flowRows: object[] = [];
  for (const { p, i } of shown) {
    const pt = zeroOrderPoint(s, i), z = new Float64Array(pt.d);
    accs[i]!.paths.forEach((q) => q.values.forEach((v, k) => pathRows.push({ t: pt.pathT[k], v, series: `n = ${p.n}`, copy: q.copy })));
    if (shown[0]!.i === i) {
      for (let k = 0; k < pt.pathT.length; k++) {
        flowAt(pt.flow, pt.d, pt.n, pt.N, pt.pathT[k]!, z);
        flowRows.push({ t: pt.pathT[k], v: z[0] });
      }
    }
  }
  if (pathRows.length) {
    const domain = shown.map(({ p }) => `n = ${p.n}`);
    jobs.push({
      name: 'sample-paths', title: 'Sample paths beside the flow',
      caption: `Coordinate θ₁ of Zⁿ_t for the first ${s.paths} replicates at d = ${d0} (piecewise constant between updates), and the flow Z_t (black).`,
      spec: {
        ...header('Sample paths of Zⁿ(t) (coordinate 1) and the flow', [`d = ${d0}; ${domain.join(' and ')}`]),
        layer: [
          { data: { values: pathRows }, mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1, opacity: 0.8 }, encoding: { x: { field: 't', type: 'quantitative', title: 't' }, y: { field: 'v', type: 'quantitative', title: 'θ₁', scale: { zero: false } }, color: seriesColor(domain), detail: { field: 'copy' } } },
          { data: { values: flowRows }, mark: { type: 'line', color: '#000', strokeWidth: 2.5 }, encoding: { x: { field: 't', type: 'quantitative' }, y: { field: 'v', type: 'quantitative' } } },
        ],
      },
    });
  }
  // 4. RMS error along t for the d with the most n values, exact H = I theory dashed
  const counts = ds.map((d) => points.filter((p) => p.d === d).length);
  const dBest = ds[counts.indexOf(Math.max(...counts))];
  const along = points.filter((p) => p.d === dBest);
  const tRows = along.flatMap((p) => p.checkpoints.map((c) => ({ t: c.t, y: c.rmsError.value, lo: c.rmsError.ci?.[0], hi: c.rmsError.ci?.[1], exact: c.exactRms, series: `n = ${p.n}` })));
  const tDomain = along.map((p) => `n = ${p.n}`);
  jobs.push({
    name: 'error-vs-time', title: 'RMS error along the opportunity',
    caption: `√E‖Zⁿ_t − Z_t‖² against t at d = ${dBest} with 95 % intervals` + (along[0]?.checkpoints[0]?.exactRms !== null ? '; dashed: the exact H = I mean square (theory.ts).' : '.'),
    spec: {
      ...header('RMS ‖Zⁿ(t) − Z(t)‖ along t', [`d = ${dBest}`]),
      layer: [
        { data: { values: tRows }, mark: { type: 'area', opacity: 0.15 }, encoding: { x: { field: 't', type: 'quantitative', title: 't' }, y: { field: 'lo', type: 'quantitative', title: 'RMS error', scale: { type: 'log' } }, y2: { field: 'hi' }, color: seriesColor(tDomain) } },
        { data: { values: tRows }, mark: { type: 'line', point: true }, encoding: { x: { field: 't', type: 'quantitative' }, y: { field: 'y', type: 'quantitative', scale: { type: 'log' } }, color: seriesColor(tDomain) } },
        ...(tRows.some((r) => r.exact !== null) ? [{ data: { values: tRows.filter((r) => r.exact !== null) }, mark: { type: 'line', strokeDash: [5, 3], color: PALETTE[8] }, encoding: { x: { field: 't', type: 'quantitative' }, y: { field: 'exact', type: 'quantitative', scale: { type: 'log' } }, detail: { field: 'series' } } }] : []),
      ],
    },
  });
  return jobs;
}
