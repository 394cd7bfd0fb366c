/**
 * Verdict rules and how they are shown: the allowance and its reason beside an "agrees" (report, terminal, CSV),
 * "not comparable" below 30 trajectories or for a zero-width interval, how far off a "disagrees" is, probability
 * intervals clipped to [0, 1], and the report's summary condensed to one row per question.
 */
import { describe, expect, it } from 'vitest';
import { compareToInterval, compareWithAllowance, judge, verdictText } from '../../src/stats/compare.ts';
import { clipProbability, normalProbabilityInterval } from '../../src/stats/intervals.ts';
import { COMPARISON_COLUMNS, comparisonCsvRows, reportComparison } from '../../src/report/files.ts';
import { buildHtmlReport } from '../../src/report/html.ts';
import { comparisonLines } from '../../src/report/terminal.ts';

const flowRow = (theory: number, n = 40000) => compareWithAllowance('mean p*(k) at t = αk = 3', 0.711, [0.703, 0.719], theory, 0.4, 'replicator flow',
  { n, reason: '2α (α = 0.2): the chain\'s mean differs from the flow by O(α)', question: 'mean p*(k) against the flow' });

describe('verdicts', () => {
  it('an agreement that needs the allowance says so, with the allowance and its reason', () => {
    const c = flowRow(0.8375);
    expect(c.verdict).toBe('agrees');
    expect(verdictText(c)).toBe('agrees (within allowance ±0.4 = 2α (α = 0.2): the chain\'s mean differs from the flow by O(α))');
    expect(verdictText(flowRow(0.71))).toMatch(/^agrees \(inside the interval; allowance ±0\.4 = 2α/);
    expect(verdictText(compareToInterval('q', 0.5, [0.4, 0.6], 0.55))).toBe('agrees');
  });

  it('fewer than 30 trajectories or a zero-width interval give no verdict, with the reason first in the note', () => {
    const few = flowRow(0.8375, 29);
    expect(few.verdict).toBe('not comparable');
    expect(few.note).toMatch(/^fewer than 30 trajectories \(29\): no verdict; replicator flow/);
    const single = compareToInterval('q', 0.3, [0.3, 0.3], 0.5, 'one path');
    expect(single.verdict).toBe('not comparable');
    expect(single.note).toMatch(/^zero-width interval/);
    expect(judge({ ...single, verdict: 'agrees', interval: [0.2, 0.6], note: undefined }).verdict).toBe('agrees');
  });

  it('a disagreement says how far the theory lies outside the interval', () => {
    const c = compareToInterval('slope', -0.00993, [-0.00995, -0.009911], -0.009951);
    expect(c.verdict).toBe('disagrees');
    expect(verdictText(c)).toBe('disagrees (theory outside the interval by 0.000001; theory − estimate = -0.000021, 0.21 % of the estimate)');
  });

  it('probability intervals stay inside [0, 1]', () => {
    expect(clipProbability([0.944, 1.0009])).toEqual([0.944, 1]);
    expect(normalProbabilityInterval(0.99, 0.01)).toEqual([0.99 - 0.0196, 1]);
    expect(normalProbabilityInterval(0.005, 0.01)[0]).toBe(0);
  });
});

describe('verdicts as shown', () => {
  const rows = [flowRow(0.8375), { ...flowRow(0.8), quantity: 'mean p*(k) at t = αk = 2' }, compareToInterval('slope', -0.00993, [-0.00995, -0.009911], -0.009951, 'n', { meaning: 'expected at finite K' })];

  it('CSV: allowance, its reason and the verdict detail in their own columns', () => {
    const csv = comparisonCsvRows(rows.map((c) => ({ c })));
    const col = (r: (string | number)[], name: string) => r[COMPARISON_COLUMNS.indexOf(name)];
    expect(col(csv[0]!, 'allowance')).toBe('0.4');
    expect(col(csv[0]!, 'allowance_reason')).toMatch(/^2α/);
    expect(col(csv[0]!, 'verdict_detail')).toMatch(/^agrees \(within allowance ±0\.4/);
    expect(col(csv[0]!, 'question')).toBe('mean p*(k) against the flow');
  });

  it('terminal: the allowance beside every agrees, how far off and what it means beside a disagrees', () => {
    const t = comparisonLines(rows).join('\n');
    expect(t).toMatch(/agrees {9}mean p\*\(k\) at t = αk = 3: 0\.711 \[0\.703, 0\.719\] vs 0\.8375\n {17}within allowance ±0\.4 = 2α/);
    expect(t).toMatch(/theory outside the interval by 0\.000001.*\n {17}what it means: expected at finite K/);
    const c = comparisonLines(rows, { condense: true }).join('\n');
    expect(c).toContain('mean p*(k) against the flow: 2 agrees');
    expect(c).toContain('slope: 1 disagrees');
  });

  it('terminal: a row with neither a measurement nor a theory value says why, not "- vs -"', () => {
    const t = comparisonLines([{ quantity: 'terminal RMS error against a closed form', empirical: null, interval: null, theory: null, verdict: 'not comparable', note: 'no closed form for the network; more detail' }]).join('\n');
    expect(t).toContain('  not comparable terminal RMS error against a closed form:\n                 no closed form for the network\n');
    expect(t).not.toContain('- vs -');
  });

  it('report: the summary has one row per question before the plots, the full table after them', () => {
    const html = buildHtmlReport({
      title: 't', parameters: {}, comparisons: rows.map((c, i) => reportComparison(c, `point ${i}`)), provenance: { a: { b: [1, 2] } },
      plots: [{ title: 'p', svg: '<svg xmlns="http://www.w3.org/2000/svg"></svg>' }],
    });
    const summary = html.slice(html.indexOf('id="summary"'), html.indexOf('id="parameters"'));
    expect(summary.match(/<tr class="row-/g)).toHaveLength(2);
    expect(summary).toContain('2 agrees</span>');
    expect(summary).toContain('expected at finite K');
    const full = html.slice(html.indexOf('id="comparisons"'));
    expect(full).toContain('within allowance ±0.4 = 2α (α = 0.2)');
    expect(html.indexOf('id="plots"')).toBeLessThan(html.indexOf('id="comparisons"'));
    expect(html).toContain('<tr><th scope="row">a.b</th><td>1, 2</td></tr>');
  });
});
