/**
 * The self-contained HTML report (inline CSS and inline SVG; no scripts, no network) and CSV tables.
 */

import { overrideFlags } from '../core/provenance.ts';
import { REPORT_CSS } from './html-style.ts';
import { flattenProvenance, summaryTable } from './html-sections.ts';

export type Verdict = 'agrees' | 'disagrees' | 'not comparable';

/** One comparison row of the report (files.ts reportComparison builds it from a stats/compare.ts Comparison). */
export interface ReportComparison {
  quantity: string;
  empirical: string;
  theory: string;
  verdict: Verdict;
  note?: string;
  /** The grid point the row belongs to (sweeps). */
  point?: string;
  /** The question it answers (the summary has one row per question; default: the quantity). */
  question?: string;
  /** The verdict with what it rests on: "agrees (within allowance ±0.4 = 2α: …)" (default: the verdict). */
  verdictDetail?: string;
  /** What a disagreement on this row means, where it is expected. */
  meaning?: string;
}

export interface ReportModel {
  title: string;
  description?: string;
  parameters: Record<string, string | number>;
  comparisons: ReportComparison[];
  tables?: { title: string; columns: string[]; rows: (string | number)[][] }[];
  plots: { title: string; svg: string; caption?: string }[];
  provenance: Record<string, unknown>;
}

/** The command-line values that changed the experiment file (provenance.overrides), as flags: --trajectories 2000, … */
export function commandLineChanges(overrides: unknown): string[] {
  return overrides && typeof overrides === 'object' ? overrideFlags(overrides) : [];
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: unknown): string {
  return String(s ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A CSV field that must be quoted: it holds a comma, a double quote or a line break, or starts or ends with space. */
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

function csvField(v: unknown): string {
  let s: string;
  if (v === null || v === undefined) s = '';
  else if (typeof v === 'number') return Number.isNaN(v) ? '' : String(v); // a number's text needs no quoting
  else s = String(v);
  return NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * CSV (RFC 4180 quoting): fields holding a comma, a double quote, a line break or leading/trailing space are quoted,
 * inner quotes doubled. Lines end with \n; NaN is written as an empty field. A column that repeats its value from the
 * row above (a grid point's label on every row of paths.csv, tens of thousands of rows) reuses that field's text.
 */
export function toCsv(columns: string[], rows: (string | number)[][]): string {
  const lastValue: unknown[] = [], lastText: string[] = [];
  const lines: string[] = new Array(rows.length + 1);
  lines[0] = columns.map(csvField).join(',');
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!, cells: string[] = new Array(row.length);
    for (let j = 0; j < row.length; j++) {
      const v = row[j];
      if (typeof v === 'string' && v === lastValue[j]) cells[j] = lastText[j]!;
      else {
        cells[j] = csvField(v);
        lastValue[j] = v;
        lastText[j] = cells[j]!;
      }
    }
    lines[r + 1] = cells.join(',');
  }
  return lines.join('\n') + '\n';
}

const VERDICT_CLASS: Record<string, string> = {
  agrees: 'verdict-agrees',
  disagrees: 'verdict-disagrees',
  'not comparable': 'verdict-not-comparable',
};

/** The CSS class of a verdict badge: verdict-agrees (green), verdict-disagrees (red), verdict-not-comparable (grey). */
export function verdictClass(v: string): string {
  return VERDICT_CLASS[v] ?? 'verdict-not-comparable';
}

const NUMERIC = /^[-+−]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?%?$/;

/** Numbers in tables: integers as they are, others to 6 significant digits. */
function formatNumber(v: number): string {
  return Number.isFinite(v) && !Number.isInteger(v) ? String(Number(v.toPrecision(6))) : String(v);
}

function cell(v: string | number | null | undefined): string {
  if (typeof v === 'number') return `<td class="num">${escapeHtml(formatNumber(v))}</td>`;
  const s = v ?? '';
  return `<td${isNumericCell(s) ? ' class="num"' : ''}>${escapeHtml(s)}</td>`;
}

function isNumericCell(v: string | number | null | undefined): boolean {
  return typeof v === 'number' || NUMERIC.test(String(v ?? '').trim());
}

function table(columns: string[], rows: (string | number)[][], cls = ''): string {
  // a column is numeric (right-aligned header) when every non-empty cell is
  const numericCol = columns.map((_, j) => {
    const cells = rows.map((r) => r[j]).filter((v) => v !== '' && v !== null && v !== undefined);
    return cells.length > 0 && cells.every(isNumericCell);
  });
  const head = columns.map((c, j) => `<th scope="col"${numericCol[j] ? ' class="num"' : ''}>${escapeHtml(c)}</th>`).join('');
  const body = rows.length
    ? rows.map((r) => `<tr>${r.map(cell).join('')}</tr>`).join('\n')
    : `<tr><td class="empty" colspan="${Math.max(1, columns.length)}">no rows</td></tr>`;
  return `<div class="table-wrap"><table${cls ? ` class="${cls}"` : ''}><thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table></div>`;
}

/**
 * Prepares a rendered SVG for inlining: drops the XML prolog, any script or event-handler attribute (vega emits
 * none; defensive), prefixes every id and its references so several SVGs on one page cannot capture each other's
 * clip paths and gradients, and marks it as an image with an accessible name.
 */
export function inlineSvg(svg: string, prefix: string, label: string): string {
  let s = svg
    .replace(/<\?xml[^>]*\?>/g, '')
    .replace(/<!DOCTYPE[^>]*>/gi, '')
    .replace(/<script[\s\S]*?<\/script\s*>/gi, '')
    .replace(/\son[a-z]+\s*=\s*("[^"]*"|'[^']*')/gi, '')
    .trim();
  s = s
    .replace(/\sid="([^"]+)"/g, (_m, id: string) => ` id="${prefix}${id}"`)
    .replace(/url\(\s*(['"]?)#([^)'"]+)\1\s*\)/g, (_m, q: string, id: string) => `url(${q}#${prefix}${id}${q})`)
    .replace(/(\s(?:xlink:)?href)="#([^"]+)"/g, (_m, attr: string, id: string) => `${attr}="#${prefix}${id}"`);
  return s.replace(/^<svg\b/, `<svg role="img" aria-label="${escapeHtml(label)}"`);
}

/**
 * One self-contained HTML page: the summary first (one row per question, with what the verdicts mean), the
 * parameters, the plots, then the full comparison table and the other tables, and the provenance as a table.
 */
export function buildHtmlReport(m: ReportModel): string {
  const counts = { agrees: 0, disagrees: 0, 'not comparable': 0 } as Record<string, number>;
  for (const c of m.comparisons) counts[c.verdict] = (counts[c.verdict] ?? 0) + 1;
  const badges = m.comparisons.length
    ? `<div class="summary">${(['agrees', 'disagrees', 'not comparable'] as const)
        .map((v) => `<span class="verdict ${verdictClass(v)}">${counts[v] ?? 0} ${v}</span>`)
        .join('')}</div>`
    : '';

  const params = Object.entries(m.parameters)
    .map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(typeof v === 'number' ? formatNumber(v) : v)}</td></tr>`)
    .join('\n');

  const sweep = m.comparisons.some((c) => c.point);
  const compRows = m.comparisons
    .map((c) => {
      const cls = verdictClass(c.verdict);
      const detail = c.verdictDetail && c.verdictDetail !== c.verdict ? `<div class="detail">${escapeHtml(c.verdictDetail.slice(c.verdict.length).trim().replace(/^\(|\)$/g, ''))}</div>` : '';
      return `<tr class="row-${cls.replace('verdict-', '')}">${sweep ? `<td>${escapeHtml(c.point ?? '')}</td>` : ''}<td class="quantity">${escapeHtml(c.quantity)}</td>` +
        `<td class="value">${escapeHtml(c.empirical)}</td><td class="value">${escapeHtml(c.theory)}</td>` +
        `<td class="detail"><span class="verdict ${cls}">${escapeHtml(c.verdict)}</span>${detail}</td>` +
        `<td class="note">${escapeHtml(c.note ?? '')}</td></tr>`;
    })
    .join('\n');
  const comparisons = m.comparisons.length
    ? `<div class="table-wrap wide"><table class="comparisons"><thead><tr>${sweep ? '<th scope="col">point</th>' : ''}<th scope="col">quantity</th><th scope="col">empirical</th>` +
      `<th scope="col">theory</th><th scope="col">verdict</th><th scope="col">note</th></tr></thead>\n<tbody>\n${compRows}\n</tbody></table></div>`
    : '<p class="muted">No comparisons with theory for this run.</p>';

  const tables = (m.tables ?? [])
    .map((t, i) => `<h3 id="table-${i + 1}">${escapeHtml(t.title)}</h3>\n${table(t.columns, t.rows)}`)
    .join('\n');

  const plots = m.plots
    .map((p, i) => `<figure id="plot-${i + 1}">\n<h3>${escapeHtml(p.title)}</h3>\n<div class="plot">${inlineSvg(p.svg, `p${i + 1}-`, p.title)}</div>\n` +
      `${p.caption ? `<figcaption>${escapeHtml(p.caption)}</figcaption>\n` : ''}</figure>`)
    .join('\n');

  const provenance = flattenProvenance(m.provenance)
    .map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${v === '—' ? '<span class="muted">—</span>' : escapeHtml(v)}</td></tr>`)
    .join('\n');

  const changed = commandLineChanges(m.provenance.overrides);
  const description = (m.description
    ? m.description.split(/\n\s*\n/).map((p) => `<p class="description">${escapeHtml(p.trim())}</p>`).join('\n')
    : '') + (m.description && changed.length
    ? `\n<p class="description"><strong>This run changed the file with ${escapeHtml(changed.join(' '))}</strong>: sizes and durations in the description above are the file's; the Parameters table gives what ran.</p>`
    : '');
  const nav = [
    ['summary', 'Summary'], ['parameters', 'Parameters'], ...(m.plots.length ? [['plots', 'Plots']] : []), ['comparisons', 'All comparisons'],
    ...(tables ? [['tables', 'Tables']] : []), ['provenance', 'Provenance'],
  ].map(([id, label]) => `<a href="#${id}">${label}</a>`).join('');

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(m.title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<main>
<header>
<h1>${escapeHtml(m.title)}</h1>
${description}
${badges}
<nav>${nav}</nav>
</header>
<section id="summary">
<h2>Summary: theory against the Monte Carlo</h2>
${summaryTable(m.comparisons, escapeHtml, verdictClass)}
</section>
<section id="parameters">
<h2>Parameters</h2>
<div class="table-wrap"><table class="params"><tbody>
${params}
</tbody></table></div>
</section>
${m.plots.length ? `<section id="plots">\n<h2>Plots</h2>\n${plots}\n</section>` : ''}
<section id="comparisons">
<h2>All comparisons with theory</h2>
${comparisons}
</section>
${tables ? `<section id="tables" class="tables">\n<h2>Tables</h2>\n${tables}\n</section>` : ''}
<section id="provenance">
<h2>Provenance</h2>
<div class="table-wrap wide"><table class="params provenance"><tbody>
${provenance}
</tbody></table></div>
</section>
<footer>Generated by stdp-mc. Self-contained: inline styles and SVG, no scripts, no network access.</footer>
</main>
</body>
</html>
`;
}
