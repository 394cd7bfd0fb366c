/**
 * Every model's CSV tables read as pandas' read_csv would read them, and are tidy: a header of unique names, every row
 * with as many cells as the header, one value per cell (no space- or comma-separated vectors such as "10 7.5 5" or
 * "(1, 1, 1)"), and every column either numeric throughout (empty cells are NaN) or text throughout. A model that
 * keeps sample paths writes them as paths.csv. The README's pandas example reads the columns checked at the end.
 * The small experiments (test/models/small-experiments.ts) run in process on the CPU engine.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ALL_MODELS, smallFiles } from './model-outputs.ts';

/** RFC 4180 parsing (quoted fields, doubled quotes, line breaks inside quotes), as pandas' C parser reads it. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [], cell = '', quoted = false, i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i += 2; continue; }
      if (ch === '"') { quoted = false; i++; continue; }
      cell += ch; i++; continue;
    }
    if (ch === '"' && cell === '') { quoted = true; i++; continue; }
    if (ch === ',') { row.push(cell); cell = ''; i++; continue; }
    if (ch === '\n' || ch === '\r') {
      row.push(cell); rows.push(row); row = []; cell = '';
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
      continue;
    }
    cell += ch; i++;
  }
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

/** What pandas reads as a float (finite decimal or exponent notation). */
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const NUM = String.raw`[-+−]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?`;
/** A vector in one cell: numbers separated by spaces, or by commas (optionally in brackets). */
const VECTOR = new RegExp(String.raw`^\s*[(\[]?\s*${NUM}(\s*[,;]\s*|\s+)${NUM}((\s*[,;]\s*|\s+)${NUM})*\s*[)\]]?\s*$`);

interface Table { name: string; header: string[]; rows: string[][] }

const tables: Record<string, Table[]> = {};
/** Per model: which of csv, plots, report its files hold as getters (built when first read: withReport). */
const lazyParts: Record<string, string[]> = {};

beforeAll(async () => {
  for (const m of ALL_MODELS) {
    const f = await smallFiles(m);
    lazyParts[m] = ['csv', 'plots', 'report'].filter((k) => typeof Object.getOwnPropertyDescriptor(f, k)?.get === 'function');
    tables[m] = f.csv.map((c) => {
      const [header, ...rows] = parseCsv(c.text);
      return { name: c.name, header: header ?? [], rows };
    });
  }
}, 120_000);

/** The problems of one table, as messages (empty: tidy). */
function problems(t: Table): string[] {
  const out: string[] = [];
  if (!t.header.length || t.header.some((h) => !h.trim())) out.push(`${t.name}: empty header or header cell`);
  if (new Set(t.header).size !== t.header.length) out.push(`${t.name}: repeated column names`);
  t.rows.forEach((r, i) => { if (r.length !== t.header.length) out.push(`${t.name} row ${i + 2}: ${r.length} cells for ${t.header.length} columns`); });
  t.header.forEach((h, j) => {
    const cells = t.rows.map((r) => r[j] ?? '').filter((v) => v !== '');
    const numeric = cells.filter((v) => NUMBER.test(v));
    if (numeric.length && numeric.length !== cells.length) {
      const bad = cells.find((v) => !NUMBER.test(v));
      out.push(`${t.name}: column ${h} mixes numbers and text (${JSON.stringify(bad)})`);
    }
    const vec = cells.find((v) => VECTOR.test(v));
    if (vec !== undefined) out.push(`${t.name}: column ${h} holds several values in one cell (${JSON.stringify(vec)})`);
    if (numeric.length && cells.some((v) => /\s/.test(v))) out.push(`${t.name}: column ${h} has spaces in a numeric cell`);
  });
  return out;
}

describe('every model builds its tables, plots and report parts only when they are read', () => {
  // A run without its report (--no-report, --json, the summary alone) then computes none of them, and the CLI counts
  // their building with the report's rendering, not with the run's bookkeeping.
  for (const m of ALL_MODELS) it(m, () => expect(lazyParts[m]).toEqual(['csv', 'plots', 'report']));
});

describe('every model\'s CSV tables are tidy and read as pandas reads them', () => {
  for (const m of ALL_MODELS) {
    it(m, () => {
      expect(tables[m]!.length, `${m} writes CSV tables`).toBeGreaterThan(0);
      for (const t of tables[m]!) expect(t.rows.length, `${m}/${t.name} has rows`).toBeGreaterThan(0);
      expect(tables[m]!.flatMap(problems)).toEqual([]);
    });
  }

  it('the checker itself flags vectors in cells, ragged rows and mixed columns', () => {
    const bad: Table = { name: 'x.csv', header: ['a', 'b', 'c'], rows: [['10 7.5 5', '1', 'u'], ['(1, 1, 1)', 'x', 'v'], ['1', '2']] };
    const p = problems(bad);
    expect(p.some((s) => /row 4: 2 cells/.test(s))).toBe(true);
    expect(p.some((s) => /column a holds several values/.test(s))).toBe(true);
    expect(p.some((s) => /column b mixes numbers and text/.test(s))).toBe(true);
    expect(parseCsv('a,b\n"x, ""y""",2\n')).toEqual([['a', 'b'], ['x, "y"', '2']]);
  });
});

describe('sample paths and the README\'s pandas example', () => {
  const cols = (m: string, name: string) => tables[m]!.find((t) => t.name === name)?.header ?? [];

  it('every model that keeps sample paths writes paths.csv, one value per row', () => {
    // the small experiments keep paths for the chain (keepPaths), several outputs, the spiking network and the zero-order learner
    for (const m of ['chain', 'multi', 'spiking', 'zero-order']) expect(cols(m, 'paths.csv').length, m).toBeGreaterThan(0);
    expect(cols('chain', 'paths.csv')).toEqual(['point', 'path', 'step', 't', 'input', 'p']);
  });

  it('has the columns the README example uses', () => {
    // cp = pd.read_csv("runs/quickstart/checkpoints.csv"); cp.plot(x="t", y="log_gap_median")
    // paths = pd.read_csv("runs/quickstart/paths.csv"); paths.groupby(["t", "input"]).p.mean().unstack()
    for (const c of ['point', 't', 'step', 'success_fraction', 'log_gap_median', 'log_gap_q10', 'log_gap_q90']) expect(cols('chain', 'checkpoints.csv')).toContain(c);
    for (const c of ['path', 't', 'input', 'p']) expect(cols('chain', 'paths.csv')).toContain(c);
    const paths = tables.chain!.find((t) => t.name === 'paths.csv')!;
    const p = paths.header.indexOf('p');
    for (const r of paths.rows) expect(Number(r[p])).toBeGreaterThanOrEqual(0);
  });
});
