/**
 * The HTML report holds the tables, the inline SVGs and the coloured verdicts, with no scripts or network; CSV
 * quoting. A sample report from made-up inputs (test data only) is written to /tmp/report-samples/report.html.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildHtmlReport, commandLineChanges, escapeHtml, inlineSvg, toCsv, verdictClass, type ReportModel } from '../../src/report/html.ts';
import { logGapSpec, successVsStepSpec } from '../../src/report/plots.ts';
import { simplexSpec } from '../../src/report/simplex-plot.ts';
import { renderSvg } from '../../src/report/render.ts';
import { logGapSample, simplexSample, successVsStepSample } from './samples.ts';

const SAMPLES_DIR = process.env.REPORT_SAMPLES_DIR ?? '/tmp/report-samples';

let model: ReportModel;
let html: string;

beforeAll(async () => {
  const [gap, steps, simplex] = await Promise.all([
    renderSvg(logGapSpec(logGapSample())),
    renderSvg(successVsStepSpec(successVsStepSample())),
    renderSvg(simplexSpec(simplexSample(20, 200))),
  ]);
  model = {
    title: 'stdp-mc — sample report <test data>',
    description: 'Made-up inputs for the report layout test; not a simulation result.\n\nSecond paragraph & more.',
    parameters: { d: 3, rates: '1, 0.9, 0.8', alpha: 0.02, noise: 'uniform on [−2.5, 2.5]', trajectories: 4096, seed: '42' },
    comparisons: [
      { quantity: 'P(success) at K', empirical: '0.8612 [0.8500, 0.8717]', theory: '0.8655', verdict: 'agrees', note: 'Wilson 95%' },
      { quantity: 'median slope per step', empirical: '-0.0151 [-0.0158, -0.0144]', theory: '-0.0160', verdict: 'disagrees', note: 'theory outside the batch-means interval' },
      { quantity: 'log E[1 − p* | success] slope', empirical: '—', theory: '-0.0124', verdict: 'not comparable', note: 'asymptotic regime not reached' },
    ],
    tables: [
      { title: 'Checkpoints', columns: ['step', 't', 'successFraction', 'note'], rows: [[0, 0, 0.4302, 'start'], [1000, 20, 0.86125, 'a, "quoted" note']] },
    ],
    plots: [
      { title: 'log(1 − p*) against αk', svg: gap, caption: 'Median with its 10–90% band, mean on success, flow, slopes.' },
      { title: 'P(argmax p = i*) against steps', svg: steps, caption: 'Wilson 95% intervals.' },
      { title: 'Sample paths on the simplex', svg: simplex },
    ],
    provenance: { version: '0.1.0', engine: { name: 'cpu', runtime: 'node' }, wallSeconds: 1.25, gitDirty: false, note: null },
  };
  html = buildHtmlReport(model);
  mkdirSync(SAMPLES_DIR, { recursive: true });
  writeFileSync(join(SAMPLES_DIR, 'report.html'), html);
});

describe('HTML report', () => {
  it('names each grid point with disagreeing rows once in the summary, with how many of its rows disagree', () => {
    const row = (point: string, input: number, verdict: 'agrees' | 'disagrees') => ({ quantity: `frequency of input ${input}`, empirical: '0.5', theory: '0.4', verdict, point, question: 'Eq. (12)' });
    const h = buildHtmlReport({ ...model, comparisons: [row('drive=48', 1, 'disagrees'), row('drive=48', 2, 'disagrees'), row('drive=12', 1, 'agrees'), row('drive=3', 3, 'disagrees')] });
    expect(h).toContain('4 rows (grid points or checkpoints), all in the full table below; disagreeing: drive=48 (2 rows); drive=3');
  });

  it('says where the command line changed the file the description is about (provenance.overrides)', () => {
    expect(commandLineChanges({ trajectories: 2000, steps: 50, seed: undefined })).toEqual(['--trajectories 2000', '--steps 50']);
    expect(commandLineChanges({})).toEqual([]);
    expect(commandLineChanges(undefined)).toEqual([]);
    const changed = buildHtmlReport({ ...model, provenance: { ...model.provenance, overrides: { duration: 20 } } });
    expect(changed).toContain('<strong>This run changed the file with --duration 20</strong>: sizes and durations in the description above are the file');
    // a command line that only mentions a flag (a page's heredoc of the whole file, say) is not a change
    expect(buildHtmlReport({ ...model, provenance: { ...model.provenance, command: 'cat > x.json <<EOF {"description": "--steps 5"} EOF' } })).not.toContain('This run changed');
  });

  it('is one self-contained document: inline CSS and SVG, no scripts, no external resources', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link\b|<img\b|<iframe\b|@import/i);
    expect(html).not.toMatch(/(src|href)="https?:/i);
    expect(html).not.toMatch(/url\(\s*['"]?https?:/i);
    expect(html.match(/<svg\b/g)).toHaveLength(3);
    expect(html.match(/<figcaption>/g)).toHaveLength(2);
  });

  it('holds the parameters, the comparison table with coloured verdicts, other tables and provenance', () => {
    for (const k of ['trajectories', '4096', 'uniform on [−2.5, 2.5]']) expect(html).toContain(k);
    expect(html).toContain('<table class="comparisons">');
    expect(html).toContain('<span class="verdict verdict-agrees">agrees</span>');
    expect(html).toContain('<span class="verdict verdict-disagrees">disagrees</span>');
    expect(html).toContain('<span class="verdict verdict-not-comparable">not comparable</span>');
    expect(html).toMatch(/\.verdict-agrees \{[^}]*green|\.verdict-agrees \{[^}]*var\(--ok\)/);
    expect(html).toContain('1 agrees</span>');
    expect(html).toContain('Checkpoints');
    expect(html).toContain('a, &quot;quoted&quot; note');
    expect(html).toContain('<td class="num">0.86125</td>');
    expect(html.indexOf('id="provenance"')).toBeGreaterThan(html.indexOf('id="plots"'));
    // provenance as a table of dotted paths, not raw JSON; the summary (one row per question) before the plots
    expect(html).toContain('<tr><th scope="row">engine.runtime</th><td>node</td></tr>');
    expect(html).not.toContain('&quot;runtime&quot;');
    expect(html.indexOf('id="summary"')).toBeLessThan(html.indexOf('id="plots"'));
    expect(html.indexOf('id="plots"')).toBeLessThan(html.indexOf('id="comparisons"'));
    expect(html).toContain('<table class="summary-verdicts">');
  });

  it('escapes text and keeps the ids of different SVGs apart', () => {
    expect(html).toContain('<title>stdp-mc — sample report &lt;test data&gt;</title>');
    expect(html).toContain('Second paragraph &amp; more.');
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const ref of html.matchAll(/url\(#([^)]+)\)/g)) expect(ids).toContain(ref[1]);
  });

  it('inlineSvg prefixes ids and references, strips scripts and handlers', () => {
    const svg = '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><defs><clipPath id="clip1"><rect/></clipPath></defs>' +
      '<g clip-path="url(#clip1)" onclick="x()"><use href="#clip1"/></g><script>alert(1)</script></svg>';
    const out = inlineSvg(svg, 'p7-', 'a "plot"');
    expect(out).toBe('<svg role="img" aria-label="a &quot;plot&quot;" xmlns="http://www.w3.org/2000/svg"><defs><clipPath id="p7-clip1"><rect/></clipPath></defs>' +
      '<g clip-path="url(#p7-clip1)"><use href="#p7-clip1"/></g></svg>');
  });

  it('maps verdicts to classes and escapes HTML', () => {
    expect(verdictClass('agrees')).toBe('verdict-agrees');
    expect(verdictClass('disagrees')).toBe('verdict-disagrees');
    expect(verdictClass('not comparable')).toBe('verdict-not-comparable');
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('renders without comparisons, tables or plots', () => {
    const h = buildHtmlReport({ title: 't', parameters: {}, comparisons: [], plots: [], provenance: {} });
    expect(h).toContain('No comparisons with theory');
    expect(h).not.toContain('<svg');
    expect(h).not.toContain('id="tables"');
  });
});

describe('CSV', () => {
  it('quotes commas, quotes, line breaks and edge spaces; doubles inner quotes', () => {
    const csv = toCsv(['name', 'value, with comma', 'say "hi"'], [
      ['plain', 1.5, 'a,b'],
      ['he said "no"', -2, 'line\nbreak'],
      [' padded', 0, ''],
      ['nan', NaN, 'Infinity'],
    ]);
    expect(csv).toBe(
      'name,"value, with comma","say ""hi"""\n' +
      'plain,1.5,"a,b"\n' +
      '"he said ""no""",-2,"line\nbreak"\n' +
      '" padded",0,\n' +
      'nan,,Infinity\n',
    );
  });

  it('round-trips through a reference parser', () => {
    const rows = [['a,b', 'c"d', 'e\r\nf', 3], ['', ' x ', '""', 0.1]];
    const parsed = parseCsv(toCsv(['c1', 'c2', 'c3', 'c4'], rows));
    expect(parsed).toEqual([['c1', 'c2', 'c3', 'c4'], ...rows.map((r) => r.map(String))]);
  });
});

/** A small RFC 4180 reader used only to check toCsv. */
function parseCsv(text: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [], field = '', i = 0, quoted = false;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
      if (ch === '"') { quoted = false; i++; continue; }
      field += ch; i++; continue;
    }
    if (ch === '"') { quoted = true; i++; continue; }
    if (ch === ',') { row.push(field); field = ''; i++; continue; }
    if (ch === '\n') { row.push(field); out.push(row); row = []; field = ''; i++; continue; }
    field += ch; i++;
  }
  if (field || row.length) { row.push(field); out.push(row); }
  return out;
}
