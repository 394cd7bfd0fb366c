/**
 * Everything a run writes to its output folder: summary.json (the core fields plus theory and comparisons), tables
 * as CSV, plots as SVG, PNG and their vega-lite specs, and one self-contained HTML report.
 */
import type { ExperimentResult } from '../orchestrator/run-experiment.ts';
import type { Summary, SweepSummary } from '../orchestrator/summary.ts';
import { buildHtmlReport } from './html.ts';
import { writePlot } from './render.ts';
import { runFiles } from './run-files.ts';

export interface RunOutputs {
  summary: Summary | SweepSummary;
  files: { summary: string; html?: string; csv: string[]; plots: { name: string; svg: string; png: string }[] };
}

/**
 * Write a run's outputs to `dir`: the files run-files.ts computes (the browser page computes the same), with the
 * plots rendered headless (vega → SVG → PNG with resvg) and embedded in report.html.
 */
export async function writeRunOutputs(dir: string, r: ExperimentResult, opts: { report?: boolean } = {}): Promise<RunOutputs> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  await fs.mkdir(dir, { recursive: true });
  const f = runFiles(r);
  const summaryFile = path.join(dir, 'summary.json');
  await fs.writeFile(summaryFile, JSON.stringify(f.summary, null, 2) + '\n');
  const files: RunOutputs['files'] = { summary: summaryFile, csv: [], plots: [] };
  if (opts.report === false) return { summary: f.summary, files };
  for (const c of f.csv) {
    const file = path.join(dir, c.name);
    await fs.writeFile(file, c.text);
    files.csv.push(file);
  }
  const plotsForHtml: { title: string; svg: string; caption?: string }[] = [];
  for (const j of f.plots) {
    const w = await writePlot(dir, j.name, j.spec);
    files.plots.push({ name: j.name, svg: w.svg, png: w.png });
    plotsForHtml.push({ title: j.title, svg: await fs.readFile(w.svg, 'utf8'), caption: j.caption });
  }
  files.html = path.join(dir, 'report.html');
  await fs.writeFile(files.html, buildHtmlReport({ ...f.report, plots: plotsForHtml }));
  return { summary: f.summary, files };
}
