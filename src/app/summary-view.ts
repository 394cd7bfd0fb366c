/**
 * The summary of a finished run, the same view for every model, read from the files the CLI writes: the engine and
 * time (summary.json), the report's parameters, its comparisons with theory and its tables (report.html's parts),
 * and a one-line result (the success probability where the summary has one, else the verdicts).
 */
import { adapterName } from '../engines/index.ts';
import { escapeHtml, verdictClass } from '../report/html.ts';
import { VERDICT_MEANINGS } from '../report/html-sections.ts';
import type { ReportParts } from './protocol.ts';
import { $, fmt, fmtNum } from './format.ts';

const MAX_TABLE_ROWS = 40;

function comparisons(report: ReportParts): string {
  if (!report.comparisons.length) return '';
  // A sweep's rows name their grid point (as report.html's table does): the same quantity recurs once per point.
  const pointCol = report.comparisons.some((c) => c.point);
  // What each verdict rests on is shown under it (an allowance: "within ±0.02 = 2α"; no verdict: why), as in report.html,
  // and what the verdicts mean below the table; the row's note stays its tooltip.
  const detail = (c: ReportParts['comparisons'][number]) => c.verdictDetail && c.verdictDetail !== c.verdict
    ? `<div class="detail">${escapeHtml(c.verdictDetail.slice(c.verdict.length).trim().replace(/^\(|\)$/g, ''))}</div>` : '';
  const rows = report.comparisons.map((c) => `<tr title="${escapeHtml(c.note ?? '')}">${pointCol ? `<td>${escapeHtml(c.point ?? '')}</td>` : ''}` +
    `<td>${escapeHtml(c.quantity)}</td><td>${escapeHtml(c.empirical)}</td>` +
    `<td>${escapeHtml(c.theory)}</td><td><span class="verdict ${verdictClass(c.verdict)}">${escapeHtml(c.verdict)}</span>${detail(c)}</td></tr>`).join('');
  return `<h3>Measured against theory or the source</h3><table class="comparisons"><thead><tr>${pointCol ? '<th>grid point</th>' : ''}<th>quantity</th><th>measured [interval]</th>` +
    `<th>theory / source</th><th>verdict</th></tr></thead><tbody>${rows}</tbody></table><p class="legend-verdicts">${escapeHtml(VERDICT_MEANINGS)}</p>`;
}

function tables(report: ReportParts): string {
  return (report.tables ?? []).map((t, i) => {
    const cell = (v: unknown) => `<td>${escapeHtml(typeof v === 'number' ? fmt(v, 5) : v ?? '')}</td>`;
    const rows = t.rows.slice(0, MAX_TABLE_ROWS).map((r) => `<tr>${(r as unknown[]).map(cell).join('')}</tr>`).join('');
    const more = t.rows.length > MAX_TABLE_ROWS ? `<p class="placeholder">${t.rows.length - MAX_TABLE_ROWS} more rows in the CSV files and report.html.</p>` : '';
    return `<details${i === 0 && t.rows.length <= 15 ? ' open' : ''}><summary>${escapeHtml(t.title)}</summary><div class="table-wrap"><table class="comparisons">` +
      `<thead><tr>${t.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table></div>${more}</details>`;
  }).join('');
}

/** The line under the progress bar: the success probability (one scenario or per grid point), else the verdicts. */
function resultLine(s: Record<string, any>, report: ReportParts): string {
  const f = s.final;
  if (f && typeof f.successProbability === 'number') {
    return `Finished: P(argmax p = i*) = ${fmt(f.successProbability)} [${fmt(f.successCI95?.[0])}, ${fmt(f.successCI95?.[1])}], N = ${Number(f.trajectories).toLocaleString('en')}`;
  }
  if (Array.isArray(s.points) && s.points.every((p: any) => typeof p?.final?.successProbability === 'number')) {
    return `Finished: P(success) per grid point ${s.points.map((p: any) => fmt(p.final.successProbability, 3)).join(', ')}`;
  }
  const v = report.comparisons.map((c) => c.verdict);
  const nc = v.filter((x) => x === 'not comparable').length;
  return `Finished: ${v.length} comparison${v.length === 1 ? '' : 's'}` +
    (v.length ? ` (${v.filter((x) => x === 'agrees').length} agree, ${v.filter((x) => x === 'disagrees').length} disagree${nc ? `, ${nc} not comparable` : ''})` : '');
}

export function showSummary(s: Record<string, any>, report: ReportParts): void {
  $('summary-json').textContent = JSON.stringify(s, null, 2);
  const engine = s.engine ?? {};
  const timing = s.timing ?? {};
  // what the summary says of where it ran (a model's summary may leave out its runtime or adapter)
  const where = [engine.runtime, engine.adapter?.backend ? `backend ${engine.adapter.backend}` : engine.adapter ? adapterName(engine.adapter) : '']
    .filter((x) => typeof x === 'string' && x).map((x) => escapeHtml(x)).join(', ');
  // the summary's rate, whatever the model calls its work (trajectoryStepsPerSecond → "trajectory-steps/s")
  const r = Object.entries(timing).find(([k, v]) => /PerSecond$/.test(k) && typeof v === 'number') as [string, number] | undefined;
  // That rate is over the engine's own seconds, not the wall time beside it (which includes the run's bookkeeping).
  const rate = r ? `; the engine ${fmtNum(r[1])} ${escapeHtml(r[0].replace(/PerSecond$/, '').replace(/([A-Z])/g, '-$1').toLowerCase())}/s over its own time` : '';
  const params = Object.entries(report.parameters).filter(([k]) => k !== 'engine')
    .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(typeof v === 'number' ? fmt(v, 6) : v)}</dd>`).join('');
  const warnings = Array.isArray(s.warnings) && s.warnings.length ? `<dt>warnings</dt><dd>${s.warnings.map(escapeHtml).join('<br>')}</dd>` : '';
  $('summary-view').innerHTML = `<dl class="kv">
    <dt>engine</dt><dd>${escapeHtml(engine.name)}${where ? ` (${where})` : ''} — ${escapeHtml(engine.reason)}</dd>
    <dt>time</dt><dd>${fmt(timing.wallSeconds, 3)} s wall${rate}</dd>${params}${warnings}</dl>${comparisons(report)}${tables(report)}`;
  $('result-line').textContent = resultLine(s, report);
}

export function showSummaryPlaceholder(html: string): void {
  $('summary-view').innerHTML = html;
}

export function resetSummary(): void {
  $('result-line').textContent = '';
  $('summary-view').innerHTML = '<p class="placeholder">Running…</p>';
  $('summary-json').textContent = '';
}
