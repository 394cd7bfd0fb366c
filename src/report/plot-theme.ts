/**
 * The report plots' shared look (vega-lite): the theme every spec carries in its `config`, a spec's header (schema,
 * title wrapped to the page's width, size), colours, legends below the plot, and axis helpers. The specs themselves
 * are in plots.ts (probabilities and log-gaps against α, 1/α, t and steps), simplex-plot.ts (the simplex) and the
 * models' own plot modules.
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

/** Are all of xs finite numbers? (Rows with others are dropped: JSON would turn them into null.) */
export const finite = (...xs: unknown[]) => xs.every((x) => typeof x === 'number' && Number.isFinite(x));

/**
 * An axis with SI-prefixed labels ("200", "1.2k", "10M"). vega formats a linear axis's ticks with one prefix, the
 * largest tick's, so its zero would read "0k": the zero tick reads 0.
 */
export function siAxis(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { format: '~s', labelExpr: "datum.value === 0 ? '0' : datum.label", ...extra };
}

/** The distinct strings of xs, in their first order. */
export const uniq = (xs: string[]) => [...new Set(xs)];

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
