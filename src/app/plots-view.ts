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

/** The spec resized to fit a box of the given width (legends and axes included). */
export function fitted(spec: object, width: number, height: number): object {
  const s = JSON.parse(JSON.stringify(spec));
  s.width = Math.max(160, Math.round(width));
  // The width fits the panel; the height grows with what sits below the plot (legends moved there below), so a long
  // legend lengthens the figure instead of squeezing the plot and pushing the title out of the top.
  const composite = ['facet', 'hconcat', 'vconcat', 'concat', 'repeat'].some((k) => k in s);
  s.height = Math.max(120, Math.round(composite ? height : height * 0.6));
  s.autosize = { type: composite ? 'fit' : 'fit-x', contains: 'padding' };
  s.config = {
    ...(s.config ?? {}), padding: 4,
    title: { ...(s.config?.title ?? {}), fontSize: 13, subtitleFontSize: 11, limit: Math.max(120, width - 24) },
    // A narrow panel cannot hold every tick label of the report's width: overlapping ones are dropped, not drawn
    // over, by vega-lite's defaults (every other label on linear axes, greedily on log axes; the report's theme leaves
    // them too, src/report/plots.ts). `labelOverlap: true` here hid every other label of log axes (0.1 of 0.05–0.2).
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
  return s;
}

/** Render (or re-render) a spec into a container, replacing what was there. */
export async function renderInto(container: HTMLElement, spec: object): Promise<vega.View> {
  views.get(container)?.finalize();
  const width = container.clientWidth || 440;
  const view = toView(fitted(spec, width, Math.round(width * 0.86)), 'svg');
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
