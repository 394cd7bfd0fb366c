/**
 * The report's parts for a learning-rate sweep (sweep.ts; Kreutzer et al. 2022, Figure 9D): the speed-up
 * Euclidean ÷ natural against η/η₀ with its paired-bootstrap intervals, one series per coefficient table of the
 * natural rule; the convergence time against η/η₀ per rule and table (Figure 9D's own axes, in seconds); two CSV
 * tables in long format (one row per observation, one value per cell, units in the column names); the comparisons
 * and a table for report.html.
 */
import type { Comparison } from '../../stats/compare.ts';
import { notComparable } from '../../stats/compare.ts';
import { toCsv } from '../../report/html.ts';
import { PALETTE, header } from '../../report/plots.ts';
import type { NatgradSweep } from './sweep.ts';
import { num } from '../../report/files.ts';

const TABLE_NAME: Record<string, string> = { exact: 'exact coefficients', 'authors-table': 'authors\' table' };
const seriesOf = (rule: string, coefficients: string) => (rule === 'euclidean' ? 'Euclidean' : `${rule}, ${TABLE_NAME[coefficients] ?? coefficients}`);
/** An interval as the report writes it. */
const iv = (ci: [number | null, number | null], d = 3) => `[${ci[0] === null ? '–' : num(ci[0], d)}, ${ci[1] === null ? '–' : num(ci[1], d)}]`;
/** A speed-up with its kind: "≥ 2.2" when the Euclidean rule did not reach the cut-off within the run. */
const sv = (x: { value: number | null; kind: string }, d = 3) =>
  x.value === null ? 'undefined (neither rule reached the cut-off)' : `${x.kind === 'lower bound' ? '≥ ' : x.kind === 'upper bound' ? '≤ ' : ''}${num(x.value, d)}`;

export function sweepParts(sw: NatgradSweep | null, learnersPerEnsemble: number) {
  if (!sw) return { plots: [], csv: [], comparisons: [] as Comparison[], table: null };
  const boot = `${sw.resamples} paired resamples of ${sw.bootstrapLearners} learners${sw.bootstrapLearners < sw.learners ? ` (the first ${sw.bootstrapLearners} of ${sw.learners})` : ''}`;
  const timeRows = sw.times.map((t) => [t.rule, t.rule === 'euclidean' ? 'none' : t.coefficients, num(t.etaScale), num(t.eta), num(sw.cutoff),
    num(t.time), num(t.ci[0]), num(t.ci[1]), t.time === null ? 0 : 1, learnersPerEnsemble, sw.bootstrapLearners, sw.resamples]);
  const speedRows = sw.speedups.map((x) => [x.coefficients, x.etaScale === 'best' ? 'best eta per rule' : 'same eta over eta0',
    x.etaScale === 'best' ? '' : num(x.etaScale), num(x.euclideanEta), num(x.naturalEta), num(x.value), x.kind, num(x.ci[0]), num(x.ci[1]),
    x.definedResamples, sw.resamples]);
  const csv = [
    { name: 'sweep-times.csv', text: toCsv(['rule', 'coefficients', 'eta_over_eta0', 'eta', 'kl_cutoff_nats_per_bin', 'convergence_time_s',
      'convergence_time_ci_lo_s', 'convergence_time_ci_hi_s', 'reached', 'learners', 'bootstrap_learners', 'bootstrap_resamples'], timeRows) },
    { name: 'sweep-speedup.csv', text: toCsv(['coefficients', 'eta_choice', 'eta_over_eta0', 'euclidean_eta', 'natural_eta',
      'speedup_euclidean_over_natural', 'speedup_kind', 'ci_lo', 'ci_hi', 'defined_resamples', 'bootstrap_resamples'], speedRows) },
  ];

  // speed-up against η/η₀: points with bootstrap bars, a series per coefficient table; an open bar end: unbounded
  const tables = [...new Set(sw.speedups.map((x) => x.coefficients))];
  const names = tables.map((c) => `natural rule: ${TABLE_NAME[c] ?? c}`);
  const colour = { field: 'series', type: 'nominal', title: null, scale: { domain: names, range: names.map((_, i) => PALETTE[i + 2]) }, legend: { orient: 'bottom', direction: 'vertical', labelLimit: 0 } };
  const per = sw.speedups.filter((x) => x.etaScale !== 'best');
  const finiteVals = per.flatMap((x) => [x.value, x.ci[0], x.ci[1]]).filter((v): v is number => v !== null && v > 0);
  const yMin = Math.min(0.5, ...finiteVals) / 1.3, yMax = Math.max(2, ...finiteVals) * 1.3;
  const nudge = (c: string) => (tables.length > 1 ? (tables.indexOf(c) - (tables.length - 1) / 2) * 0.03 : 0);
  const pts = per.map((x) => ({
    series: `natural rule: ${TABLE_NAME[x.coefficients] ?? x.coefficients}`, x: (x.etaScale as number) * (1 + nudge(x.coefficients)),
    s: x.value, lo: x.ci[0] !== null && x.ci[0] > 0 ? x.ci[0] : yMin, hi: x.ci[1] ?? yMax,
    kind: x.kind === 'estimate' ? 'estimate' : x.kind === 'lower bound' ? 'lower bound (Euclidean not reached)' : 'upper bound (natural not reached)',
  }));
  const xAxis = { field: 'x', type: 'quantitative', title: 'η/η₀ (both rules at the same factor)', scale: { type: 'log', domain: [0.45, 2.2], nice: false }, axis: { values: sw.etaScales, format: '~g' } };
  const yS = { type: 'quantitative', scale: { type: 'log', domain: [yMin, yMax], nice: false } };
  const best = sw.speedups.filter((x) => x.etaScale === 'best').map((x) => `${TABLE_NAME[x.coefficients] ?? x.coefficients}: ${sv(x)} ${iv(x.ci)}`);
  const speedSpec = {
    ...header('Speed-up of the natural rule against the learning rate',
      [`T_Euclidean ÷ T_natural to mean KL ≤ ${num(sw.cutoff, 2)}; bars: 95 % paired bootstrap (${boot})`,
        'open triangles: lower bounds (the Euclidean rule does not reach the cut-off within the run: its time censored at the end)',
        `at each rule's best η: ${best.join('; ')}`], 560, 320),
    layer: [
      { data: { values: [{ y: 1 }] }, mark: { type: 'rule', color: '#888', strokeDash: [4, 3] }, encoding: { y: { field: 'y', ...yS } } },
      { data: { values: pts }, mark: { type: 'rule', strokeWidth: 1.5 }, encoding: { x: xAxis, y: { field: 'lo', ...yS, title: 'speed-up T_Euclidean ÷ T_natural' }, y2: { field: 'hi' }, color: colour } },
      { data: { values: pts.filter((p) => p.s !== null) }, mark: { type: 'point', size: 80, strokeWidth: 2 }, encoding: {
        x: xAxis, y: { field: 's', ...yS }, color: colour,
        shape: { field: 'kind', type: 'nominal', title: null, scale: { domain: ['estimate', 'lower bound (Euclidean not reached)', 'upper bound (natural not reached)'], range: ['circle', 'triangle-up', 'triangle-down'] }, legend: { orient: 'bottom', direction: 'vertical', labelLimit: 0, symbolStrokeColor: '#444', symbolFillColor: 'white' } },
        fill: { condition: { test: "datum.kind === 'estimate'", field: 'series', type: 'nominal', scale: { domain: names, range: names.map((_, i) => PALETTE[i + 2]) }, legend: null }, value: 'white' },
      } },
    ],
  };

  // Figure 9D: convergence time against η/η₀ per rule (and table); a time not reached is drawn at the top edge, open
  const series = [...new Set(sw.times.map((t) => seriesOf(t.rule, t.coefficients)))];
  const tEnd = Math.max(...sw.times.flatMap((t) => [t.time ?? 0, t.ci[1] ?? 0]));
  const top = tEnd > 0 ? tEnd * 1.5 : 1;
  const tp = sw.times.map((t) => ({
    series: seriesOf(t.rule, t.coefficients), x: t.etaScale * (1 + (series.indexOf(seriesOf(t.rule, t.coefficients)) - (series.length - 1) / 2) * 0.03),
    t: t.time ?? top, reached: t.time === null ? 'not reached within the run' : 'reached', lo: t.ci[0] ?? top, hi: t.ci[1] ?? top,
  }));
  const sColour = { field: 'series', type: 'nominal', title: null, scale: { domain: series, range: series.map((_, i) => PALETTE[i]) }, legend: { orient: 'bottom', direction: 'vertical', labelLimit: 0 } };
  const yT = { type: 'quantitative', scale: { type: 'log' } };
  const timeSpec = {
    ...header(`Time to mean KL ≤ ${num(sw.cutoff, 2)} against η/η₀ (Figure 9D)`,
      [`first checkpoint at which the mean KL over ${learnersPerEnsemble} learners is at or below the cut-off; bars: 95 % paired bootstrap`,
        `open circles at the top: not reached within the run; η₀ = ${Object.entries(sw.eta0).map(([r, e]) => `${num(e, 3)} (${r})`).join(', ')}`], 560, 320),
    layer: [
      { data: { values: tp }, mark: { type: 'rule', strokeWidth: 1.5 }, encoding: { x: xAxis, y: { field: 'lo', ...yT, title: 'convergence time (s)' }, y2: { field: 'hi' }, color: sColour } },
      { data: { values: tp }, mark: { type: 'point', size: 60, strokeWidth: 2 }, encoding: {
        x: xAxis, y: { field: 't', ...yT }, color: sColour,
        fill: { condition: { test: "datum.reached === 'reached'", field: 'series', type: 'nominal', scale: { domain: series, range: series.map((_, i) => PALETTE[i]) } }, value: 'white' },
      } },
    ],
  };
  const plots = [
    { name: 'speedup-vs-eta', title: 'Speed-up against η/η₀', caption: `Euclidean ÷ natural convergence time per η/η₀ (both rules at the same multiple of their η₀), one series per coefficient table of the natural rule (exact: the Gaussian-moment coefficients; authors' table: their lookup at variance + 9 mV²). Intervals: ${boot}; an interval end at the plot's edge is unbounded (a rule that does not reach the cut-off in that resample).`, spec: speedSpec },
    { name: 'convergence-time-vs-eta', title: 'Convergence time against η/η₀ (Figure 9D)', caption: 'First time the mean KL over learners reaches the cut-off, per rule, coefficient table and η/η₀, with 95 % paired-bootstrap intervals.', spec: timeSpec },
  ];
  const comparisons = sw.speedups.filter((x) => x.etaScale === 'best').map((x) => notComparable(
    `speed-up of the natural rule (${TABLE_NAME[x.coefficients] ?? x.coefficients}) at each rule's best η/η₀: T_Euclidean ÷ T_natural to mean KL ≤ ${num(sw.cutoff, 2)}${x.kind === 'estimate' ? '' : ` (${x.kind})`}`,
    x.value, x.ci[0] !== null && x.ci[1] !== null ? [x.ci[0], x.ci[1]] : null, null,
    `${sv(x)}, 95 % interval ${iv(x.ci)} (${boot}, the best η chosen again in every resample; ${x.definedResamples} defined` +
    `${x.kind === 'lower bound' ? '; the Euclidean rule does not reach the cut-off within the run, its time censored at the end: a lower bound' : ''}); ` +
    `natural η = ${num(x.naturalEta, 3)}, Euclidean η = ${num(x.euclideanEta, 3)} (Kreutzer et al. 2022, Fig. 3F and 9D)`));
  const table = {
    title: `Learning-rate sweep: speed-up Euclidean ÷ natural to mean KL ≤ ${num(sw.cutoff, 2)} (${boot})`,
    columns: ['coefficients', 'η/η₀', 'Euclidean η', 'natural η', 'speed-up', '95 % interval'],
    rows: sw.speedups.map((x) => [TABLE_NAME[x.coefficients] ?? x.coefficients, x.etaScale === 'best' ? 'best per rule' : num(x.etaScale),
      num(x.euclideanEta, 3), num(x.naturalEta, 3), sv(x), iv(x.ci)]),
  };
  return { plots, csv, comparisons, table };
}
