/**
 * The self-contained HTML report (inline CSS and inline SVG; no scripts, no network) and CSV tables.
 */

export type Verdict = 'agrees' | 'disagrees' | 'not comparable';

export interface ReportModel {
  title: string;
  description?: string;
  parameters: Record<string, string | number>;
  comparisons: { quantity: string; empirical: string; theory: string; verdict: Verdict; note?: string }[];
  tables?: { title: string; columns: string[]; rows: (string | number)[][] }[];
  plots: { title: string; svg: string; caption?: string }[];
  provenance: Record<string, unknown>;
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

function csvField(v: unknown): string {
  let s: string;
  if (v === null || v === undefined) s = '';
  else if (typeof v === 'number') s = Number.isNaN(v) ? '' : String(v);
  else s = String(v);
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * CSV (RFC 4180 quoting): fields holding a comma, a double quote, a line break or leading/trailing space are quoted,
 * inner quotes doubled. Lines end with \n; NaN is written as an empty field.
 */
export function toCsv(columns: string[], rows: (string | number)[][]): string {
  return [columns, ...rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n';
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

function jsonSafe(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x), 2) ?? String(v);
}

function provenanceValue(v: unknown): string {
  if (v === null || v === undefined) return '<span class="muted">—</span>';
  if (typeof v === 'object') return `<pre>${escapeHtml(jsonSafe(v))}</pre>`;
  return escapeHtml(String(v));
}

const CSS = `
:root { --fg: #1a1a1a; --muted: #5f6368; --line: #dcdfe3; --head: #f3f5f7; --accent: #1f77b4;
  --ok: #1e7b34; --ok-bg: #e3f4e6; --bad: #b3261e; --bad-bg: #fde7e6; --na: #5f6368; --na-bg: #eceef0; }
* { box-sizing: border-box; }
html { font-size: 15px; }
body { margin: 0; color: var(--fg); background: #fff; line-height: 1.45;
  font-family: "DejaVu Sans", "Segoe UI", system-ui, -apple-system, Helvetica, Arial, sans-serif; }
main { max-width: 1220px; margin: 0 auto; padding: 20px 28px 48px; }
header { border-bottom: 2px solid var(--line); padding-bottom: 10px; margin-bottom: 8px; }
h1 { font-size: 1.6rem; margin: 0 0 6px; }
h2 { font-size: 1.2rem; margin: 30px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.02rem; margin: 0 0 8px; }
p.description { margin: 4px 0 8px; color: #333; max-width: 75em; }
nav { font-size: 0.9rem; margin: 8px 0 0; color: var(--muted); }
nav a { color: var(--accent); text-decoration: none; margin-right: 14px; }
nav a:hover { text-decoration: underline; }
.summary { display: flex; gap: 8px; flex-wrap: wrap; margin: 10px 0 0; }
.table-wrap { overflow-x: auto; max-width: 100%; width: fit-content; border: 1px solid var(--line); border-radius: 4px; }
table { border-collapse: collapse; font-size: 0.87rem; }
th, td { padding: 5px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { background: var(--head); font-weight: 600; white-space: nowrap; position: sticky; top: 0; }
tbody tr:nth-child(even) { background: #fafbfc; }
tbody tr:last-child td { border-bottom: none; }
td.num, th.num { text-align: right; }
td.num, td.value { font-variant-numeric: tabular-nums; white-space: nowrap; }
td.empty { color: var(--muted); font-style: italic; }
table.comparisons, table.provenance { width: 100%; }
.table-wrap.wide { width: auto; }
table.params th[scope="row"] { background: var(--head); font-weight: 600; white-space: nowrap; }
table.comparisons td.quantity { font-weight: 600; }
table.comparisons td.note { color: #444; font-size: 0.84rem; }
table.comparisons tr.row-disagrees { background: #fff6f5; }
.verdict { display: inline-block; padding: 1px 9px; border-radius: 10px; font-size: 0.8rem; font-weight: 600; white-space: nowrap; }
.verdict-agrees { color: var(--ok); background: var(--ok-bg); border: 1px solid #9fd3aa; }
.verdict-disagrees { color: var(--bad); background: var(--bad-bg); border: 1px solid #f1a9a4; }
.verdict-not-comparable { color: var(--na); background: var(--na-bg); border: 1px solid #cfd3d7; }
section.tables h3 { margin-top: 18px; }
figure { margin: 0 0 28px; padding: 14px 16px 10px; border: 1px solid var(--line); border-radius: 6px; break-inside: avoid; }
figure .plot { overflow-x: auto; }
figure svg { display: block; max-width: 100%; height: auto; margin: 0 auto; }
/* vega laid the text out with DejaVu Sans metrics; Verdana (same Bitstream Vera lineage) is the closest fallback */
figure svg text { font-family: "DejaVu Sans", "Bitstream Vera Sans", Verdana, sans-serif; }
figcaption { color: #444; font-size: 0.88rem; margin-top: 6px; max-width: 75em; }
pre { margin: 0; font-size: 0.8rem; white-space: pre-wrap; word-break: break-word;
  font-family: "DejaVu Sans Mono", ui-monospace, Menlo, Consolas, monospace; }
.muted { color: var(--muted); }
footer { margin-top: 36px; color: var(--muted); font-size: 0.8rem; }
@media print { main { max-width: none; padding: 0; } nav { display: none; } figure { border: none; } }
`;

/** One self-contained HTML page: parameters, comparisons (coloured verdicts), tables, plots, provenance. */
export function buildHtmlReport(m: ReportModel): string {
  const counts = { agrees: 0, disagrees: 0, 'not comparable': 0 } as Record<string, number>;
  for (const c of m.comparisons) counts[c.verdict] = (counts[c.verdict] ?? 0) + 1;
  const summary = m.comparisons.length
    ? `<div class="summary">${(['agrees', 'disagrees', 'not comparable'] as const)
        .map((v) => `<span class="verdict ${verdictClass(v)}">${counts[v] ?? 0} ${v}</span>`)
        .join('')}</div>`
    : '';

  const params = Object.entries(m.parameters)
    .map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(typeof v === 'number' ? formatNumber(v) : v)}</td></tr>`)
    .join('\n');

  const compRows = m.comparisons
    .map((c) => {
      const cls = verdictClass(c.verdict);
      return `<tr class="row-${cls.replace('verdict-', '')}"><td class="quantity">${escapeHtml(c.quantity)}</td>` +
        `<td class="value">${escapeHtml(c.empirical)}</td><td class="value">${escapeHtml(c.theory)}</td>` +
        `<td><span class="verdict ${cls}">${escapeHtml(c.verdict)}</span></td>` +
        `<td class="note">${escapeHtml(c.note ?? '')}</td></tr>`;
    })
    .join('\n');
  const comparisons = m.comparisons.length
    ? `<div class="table-wrap wide"><table class="comparisons"><thead><tr><th scope="col">quantity</th><th scope="col">empirical</th>` +
      `<th scope="col">theory</th><th scope="col">verdict</th><th scope="col">note</th></tr></thead>\n<tbody>\n${compRows}\n</tbody></table></div>`
    : '<p class="muted">No comparisons with theory for this run.</p>';

  const tables = (m.tables ?? [])
    .map((t, i) => `<h3 id="table-${i + 1}">${escapeHtml(t.title)}</h3>\n${table(t.columns, t.rows)}`)
    .join('\n');

  const plots = m.plots
    .map((p, i) => `<figure id="plot-${i + 1}">\n<h3>${escapeHtml(p.title)}</h3>\n<div class="plot">${inlineSvg(p.svg, `p${i + 1}-`, p.title)}</div>\n` +
      `${p.caption ? `<figcaption>${escapeHtml(p.caption)}</figcaption>\n` : ''}</figure>`)
    .join('\n');

  const provenance = Object.entries(m.provenance)
    .map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${provenanceValue(v)}</td></tr>`)
    .join('\n');

  const description = m.description
    ? m.description.split(/\n\s*\n/).map((p) => `<p class="description">${escapeHtml(p.trim())}</p>`).join('\n')
    : '';
  const nav = [
    ['parameters', 'Parameters'], ['comparisons', 'Comparisons'], ...(tables ? [['tables', 'Tables']] : []),
    ...(m.plots.length ? [['plots', 'Plots']] : []), ['provenance', 'Provenance'],
  ].map(([id, label]) => `<a href="#${id}">${label}</a>`).join('');

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(m.title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<header>
<h1>${escapeHtml(m.title)}</h1>
${description}
${summary}
<nav>${nav}</nav>
</header>
<section id="parameters">
<h2>Parameters</h2>
<div class="table-wrap"><table class="params"><tbody>
${params}
</tbody></table></div>
</section>
<section id="comparisons">
<h2>Comparison with theory</h2>
${comparisons}
</section>
${tables ? `<section id="tables" class="tables">\n<h2>Tables</h2>\n${tables}\n</section>` : ''}
${m.plots.length ? `<section id="plots">\n<h2>Plots</h2>\n${plots}\n</section>` : ''}
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
