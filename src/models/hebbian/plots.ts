/**
 * The Hebbian model's plot specs (vega-lite, src/report/plots.ts conventions: data inlined, one theme, legends below):
 * the alignment against time, the measured ⟨signal, Hebbian⟩ against time with the exact closed form drawn on top
 * (linear student), and the (σ, γ) phase diagram as a grid of equal cells, one per grid point, with the predicted
 * boundary drawn on top in the cells' coordinates.
 */
import { PALETTE, bottomLegend, header, seriesColor, siAxis } from '../../report/plot-theme.ts';

/** Interval row of one series at one checkpoint. */
export interface TimeRow { step: number; value: number | null; lo: number | null; hi: number | null; series: string; layer: string }

const finite = (...xs: unknown[]) => xs.every((x) => typeof x === 'number' && Number.isFinite(x));

/**
 * The step axis: from 0 to the last step, ticks at the checkpoints when there are few of them (integers, never
 * "150.000000"), SI-prefixed ("10k", the zero tick 0) for long runs.
 */
export function stepAxis(checkpoints: number[], steps: number) {
  const few = checkpoints.length <= 12;
  const one = checkpoints.length < 2;
  const values = few ? (one ? [0, ...checkpoints] : checkpoints) : undefined;
  return {
    field: 'step', type: 'quantitative', title: 'step',
    scale: { domain: one ? [0, Math.max(steps, checkpoints[0] ?? 1)] : [checkpoints[0]!, checkpoints.at(-1)!], nice: false, zero: false, padding: 14 },
    axis: { ...(steps >= 10_000 ? siAxis() : { format: 'd' }), ...(values ? { values } : { tickCount: 8 }), labelFlush: true },
  };
}

/** Interval marks: a shaded band between checkpoints when there are several, error bars when there is only one. */
function intervalLayer(rows: TimeRow[], x: object, yTitle: string, color: object, checkpoints: number) {
  const band = rows.filter((r) => finite(r.step, r.lo, r.hi));
  return checkpoints > 1
    ? { data: { values: band }, mark: { type: 'area', opacity: 0.14 }, encoding: { x, y: { field: 'lo', type: 'quantitative', title: yTitle }, y2: { field: 'hi' }, color, detail: { field: 'layer' } } }
    : { data: { values: band }, mark: { type: 'errorbar', ticks: { size: 10 }, thickness: 1.5 }, encoding: { x, y: { field: 'lo', type: 'quantitative', title: yTitle }, y2: { field: 'hi' }, color, detail: { field: 'layer' } } };
}

/** One legend below the plot for the series (stroke symbols, nothing cut). */
function lineColor(domain: string[]) {
  const c = seriesColor(domain);
  return { ...c, legend: bottomLegend(domain, { symbolType: 'stroke', symbolOpacity: 1, symbolStrokeWidth: 3 }) };
}

/**
 * The alignment (a cosine) against the step per shown grid point: the mean with its 95 % interval, layer 1 solid and
 * layer 2 dashed (the subtitle says so: one legend only, the series', below the plot).
 */
export function alignmentTimeSpec(o: {
  rows: TimeRow[]; domain: string[]; checkpoints: number[]; steps: number; title: string; subtitle: string;
}): object {
  const x = stepAxis(o.checkpoints, o.steps);
  const rows = o.rows.filter((r) => finite(r.step, r.value));
  const color = lineColor(o.domain);
  const yTitle = 'cos(S, H)';
  return {
    ...header(o.title, o.subtitle),
    layer: [
      { data: { values: [{ y: 0 }] }, mark: { type: 'rule', color: '#888' }, encoding: { y: { field: 'y', type: 'quantitative', title: yTitle } } },
      intervalLayer(o.rows, x, yTitle, color, o.checkpoints.length),
      {
        data: { values: rows }, mark: { type: 'line', strokeWidth: 2, point: { filled: true, size: 36 } },
        encoding: {
          x, y: { field: 'value', type: 'quantitative', title: yTitle }, color, detail: { field: 'layer' },
          strokeDash: { field: 'layer', type: 'nominal', scale: { domain: ['layer 1', 'layer 2'], range: [[1, 0], [6, 4]] }, legend: null },
          tooltip: [{ field: 'series' }, { field: 'layer' }, { field: 'step' }, { field: 'value', title: 'cos', format: '.4f' }, { field: 'lo', format: '.4f' }, { field: 'hi', format: '.4f' }],
        },
      },
    ],
  };
}

/**
 * The measured window mean of ⟨signal, Hebbian⟩ per checkpoint (points with 95 % error bars) and, drawn after them,
 * the exact closed form's window mean at every step (dashed lines, darker than their series' colour is not needed:
 * dashes against points tell them apart in grey print).
 */
export function innerProductTimeSpec(o: {
  measured: TimeRow[]; theory: { step: number; value: number; series: string }[]; domain: string[]; checkpoints: number[]; steps: number;
  title: string; subtitle: string | string[];
}): object {
  const x = stepAxis(o.checkpoints, o.steps);
  const pts = o.measured.filter((r) => finite(r.step, r.value));
  const bars = o.measured.filter((r) => finite(r.step, r.lo, r.hi));
  const th = o.theory.filter((r) => finite(r.step, r.value));
  const color = lineColor(o.domain);
  const yTitle = '⟨S, H⟩, window mean';
  const y = { field: 'value', type: 'quantitative', title: yTitle, scale: { zero: false } };
  return {
    ...header(o.title, o.subtitle),
    layer: [
      { data: { values: [{ y: 0 }] }, mark: { type: 'rule', color: '#888' }, encoding: { y: { field: 'y', type: 'quantitative' } } },
      { data: { values: bars }, mark: { type: 'errorbar', ticks: { size: 8 }, thickness: 1.5 }, encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color } },
      {
        data: { values: pts }, mark: { type: 'point', filled: true, size: 50, opacity: 1, stroke: 'white', strokeWidth: 0.8 },
        encoding: { x, y, color, tooltip: [{ field: 'series' }, { field: 'step' }, { field: 'value', title: 'measured', format: '.4f' }, { field: 'lo', format: '.4f' }, { field: 'hi', format: '.4f' }] },
      },
      {
        data: { values: th }, mark: { type: 'line', strokeWidth: 2, strokeDash: [7, 3], clip: true },
        encoding: { x, y, color, detail: { field: 'series' }, tooltip: [{ field: 'series' }, { field: 'step' }, { field: 'value', title: 'closed form', format: '.4f' }] },
      },
    ],
  };
}

/**
 * Grid values → cell coordinates: the i-th smallest value at i, piecewise linear between grid values (in log when
 * `log`), extended past the ends with the end cells' spacing. Cells are then [i − ½, i + ½], all of one width.
 */
export function gridCoordinate(values: number[], log: boolean) {
  const u = [...new Set(values)].sort((a, b) => a - b);
  const t = (v: number) => (log ? Math.log(v) : v);
  const tu = u.map(t);
  const n = u.length;
  const to = (v: number): number | null => {
    if (log && !(v > 0)) return null;
    if (n === 1) return v === u[0] ? 0 : null;
    const x = t(v);
    if (x <= tu[0]!) return (x - tu[0]!) / (tu[1]! - tu[0]!);
    if (x >= tu[n - 1]!) return n - 1 + (x - tu[n - 1]!) / (tu[n - 1]! - tu[n - 2]!);
    let k = 0;
    while (k < n - 2 && x > tu[k + 1]!) k++;
    return k + (x - tu[k]!) / (tu[k + 1]! - tu[k]!);
  };
  const from = (c: number): number => {
    if (n === 1) return u[0]!;
    const k = Math.min(n - 2, Math.max(0, Math.floor(c)));
    const x = tu[k]! + (c - k) * (tu[k + 1]! - tu[k]!);
    return log ? Math.exp(x) : x;
  };
  return { values: u, to, from };
}

export interface PhaseCell { sigma: number; gamma: number; cos: number | null; label: string }

/** Width of the stroke behind a cell's number (in its cell's colour), in px: covers a boundary line next to a glyph. */
export const LABEL_HALO_PX = 6;


/**
 * The phase diagram: one full, equal cell per (σ, γ) grid point (σ across, γ up; the axes label the grid values, so
 * they are not to scale), coloured by the measured alignment and labelled with it (white text on dark cells), and the
 * predicted boundary γ(σ) per series drawn over the cells, in the cells' coordinates (piecewise linear between grid
 * values, γ in log), dotted or dashed over a white halo, clipped to the grid; the cells' numbers drawn last, each over
 * a halo of its cell's colour, so a boundary never covers one.
 */
export function phaseDiagramSpec(o: {
  cells: PhaseCell[]; sigmas: number[]; gammas: number[]; sigmaTitle: string; title: string; subtitle: string[];
  /** Per series, the boundary's roots γ at σ (any number of roots per σ; σ increasing). */
  boundary: { series: string; points: { sigma: number; roots: number[] }[] }[];
}): object {
  const gs = gridCoordinate(o.sigmas, false), gg = gridCoordinate(o.gammas, o.gammas.every((g) => g > 0));
  const nx = gs.values.length, ny = gg.values.length;
  const m = Math.max(0.05, ...o.cells.map((c) => Math.abs(c.cos ?? 0)));
  const cells = o.cells.map((c) => {
    const i = gs.to(c.sigma)!, j = gg.to(c.gamma)!;
    return { ...c, x0: i - 0.5, x1: i + 0.5, y0: j - 0.5, y1: j + 0.5, xc: i, yc: j, dark: c.cos !== null && Math.abs(c.cos) > 0.55 * m ? 1 : 0 };
  });
  const labelExpr = (v: number[]) => `${JSON.stringify(v.map((x) => String(x)))}[round(datum.value)]`;
  const x = {
    field: 'x0', type: 'quantitative', title: o.sigmaTitle, scale: { domain: [-0.5, nx - 0.5], nice: false, zero: false },
    axis: { values: gs.values.map((_, i) => i), labelExpr: labelExpr(gs.values), grid: false, labelPadding: 4, labelFlush: false },
  };
  const y = {
    field: 'y0', type: 'quantitative', title: 'weight decay γ', scale: { domain: [-0.5, ny - 0.5], nice: false, zero: false },
    axis: { values: gg.values.map((_, j) => j), labelExpr: labelExpr(gg.values), grid: false, labelPadding: 4, labelFlush: false },
  };
  // boundary lines in cell coordinates: roots of consecutive σ samples joined to the nearest root of the previous sample
  // (lower and upper branch); where two branches end together (the roots meet and vanish), they are joined at the tip
  const lines: { x: number; y: number; series: string; part: number; order: number }[] = [];
  const clipY = (v: number) => Math.max(-2, Math.min(ny + 1, v));
  o.boundary.forEach(({ series, points }) => {
    let part = 0;
    const pieces: { id: number; pts: { x: number; y: number }[] }[] = [];
    let active: typeof pieces = [];
    let prevX = NaN;
    for (const p of points) {
      const xc = gs.to(p.sigma);
      if (xc === null) continue;
      const ys = p.roots.map((g) => gg.to(g)).filter((v): v is number => v !== null).sort((a, b) => a - b);
      const next: typeof pieces = [];
      const free = [...active];
      for (const y of ys) {
        // the nearest root of the previous sample continues a piece, unless it is more than two cells away (a root
        // entering or leaving the root finder's range elsewhere is a new piece, not a jump across the diagram)
        let best = -1;
        free.forEach((q, i) => { if (best < 0 || Math.abs(q.pts.at(-1)!.y - y) < Math.abs(free[best]!.pts.at(-1)!.y - y)) best = i; });
        if (best >= 0 && Math.abs(free[best]!.pts.at(-1)!.y - y) > 2) best = -1;
        const q = best >= 0 ? free.splice(best, 1)[0]! : { id: part++, pts: [] };
        if (best < 0) pieces.push(q);
        q.pts.push({ x: xc, y });
        next.push(q);
      }
      if (ys.length === 0 && free.length === 2) {
        // the two roots met between the previous sample and this one: close the curve there
        const [a, b] = free as [typeof pieces[0], typeof pieces[0]];
        const tip = { x: (prevX + xc) / 2, y: (a.pts.at(-1)!.y + b.pts.at(-1)!.y) / 2 };
        a.pts.push(tip, ...[...b.pts].reverse());
        b.pts.length = 0;
      }
      active = next;
      prevX = xc;
    }
    for (const q of pieces) q.pts.forEach((pt, k) => lines.push({ x: pt.x, y: clipY(pt.y), series, part: q.id, order: k }));
  });
  const bDomain = o.boundary.map((b) => b.series);
  // the η → 0 boundary dotted black, the exact-η boundary dashed orange (apart in grey print by the dash pattern)
  const style = (name: string) => (/η → 0/.test(name) ? { color: '#000000', dash: [2, 3] } : { color: PALETTE[4]!, dash: [8, 4] });
  const legend = bottomLegend(bDomain, { symbolType: 'stroke', symbolStrokeWidth: 3, symbolSize: 400 });
  const boundaryLayer = (halo: boolean) => ({
    data: { values: lines },
    mark: { type: 'line', clip: true, strokeWidth: halo ? 5 : 2.6, ...(halo ? { stroke: 'white', opacity: 0.75 } : {}), strokeCap: 'butt' },
    encoding: {
      x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' },
      detail: [{ field: 'series' }, { field: 'part' }], order: { field: 'order' },
      ...(halo ? {} : {
        stroke: { field: 'series', type: 'nominal', title: null, scale: { domain: bDomain, range: bDomain.map((b) => style(b).color) }, legend },
        strokeDash: { field: 'series', type: 'nominal', title: null, scale: { domain: bDomain, range: bDomain.map((b) => style(b).dash) }, legend },
      }),
    },
  });
  // two decimals: "−0.37" is 31 px at 10 px, inside the ≈ 37 px cells of a 9-column grid in the page's panel. The
  // halo is the same text filled and stroked in its cell's colour (the cells' colour scale, by name: a stroke channel
  // would share the boundary's stroke scale and legend), drawn first: vega's SVG has no paint-order, so a stroke on
  // the text itself would eat into its glyphs.
  const cellColorExpr = "scale('color', datum.cos)";
  const labelLayer = (halo: boolean) => ({
    data: { values: cells.filter((c) => c.label !== '') },
    mark: {
      type: 'text', fontSize: 10, baseline: 'middle', align: 'center',
      ...(halo ? { fill: { expr: cellColorExpr }, stroke: { expr: cellColorExpr }, strokeWidth: LABEL_HALO_PX, strokeJoin: 'round' } : {}),
    },
    encoding: {
      x: { field: 'xc', type: 'quantitative' }, y: { field: 'yc', type: 'quantitative' }, text: { field: 'label' },
      ...(halo ? {} : { color: { condition: { test: 'datum.dark === 1', value: 'white' }, value: '#1a1a1a' } }),
    },
  });
  // cells square-ish: the width fixed by the report, the height by the number of γ rows (within limits)
  const width = 640, height = Math.round(Math.min(460, Math.max(260, (width * ny) / Math.max(nx, 1) * 0.75)));
  return {
    ...header(o.title, o.subtitle, width, height),
    layer: [
      {
        data: { values: cells }, mark: { type: 'rect', stroke: 'white', strokeWidth: 1 },
        encoding: {
          x, x2: { field: 'x1' }, y, y2: { field: 'y1' },
          // no colour bar: every cell carries its number (and the page would put a bar below the plot, in its height)
          color: { field: 'cos', type: 'quantitative', title: 'cos', scale: { scheme: 'redblue', domain: [-m, m] }, legend: null },
          tooltip: [{ field: 'sigma', title: 'σ' }, { field: 'gamma', title: 'γ' }, { field: 'cos', format: '.4f' }],
        },
      },
      ...(lines.length ? [boundaryLayer(true), boundaryLayer(false)] : []),
      // the numbers above the boundary, each over a halo of its cell's colour: a curve through a cell stops short of
      // its number instead of crossing it (drawn before the curves, a number under a dashed line was unreadable)
      ...(lines.length ? [labelLayer(true)] : []),
      labelLayer(false),
    ],
  };
}
