/**
 * The files of a finished run, named as the CLI names them in its output folder: summary.json, the CSV tables,
 * report.html (plots inlined as SVG), and each plot as SVG, PNG and its vega-lite spec. Each can be downloaded alone,
 * or all together as one zip (fflate) named after the run: its name, engine and start time, so runs never collide.
 */
import { zipSync, strToU8, type Zippable } from 'fflate';
import { buildHtmlReport, escapeHtml } from '../report/html.ts';
import { $, slug } from './format.ts';
import { specToPng, specToSvg } from './plots-view.ts';
import type { PlotJob, ReportParts } from './protocol.ts';

export interface RunFiles {
  /** The experiment's name (the zip's name starts with it). */
  name: string;
  summary: Record<string, any>;
  csv: { name: string; text: string }[];
  plots: PlotJob[];
  report: ReportParts;
}

export interface ExportFile {
  name: string;
  type: string;
  make: () => Promise<Blob | string>;
}

let files: RunFiles | null = null;

async function reportHtml(f: RunFiles): Promise<string> {
  const plots = [];
  for (const j of f.plots) plots.push({ title: j.title, caption: j.caption, svg: await specToSvg(j.spec) });
  return buildHtmlReport({ ...f.report, plots });
}

/** Every file of the run, as the CLI writes them (produced on demand). */
export function exportFiles(): ExportFile[] {
  const f = files;
  if (!f) return [];
  return [
    { name: 'summary.json', make: async () => JSON.stringify(f.summary, null, 2) + '\n', type: 'application/json' },
    ...f.csv.map((c) => ({ name: c.name, make: async () => c.text, type: 'text/csv' })),
    { name: 'report.html', make: () => reportHtml(f), type: 'text/html' },
    ...f.plots.flatMap((j) => [
      { name: `${j.name}.svg`, make: () => specToSvg(j.spec), type: 'image/svg+xml' },
      { name: `${j.name}.png`, make: () => specToPng(j.spec), type: 'image/png' },
      { name: `${j.name}.vl.json`, make: async () => JSON.stringify(j.spec, null, 2) + '\n', type: 'application/json' },
    ]),
  ];
}

/** The zip's name: the run's name, engine and start time (UTC), e.g. quickstart-webgpu-20250101-120000.zip. */
export function zipName(f: RunFiles): string {
  const at = String(f.summary.provenance?.createdAt ?? new Date().toISOString());
  const stamp = at.replace(/\.\d+Z$|Z$/, '').replace(/[-:]/g, '').replace('T', '-');
  return `${slug(f.name)}-${slug(f.summary.engine?.name, 'run')}-${stamp}.zip`;
}

/** All files in one zip (PNGs stored, the rest deflated). */
export async function zipAll(): Promise<{ name: string; blob: Blob }> {
  const entries: Zippable = {};
  for (const x of exportFiles()) {
    const v = await x.make();
    const bytes = typeof v === 'string' ? strToU8(v) : new Uint8Array(await v.arrayBuffer());
    entries[x.name] = x.name.endsWith('.png') ? [bytes, { level: 0 }] : bytes;
  }
  const data = zipSync(entries, { level: 6, mtime: new Date() });
  return { name: zipName(files!), blob: new Blob([data as Uint8Array<ArrayBuffer>], { type: 'application/zip' }) };
}

function download(name: string, data: Blob | string, type = 'text/plain'): void {
  const blob = typeof data === 'string' ? new Blob([data], { type }) : data;
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

function button(label: string, onClick: () => Promise<void>, cls = ''): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  if (cls) b.className = cls;
  b.addEventListener('click', async () => {
    b.disabled = true;
    try { await onClick(); } finally { b.disabled = false; }
  });
  return b;
}

export function showExports(f: RunFiles): void {
  files = f;
  const box = $('export-buttons');
  box.innerHTML = '';
  const list = exportFiles();
  const group = (label: string, names: string[]) => {
    const g = document.createElement('div');
    g.className = 'group';
    g.innerHTML = `<span>${escapeHtml(label)}</span>`;
    for (const n of names) {
      const x = list.find((y) => y.name === n)!;
      const b = button(n, async () => download(n, await x.make(), x.type));
      b.dataset.file = n;
      g.appendChild(b);
    }
    box.appendChild(g);
  };
  const all = button(`Download all (${list.length} files, one zip)`, async () => {
    const z = await zipAll();
    download(z.name, z.blob);
  }, 'primary');
  all.id = 'btn-download-all';
  all.title = zipName(f);
  const g0 = document.createElement('div');
  g0.className = 'group';
  g0.appendChild(all);
  box.appendChild(g0);
  group('summary and tables', ['summary.json', ...f.csv.map((c) => c.name), 'report.html']);
  for (const j of f.plots) group(j.title, [`${j.name}.svg`, `${j.name}.png`, `${j.name}.vl.json`]);
}

export function resetExports(text = 'Available when the run has finished.'): void {
  files = null;
  $('export-buttons').innerHTML = `<p class="placeholder">${escapeHtml(text)}</p>`;
}
