/**
 * Every model's plots (its small experiment, test/models/small-experiments.ts, plus the chain's sweeps: α at d = 2,
 * the Figure 2 points, the spiking regime map) render headless at the report's size and at the browser page's
 * (src/app/plots-view.ts fitted to a 440 px panel) with no text cut by vega's truncation (an ellipsis "…" that the
 * spec's own strings do not have) and every text at least 10 px at export size; no plot is empty, and the theory
 * layers of the log-gap plot are drawn above the empirical ones. With REPORT_ALL_MODELS_PNG=1 the PNGs (report and
 * page size) are written to /tmp/report-all-models/ for a person to look at.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { modelByName } from '../../src/models/registry.ts';
import { runEnsemble } from '../../src/run/run-ensemble.ts';
import { renderSvg, svgToPng } from '../../src/report/render.ts';
import { fitted } from '../../src/app/plots-view.ts';
import type { PlotJob } from '../../src/report/files.ts';
import { ALL_MODELS, smallFiles } from './model-outputs.ts';
import { parseXml, walk, type XmlNode } from './svg-tree.ts';

const OUT = process.env.REPORT_ALL_MODELS_DIR ?? '/tmp/report-all-models';
/** The page's panel in its two-column layout (src/app/styles.css); 440 px is plots-view.ts's fallback. */
const PAGE_WIDTH = 400;
/** PNGs for a person to look at (REPORT_ALL_MODELS_PNG=1): rasterising every plot twice doubles the test's time. */
const PNG = process.env.REPORT_ALL_MODELS_PNG === '1';

/** Small versions of the chain's and the spiking network's sweeps (what their shipped files plot). */
const SWEEPS: Record<string, { file: string; edit: (j: any) => void }> = {
  'chain-d2-alpha': { file: 'success-vs-alpha-d2.json', edit: (j) => { j.scenario.trajectories = 400; j.sweep.alpha = [0.2, 0.1, 0.05]; j.sweep.time = 20; j.batches = 2; } },
  'chain-fig2': { file: 'fig2-simplex.json', edit: (j) => { j.scenario.steps = 400; j.scenario.trajectories = 40; j.scenario.keepPaths = 40; } },
  'spiking-map': { file: 'eq12-regime-map.json', edit: (j) => { j.scenario.trajectories = 60; j.sweep.points = j.sweep.points.slice(0, 4); } },
};

async function sweepPlots(name: string): Promise<PlotJob[]> {
  const { readFileSync } = await import('node:fs');
  const s = SWEEPS[name]!;
  const json = JSON.parse(readFileSync(new URL(`../../experiments/${s.file}`, import.meta.url), 'utf8'));
  delete json.$schema;
  s.edit(json);
  const m = modelByName(json.scenario.model)!;
  const run = await runEnsemble(m, m.parse(json, {}), { engine: 'cpu' });
  return m.files(m.result(run)).plots;
}

interface Rendered { job: PlotJob; at: 'report' | 'page'; svg: XmlNode }
const rendered: Record<string, Rendered[]> = {};

/** Every string a spec carries (its own ellipses are not truncation). */
function specText(spec: unknown): string {
  return JSON.stringify(spec);
}

beforeAll(async () => {
  if (PNG) mkdirSync(OUT, { recursive: true });
  const all: [string, PlotJob[]][] = [];
  for (const m of ALL_MODELS) all.push([m, (await smallFiles(m)).plots]);
  for (const s of Object.keys(SWEEPS)) all.push([s, await sweepPlots(s)]);
  for (const [group, jobs] of all) {
    rendered[group] = [];
    for (const job of jobs) {
      const report = await renderSvg(job.spec);
      const page = await renderSvg(fitted(job.spec, PAGE_WIDTH, Math.round(PAGE_WIDTH * 0.86)));
      if (PNG) {
        writeFileSync(join(OUT, `${group}--${job.name}.png`), svgToPng(report));
        writeFileSync(join(OUT, `${group}--${job.name}--page.png`), svgToPng(page));
      }
      rendered[group]!.push({ job, at: 'report', svg: parseXml(report) }, { job, at: 'page', svg: parseXml(page) });
    }
  }
}, 240_000);

/** Lines of text drawn (a multi-line text's tspans one by one) with their font size in px. */
function textItems(svg: XmlNode): { text: string; size: number }[] {
  return [...walk(svg)].filter((n) => n.tag === 'text').flatMap((n) => {
    const size = parseFloat(n.attrs['font-size'] ?? /font-size:\s*([\d.]+)/.exec(n.attrs.style ?? '')?.[1] ?? 'NaN');
    const lines = [n.text, ...n.children.filter((c) => c.tag === 'tspan').map((c) => c.text)].map((t) => t.trim()).filter(Boolean);
    return lines.map((text) => ({ text, size }));
  });
}

/** The problems of one rendering: a line cut by vega (ending in an ellipsis the spec's strings lack), or small text. */
export function textProblems(r: Rendered): string[] {
  const own = specText(r.job.spec);
  const out: string[] = [];
  for (const t of textItems(r.svg)) {
    if (t.text.endsWith('…') && !own.includes(JSON.stringify(t.text).slice(1, -1))) out.push(`${r.job.name} (${r.at}): truncated "${t.text}"`);
    if (!(t.size >= 10)) out.push(`${r.job.name} (${r.at}): ${t.size} px "${t.text.slice(0, 40)}"`);
  }
  return out;
}

describe('every model\'s plots: no truncated text, fonts ≥ 10 px, at the report\'s and the page\'s sizes', () => {
  for (const group of [...ALL_MODELS, ...Object.keys(SWEEPS)]) {
    it(group, () => {
      expect(rendered[group]!.length, `${group} has plots`).toBeGreaterThan(0);
      expect(rendered[group]!.flatMap(textProblems)).toEqual([]);
    });
  }

  it('the check finds vega\'s truncation and small fonts', async () => {
    const spec = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title: { text: 'a title far too long for its limit', limit: 80, fontSize: 9 },
      data: { values: [{ x: 1 }] }, mark: 'point', encoding: { x: { field: 'x', type: 'quantitative' } } };
    const r: Rendered = { job: { name: 't', title: 't', caption: '', spec }, at: 'report', svg: parseXml(await renderSvg(spec)) };
    const p = textProblems(r);
    expect(p.some((s) => /truncated "a title/.test(s))).toBe(true);
    expect(p.some((s) => /9 px "a title/.test(s))).toBe(true);
  });
});

describe('no empty panels, readable titles, theory on top', () => {
  const all = () => Object.values(rendered).flat().filter((r) => r.at === 'report');

  it('every plot draws data: some layer has rows', () => {
    for (const r of all()) {
      const spec = r.job.spec as any;
      const rows = [spec.data, ...(spec.layer ?? []).map((l: any) => l.data)].reduce((a, d) => a + (d?.values?.length ?? 0), 0);
      expect(rows, r.job.name).toBeGreaterThan(0);
    }
  });

  it('no raw TeX subscripts (p_{i*}) or key=value labels in titles, subtitles and captions', () => {
    for (const r of all()) {
      const spec = r.job.spec as any;
      const title = JSON.stringify([spec.title, r.job.title, r.job.caption]);
      expect(title, r.job.name).not.toMatch(/_\{|[A-Za-z]+=\(|keepPaths|initialWeights/);
    }
  });

  it('the log-gap plot draws the theory (flow, slopes) after the empirical curves, dashed or dotted', () => {
    const gap = rendered.chain!.find((r) => r.job.name === 'log-gap')!.job.spec as any;
    const kinds = gap.layer.map((l: any) => (l.data.values[0]?.layer ?? l.mark.type) as string);
    const lastEmpirical = Math.max(...kinds.map((k: string, i: number) => (/median over|log E\[1 − p\* \| success\]$|area/.test(k) ? i : -1)));
    const firstTheory = kinds.findIndex((k: string) => /flow|theory/.test(k));
    expect(firstTheory).toBeGreaterThan(lastEmpirical);
  });

  it('rate against α: the x axis spans the swept α, not decades beyond', () => {
    const r = rendered['chain-d2-alpha']!.find((x) => x.job.name === 'rate-vs-alpha');
    expect(r).toBeDefined();
    const x = JSON.stringify(r!.job.spec).match(/"domain":\[([\d.e-]+),([\d.e-]+)\]/);
    expect(x, 'explicit α domain').not.toBeNull();
    expect(Number(x![2]) / Number(x![1])).toBeLessThan(0.2 / 0.05 * 1.6);
  });
});
