/**
 * The comparison table as the command line prints it, for every model: one line per row (verdict, quantity,
 * estimate with interval, theory), beneath it what the verdict rests on (the allowance and its reason beside an
 * "agrees", how far off and what it means beside a "disagrees"), and a closing line on how to read the verdicts.
 */
import { verdictText, type Comparison } from '../stats/compare.ts';

function fmt(v: number | null | undefined, digits = 4): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '-' : Number(v.toPrecision(digits)).toString();
}

/** Words of `text` in lines of at most `width` characters, each prefixed by `indent`. */
export function wrap(text: string, width: number, indent: string): string[] {
  const out: string[] = [];
  let line = '';
  for (const w of text.split(/\s+/).filter(Boolean)) {
    if (line && indent.length + line.length + 1 + w.length > width) { out.push(indent + line); line = w; } else line = line ? `${line} ${w}` : w;
  }
  if (line) out.push(indent + line);
  return out;
}

export const VERDICT_KEY =
  'agrees: theory inside the empirical interval (95 %, or the 99.9 % a question over a grid of many points says it uses; ' +
  'widened by the allowance shown, where a known bias applies); ' +
  'disagrees: outside it, by the amount shown; not comparable: no verdict (a bound, a limit, < 30 trajectories or a ' +
  'zero-width interval). The report\'s summary explains each row.';

type Row = Comparison & { point?: string };

/**
 * A sweep's table condensed to one line per question (the verdict counts over the grid points, the allowance once),
 * with every disagreeing row in full beneath its question.
 */
function condensed(rows: Row[], width: number, pad: string): string[] {
  const groups = new Map<string, Row[]>();
  for (const c of rows) { const q = c.question ?? c.quantity; (groups.get(q) ?? groups.set(q, []).get(q)!).push(c); }
  const lines: string[] = [];
  for (const [q, g] of groups) {
    const n = (v: string) => g.filter((c) => c.verdict === v).length;
    const counts = (['agrees', 'disagrees', 'not comparable'] as const).filter((v) => n(v)).map((v) => `${n(v)} ${v}`).join(', ');
    lines.push(`  ${q}: ${counts}`);
    const all = g.filter((c) => c.verdict === 'agrees' && c.allowance).map((c) => c.allowance!);
    const a = all[0];
    const varies = new Set(all.map((x) => fmt(x.value, 3))).size > 1;
    if (a) lines.push(...wrap(`agreeing rows within their allowance${varies ? ' (it varies by point; the first' : ''} ±${fmt(a.value, 3)}${varies ? ')' : ''} = ${a.reason}`, width, pad));
    const bad = g.filter((x) => x.verdict === 'disagrees');
    const meaning = bad.find((c) => c.meaning)?.meaning;
    if (meaning) lines.push(...wrap(`what a disagreement means here: ${meaning}`, width, pad));
    for (const c of bad) lines.push(...rowLines(c, width, pad, false));
  }
  return lines;
}

function rowLines(c: Row, width: number, pad: string, meaning = true): string[] {
  // A row with neither a measurement nor a theory value says why instead (its note's first clause), not "- vs -".
  if (c.empirical === null && c.theory === null && c.note) {
    return [`  ${c.verdict.padEnd(14)} ${c.point ? `${c.point}: ` : ''}${c.quantity}:`, ...wrap(c.note.split(';')[0]!, width, pad)];
  }
  const emp = c.empirical === null ? '-' : `${fmt(c.empirical)}${c.interval ? ` [${fmt(c.interval[0])}, ${fmt(c.interval[1])}]` : ''}`;
  const lines = [`  ${c.verdict.padEnd(14)} ${c.point ? `${c.point}: ` : ''}${c.quantity}: ${emp} vs ${fmt(c.theory)}`];
  const detail = verdictText(c);
  if (detail !== c.verdict) lines.push(...wrap(detail.slice(c.verdict.length).trim().replace(/^\(|\)$/g, ''), width, pad));
  if (meaning && c.verdict === 'disagrees' && c.meaning) lines.push(...wrap(`what it means: ${c.meaning}`, width, pad));
  return lines;
}

/**
 * Lines of the comparison table. Rows may carry the grid point they belong to; `condense` prints one line per
 * question with the verdict counts (a sweep), every disagreeing row in full.
 */
export function comparisonLines(rows: Row[], o: { title?: string; condense?: boolean; width?: number } = {}): string[] {
  if (!rows.length) return [];
  const width = o.width ?? 118;
  const pad = ' '.repeat(17);
  const lines = ['', o.title ?? (o.condense ? 'empirical against theory, per question (every row in the report and comparisons.csv):' : 'empirical against theory:')];
  if (o.condense) {
    lines.push(...condensed(rows, width, pad), ...wrap(VERDICT_KEY, width, '  '));
    return lines;
  }
  for (const c of rows) lines.push(...rowLines(c, width, pad));
  lines.push(...wrap(VERDICT_KEY, width, '  '));
  return lines;
}
