/**
 * Vega-lite specs for the report plots of success probabilities and log-gaps (against α, 1/α, t = αk and steps, and
 * vertex probabilities against a parameter). Every spec is a plain JSON object with its data inlined (`data.values`)
 * and its theme in `config` (plot-theme.ts), so the same object renders headless (render.ts) and in the browser page,
 * offline. Rows with non-finite numbers are dropped (JSON would turn them into null). The simplex is simplex-plot.ts.
 */

import { PALETTE, bottomLegend, finite, header, logTickValues, seriesColor, siAxis, uniq } from './plot-theme.ts';

/** A probability axis domain: from a little below the lowest value (multiple of 0.05) up to at most 1. */
function probabilityDomain(values: number[]): [number, number] {
  const v = values.filter((x) => Number.isFinite(x));
  if (!v.length) return [0, 1];
  const lo = Math.max(0, Math.floor((Math.min(...v) - 0.005) * 20) / 20);
  const hi = Math.min(1, Math.ceil((Math.max(...v) + 0.005) * 20) / 20);
  return hi > lo ? [lo, hi] : [Math.max(0, lo - 0.05), Math.min(1, hi + 0.05)];
}


// ------------------------------------------------------------------------------------------------------------------
// success probability against α
// ------------------------------------------------------------------------------------------------------------------

export interface SuccessVsAlphaData {
  empirical: { alpha: number; p: number; lo: number; hi: number; series: string }[];
  theory: { alpha: number; p: number; series: string }[];
}

/** Success probability against α (log axis): Monte Carlo points with 95% error bars and theory lines per series. */
/** Enough decimals for the ticks of a probability axis over `domain` (about ten ticks): no repeated labels. */
function probabilityFormat(domain: number[]): string {
  const span = Math.abs(domain[domain.length - 1]! - domain[0]!) || 1;
  return `.${Math.max(2, Math.ceil(-Math.log10(span / 10)))}~f`;
}

export function successVsAlphaSpec(data: SuccessVsAlphaData, opts: { title?: string } = {}): object {
  const emp = data.empirical.filter((r) => finite(r.alpha, r.p) && r.alpha > 0);
  const bars = emp.filter((r) => finite(r.lo, r.hi));
  const th = data.theory.filter((r) => finite(r.alpha, r.p) && r.alpha > 0);
  const color = seriesColor(uniq([...emp.map((r) => r.series), ...th.map((r) => r.series)]));
  const alphas = [...emp, ...th].map((r) => r.alpha);
  const x = {
    field: 'alpha', type: 'quantitative', scale: { type: 'log', nice: false, padding: 12 }, title: 'learning rate α (log scale)',
    axis: { format: '~g', values: logTickValues(Math.min(...alphas), Math.max(...alphas)) },
  };
  const yDomain = probabilityDomain([...emp.flatMap((r) => [r.p, r.lo, r.hi]), ...th.map((r) => r.p)]);
  const y = { field: 'p', type: 'quantitative', scale: { domain: yDomain, nice: false, zero: false }, title: 'P(success) = P(argmax p = i*)', axis: { format: probabilityFormat(yDomain) } };
  return {
    ...header(opts.title ?? 'Success probability against α', 'points: Monte Carlo with 95% intervals; dashed lines on top: theory'),
    layer: [
      {
        data: { values: bars },
        mark: { type: 'errorbar', ticks: { size: 8 }, thickness: 1.5 },
        encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color },
      },
      {
        data: { values: emp },
        mark: { type: 'point', filled: true, size: 55, opacity: 1, stroke: 'white', strokeWidth: 0.8 },
        encoding: {
          x, y, color,
          tooltip: [{ field: 'series' }, { field: 'alpha', title: 'α' }, { field: 'p', format: '.4f' }, { field: 'lo', format: '.4f' }, { field: 'hi', format: '.4f' }],
        },
      },
      { data: { values: th }, mark: { type: 'line', strokeWidth: 2, strokeDash: [7, 3] }, encoding: { x, y, color } },
    ],
  };
}

// ------------------------------------------------------------------------------------------------------------------
// ln P(failure) against 1/α
// ------------------------------------------------------------------------------------------------------------------

export interface LogFailureData {
  empirical: { invAlpha: number; logP: number; lo: number; hi: number; series: string }[];
  theory: { invAlpha: number; logP: number; series: string }[];
}

/** Natural log of P(failure) against 1/α, the large-deviation check: a straight line of slope −c. */
export function logFailureVsInvAlphaSpec(data: LogFailureData, opts: { title?: string; pointsCaption?: string } = {}): object {
  const emp = data.empirical.filter((r) => finite(r.invAlpha, r.logP));
  const bars = emp.filter((r) => finite(r.lo, r.hi));
  const th = data.theory.filter((r) => finite(r.invAlpha, r.logP));
  const color = seriesColor(uniq([...emp.map((r) => r.series), ...th.map((r) => r.series)]));
  const x = { field: 'invAlpha', type: 'quantitative', scale: { zero: false, padding: 12 }, title: '1/α', axis: { tickCount: 8 } };
  const y = { field: 'logP', type: 'quantitative', scale: { zero: false, padding: 8 }, title: 'ln P(failure)' };
  return {
    ...header(opts.title ?? 'ln P(failure) against 1/α', [
      'large-deviation check: ln P(failure) ≈ const − c/α, a straight line of slope −c',
      opts.pointsCaption ?? 'points: Monte Carlo with 95% intervals (α with no observed failure omitted); dashed lines on top: theory',
    ]),
    layer: [
      {
        data: { values: bars },
        mark: { type: 'errorbar', ticks: { size: 8 }, thickness: 1.5 },
        encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color },
      },
      {
        data: { values: emp },
        mark: { type: 'point', filled: true, size: 55, opacity: 1, stroke: 'white', strokeWidth: 0.8 },
        encoding: {
          x, y, color,
          tooltip: [{ field: 'series' }, { field: 'invAlpha', title: '1/α', format: '.4~g' }, { field: 'logP', title: 'ln P', format: '.4f' }, { field: 'lo', format: '.4f' }, { field: 'hi', format: '.4f' }],
        },
      },
      { data: { values: th }, mark: { type: 'line', strokeWidth: 2, strokeDash: [7, 3] }, encoding: { x, y, color } },
    ],
  };
}

// ------------------------------------------------------------------------------------------------------------------
// ln(1 − p*) against t = αk
// ------------------------------------------------------------------------------------------------------------------

export interface LogGapData {
  bands: { t: number; median: number; q10: number; q90: number }[];
  meanOnSuccess?: { t: number; value: number }[];
  flow?: { t: number; value: number }[];
  slopes?: { t: number; value: number; label: string }[];
}

const GAP_MEDIAN = 'median over trajectories (band: 10–90%)';
const GAP_MEAN = 'log E[1 − p* | success]';
const GAP_FLOW = 'replicator flow (theory)';
const C_MEDIAN = PALETTE[0]!, C_MEAN = PALETTE[1]!, C_FLOW = '#111111', C_OTHER = '#4d4d4d';
/** Theory lines in dark shades of the statistic's colour, dotted: visible on top of it and apart from it in grey print. */
const T_MEDIAN = '#08306b', T_MEAN = '#67000d';

/** Colour of an asymptotic-slope line: a dark shade of the colour of the statistic its label names. */
function slopeColor(label: string): string {
  const l = label.toLowerCase();
  if (l.includes('median')) return T_MEDIAN;
  if (l.includes('mean') || l.includes('e[')) return T_MEAN;
  return C_OTHER;
}

/**
 * log(1 − p*) (natural log) against t = αk: the empirical median with its shaded 10–90% band and the log of the mean
 * of 1 − p* on the success event; drawn above them, the theory — the replicator flow (black, dashed) and the
 * asymptotic-slope lines (dotted, in a dark shade of the colour of the statistic their label names). One legend.
 */
export function logGapSpec(data: LogGapData, opts: { title?: string } = {}): object {
  const bands = data.bands.filter((r) => finite(r.t, r.q10, r.q90));
  const curves: { t: number; value: number; layer: string }[] = [];
  for (const r of data.bands) if (finite(r.t, r.median)) curves.push({ t: r.t, value: r.median, layer: GAP_MEDIAN });
  for (const r of data.meanOnSuccess ?? []) if (finite(r.t, r.value)) curves.push({ t: r.t, value: r.value, layer: GAP_MEAN });
  const theory: { t: number; value: number; layer: string }[] = [];
  for (const r of data.flow ?? []) if (finite(r.t, r.value)) theory.push({ t: r.t, value: r.value, layer: GAP_FLOW });
  for (const r of data.slopes ?? []) if (finite(r.t, r.value)) theory.push({ t: r.t, value: r.value, layer: r.label });
  const slopeLabels = uniq((data.slopes ?? []).map((r) => r.label));

  const present = new Set([...curves, ...theory].map((r) => r.layer));
  const legendRows: [string, string, number[]][] = [
    ...([[GAP_MEDIAN, C_MEDIAN, [1, 0]], [GAP_MEAN, C_MEAN, [1, 0]], [GAP_FLOW, C_FLOW, [8, 4]]] as [string, string, number[]][])
      .filter(([n]) => present.has(n) && !slopeLabels.includes(n)),
    ...slopeLabels.map((l): [string, string, number[]] => [l, slopeColor(l), [2, 4.5]]),
  ];
  const domain = legendRows.map((r) => r[0]);
  const legend = bottomLegend(domain, { symbolType: 'stroke', symbolSize: 500, symbolStrokeWidth: 3.2 });
  const color = { field: 'layer', type: 'nominal', title: null, scale: { domain, range: legendRows.map((r) => r[1]) }, legend };
  const strokeDash = { field: 'layer', type: 'nominal', title: null, scale: { domain, range: legendRows.map((r) => r[2]) }, legend };
  const x = { field: 't', type: 'quantitative', title: 't = αk', scale: { zero: false, nice: false }, axis: { tickCount: 10 } };
  const y = { field: 'value', type: 'quantitative', title: 'log(1 − p*)', scale: { zero: false } };
  const tooltip = [{ field: 'layer', title: 'curve' }, { field: 't', format: '.4~g' }, { field: 'value', format: '.4f' }];
  return {
    ...header(opts.title ?? 'log(1 − p*) against t = αk',
      'p* is the p of the most active input i* (the largest pᵢ(0)); natural logarithm; theory drawn on top: dashed the flow, dotted near the vertex'),
    layer: [
      {
        data: { values: bands },
        mark: { type: 'area', color: C_MEDIAN, opacity: 0.16 },
        encoding: { x, y: { ...y, field: 'q10' }, y2: { field: 'q90' } },
      },
      {
        data: { values: curves },
        mark: { type: 'line', strokeWidth: 2.2, strokeCap: 'round' },
        encoding: { x, y, color, strokeDash, detail: { field: 'layer' }, tooltip },
      },
      {
        data: { values: theory.filter((r) => r.layer === GAP_FLOW) },
        mark: { type: 'line', strokeWidth: 2.4, strokeCap: 'butt' },
        encoding: { x, y, color, strokeDash, detail: { field: 'layer' }, tooltip },
      },
      {
        // round dots wider than the curves beneath them: the theory stays visible where it lies on the data
        data: { values: theory.filter((r) => r.layer !== GAP_FLOW) },
        mark: { type: 'line', strokeWidth: 4.2, strokeCap: 'round' },
        encoding: { x, y, color, strokeDash, detail: { field: 'layer' }, tooltip },
      },
    ],
  };
}

// ------------------------------------------------------------------------------------------------------------------
// success probability against steps
// ------------------------------------------------------------------------------------------------------------------

export type SuccessVsStepData = { step: number; p: number; lo: number; hi: number; series?: string }[];

/** Success probability against steps with a shaded interval band; log x by default when steps span ≥ 2 decades. */
export function successVsStepSpec(data: SuccessVsStepData, opts: { title?: string; logX?: boolean } = {}): object {
  const rows0 = data.filter((r) => finite(r.step, r.p));
  const pos = rows0.filter((r) => r.step > 0).map((r) => r.step);
  const auto = pos.length > 1 && Math.max(...pos) / Math.min(...pos) >= 100;
  const logX = (opts.logX ?? auto) && pos.length > 0;
  const rows = rows0.filter((r) => !logX || r.step > 0).map((r) => ({ ...r, series: r.series ?? '' }));
  const band = rows.filter((r) => finite(r.lo, r.hi));
  const domain = uniq(rows.map((r) => r.series));
  const base = seriesColor(domain);
  const color = base.legend ? { ...base, legend: bottomLegend(domain, { symbolType: 'stroke', symbolOpacity: 1, symbolStrokeWidth: 2.5 }) } : base;
  const steps = rows.map((r) => r.step);
  const x = {
    field: 'step', type: 'quantitative', title: logX ? 'step k (log scale)' : 'step k',
    scale: logX ? { type: 'log', nice: false, padding: 8 } : { zero: false, nice: false },
    axis: logX ? { format: '~s', values: logTickValues(Math.min(...steps), Math.max(...steps)) } : siAxis({ tickCount: 8 }),
  };
  const yDomain = probabilityDomain([...rows.map((r) => r.p), ...band.flatMap((r) => [r.lo, r.hi])]);
  const y = { field: 'p', type: 'quantitative', title: 'P(argmax p = i*)', scale: { domain: yDomain, nice: false, zero: false }, axis: { format: probabilityFormat(yDomain) } };
  return {
    ...header(opts.title ?? 'Success probability against steps', 'fraction of trajectories whose largest weight is the initially largest; band: 95% interval'),
    layer: [
      { data: { values: band }, mark: { type: 'area', opacity: 0.2 }, encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color } },
      {
        data: { values: rows },
        mark: { type: 'line', strokeWidth: 2, point: rows.length <= 60 ? { filled: true, size: 22 } : false },
        encoding: {
          x, y, color,
          tooltip: [{ field: 'step' }, { field: 'p', format: '.4f' }, { field: 'lo', format: '.4f' }, { field: 'hi', format: '.4f' }],
        },
      },
    ],
  };
}

// ------------------------------------------------------------------------------------------------------------------
// P(end at vertex i) against a swept parameter (correlation strength ν, priming switch step K*)
// ------------------------------------------------------------------------------------------------------------------

export interface VertexVsParameterData {
  empirical: { x: number; p: number; lo: number; hi: number; series: string }[];
  /** The mean flow's limit: 1 for the vertex it ends at, 0 for the others (a step where the limit changes). */
  theory: { x: number; p: number; series: string }[];
}

/** Probability of ending at each vertex against a swept parameter, with Wilson intervals and the flow's limit. */
export function vertexVsParameterSpec(data: VertexVsParameterData, opts: { title: string; xTitle: string; logX?: boolean }): object {
  const emp = data.empirical.filter((r) => finite(r.x, r.p));
  const bars = emp.filter((r) => finite(r.lo, r.hi));
  const th = data.theory.filter((r) => finite(r.x, r.p));
  const color = seriesColor(uniq([...emp.map((r) => r.series), ...th.map((r) => r.series)]));
  const x = { field: 'x', type: 'quantitative', scale: opts.logX ? { type: 'log', nice: false, padding: 12 } : { zero: false, padding: 12 }, title: opts.xTitle, axis: { format: '~g' } };
  const y = { field: 'p', type: 'quantitative', scale: { domain: [0, 1], nice: false }, title: 'probability of ending at the vertex', axis: { format: '.1~f' } };
  return {
    ...header(opts.title, 'points: Monte Carlo with Wilson 95% intervals; dashed: where the mean flow ends (1 at its limit vertex)'),
    layer: [
      { data: { values: bars }, mark: { type: 'errorbar', ticks: { size: 8 }, thickness: 1.5 }, encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color } },
      {
        data: { values: emp },
        mark: { type: 'line', point: { filled: true, size: 55 }, strokeWidth: 1.5 },
        encoding: { x, y, color, tooltip: [{ field: 'series' }, { field: 'x', format: '.4~g' }, { field: 'p', format: '.4f' }, { field: 'lo', format: '.4f' }, { field: 'hi', format: '.4f' }] },
      },
      { data: { values: th }, mark: { type: 'line', strokeWidth: 2, strokeDash: [6, 4], interpolate: 'step-after' }, encoding: { x, y, color } },
    ],
  };
}
