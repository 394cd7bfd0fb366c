/**
 * Vega-lite specs for the report plots. Every spec is a plain JSON object with its data inlined (`data.values`) and
 * its theme in `config`, so the same object renders headless (render.ts) and in the browser page, offline.
 * Rows with non-finite numbers are dropped (JSON would turn them into null).
 */

import { textWidth, wrapText } from './text-width.ts';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
export const FONT = 'DejaVu Sans';

/** Categorical colours (d3 category10, reordered so the first few contrast well with each other). */
export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf', '#e377c2', '#7f7f7f', '#bcbd22'];

const WIDTH = 640;
const HEIGHT = 400;

/**
 * The shared theme: white background, DejaVu Sans everywhere, light grid, left-anchored titles.
 *
 * Axis labels that would overlap are hidden by vega-lite's defaults per scale, which the theme leaves alone: "parity"
 * (every other label) on linear axes, "greedy" on log axes. A `labelOverlap` here would apply parity to log axes
 * too, where it hid every other 1–9 × 10^k tick (1000 and 0.2 on a 100…10 000 / 0.02…0.2 axis, leaving no label
 * above 0.1): the SVG keeps such labels as text with opacity 0, so they are in its text but not in any picture.
 */
export function reportConfig(): Record<string, unknown> {
  return {
    background: 'white',
    padding: 16,
    font: FONT,
    view: { stroke: '#d0d0d0' },
    title: {
      fontSize: 16, fontWeight: 'bold', color: '#1a1a1a', anchor: 'start', offset: 12,
      subtitleFontSize: 12, subtitleColor: '#555', subtitlePadding: 5,
    },
    axis: {
      labelFontSize: 11, labelColor: '#333', titleFontSize: 12, titleFontWeight: 'normal', titleColor: '#1a1a1a',
      titlePadding: 8, gridColor: '#ebebeb', domainColor: '#888', tickColor: '#888', labelSeparation: 8,
    },
    legend: {
      labelFontSize: 11, labelColor: '#333', titleFontSize: 12, titleFontWeight: 'normal', labelLimit: 380,
      symbolStrokeWidth: 2.5, rowPadding: 5,
    },
    range: { category: PALETTE },
  };
}

const finite = (...xs: unknown[]) => xs.every((x) => typeof x === 'number' && Number.isFinite(x));

/**
 * An axis with SI-prefixed labels ("200", "1.2k", "10M"). vega formats a linear axis's ticks with one prefix, the
 * largest tick's, so its zero would read "0k": the zero tick reads 0.
 */
export function siAxis(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { format: '~s', labelExpr: "datum.value === 0 ? '0' : datum.label", ...extra };
}

const uniq = (xs: string[]) => [...new Set(xs)];

/** Tick values 1-2-5 × 10^k spanning [min, max] (all of 1…9 × 10^k when that gives fewer than three). */
export function logTickValues(min: number, max: number): number[] {
  if (!(min > 0) || !(max >= min)) return [];
  const pick = (ms: number[]) => {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(min)) - 1; e <= Math.ceil(Math.log10(max)) + 1; e++) {
      for (const m of ms) {
        const v = Number((m * Math.pow(10, e)).toPrecision(12));
        if (v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9)) out.push(v);
      }
    }
    return out;
  };
  const t = pick([1, 2, 5]);
  return t.length >= 3 ? t : pick([1, 2, 3, 4, 5, 6, 7, 8, 9]);
}

/** A probability axis domain: from a little below the lowest value (multiple of 0.05) up to at most 1. */
function probabilityDomain(values: number[]): [number, number] {
  const v = values.filter((x) => Number.isFinite(x));
  if (!v.length) return [0, 1];
  const lo = Math.max(0, Math.floor((Math.min(...v) - 0.005) * 20) / 20);
  const hi = Math.min(1, Math.ceil((Math.max(...v) + 0.005) * 20) / 20);
  return hi > lo ? [lo, hi] : [Math.max(0, lo - 0.05), Math.min(1, hi + 0.05)];
}

/**
 * The widest title or subtitle line, in px at the browser page's fonts (13 px bold title, 11 px subtitle; the page's
 * title limit is its panel width − 24, and panels are ≥ 384 px wide in the two-column layout). At the report's
 * fonts (16 px, 12 px) such a line is at most 455 px wide, inside the 640 px plot: no line is ever cut with "…".
 */
export const TITLE_LINE_PX = 360;

/** Title and subtitle broken into lines that fit TITLE_LINE_PX at the page's fonts (see above). */
export function titleLines(title: string, subtitle?: string | string[]): { text: string | string[]; subtitle?: string | string[] } {
  const t = wrapText(title, TITLE_LINE_PX, 13, true);
  const sub = subtitle === undefined ? [] : (Array.isArray(subtitle) ? subtitle : [subtitle]).flatMap((l) => wrapText(l, TITLE_LINE_PX, 11));
  return { text: t.length === 1 ? t[0]! : t, ...(sub.length ? { subtitle: sub.length === 1 ? sub[0]! : sub } : {}) };
}

/**
 * A legend below the plot, in as many columns as the labels allow at the report's width (the page puts every bottom
 * legend in one column): never a right-hand legend, which the page would cut to a quarter of its width. Entries run
 * row by row in the scale's order ("d = 1, d = 4, d = 16, d = 64" then "d = 256"): filled column by column, a legend
 * of more entries than columns read across as "d = 1, d = 16, d = 256, d = 4".
 */
export function bottomLegend(labels: string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  const widest = Math.max(40, ...labels.map((l) => textWidth(l, 11)));
  const columns = Math.max(1, Math.min(labels.length, 4, Math.floor((WIDTH + 40) / (widest + 60))));
  return { orient: 'bottom', direction: 'horizontal', columns, columnPadding: 24, labelLimit: 600, title: null, ...extra };
}

export function header(title: string, subtitle: string | string[] | undefined, width = WIDTH, height = HEIGHT) {
  return {
    $schema: SCHEMA,
    title: titleLines(title, subtitle),
    width,
    height,
    config: reportConfig(),
  };
}

export function seriesColor(domain: string[]) {
  return {
    field: 'series', type: 'nominal', title: null,
    scale: { domain, range: domain.map((_, i) => PALETTE[i % PALETTE.length]) },
    legend: domain.length > 1 || (domain.length === 1 && domain[0] !== '') ? bottomLegend(domain) : null,
  };
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
// simplex (d = 3): ternary projection, loss contours, sample paths
// ------------------------------------------------------------------------------------------------------------------

const SQRT3_2 = Math.sqrt(3) / 2;

/** Barycentric → 2-D (equilateral triangle): e1 at (0, 0), e2 at (1, 0), e3 at (½, √3/2). */
export function ternaryXY(p: readonly number[]): [number, number] {
  const s = p[0]! + p[1]! + p[2]!;
  const q1 = s > 0 ? p[1]! / s : 0, q2 = s > 0 ? p[2]! / s : 0;
  return [q1 + q2 / 2, q2 * SQRT3_2];
}

/** L(p) = ¼‖p‖⁴ − ⅓Σp_i³ (arXiv 2505.10272 Eq. 6, as reconstructed). */
export function lossL(p: readonly number[]): number {
  let s2 = 0, s3 = 0;
  for (const v of p) { s2 += v * v; s3 += v * v * v; }
  return 0.25 * s2 * s2 - s3 / 3;
}

/** −pᵀΓp/2. */
export function quadraticLoss(gamma: number[][], p: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) for (let j = 0; j < p.length; j++) s += p[i]! * (gamma[i]?.[j] ?? 0) * p[j]!;
  return -s / 2;
}

export interface ContourLine {
  level: number;
  /** Points in the ternary plane, in order; closed loops repeat their first point at the end. */
  points: [number, number][];
}

/**
 * Contour lines of f over the 2-simplex: marching squares' triangular analogue (marching triangles) on a barycentric
 * grid of n subdivisions per edge, so no saddle ambiguity; crossing points are keyed by grid edge and chained into
 * polylines (open ones end on the boundary, closed ones are loops).
 */
export function simplexContours(f: (p: [number, number, number]) => number, levels: number | number[], n = 90): { levels: number[]; lines: ContourLine[] } {
  const id = (i: number, j: number) => i * (n + 1) + j;
  const vals = new Float64Array((n + 1) * (n + 1));
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i <= n; i++) for (let j = 0; i + j <= n; j++) {
    const v = f([(n - i - j) / n, i / n, j / n]);
    vals[id(i, j)] = v;
    if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  }
  let lv: number[];
  if (Array.isArray(levels)) lv = levels.slice();
  else {
    lv = [];
    if (hi > lo) for (let k = 1; k <= levels; k++) lv.push(lo + ((hi - lo) * (k - 0.5)) / levels);
  }
  const bary = (v: number): [number, number] => [Math.floor(v / (n + 1)), v % (n + 1)];
  const tris: [number, number, number][] = [];
  for (let i = 0; i < n; i++) for (let j = 0; i + j < n; j++) {
    tris.push([id(i, j), id(i + 1, j), id(i, j + 1)]);
    if (i + j < n - 1) tris.push([id(i + 1, j), id(i, j + 1), id(i + 1, j + 1)]);
  }
  const M = (n + 1) * (n + 1);
  const lines: ContourLine[] = [];
  for (const level of lv) {
    const pts = new Map<number, [number, number]>();
    const adj = new Map<number, number[]>();
    const cross = (a: number, b: number): number => {
      const key = Math.min(a, b) * M + Math.max(a, b);
      if (!pts.has(key)) {
        const va = vals[a]!, vb = vals[b]!;
        const t = (level - va) / (vb - va);
        const [ia, ja] = bary(a), [ib, jb] = bary(b);
        const i = ia + t * (ib - ia), j = ja + t * (jb - ja);
        pts.set(key, ternaryXY([(n - i - j) / n, i / n, j / n]));
      }
      return key;
    };
    const link = (u: number, w: number) => {
      (adj.get(u) ?? adj.set(u, []).get(u)!).push(w);
      (adj.get(w) ?? adj.set(w, []).get(w)!).push(u);
    };
    for (const [a, b, c] of tris) {
      const A = vals[a]! > level, B = vals[b]! > level, C = vals[c]! > level;
      if (A === B && B === C) continue;
      const ks: number[] = [];
      if (A !== B) ks.push(cross(a, b));
      if (B !== C) ks.push(cross(b, c));
      if (C !== A) ks.push(cross(c, a));
      if (ks.length === 2) link(ks[0]!, ks[1]!);
    }
    const used = new Set<number>();
    const walk = (start: number) => {
      const chain = [start];
      used.add(start);
      let cur = start;
      for (;;) {
        const next = (adj.get(cur) ?? []).find((k) => !used.has(k));
        if (next === undefined) break;
        used.add(next);
        chain.push(next);
        cur = next;
      }
      if (chain.length > 2 && (adj.get(cur) ?? []).includes(start)) chain.push(start);
      if (chain.length >= 2) lines.push({ level, points: chain.map((k) => pts.get(k)!) });
    };
    for (const [k, nb] of adj) if (nb.length === 1 && !used.has(k)) walk(k);
    for (const k of adj.keys()) if (!used.has(k)) walk(k);
  }
  return { levels: lv, lines };
}

export interface SimplexData {
  paths: { id: number; step: number; p: [number, number, number]; group?: string }[];
  flowPaths?: { id: number; t: number; p: [number, number, number] }[];
  gamma?: number[][];
}

const r4 = (v: number) => Math.round(v * 1e4) / 1e4;

/**
 * The d = 3 simplex in a ternary projection (the layout of Figure 2 of arXiv 2505.10272): loss contours computed
 * here and inlined as lines, sample paths as thin lines (fainter the more there are), their start points marked,
 * replicator-flow paths in black. Paths longer than `maxPointsPerPath` are thinned evenly (last point kept).
 */
/**
 * The loss contours on the simplex: of L, or of −pᵀΓp/2 for correlated inputs. They depend only on Γ, the levels and
 * the grid: computed once per key (every sweep point, and the page's canvas, share them).
 */
const contourCache = new Map<string, ReturnType<typeof simplexContours>>();
export function lossContours(gamma: SimplexData['gamma'], levels: number, n: number): ReturnType<typeof simplexContours> {
  const key = JSON.stringify([gamma ?? null, levels, n]);
  let c = contourCache.get(key);
  if (!c) {
    c = simplexContours(gamma ? (p) => quadraticLoss(gamma, p) : lossL, levels, n);
    if (contourCache.size > 32) contourCache.clear();
    contourCache.set(key, c);
  }
  return c;
}

export function simplexSpec(
  data: SimplexData,
  opts: { title?: string; levels?: number; gridN?: number; maxPointsPerPath?: number; maxPoints?: number } = {},
): object {
  const gamma = data.gamma;
  const { levels, lines } = lossContours(gamma, opts.levels ?? 12, opts.gridN ?? 90);
  const contours: { c: number; i: number; x: number; y: number; level: number }[] = [];
  lines.forEach((ln, c) => ln.points.forEach(([x, y], i) => contours.push({ c, i, x: r4(x), y: r4(y), level: ln.level })));

  // sample paths, grouped by id, ordered by step, thinned (at most maxPointsPerPath each, maxPoints in all)
  const byId = new Map<number, SimplexData['paths']>();
  for (const q of data.paths) {
    if (!q.p || !finite(q.step, q.p[0], q.p[1], q.p[2])) continue;
    (byId.get(q.id) ?? byId.set(q.id, []).get(q.id)!).push(q);
  }
  const hasGroups = data.paths.some((q) => q.group !== undefined);
  const nPaths = byId.size;
  const maxPts = Math.max(2, Math.min(opts.maxPointsPerPath ?? 400, Math.floor((opts.maxPoints ?? 40000) / Math.max(nPaths, 1))));
  const pathLabel = `sample paths (${nPaths})`;
  const pathRows: { id: number; step: number; x: number; y: number; series: string }[] = [];
  const starts: { id: number; x: number; y: number; series: string }[] = [];
  for (const [pid, qs] of byId) {
    qs.sort((a, b) => a.step - b.step);
    const stride = Math.max(1, Math.ceil(qs.length / maxPts));
    qs.forEach((q, k) => {
      if (k % stride !== 0 && k !== qs.length - 1) return;
      const [x, y] = ternaryXY(q.p);
      pathRows.push({ id: pid, step: q.step, x: r4(x), y: r4(y), series: hasGroups ? (q.group ?? '') : pathLabel });
    });
    const [x, y] = ternaryXY(qs[0]!.p);
    if (!starts.some((q) => Math.abs(q.x - x) < 2e-3 && Math.abs(q.y - y) < 2e-3)) starts.push({ id: pid, x: r4(x), y: r4(y), series: hasGroups ? (qs[0]!.group ?? '') : pathLabel });
  }
  const flowRows: { id: number; t: number; x: number; y: number; series: string }[] = [];
  for (const q of data.flowPaths ?? []) {
    if (!q.p || !finite(q.t, q.p[0], q.p[1], q.p[2])) continue;
    const [x, y] = ternaryXY(q.p);
    flowRows.push({ id: q.id, t: q.t, x: r4(x), y: r4(y), series: 'replicator flow' });
  }

  const groups = uniq(pathRows.map((r) => r.series));
  // no blues (the contours are blue); orange and purple first: they stay apart even where many paths overlap
  const groupPalette = ['#e6550d', '#6a3d9a', '#31a354', '#d62728', '#8c564b', '#e377c2', '#636363', '#bcbd22'];
  const pathColors = hasGroups ? groups.map((_, i) => groupPalette[i % groupPalette.length]!) : [PALETTE[1]!];
  const colorDomain = [...groups, ...(flowRows.length ? ['replicator flow'] : [])];
  const colorRange = [...pathColors.slice(0, groups.length), ...(flowRows.length ? ['#111111'] : [])];
  const color = {
    field: 'series', type: 'nominal', title: null,
    scale: { domain: colorDomain, range: colorRange },
    legend: colorDomain.length ? { orient: 'bottom', direction: 'vertical', columns: colorDomain.length > 3 ? 2 : colorDomain.length, columnPadding: 28, symbolType: 'stroke', symbolOpacity: 1, symbolStrokeWidth: 2.5, labelLimit: 400 } : null,
  };
  // Opacity and width per series, from how many paths it has: a lone path stays visible beside a bundle of 100.
  const perSeries = new Map<string, Set<number>>();
  for (const r of pathRows) (perSeries.get(r.series) ?? perSeries.set(r.series, new Set()).get(r.series)!).add(r.id);
  const styleOf = (n: number) => ({
    op: Math.min(0.85, Math.max(0.07, 4 / Math.sqrt(Math.max(n, 1)))),
    sw: n > 200 ? 0.6 : n > 30 ? 0.8 : n > 3 ? 1.2 : 1.8,
  });
  const styles = new Map([...perSeries].map(([series, ids]) => [series, styleOf(ids.size)]));
  const styledRows = pathRows.map((r) => {
    const st = styles.get(r.series)!;
    return { id: r.id, step: r.step, x: r.x, y: r.y, series: r.series, op: st.op, sw: st.sw };
  });

  // geometry: equal units on both axes so the triangle is equilateral
  const pad = 0.09;
  const xDom = [-pad, 1 + pad], yDom = [-pad, SQRT3_2 + pad * 0.6];
  const width = 520;
  const height = Math.round((width * (yDom[1]! - yDom[0]!)) / (xDom[1]! - xDom[0]!));
  const x = { field: 'x', type: 'quantitative', scale: { domain: xDom, nice: false, zero: false }, axis: null };
  const y = { field: 'y', type: 'quantitative', scale: { domain: yDom, nice: false, zero: false }, axis: null };
  const triangle = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]].map((p, i) => { const [a, b] = ternaryXY(p); return { i, x: r4(a), y: r4(b) }; });
  const off = 0.03;
  const vertexLabels = [
    { x: -off * SQRT3_2, y: -off / 2, text: 'e₁', align: 'right' },
    { x: 1 + off * SQRT3_2, y: -off / 2, text: 'e₂', align: 'left' },
    { x: 0.5, y: SQRT3_2 + off * 0.6, text: 'e₃', align: 'center' },
  ];
  const vertexLayers = vertexLabels.map((v) => ({
    data: { values: [v] },
    mark: { type: 'text', fontSize: 15, fontWeight: 'bold', baseline: 'middle', align: v.align, color: '#222' },
    encoding: { x, y, text: { field: 'text' } },
  }));
  const lossText = gamma ? 'contours of −pᵀΓp/2' : 'contours of L(p) = ¼‖p‖⁴ − ⅓Σpᵢ³ (arXiv 2505.10272 Eq. 6, as reconstructed)';
  const lvMin = levels.length ? Math.min(...levels) : 0, lvMax = levels.length ? Math.max(...levels) : 1;

  return {
    ...header(opts.title ?? 'Sample paths on the simplex', [lossText, `thin lines: sample paths p(k); ○: start points${flowRows.length ? '; black: replicator flow' : ''}`], width, height),
    config: { ...reportConfig(), view: { stroke: null } },
    layer: [
      {
        data: { values: contours },
        mark: { type: 'line', strokeWidth: 1, interpolate: 'linear', strokeJoin: 'round' },
        encoding: {
          x, y, detail: { field: 'c' }, order: { field: 'i' },
          stroke: {
            field: 'level', type: 'quantitative', title: gamma ? '−pᵀΓp/2' : 'L(p)',
            scale: { scheme: { name: 'blues', extent: [0.35, 1] }, domain: [lvMin, lvMax], reverse: true, zero: false, nice: false },
            legend: { orient: 'right', format: '.3~f', gradientLength: Math.min(220, height - 120), titlePadding: 8, direction: 'vertical' },
          },
        },
      },
      { data: { values: triangle }, mark: { type: 'line', color: '#444', strokeWidth: 1.5 }, encoding: { x, y, order: { field: 'i' } } },
      {
        data: { values: styledRows },
        mark: { type: 'line', strokeJoin: 'round' },
        encoding: {
          x, y, detail: { field: 'id' }, order: { field: 'step' }, color,
          opacity: { field: 'op', type: 'quantitative', scale: null, legend: null },
          strokeWidth: { field: 'sw', type: 'quantitative', scale: null, legend: null },
        },
      },
      {
        data: { values: flowRows },
        mark: { type: 'line', strokeWidth: 2.5, strokeJoin: 'round' },
        encoding: { x, y, detail: { field: 'id' }, order: { field: 't' }, color },
      },
      {
        data: { values: starts },
        mark: { type: 'point', shape: 'circle', size: 60, opacity: 1, strokeWidth: 1.5, fill: 'white' },
        encoding: { x, y, stroke: { value: '#111' } },
      },
      ...vertexLayers,
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
