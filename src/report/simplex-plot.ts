/**
 * The simplex plot (d = 3): the ternary projection, the loss contours −‖p‖²/2 (or −pᵀΓp/2 for correlated inputs) and
 * the sample paths with the mean flow. Vega-lite, with its data inlined, like every report plot (plots.ts).
 */

import { PALETTE, finite, header, reportConfig, uniq } from './plot-theme.ts';

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

