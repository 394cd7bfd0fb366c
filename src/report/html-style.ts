/** The report page's inline stylesheet (html.ts). */
export const REPORT_CSS = `
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
table.summary-verdicts td.question { font-weight: 600; max-width: 34em; }
table.summary-verdicts td.detail, table.comparisons td.detail { font-size: 0.82rem; color: #333; max-width: 30em; }
table.summary-verdicts td.meaning { font-size: 0.84rem; color: #444; max-width: 36em; }
table.summary-verdicts tr.row-disagrees { background: #fff6f5; }
.verdict-stack { display: flex; flex-wrap: wrap; gap: 4px; }
p.legend-verdicts { font-size: 0.86rem; color: #444; max-width: 75em; margin: 4px 0 10px; }
table.provenance th[scope="row"] { font-family: "DejaVu Sans Mono", ui-monospace, Menlo, Consolas, monospace; font-weight: normal; font-size: 0.8rem; }
@media print { main { max-width: none; padding: 0; } nav { display: none; } figure { border: none; } }
`;
