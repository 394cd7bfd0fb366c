/**
 * Parts of report.html built from the comparisons and the provenance: the summary (one row per question, the rows of
 * a sweep condensed), what the verdicts mean, and the provenance flattened into a two-column table.
 */
import type { ReportComparison } from './html.ts';

type Esc = (s: unknown) => string;
type Cls = (v: string) => string;

const VERDICTS = ['agrees', 'disagrees', 'not comparable'] as const;

/** How to read a verdict: one sentence each (the report prints it above the summary, the terminal below its table). */
export const VERDICT_MEANINGS =
  'agrees: the theory value lies inside the empirical interval (95 %, or the 99.9 % that a question over a grid of many ' +
  'points says it uses; widened by the stated allowance where a known bias ' +
  'applies; the allowance and its reason are printed beside the verdict). disagrees: it lies outside; the row says by how ' +
  'much and, where the difference is expected (a limit approached slowly), what it means. not comparable: no verdict — ' +
  'the theory is a bound or a limit, or the estimate rests on fewer than 30 trajectories or a zero-width interval.';

export interface QuestionRow {
  question: string;
  rows: ReportComparison[];
  counts: Record<string, number>;
}

/** The comparisons grouped by question (first appearance order). */
export function groupByQuestion(cs: ReportComparison[]): QuestionRow[] {
  const out = new Map<string, QuestionRow>();
  for (const c of cs) {
    const q = c.question ?? c.quantity;
    let g = out.get(q);
    if (!g) out.set(q, (g = { question: q, rows: [], counts: { agrees: 0, disagrees: 0, 'not comparable': 0 } }));
    g.rows.push(c);
    g.counts[c.verdict] = (g.counts[c.verdict] ?? 0) + 1;
  }
  return [...out.values()];
}

/** The summary table: per question its verdict (or the verdict counts over the grid points), the numbers, the meaning. */
export function summaryTable(cs: ReportComparison[], esc: Esc, cls: Cls): string {
  if (!cs.length) return '<p class="muted">No comparisons with theory for this run.</p>';
  const rows = groupByQuestion(cs).map((g) => {
    const worst = g.counts.disagrees ? 'disagrees' : g.counts.agrees ? 'agrees' : 'not comparable';
    let verdict: string, numbers: string;
    if (g.rows.length === 1) {
      const c = g.rows[0]!;
      verdict = `<span class="verdict ${cls(c.verdict)}">${esc(c.verdict)}</span>` +
        (c.verdictDetail && c.verdictDetail !== c.verdict ? `<div class="detail">${esc(c.verdictDetail.replace(/^[a-z ]+ \(/, '(').replace(/^\(|\)$/g, ''))}</div>` : '');
      numbers = `${esc(c.empirical)} <span class="muted">vs</span> ${esc(c.theory)}${c.point ? ` <span class="muted">(${esc(c.point)})</span>` : ''}`;
    } else {
      verdict = `<div class="verdict-stack">${VERDICTS.filter((v) => g.counts[v]).map((v) => `<span class="verdict ${cls(v)}">${g.counts[v]} ${esc(v)}</span>`).join('')}</div>`;
      // where the disagreeing rows are: each grid point once, with how many of its rows (one per input, say) disagree
      const bad = new Map<string, number>();
      for (const c of g.rows) if (c.verdict === 'disagrees') bad.set(c.point ?? c.quantity, (bad.get(c.point ?? c.quantity) ?? 0) + 1);
      const where = [...bad].map(([k, n]) => `${esc(k)}${n > 1 ? ` (${n} rows)` : ''}`);
      numbers = `${g.rows.length} rows (grid points or checkpoints), all in the full table below` +
        (where.length ? `; disagreeing: ${where.slice(0, 4).join('; ')}${where.length > 4 ? ` and ${where.length - 4} more` : ''}` : '');
    }
    const allowance = g.rows.find((c) => c.verdict === 'agrees' && /allowance/.test(c.verdictDetail ?? ''))?.verdictDetail;
    const meaning = [
      ...new Set(g.rows.filter((c) => c.meaning && c.verdict === 'disagrees').map((c) => c.meaning!)),
      ...(g.rows.length > 1 && allowance ? [allowance.replace(/^agrees \((inside the interval; )?(within )?/, '').replace(/\)$/, '')] : []),
    ].join(' ');
    return `<tr class="row-${cls(worst).replace('verdict-', '')}"><td class="question">${esc(g.question)}</td><td>${verdict}</td>` +
      `<td class="value">${numbers}</td><td class="meaning">${esc(meaning)}</td></tr>`;
  });
  return `<p class="legend-verdicts">${esc(VERDICT_MEANINGS)}</p>\n` +
    `<div class="table-wrap wide"><table class="summary-verdicts"><thead><tr><th scope="col">question</th><th scope="col">verdict</th>` +
    `<th scope="col">empirical vs theory</th><th scope="col">what a disagreement means</th></tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody></table></div>`;
}

/** Dotted paths and values of a nested object: arrays of scalars joined with ", ", objects and arrays of objects walked. */
export function flattenProvenance(v: unknown, prefix = ''): [string, string][] {
  if (v === null || v === undefined) return prefix ? [[prefix, '—']] : [];
  if (typeof v === 'bigint') return [[prefix, v.toString()]];
  if (typeof v !== 'object') return [[prefix, String(v)]];
  if (Array.isArray(v)) {
    if (!v.length) return [[prefix, '(none)']];
    if (v.every((x) => x === null || typeof x !== 'object')) return [[prefix, v.map((x) => String(x)).join(', ')]];
    return v.flatMap((x, i) => flattenProvenance(x, `${prefix}[${i}]`));
  }
  const entries = Object.entries(v as Record<string, unknown>);
  if (!entries.length) return prefix ? [[prefix, '(none)']] : [];
  return entries.flatMap(([k, x]) => flattenProvenance(x, prefix ? `${prefix}.${k}` : k));
}
