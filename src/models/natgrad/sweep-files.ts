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
import { PALETTE, header, logTickValues } from '../../report/plot-theme.ts';
import type { NatgradSweep } from './sweep.ts';
import { num } from '../../report/files.ts';

const TABLE_NAME: Record<string, string> = { exact: 'exact coefficients', 'authors-table': 'authors\' table' };
const seriesOf = (rule: string, coefficients: string) => (rule === 'euclidean' ? 'Euclidean' : `${rule}, ${TABLE_NAME[coefficients] ?? coefficients}`);
/** An interval as the report writes it. */
const iv = (ci: [number | null, number | null], d = 3) => `[${ci[0] === null ? '–' : num(ci[0], d)}, ${ci[1] === null ? '–' : num(ci[1], d)}]`;
/**
 * The interval column of a speed-up. Where the speed-up itself is undefined (neither rule reached the cut-off), an
 * interval beside it would read as its interval: it is said to be that of the resamples in which one rule did.
 */
const speedupInterval = (x: { value: number | null; ci: [number | null, number | null]; definedResamples: number }, resamples: number) =>
  x.value !== null ? iv(x.ci) : x.definedResamples ? `of the ${x.definedResamples} of ${resamples} resamples defined: ${iv(x.ci)}` : '–';
/** A speed-up with its kind: "≥ 2.2" when the Euclidean rule did not reach the cut-off within the run. */
const sv = (x: { value: number | null; kind: string }, d = 3) =>
  x.value === null ? 'undefined (neither rule reached the cut-off within the run)' : `${x.kind === 'lower bound' ? '≥ ' : x.kind === 'upper bound' ? '≤ ' : ''}${num(x.value, d)}`;

/** The legend entries of the speed-up's kinds (the shapes), in the order of the legend. */
const KIND_LABEL = { estimate: 'estimate', 'lower bound': 'lower bound (Euclidean not reached)', 'upper bound': 'upper bound (natural not reached)' } as const;

/**
 * The sweep's plots, CSV tables, comparisons and report table. `checkpointTimes`: the run's checkpoint times (s), the
 * last one the run's end T, at which a time not reached is censored (sweep.ts): the convergence-time axis spans the
 * run up to T, and the texts say T when nothing reached the cut-off.
 */
export function sweepParts(sw: NatgradSweep | null, learnersPerEnsemble: number, checkpointTimes: number[]) {
  if (!sw) return { plots: [], csv: [], comparisons: [] as Comparison[], table: null };
  const tEnd = checkpointTimes[checkpointTimes.length - 1]!;
  const tFirst = checkpointTimes.find((t) => t > 0) ?? tEnd;
  const runText = `the run (T = ${num(tEnd, 4)} s)`;
  const noneReached = sw.times.every((t) => t.time === null);
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
  // colour and fill share one legend: the same legend on both channels (vega-lite merges the two; a legend on one and
  // none on the other is a conflict it warns about on stderr)
  const seriesLegend = { orient: 'bottom', direction: 'vertical', labelLimit: 0, symbolOpacity: 1 };
  const seriesScale = { domain: names, range: names.map((_, i) => PALETTE[i + 2]) };
  const colour = { field: 'series', type: 'nominal', title: null, scale: seriesScale, legend: seriesLegend };
  const per = sw.speedups.filter((x) => x.etaScale !== 'best');
  // a speed-up that is undefined (neither rule reached the cut-off: not even a bound) is not drawn
  const drawn = per.filter((x): x is typeof x & { kind: keyof typeof KIND_LABEL } => x.kind !== 'undefined' && x.value !== null);
  const undrawn = tables.flatMap((c) => {
    const at = per.filter((x) => x.coefficients === c && !drawn.includes(x as (typeof drawn)[number])).map((x) => x.etaScale as number).sort((a, b) => a - b);
    const all = at.length === per.filter((x) => x.coefficients === c).length;
    return at.length ? [`${TABLE_NAME[c] ?? c} at ${all ? 'every η/η₀' : `η/η₀ = ${at.join(', ')}`}`] : [];
  });
  const finiteVals = drawn.flatMap((x) => [x.value, x.ci[0], x.ci[1]]).filter((v): v is number => v !== null && v > 0);
  const yMin = Math.min(0.5, ...finiteVals) / 1.3, yMax = Math.max(2, ...finiteVals) * 1.3;
  const nudge = (c: string) => (tables.length > 1 ? (tables.indexOf(c) - (tables.length - 1) / 2) * 0.03 : 0);
  // a bound's interval is open on its censored side: up to the plot's top edge for a lower bound (the speed-up is at
  // least the ratio), down to the bottom edge for an upper bound; an interval without resamples is not drawn
  const pts = drawn.map((x) => ({
    series: `natural rule: ${TABLE_NAME[x.coefficients] ?? x.coefficients}`, x: (x.etaScale as number) * (1 + nudge(x.coefficients)),
    s: x.value, kind: KIND_LABEL[x.kind],
    lo: x.kind === 'upper bound' ? yMin : x.ci[0] !== null && x.ci[0] > 0 ? x.ci[0] : null,
    hi: x.kind === 'lower bound' ? yMax : x.ci[1],
  }));
  const bars = pts.filter((p) => p.lo !== null && p.hi !== null);
  const kinds = Object.values(KIND_LABEL).filter((k) => pts.some((p) => p.kind === k));
  const xAxis = { field: 'x', type: 'quantitative', title: 'η/η₀ (both rules at the same factor)', scale: { type: 'log', domain: [0.45, 2.2], nice: false }, axis: { values: sw.etaScales, format: '~g' } };
  const yS = { type: 'quantitative', scale: { type: 'log', domain: [yMin, yMax], nice: false }, axis: { values: logTickValues(yMin, yMax), format: '~g' } };
  const yTitle = 'speed-up T_Euclidean ÷ T_natural';
  const best = sw.speedups.filter((x) => x.etaScale === 'best').map((x) => `${TABLE_NAME[x.coefficients] ?? x.coefficients}: ${sv(x)} ${iv(x.ci)}`);
  /** A message in the middle of an empty plot, at height y of the y encoding `yEnc`: nothing reached the cut-off. */
  const noneText = (what: string, y: number, yEnc: object) => ({
    data: { values: [{ x: 1, y }] },
    mark: { type: 'text', fontSize: 12, color: '#444', align: 'center', baseline: 'middle', lineHeight: 17 },
    encoding: {
      // short lines: the page's plot is some 330 px wide
      x: xAxis, y: { field: 'y', ...yEnc },
      text: { value: [`no ${what}:`, `no η/η₀ reached mean KL ≤ ${num(sw.cutoff, 2)}`, `within ${runText},`, 'in either rule. Run longer', '(scenario.duration) to measure it.'] },
    },
  });
  // the two legends (series, kind) one below the other: side by side, the second would run off a narrow page's plot
  const stacked = (spec: ReturnType<typeof header>) => ({
    ...spec, config: { ...spec.config, legend: { ...(spec.config.legend as object), layout: { bottom: { anchor: 'start', direction: 'vertical' } } } },
  });
  const speedSpec = {
    ...stacked(header('Speed-up of the natural rule against the learning rate',
      [`T_Euclidean ÷ T_natural to mean KL ≤ ${num(sw.cutoff, 2)}; bars: 95 % paired bootstrap (${boot})`,
        ...(pts.length ? [`filled circles: estimates; open triangles: bounds, a time not reached within ${runText} censored at T ` +
          '(up: at least, Euclidean not reached; down: at most, natural not reached), their bar open to the plot\'s edge'] : []),
        ...(undrawn.length && pts.length ? [`no mark where neither rule reached the cut-off: ${undrawn.join('; ')}`] : []),
        `at each rule's best η: ${best.join('; ')}`], 560, 320)),
    layer: [
      { data: { values: [{ y: 1 }] }, mark: { type: 'rule', color: '#888', strokeDash: [4, 3] }, encoding: { y: { field: 'y', ...yS, title: yTitle } } },
      ...(pts.length ? [
        { data: { values: bars }, mark: { type: 'rule', strokeWidth: 1.5 }, encoding: { x: xAxis, y: { field: 'lo', ...yS, title: yTitle }, y2: { field: 'hi' }, color: colour } },
        { data: { values: pts }, mark: { type: 'point', size: 80, strokeWidth: 2, opacity: 1 }, encoding: {
          x: xAxis, y: { field: 's', ...yS, title: yTitle }, color: colour,
          shape: {
            field: 'kind', type: 'nominal', title: null, scale: { domain: Object.values(KIND_LABEL), range: ['circle', 'triangle-up', 'triangle-down'] },
            // the symbols drawn as in the plot, in grey: an estimate filled, a bound open
            legend: { orient: 'bottom', direction: 'vertical', labelLimit: 0, values: kinds, encoding: { symbols: {
              stroke: { value: '#444' }, strokeWidth: { value: 2 }, opacity: { value: 1 },
              fill: { condition: { test: `datum.value === '${KIND_LABEL.estimate}'`, value: '#444' }, value: 'white' },
            } } },
          },
          fill: { condition: { test: "datum.kind === 'estimate'", field: 'series', type: 'nominal', scale: seriesScale, legend: seriesLegend }, value: 'white' },
        } },
      ] : [noneText('speed-up', Math.sqrt(yMax), { ...yS, title: yTitle })]),
    ],
  };

  // Figure 9D: convergence time against η/η₀ per rule (and table). The axis spans the run: from below the first
  // checkpoint (the earliest a crossing can be) to the run's end T, where a time not reached is censored and drawn,
  // open, on the top edge; a log scale when the run spans a factor 3 or more, else a linear one from 0
  const series = [...new Set(sw.times.map((t) => seriesOf(t.rule, t.coefficients)))];
  const tp = sw.times.map((t) => ({
    series: seriesOf(t.rule, t.coefficients), x: t.etaScale * (1 + (series.indexOf(seriesOf(t.rule, t.coefficients)) - (series.length - 1) / 2) * 0.03),
    t: t.time ?? tEnd, reached: t.time === null ? 'not reached within the run' : 'reached', lo: t.ci[0] ?? tEnd, hi: t.ci[1] ?? tEnd,
  }));
  const tScale = { domain: series, range: series.map((_, i) => PALETTE[i]) };
  const tLegend = { orient: 'bottom', direction: 'vertical', labelLimit: 0, symbolOpacity: 1 };
  const sColour = { field: 'series', type: 'nominal', title: null, scale: tScale, legend: tLegend };
  const logT = tEnd / tFirst >= 3;
  const tLow = tFirst / 1.25;
  const yT = logT
    ? { type: 'quantitative', title: 'convergence time (s)', scale: { type: 'log', domain: [tLow, tEnd], nice: false }, axis: { values: [...logTickValues(tLow, tEnd).filter((v) => v < tEnd / 1.15), tEnd], format: '~g' } }
    : { type: 'quantitative', title: 'convergence time (s)', scale: { domain: [0, tEnd], nice: false } };
  const timeSpec = {
    ...header(`Time to mean KL ≤ ${num(sw.cutoff, 2)} against η/η₀ (Figure 9D)`,
      [`first checkpoint at which the mean KL over ${learnersPerEnsemble} learners is at or below the cut-off; bars: 95 % paired bootstrap`,
        `open circles on the top edge (the run's end, T = ${num(tEnd, 4)} s): not reached within the run; η₀ = ${Object.entries(sw.eta0).map(([r, e]) => `${num(e, 3)} (${r})`).join(', ')}`], 560, 320),
    layer: [
      { data: { values: tp }, mark: { type: 'rule', strokeWidth: 1.5 }, encoding: { x: xAxis, y: { field: 'lo', ...yT }, y2: { field: 'hi' }, color: sColour } },
      { data: { values: tp }, mark: { type: 'point', size: 60, strokeWidth: 2, opacity: 1 }, encoding: {
        x: xAxis, y: { field: 't', ...yT }, color: sColour,
        fill: { condition: { test: "datum.reached === 'reached'", field: 'series', type: 'nominal', scale: tScale, legend: tLegend }, value: 'white' },
      } },
      ...(noneReached ? [noneText('convergence time', logT ? Math.sqrt(tLow * tEnd) : tEnd / 2, yT)] : []),
    ],
  };
  const plots = [
    { name: 'speedup-vs-eta', title: 'Speed-up against η/η₀', caption: `Euclidean ÷ natural convergence time per η/η₀ (both rules at the same multiple of their η₀), one series per coefficient table of the natural rule (exact: the Gaussian-moment coefficients; authors' table: their lookup at variance + 9 mV²). Intervals: ${boot}; an interval end at the plot's edge is unbounded (the censored side of a bound: a rule that does not reach the cut-off within the run, its time censored at the run's end). No mark: neither rule reached the cut-off at that η/η₀.`, spec: speedSpec },
    { name: 'convergence-time-vs-eta', title: 'Convergence time against η/η₀ (Figure 9D)', caption: `First time the mean KL over learners reaches the cut-off, per rule, coefficient table and η/η₀, with 95 % paired-bootstrap intervals; the axis spans the run, and a time not reached within it is drawn open on the top edge (the run's end, T = ${num(tEnd, 4)} s).`, spec: timeSpec },
  ];
  // the best η of a rule that reaches the cut-off at no η of the grid is none: its time is censored at T
  const bestEta = (rule: string, eta: number | null) => (eta === null ? `${rule} rule: no η reached the cut-off within ${runText}` : `${rule} η = ${num(eta, 3)}`);
  const comparisons = sw.speedups.filter((x) => x.etaScale === 'best').map((x) => notComparable(
    `speed-up of the natural rule (${TABLE_NAME[x.coefficients] ?? x.coefficients}) at each rule's best η/η₀: T_Euclidean ÷ T_natural to mean KL ≤ ${num(sw.cutoff, 2)}${x.kind === 'estimate' || x.kind === 'undefined' ? '' : ` (${x.kind})`}`,
    x.value, x.ci[0] !== null && x.ci[1] !== null ? [x.ci[0], x.ci[1]] : null, null,
    x.value === null
      ? `undefined, neither rule reached the cut-off at any η/η₀ within the run (T = ${num(tEnd, 4)} s` +
        `${x.definedResamples ? `); one did in ${x.definedResamples} of ${sw.resamples} resamples, 95 % interval of those ${iv(x.ci)}` : `; 0 of ${sw.resamples} resamples defined)`}: ` +
        'run longer (scenario.duration) to measure it (Kreutzer et al. 2022, Fig. 3F and 9D)'
      : `${sv(x)}, 95 % interval ${iv(x.ci)} (${boot}, the best η chosen again in every resample; ${x.definedResamples} defined` +
        `${x.kind === 'lower bound' ? '; the Euclidean rule does not reach the cut-off within the run, its time censored at the end: a lower bound' : ''}` +
        `${x.kind === 'upper bound' ? '; the natural rule does not reach the cut-off within the run, its time censored at the end: an upper bound' : ''}); ` +
        `${bestEta('natural', x.naturalEta)}, ${bestEta('Euclidean', x.euclideanEta)} (Kreutzer et al. 2022, Fig. 3F and 9D)`));
  const table = {
    title: `Learning-rate sweep: speed-up Euclidean ÷ natural to mean KL ≤ ${num(sw.cutoff, 2)} (${boot})`,
    columns: ['coefficients', 'η/η₀', 'Euclidean η', 'natural η', 'speed-up', '95 % interval'],
    rows: sw.speedups.map((x) => [TABLE_NAME[x.coefficients] ?? x.coefficients, x.etaScale === 'best' ? 'best per rule' : num(x.etaScale),
      num(x.euclideanEta, 3), num(x.naturalEta, 3), sv(x), speedupInterval(x, sw.resamples)]),
  };
  return { plots, csv, comparisons, table };
}
