/**
 * Everything a run writes to its output folder: summary.json (the core fields plus theory and comparisons), tables
 * as CSV, plots as SVG, PNG and their vega-lite specs, and one self-contained HTML report.
 */
import { buildHtmlReport } from './html.ts';
import { startPlot } from './render.ts';
import type { FilesOf } from './files.ts';
import { REPORT_MANIFEST, writeSummaryFile } from './summary-file.ts';

export interface WrittenFiles {
  summary: string;
  html?: string;
  csv: string[];
  plots: { name: string; svg: string; png: string }[];
}

/**
 * Write the files of a run with its report to `dir`: summary.json, the CSV tables, every plot rendered
 * headless (vega → SVG → PNG with resvg, plus its vega-lite spec) and report.html with the plots inlined. The browser
 * page renders the same specs with vega itself.
 */
export async function writeFiles<S>(dir: string, f: FilesOf<S>): Promise<{ summary: S; files: WrittenFiles }> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  // The names this report writes, listed first (also when it is interrupted): what --force removes of it later.
  const names = ['report.html', ...f.csv.map((c) => c.name), ...f.plots.flatMap((j) => ['svg', 'png', 'vl.json'].map((e) => `${j.name}.${e}`))];
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, REPORT_MANIFEST), JSON.stringify({ files: names }) + '\n');
  const files: WrittenFiles = { summary: await writeSummaryFile(dir, f.summary), csv: [], plots: [] };
  for (const c of f.csv) {
    const file = path.join(dir, c.name);
    await fs.writeFile(file, c.text);
    files.csv.push(file);
  }
  // vega renders each plot's SVG here while resvg rasterizes the earlier plots' PNGs on the thread pool.
  const plotsForHtml: { title: string; svg: string; caption?: string }[] = [];
  const pngs: Promise<void>[] = [];
  for (const j of f.plots) {
    const w = await startPlot(dir, j.name, j.spec);
    pngs.push(w.pngWritten);
    files.plots.push({ name: j.name, svg: w.svg, png: w.png });
    plotsForHtml.push({ title: j.title, svg: w.svgText, caption: j.caption });
  }
  await Promise.all(pngs);
  files.html = path.join(dir, 'report.html');
  await fs.writeFile(files.html, buildHtmlReport({ ...f.report, plots: plotsForHtml }));
  return { summary: f.summary, files };
}

