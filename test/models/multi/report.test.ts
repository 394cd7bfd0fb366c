/**
 * The several-outputs model's report: the terminal line on wrong outputs gives a count of trajectories (not the
 * fraction written as a count), and every plot spec compiles without a vega-lite warning (a warning is printed on
 * stderr by every run and merge).
 */
import { describe, expect, it } from 'vitest';
import { vegaLiteWarnings } from '../../report/vega-lite-warnings.ts';
import { multiFiles } from '../../../src/models/multi/files.ts';
import { multiHumanReport } from '../../../src/models/multi/report.ts';
import { parseMultiExperiment, runMultiExperiment } from '../../../src/models/multi/run.ts';

const base = {
  name: 'multi-report', batches: 2,
  scenario: {
    model: 'multi', rates: [10, 7.5, 5], alphas: [0.02, 0.015, 0.01], steps: 300, trajectories: 90, seed: 21,
    checkpoints: { every: 100 }, keepPaths: 4,
  },
};

describe('the multi report', async () => {
  const files = multiFiles(await runMultiExperiment(parseMultiExperiment(base), { engine: 'cpu' }));
  const s = files.summary;

  it('comparisons.csv gives the trajectories behind the row', () => {
    const csv = files.csv.find((c) => c.name === 'comparisons.csv')!.text.trim().split('\n');
    const col = csv[0]!.split(',').indexOf('n_trajectories');
    expect(col).toBeGreaterThan(0);
    expect(csv[1]!.split(',')[col]).toBe('90');
  });

  it('says in how many trajectories (a count) some output is on a wrong input, with the fraction and its interval', () => {
    const last = s.checkpoints.at(-1)!;
    // 89 of 90 here (plateau 0 holds 1): a count that differs from the fraction 0.9889 and from 1
    expect(last.wrongCount).toBe(89);
    expect(s.final.wrongCount).toBe(89); // the final summary holds the count too
    expect(s.final.wrongFraction).toBeCloseTo(89 / 90, 12);
    const text = multiHumanReport(s, { summary: 'summary.json' });
    const line = text.split('\n').find((l) => l.startsWith('final ('))!;
    expect(line).toMatch(/ on a wrong input in 89 of 90 trajectories \(fraction 0\.9889, 95% CI \[0\.\d+, 0\.\d+\], Wilson\)$/);
    // an older summary, without the count in final or the checkpoints: the count from the fraction
    const { wrongCount: _f, ...olderFinal } = s.final;
    const older = { ...s, final: olderFinal, checkpoints: s.checkpoints.map(({ wrongCount: _w, ...c }) => c) } as unknown as typeof s;
    expect(multiHumanReport(older, { summary: 'summary.json' })).toContain(' in 89 of 90 trajectories (fraction 0.9889,');
  });

  it('every plot spec compiles without a vega-lite warning; the error plot has one legend for colour and dash', () => {
    expect(files.plots.map((p) => p.name)).toEqual(['error', 'plateaus', 'trajectory-p']);
    for (const p of files.plots) expect([p.name, vegaLiteWarnings(p.spec)]).toEqual([p.name, []]);
    const err = files.plots[0]!.spec as { layer: { encoding: { color?: { legend: unknown }; strokeDash?: { legend: unknown } } }[] };
    const enc = err.layer[1]!.encoding;
    expect(enc.strokeDash!.legend).toEqual(enc.color!.legend);
    expect(enc.color!.legend).toMatchObject({ symbolType: 'stroke' });
  });
});
