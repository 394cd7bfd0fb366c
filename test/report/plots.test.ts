/**
 * Every plot spec renders headless to a well-formed SVG carrying the expected marks (counted against the spec's
 * data, not pixels), and to a valid PNG. The made-up sample inputs (test/report/samples.ts, test data only) are
 * also written to /tmp/report-samples/ (SVG, PNG, vega-lite spec) for a person to look at.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { header, seriesColor, logTickValues } from '../../src/report/plot-theme.ts';
import { logFailureVsInvAlphaSpec, logGapSpec, successVsAlphaSpec, successVsStepSpec } from '../../src/report/plots.ts';
import { lossL, simplexContours, simplexSpec, ternaryXY } from '../../src/report/simplex-plot.ts';
import { renderSvg, specJson, svgToPng, writePlot } from '../../src/report/render.ts';
import { fitted } from '../../src/app/plots-view.ts';
import { hasGlyphs, measureText } from '../../src/report/fonts.ts';
import { groups, parseXml, pathVertexCount, texts, visibleAxisLabels, walk, type XmlNode } from './svg-tree.ts';
import { logFailureSample, logGapSample, simplexSample, successVsAlphaSample, successVsStepSample } from './samples.ts';

const SAMPLES_DIR = process.env.REPORT_SAMPLES_DIR ?? '/tmp/report-samples';

/** PNG signature, then IHDR as the first chunk: width and height. */
export function pngSize(png: Uint8Array): { width: number; height: number } {
  const sig = [137, 80, 78, 71, 13, 10, 26, 10];
  expect(Array.from(png.slice(0, 8))).toEqual(sig);
  expect(String.fromCharCode(...png.slice(12, 16))).toBe('IHDR');
  const v = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: v.getUint32(16), height: v.getUint32(20) };
}

function layerData(spec: any): any[][] {
  return spec.layer.map((l: any) => l.data?.values ?? []);
}

/** Every string a spec would draw (titles, subtitles, axis and legend titles, data labels) has DejaVu glyphs. */
function specStrings(spec: unknown): string[] {
  const out: string[] = [];
  const visit = (v: unknown, key: string) => {
    if (typeof v === 'string' && ['text', 'subtitle', 'title', 'series', 'layer', 'label'].includes(key)) out.push(v);
    else if (Array.isArray(v)) v.forEach((x) => visit(x, key));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) visit(x, k);
  };
  visit(spec, '');
  return out;
}

interface Rendered { spec: any; svg: string; tree: XmlNode }
const rendered: Record<string, Rendered> = {};

const SAMPLES: Record<string, () => object> = {
  'success-vs-alpha': () => successVsAlphaSpec(successVsAlphaSample()),
  'log-failure-vs-inv-alpha': () => logFailureVsInvAlphaSpec(logFailureSample()),
  'log-gap': () => logGapSpec(logGapSample()),
  simplex: () => simplexSpec(simplexSample()),
  'simplex-groups': () => simplexSpec(simplexSample(300, 200, ['α = 0.02', 'α = 0.05'])),
  'simplex-gamma': () => simplexSpec({ ...simplexSample(12, 300), gamma: [[1, 0.2, 0], [0.2, 0.9, 0.1], [0, 0.1, 0.8]] }),
  'success-vs-step': () => successVsStepSpec(successVsStepSample()),
  'success-vs-step-series': () => successVsStepSpec(successVsStepSample(true)),
};

beforeAll(async () => {
  for (const [name, make] of Object.entries(SAMPLES)) {
    const spec = make();
    const w = await writePlot(SAMPLES_DIR, name, spec);
    const svg = readFileSync(w.svg, 'utf8');
    rendered[name] = { spec, svg, tree: parseXml(svg) };
  }
});

describe('success probability against α', () => {
  it('draws one point and one error bar per Monte Carlo estimate and one theory line per series', () => {
    const { spec, tree } = rendered['success-vs-alpha']!;
    const data = successVsAlphaSample();
    // theory drawn last, above the Monte Carlo points
    const [bars, points, theory] = layerData(spec);
    expect(points).toEqual(data.empirical);
    expect(bars).toEqual(data.empirical);
    expect(theory).toEqual(data.theory);
    expect(groups(tree, 'mark-symbol', 'layer_1_marks')[0]!.children.filter((c) => c.tag === 'path')).toHaveLength(data.empirical.length);
    const lines = groups(tree, 'mark-line', 'layer_2_marks').map((g) => g.children[0]!);
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(pathVertexCount(l.attrs.d!)).toBe(data.theory.length / 2);
    const t = texts(tree);
    for (const s of ['Success probability against α', 'learning rate α (log scale)', 'rates (1, 0.8), uniform ±1', 'rates (1, 0.9), uniform ±1']) expect(t).toContain(s);
    // log axis labelled at 1-2-5 decades; probability axis not above 1
    expect(spec.layer[0].encoding.x.scale.type).toBe('log');
    expect(t).toEqual(expect.arrayContaining(['0.005', '0.01', '0.02', '0.05', '0.1', '0.2']));
    expect(spec.layer[0].encoding.y.scale.domain[1]).toBeLessThanOrEqual(1);
  });
});

describe('log P(failure) against 1/α', () => {
  it('draws the empirical points (P = 0 absent) and straight theory lines', () => {
    const { spec, tree } = rendered['log-failure-vs-inv-alpha']!;
    const data = logFailureSample();
    const [, points, theory] = layerData(spec);
    expect(points).toHaveLength(data.empirical.length);
    expect(groups(tree, 'mark-symbol', 'layer_1_marks')[0]!.children).toHaveLength(data.empirical.length);
    expect(groups(tree, 'mark-rule', 'layer_0_layer_2_marks')[0]!.children).toHaveLength(data.empirical.length);
    // theory: ln P = ln ½ − c/α, slope −c in 1/α
    const s0 = theory.filter((r: any) => r.series === theory[0].series);
    const slope = (s0.at(-1).logP - s0[0].logP) / (s0.at(-1).invAlpha - s0[0].invAlpha);
    expect(slope).toBeCloseTo(-0.03, 10);
    expect(texts(tree)).toEqual(expect.arrayContaining(['ln P(failure)', '1/α']));
  });

  it('drops non-finite rows instead of writing null', () => {
    const spec: any = logFailureVsInvAlphaSpec({
      empirical: [{ invAlpha: 10, logP: -2, lo: -Infinity, hi: -1.5, series: 'a' }, { invAlpha: 20, logP: -Infinity, lo: -9, hi: -3, series: 'a' }],
      theory: [{ invAlpha: 10, logP: NaN, series: 'a' }, { invAlpha: 20, logP: -3, series: 'a' }],
    });
    const [bars, points, theory] = layerData(spec);
    expect(points).toHaveLength(1);
    expect(bars).toHaveLength(0);
    expect(theory).toHaveLength(1);
  });
});

describe('log-gap plot', () => {
  it('draws the band, the two empirical curves, then the theory above them (flow, slope lines), all in one legend', () => {
    const { spec, tree } = rendered['log-gap']!;
    const data = logGapSample();
    const [band, curves, flow, slopes] = layerData(spec);
    expect(band).toHaveLength(data.bands.length);
    expect(curves).toHaveLength(data.bands.length + data.meanOnSuccess!.length);
    expect(flow).toHaveLength(data.flow!.length);
    expect(slopes).toHaveLength(data.slopes!.length);
    expect(groups(tree, 'mark-area', 'layer_0_marks')).toHaveLength(1);
    expect(groups(tree, 'mark-line', 'layer_1_marks')).toHaveLength(2);
    expect(groups(tree, 'mark-line', 'layer_2_marks')).toHaveLength(1);
    expect(groups(tree, 'mark-line', 'layer_3_marks')).toHaveLength(2);
    const legendLabels = groups(tree, 'role-legend-label').flatMap((g) => texts(g));
    expect(legendLabels).toHaveLength(5);
    for (const l of ['replicator flow (theory)', 'theory slope of the median (−r per step)', 'theory slope of log E[1 − p* | success]']) expect(legendLabels).toContain(l);
    // the median line is the median column
    expect(curves.slice(0, data.bands.length).map((r: any) => r.value)).toEqual(data.bands.map((b) => b.median));
  });

  it('renders with only the bands', async () => {
    const svg = await renderSvg(logGapSpec({ bands: logGapSample().bands }));
    expect(groups(parseXml(svg), 'mark-line', 'layer_1_marks')).toHaveLength(1);
  });
});

describe('simplex plot', () => {
  it('projects barycentric coordinates onto an equilateral triangle', () => {
    const [a, b, c] = [ternaryXY([1, 0, 0]), ternaryXY([0, 1, 0]), ternaryXY([0, 0, 1])];
    const d = (p: number[], q: number[]) => Math.hypot(p[0]! - q[0]!, p[1]! - q[1]!);
    expect(d(a, b)).toBeCloseTo(1, 12);
    expect(d(b, c)).toBeCloseTo(1, 12);
    expect(d(c, a)).toBeCloseTo(1, 12);
    const spec: any = rendered.simplex!.spec;
    const xd = spec.layer[0].encoding.x.scale.domain, yd = spec.layer[0].encoding.y.scale.domain;
    // equal units on both axes (to a pixel of rounding)
    expect(Math.abs(spec.height / spec.width - (yd[1] - yd[0]) / (xd[1] - xd[0]))).toBeLessThan(1 / spec.width);
  });

  it('computes contours: L at the vertices and centroid; closed circles for a radial function', () => {
    expect(lossL([1, 0, 0])).toBeCloseTo(-1 / 12, 14);
    expect(lossL([1 / 3, 1 / 3, 1 / 3])).toBeCloseTo(-1 / 108, 14);
    const c = [1 / 3, 1 / 3, 1 / 3];
    const r2 = 0.02; // ‖p − c‖² = r2 maps to a circle of radius √(r2/2) about the 2-D centroid
    const { lines } = simplexContours((p) => (p[0] - c[0]!) ** 2 + (p[1] - c[1]!) ** 2 + (p[2] - c[2]!) ** 2, [r2], 60);
    expect(lines).toHaveLength(1);
    const pts = lines[0]!.points;
    expect(pts[0]).toEqual(pts.at(-1));
    const [cx, cy] = ternaryXY(c);
    for (const [x, y] of pts) expect(Math.abs(Math.hypot(x - cx, y - cy) - Math.sqrt(r2 / 2))).toBeLessThan(2e-3);
    // a linear function of p3 has straight horizontal contours across the triangle
    const flat = simplexContours((p) => p[2], [0.25, 0.5], 40).lines;
    expect(flat).toHaveLength(2);
    for (const l of flat) for (const [, y] of l.points) expect(y).toBeCloseTo(l.level * Math.sqrt(3) / 2, 10);
  });

  it('draws contour lines of L, every sample path, the flow, the start point and labelled vertices', () => {
    const { spec, tree } = rendered.simplex!;
    const contourRows = spec.layer[0].data.values;
    const levels = new Set(contourRows.map((r: any) => r.level));
    expect(levels.size).toBeGreaterThanOrEqual(10);
    expect(levels.size).toBeLessThanOrEqual(15);
    for (const r of contourRows) expect(lossL([1 - r.x - r.y / Math.sqrt(3), r.x - r.y / Math.sqrt(3), (2 * r.y) / Math.sqrt(3)])).toBeCloseTo(r.level, 3);
    const nContours = new Set(contourRows.map((r: any) => r.c)).size;
    expect(groups(tree, 'mark-line', 'layer_0_marks')).toHaveLength(nContours);
    expect(groups(tree, 'mark-line', 'layer_2_marks')).toHaveLength(40);
    expect(groups(tree, 'mark-line', 'layer_3_marks')).toHaveLength(1);
    expect(groups(tree, 'mark-symbol', 'layer_4_marks')[0]!.children).toHaveLength(1); // all paths start at p(0)
    const t = texts(tree);
    for (const s of ['e₁', 'e₂', 'e₃', 'L(p)', 'sample paths (40)', 'replicator flow']) expect(t).toContain(s);
    expect(t.join(' ')).toContain('reconstructed');
    // many paths are drawn faint and thin; a series of few paths stays bold beside a bundle
    const ops = (sp: any) => sp.layer[2].data.values as { series: string; op: number; sw: number; id: number }[];
    expect(Math.max(...ops(spec).map((r) => r.op))).toBeLessThan(0.9);
    const g = ops(rendered['simplex-groups']!.spec);
    const size = (sr: string) => new Set(g.filter((r) => r.series === sr).map((r) => r.id)).size;
    const bySize = [...new Set(g.map((r) => r.series))].sort((a, b) => size(b) - size(a));
    const big = g.find((r) => r.series === bySize[0])!, small = g.find((r) => r.series === bySize[bySize.length - 1])!;
    expect(big.op).toBeCloseTo(Math.min(0.85, Math.max(0.07, 4 / Math.sqrt(size(bySize[0]!)))), 12);
    expect(big.op).toBeLessThan(0.4);
    if (size(bySize[bySize.length - 1]!) < size(bySize[0]!)) expect(small.op).toBeGreaterThan(big.op);
  });

  it('thins long paths and colours groups; −pᵀΓp/2 when Γ is given', () => {
    const g = rendered['simplex-groups']!;
    expect(g.spec.layer[2].data.values.length).toBeLessThanOrEqual(40000 + 300);
    expect(texts(g.tree)).toEqual(expect.arrayContaining(['α = 0.02', 'α = 0.05']));
    const q = rendered['simplex-gamma']!;
    expect(texts(q.tree).join(' ')).toContain('−pᵀΓp/2');
    const row = q.spec.layer[0].data.values[0];
    expect(Number.isFinite(row.level)).toBe(true);
  });
});

describe('success probability against steps', () => {
  it('uses a log step axis over decades, with a band and one point per checkpoint', () => {
    const { spec, tree } = rendered['success-vs-step']!;
    const data = successVsStepSample();
    expect(spec.layer[1].encoding.x.scale.type).toBe('log');
    expect(spec.layer[1].data.values).toHaveLength(data.length);
    expect(groups(tree, 'mark-area', 'layer_0_marks')).toHaveLength(1);
    const line = groups(tree, 'mark-line', 'layer_1_layer_0_marks')[0]!.children[0]!;
    expect(pathVertexCount(line.attrs.d!)).toBe(data.length);
    expect(groups(tree, 'mark-symbol', 'layer_1_layer_1_marks')[0]!.children).toHaveLength(data.length);
    expect(groups(tree, 'role-legend')).toHaveLength(0); // one unnamed series: no legend
    const s = rendered['success-vs-step-series']!;
    expect(groups(s.tree, 'role-legend-label').flatMap((g) => texts(g))).toEqual(['α = 0.01', 'α = 0.05']);
  });

  it('drops step 0 on a log axis and keeps it on a linear one', () => {
    const rows = [{ step: 0, p: 0.5, lo: 0.45, hi: 0.55 }, { step: 10, p: 0.6, lo: 0.55, hi: 0.65 }, { step: 1000, p: 0.8, lo: 0.75, hi: 0.85 }];
    expect((successVsStepSpec(rows) as any).layer[1].data.values).toHaveLength(2);
    expect((successVsStepSpec(rows, { logX: false }) as any).layer[1].data.values).toHaveLength(3);
  });

  it('a linear step axis reads 0 at its zero tick, not "0k" (SI prefixes elsewhere)', async () => {
    const rows = Array.from({ length: 51 }, (_, i) => ({ step: 40 * i, p: 0.99 - i * 1e-4, lo: 0.98, hi: 1 }));
    const x = visibleAxisLabels(parseXml(await renderSvg(successVsStepSpec(rows, { logX: false }))), 'X');
    expect(x[0]).toBe('0');
    expect(x).not.toContain('0k');
    expect(x).toContain('1k');
    expect(x.at(-1)).toBe('2k');
  });

  it('places 1-2-5 log ticks', () => {
    expect(logTickValues(1, 10000)).toEqual([1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000]);
    expect(logTickValues(0.004, 0.25)).toEqual([0.005, 0.01, 0.02, 0.05, 0.1, 0.2]);
    expect(logTickValues(3, 8)).toEqual([3, 4, 5, 6, 7, 8]);
  });
});

describe('the shared theme', () => {
  it('hides overlapping labels of a log axis greedily, not every other one: 1000 and 0.2 stay (vega\'s ticks, no values)', async () => {
    // the zero-order report's RMS sup-error against n: the theme's labelOverlap (parity) hid 1000 and 0.2 on such axes,
    // and the SVG kept them as text with opacity 0 (present in its text, absent from every picture of it)
    const rows = [{ n: 100, y: 0.25 }, { n: 1000, y: 0.07 }, { n: 10000, y: 0.02 }];
    const log = (field: string) => ({ field, type: 'quantitative', scale: { type: 'log', nice: false, padding: 12 }, axis: { format: '~g' } });
    const spec = { ...header('log axes', undefined), data: { values: rows }, mark: 'point', encoding: { x: log('n'), y: log('y') } };
    const svg = parseXml(await renderSvg(spec));
    expect(visibleAxisLabels(svg, 'X')).toEqual(expect.arrayContaining(['100', '1000', '10000']));
    expect(visibleAxisLabels(svg, 'Y')).toEqual(expect.arrayContaining(['0.02', '0.2']));
  });

  it('the page\'s narrow panel (fitted) keeps those labels too, and stacks several legends below the plot', async () => {
    const rows = [{ n: 100, y: 0.25, a: 'one', b: 'x' }, { n: 1000, y: 0.07, a: 'two', b: 'y' }, { n: 10000, y: 0.02, a: 'three', b: 'z' }];
    const log = (field: string) => ({ field, type: 'quantitative', scale: { type: 'log', nice: false, padding: 12 }, axis: { format: '~g' } });
    const spec = {
      ...header('log axes', undefined), data: { values: rows }, mark: 'point',
      encoding: { x: log('n'), y: log('y'), color: { field: 'a', legend: { orient: 'bottom' } }, shape: { field: 'b', legend: { orient: 'bottom' } } },
    };
    const svg = parseXml(await renderSvg(fitted(spec, 400, 344)));
    expect(visibleAxisLabels(svg, 'X')).toEqual(expect.arrayContaining(['100', '1000', '10000']));
    expect(visibleAxisLabels(svg, 'Y')).toEqual(expect.arrayContaining(['0.02', '0.2']));
    // the two legends start at one x, one below the other (side by side, the second ran off the panel)
    const at = groups(svg, 'role-legend').map((g) => {
      const placed = g.children.find((c) => c.tag === 'g')!; // the legend's own group carries its position
      return /translate\(([-\d.]+),([-\d.]+)\)/.exec(placed.attrs.transform ?? '')!.slice(1).map(Number);
    });
    expect(at).toHaveLength(2);
    expect(at[0]![0]).toBe(at[1]![0]);
    expect(at[0]![1]).not.toBe(at[1]![1]);
  });

  it('a legend below the plot with more entries than columns reads row by row, in the scale\'s order', async () => {
    const domain = ['d = 1', 'd = 4', 'd = 16', 'd = 64', 'd = 256'];
    const spec = {
      ...header('legend order', undefined), data: { values: domain.map((series, i) => ({ x: i, y: i, series })) }, mark: 'point',
      encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' }, color: seriesColor(domain) },
    };
    const svg = await renderSvg(spec);
    // each entry: its group's translate(x, y), then its label
    const entries = [...svg.matchAll(/<g transform="translate\(([\d.]+),([\d.]+)\)"><path class="background"[^>]*\/><g><g class="mark-symbol role-legend-symbol"[\s\S]*?role-legend-label[^>]*><text[^>]*>([^<]+)<\/text>/g)]
      .map((m) => ({ x: Number(m[1]), y: Number(m[2]), label: m[3] }));
    expect(entries.map((e) => e.label).sort()).toEqual([...domain].sort());
    const reading = [...entries].sort((a, b) => a.y - b.y || a.x - b.x).map((e) => e.label);
    expect(reading).toEqual(domain);
  });

  it('still hides every other overlapping label on a linear axis', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => ({ x: i * 1e6, y: i }));
    const lin = (field: string) => ({ field, type: 'quantitative', axis: { tickCount: 40 } });
    const svg = parseXml(await renderSvg({ ...header('a crowded axis', undefined), data: { values: rows }, mark: 'point', encoding: { x: lin('x'), y: lin('y') } }));
    const all = groups(svg, 'role-axis-label').flatMap((g) => g.children.filter((t) => t.tag === 'text'));
    expect(all.length).toBeGreaterThan(visibleAxisLabels(svg, 'X').length + visibleAxisLabels(svg, 'Y').length);
  });
});

describe('rendering', () => {
  it('every sample is a well-formed SVG in DejaVu Sans with glyphs for all its text', () => {
    for (const [name, r] of Object.entries(rendered)) {
      expect(r.svg.startsWith('<svg'), name).toBe(true);
      const fonts = new Set([...walk(r.tree)].map((n) => n.attrs['font-family']).filter(Boolean));
      expect([...fonts], name).toEqual(['DejaVu Sans']);
      for (const s of specStrings(r.spec)) expect(hasGlyphs(s), `${name}: ${s}`).toBe(true);
    }
  });

  it('PNGs are valid, at twice the SVG size by default', () => {
    const { svg, tree } = rendered['log-gap']!;
    const w = Number(tree.attrs.width), h = Number(tree.attrs.height);
    expect(pngSize(svgToPng(svg))).toEqual({ width: 2 * w, height: 2 * h });
    expect(pngSize(svgToPng(svg, 1))).toEqual({ width: w, height: h });
    for (const name of Object.keys(SAMPLES)) {
      const s = pngSize(new Uint8Array(readFileSync(join(SAMPLES_DIR, `${name}.png`))));
      expect(s.width).toBeGreaterThan(0);
      expect(s.height).toBeGreaterThan(0);
    }
  });

  it('lays text out with DejaVu Sans advance widths, not vega\'s 0.8 em per character', async () => {
    const vega: any = await import('vega');
    await renderSvg(successVsStepSpec(successVsStepSample()));
    // DejaVu Sans: H 1540, e 1260, l 569, o 1253, space 651, W 2025, r 842, d 1300 units of 2048 per em
    const expected = ((1540 + 1260 + 569 * 2 + 1253 + 651 + 2025 + 1253 + 842 + 569 + 1300) / 2048) * 12;
    expect(measureText('Hello World', 12)).toBeCloseTo(expected, 9);
    expect(vega.textMetrics.width({ fontSize: 12 }, 'Hello World')).toBeCloseTo(expected, 9);
    expect(vega.textMetrics.width({ fontSize: 12, fontWeight: 'bold' }, 'Hello World')).toBeGreaterThan(expected);
    expect(vega.textMetrics.width({ fontSize: 12, limit: 30 }, 'Hello World')).toBe(30);
  });

  it('draws text with the bundled font (no system fonts)', () => {
    const blank = '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="30"><rect width="120" height="30" fill="white"/></svg>';
    const withText = blank.replace('</svg>', '<text x="4" y="20" font-family="DejaVu Sans" font-size="14">α = 0.05</text></svg>');
    expect(Buffer.compare(Buffer.from(svgToPng(blank)), Buffer.from(svgToPng(withText)))).not.toBe(0);
  });

  it('writePlot writes NAME.svg, NAME.png and NAME.vl.json holding the same spec', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stdp-mc-plot-'));
    try {
      const spec = successVsStepSpec(successVsStepSample());
      const w = await writePlot(dir, 'steps', spec);
      expect(w).toEqual({ svg: join(dir, 'steps.svg'), png: join(dir, 'steps.png'), spec: join(dir, 'steps.vl.json') });
      expect(JSON.parse(readFileSync(w.spec, 'utf8'))).toEqual(JSON.parse(JSON.stringify(spec)));
      expect(readFileSync(w.svg, 'utf8')).toContain('<svg');
      pngSize(new Uint8Array(readFileSync(w.png)));
      await expect(writePlot(dir, '../escape', spec)).rejects.toThrow(/bad plot name/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('specJson keeps one data row per line and round-trips', () => {
    const spec = logGapSpec(logGapSample());
    const text = specJson(spec);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(spec)));
    expect(text.split('\n').filter((l) => l.trim().startsWith('{"t":')).length).toBeGreaterThan(100);
  });

  it('leaves the caller\'s spec and data untouched', async () => {
    const data = successVsStepSample();
    const spec = successVsStepSpec(data);
    const before = JSON.stringify(spec);
    await renderSvg(spec);
    expect(JSON.stringify(spec)).toBe(before);
    expect(Object.getOwnPropertySymbols((spec as any).layer[1].data.values[0])).toHaveLength(0);
  });

  it('renders empty inputs without failing', async () => {
    for (const spec of [
      successVsAlphaSpec({ empirical: [], theory: [] }), logFailureVsInvAlphaSpec({ empirical: [], theory: [] }), logGapSpec({ bands: [] }),
      simplexSpec({ paths: [] }), successVsStepSpec([]), successVsStepSpec([{ step: 5, p: 1, lo: 0.99, hi: 1 }]),
    ]) expect(parseXml(await renderSvg(spec)).tag).toBe('svg');
  });

  it('refuses to load data over the network', async () => {
    await expect(renderSvg({ data: { url: 'https://example.invalid/x.json' }, mark: 'point' })).rejects.toThrow(/inline their data/);
  });
});
