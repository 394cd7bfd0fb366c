/**
 * Rendering the report's vega-lite specs (plots.ts) in the page, and to SVG/PNG for export, with vega itself (no
 * network: every spec inlines its data).
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

const views = new WeakMap<HTMLElement, vega.View>();

function toView(spec: object, renderer: 'svg' | 'canvas' | 'none'): vega.View {
  const vg = compile(JSON.parse(JSON.stringify(spec)) as TopLevelSpec).spec;
  return new vega.View(vega.parse(vg), { renderer, logLevel: vega.Error });
}

/** A facet cell narrower than this (px, its plotting area) leaves too little room: the facets are stacked instead. */
const MIN_CELL_WIDTH = 240;
/** First guess of what sits beside each facet cell (its y axis's labels and title); corrected after a first layout. */
const CELL_AXIS_ROOM = 72;
/** vega-lite's default space between facet cells. */
const CELL_SPACING = 20;

/** How a faceted spec's cells are laid out in a panel: columns and the width of each cell's plotting area. */
export interface FacetCells { columns: number; width: number }

/**
 * The facets of a faceted spec in a panel `width` px wide: the spec's columns where each cell keeps at least
 * MIN_CELL_WIDTH, else one column (stacked); the cells' width shares out what their axes leave.
 */
export function facetCells(spec: object, width: number): FacetCells | null {
  const s = spec as Record<string, any>;
  if (!('facet' in s) || !s.spec || typeof s.spec !== 'object') return null;
  const want = Math.max(1, Math.floor(Number(s.columns) || 1));
  const cellsAt = (n: number) => Math.floor((width - n * CELL_AXIS_ROOM - (n - 1) * CELL_SPACING) / n);
  const columns = want > 1 && cellsAt(want) >= MIN_CELL_WIDTH ? want : 1;
  return { columns, width: Math.max(120, cellsAt(columns)) };
}

/**
 * The spec resized to fit a box of the given width (legends and axes included). A faceted spec (vega-lite's autosize
 * cannot fit one: it warned "Autosize "fit" only works for single views and layered views" and drew at the report's
 * size, which the panel then shrank to 6–7 px text) gets cells of `cells.width` px in `cells.columns` columns instead
 * (facetCells: the report's two columns where they fit, else stacked), drawn at full size.
 */
export function fitted(spec: object, width: number, height: number, cells?: FacetCells | null): object {
  const s = JSON.parse(JSON.stringify(spec));
  const facet = cells === undefined ? facetCells(s, width) : cells;
  const composite = ['facet', 'hconcat', 'vconcat', 'concat', 'repeat'].some((k) => k in s);
  if (facet) {
    // the cells carry the size; a top-level width or height does not apply to a facet
    delete s.width;
    delete s.height;
    s.columns = facet.columns;
    const h = Math.max(120, Math.round(Math.min(Number(s.spec.height) || 240, facet.width * 0.5)));
    s.spec = { ...s.spec, width: facet.width, height: h };
    s.autosize = { type: 'pad', contains: 'padding' };
  } else if (composite) {
    // no plot of the report is such a view: drawn at its own size (vega cannot fit it), scaled by the page's CSS
    s.autosize = { type: 'pad', contains: 'padding' };
  } else {
    s.width = Math.max(160, Math.round(width));
    // The width fits the panel; the height grows with what sits below the plot (legends moved there below), so a long
    // legend lengthens the figure instead of squeezing the plot and pushing the title out of the top.
    s.height = Math.max(120, Math.round(height * 0.6));
    s.autosize = { type: 'fit-x', contains: 'padding' };
  }
  s.config = {
    ...(s.config ?? {}), padding: 4,
    title: { ...(s.config?.title ?? {}), fontSize: 13, subtitleFontSize: 11, limit: Math.max(120, width - 24) },
    // A narrow panel cannot hold every tick label of the report's width: overlapping ones are dropped, not drawn
    // over, by vega-lite's defaults (every other label on linear axes, greedily on log axes; the report's theme leaves
    // them too, src/report/plot-theme.ts). `labelOverlap: true` here hid every other label of log axes (0.1 of 0.05–0.2).
    // Several legends below the plot are stacked, one under another: side by side, the second ran off the panel.
    legend: { ...(s.config?.legend ?? {}), layout: { bottom: { anchor: 'start', direction: 'vertical' } } },
  };
  // Legends of the report (640 px wide) go in columns: in a narrow panel, one column below the plot.
  const walk = (o: unknown): void => {
    if (!o || typeof o !== 'object') return;
    if (Array.isArray(o)) { o.forEach(walk); return; }
    const r = o as Record<string, unknown>;
    for (const [k, v] of Object.entries(r)) {
      // every legend, right-hand ones included: a right-hand legend in a narrow panel would have to cut its labels
      // (a colour bar of a quantitative scale stays where it is: its labels are short numbers)
      if (k === 'legend' && v && typeof v === 'object' && r.type !== 'quantitative') {
        r[k] = { ...(v as object), orient: 'bottom', direction: 'vertical', columns: 1, labelLimit: Math.max(120, width - 110) };
      } else walk(v);
    }
  };
  walk(s.layer ?? s);
  dropOffLogScale(s);
  return s;
}

/**
 * In every view of a spec, rows whose value for a channel on a log scale (or its x2/y2 end) is not above 0 are left
 * out: a log axis has no place for them, and vega drew them at NaN (the natural-gradient run's time to the KL
 * threshold is 0 where learners start below it: its rules' ends were NaN, "Error: <line> attribute y2: Expected
 * length, "NaN"" once per rule). Aggregated channels are left alone (their inputs are not their values). Returns how
 * many of the spec's inline data rows are left out so (numbers ≤ 0; vega-lite leaves out nulls by itself).
 */
export function dropOffLogScale(spec: object): number {
  const dropped = new Set<object>();
  const visit = (o: unknown, rows: unknown[] | null): void => {
    if (!o || typeof o !== 'object') return;
    if (Array.isArray(o)) { o.forEach((x) => visit(x, rows)); return; }
    const v = o as Record<string, any>;
    const own = Array.isArray(v.data?.values) ? (v.data.values as unknown[]) : rows;
    const enc = v.encoding as Record<string, any> | undefined;
    if (v.mark && enc && typeof enc === 'object') {
      const fields: string[] = [];
      for (const ch of ['x', 'y']) {
        const c = enc[ch];
        if (!c || typeof c !== 'object' || c.scale?.type !== 'log' || c.aggregate) continue;
        for (const f of [c.field, enc[`${ch}2`]?.field]) if (typeof f === 'string') fields.push(f);
      }
      if (fields.length) {
        v.transform = [...(Array.isArray(v.transform) ? v.transform : []), ...fields.map((f) => ({ filter: { field: f, gt: 0 } }))];
        for (const r of own ?? []) {
          if (r && typeof r === 'object' && fields.some((f) => typeof (r as Record<string, unknown>)[f] === 'number' && !((r as Record<string, number>)[f]! > 0))) dropped.add(r);
        }
      }
    }
    for (const k of ['layer', 'spec', 'hconcat', 'vconcat', 'concat']) if (k in v) visit(v[k], own);
  };
  visit(spec, null);
  return dropped.size;
}

/** The number of a spec's data rows the page leaves out because they cannot sit on a log axis (dropOffLogScale). */
export function offLogScale(spec: object): number {
  return dropOffLogScale(JSON.parse(JSON.stringify(spec)));
}

/** Render (or re-render) a spec into a container, replacing what was there. */
export async function renderInto(container: HTMLElement, spec: object): Promise<vega.View> {
  views.get(container)?.finalize();
  const width = container.clientWidth || 440;
  const height = Math.round(width * 0.86);
  let cells = facetCells(spec, width);
  let view = await draw(container, fitted(spec, width, height, cells));
  if (cells) {
    // the cells' axes took what they took: share out the difference between the figure's width and the panel's
    const drawn = Number(container.querySelector('svg')?.getAttribute('width'));
    const fix = Math.floor((width - drawn) / cells.columns);
    if (Number.isFinite(fix) && (fix < 0 || fix > 2)) {
      view.finalize();
      cells = { ...cells, width: Math.max(120, cells.width + fix) };
      view = await draw(container, fitted(spec, width, height, cells));
    }
  }
  return view;
}

async function draw(container: HTMLElement, spec: object): Promise<vega.View> {
  const view = toView(spec, 'svg');
  view.initialize(container);
  views.set(container, view);
  await view.runAsync();
  return view;
}

export async function specToSvg(spec: object): Promise<string> {
  const view = toView(spec, 'none');
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export async function specToPng(spec: object, scale = 2): Promise<Blob> {
  await document.fonts?.ready;
  const view = toView(spec, 'none');
  try {
    const canvas = (await view.toCanvas(scale)) as unknown as HTMLCanvasElement;
    return await new Promise<Blob>((ok, fail) => canvas.toBlob((b) => (b ? ok(b) : fail(new Error('PNG encoding failed'))), 'image/png'));
  } finally {
    view.finalize();
  }
}
