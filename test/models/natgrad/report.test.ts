/**
 * The natural-gradient model's report of a learning-rate sweep (Figure 9D): when no η reaches the KL cut-off within
 * the run, the terminal says so once, with the run's duration and what to do (no blank η values, no line of dashes
 * per η/η₀); the plots stay honest (nothing drawn for an undefined speed-up, not-reached times on the top edge of an
 * axis that spans the run); bounds are drawn as bounds with legend symbols; and no plot spec makes vega-lite warn.
 */
import { describe, expect, it } from 'vitest';
import { vegaLiteWarnings } from '../../report/vega-lite-warnings.ts';
import { parseNatgradExperiment } from '../../../src/models/natgrad/experiment.ts';
import { runNatgradExperiment } from '../../../src/models/natgrad/run.ts';
import { natgradFiles } from '../../../src/models/natgrad/files.ts';
import { natgradHumanReport } from '../../../src/models/natgrad/report.ts';
import { sweepParts } from '../../../src/models/natgrad/sweep-files.ts';
import type { NatgradSweep, SweepSpeedup } from '../../../src/models/natgrad/sweep.ts';
import { renderSvg } from '../../../src/report/render.ts';

type Layer = { data?: { values: Record<string, unknown>[] }; mark: { type: string }; encoding: Record<string, any> };
const layers = (spec: object) => (spec as { layer: Layer[] }).layer;
const layerOf = (spec: object, type: string) => layers(spec).filter((l) => l.mark.type === type);

// a sweep over two η/η₀ with a KL cut-off far below what 0.5 s of learning reaches: nothing reaches it
const file = {
  name: 'natgrad-none-reached', batches: 2,
  scenario: {
    model: 'natgrad', inputs: [{ count: 3, rate: 10 }, { count: 3, rate: 50 }], duration: 0.5, checkpoints: { every: 0.1 },
    rules: ['natural', 'euclidean'], coefficients: ['exact'], eta: { natural: 5e-3, euclidean: 2e-5 }, etaScale: [0.5, 1],
    klThreshold: 1e-12, testPatterns: 5, testWarmup: 50,
    table: { vMin: -20, vMax: 20, vStep: 1, sdMin: 0.2, sdMax: 12, sdStep: 0.4 },
    trajectories: 6, seed: 2011,
  },
};

describe('a natgrad sweep in which no η reaches the KL cut-off within the run', async () => {
  const files = natgradFiles(await runNatgradExperiment(parseNatgradExperiment(file), { engine: 'cpu' }));
  const s = files.summary;

  it('is such a run: every convergence time and speed-up undefined', () => {
    expect(s.sweep!.times.map((t) => t.time)).toEqual([null, null, null, null]);
    expect(s.sweep!.speedups.map((x) => x.kind)).toEqual(['undefined', 'undefined', 'undefined']);
  });

  it('the terminal says plainly that nothing reached the cut-off within T, and to run longer; no blank η', () => {
    const text = natgradHumanReport(s, { summary: 'summary.json' });
    expect(text).toContain('no η/η₀ reached mean KL ≤ 1e-12 within the run (T = 0.5 s), in either rule (0 of 4 ensembles); the lowest final mean KL is ');
    expect(text).toContain('The convergence times and the speed-ups are undefined: run longer (scenario.duration, or --duration) to measure them.');
    expect(text).not.toMatch(/speed-up at η\/η₀/); // no line of dashes per η/η₀
    expect(text).not.toMatch(/η = [,(]/); // "natural η = , Euclidean η =  (" before
    expect(text).not.toMatch(/: - —|- \[-, -\]/);
    const best = text.split('\n').filter((l) => l.startsWith('speed-up of the natural rule (exact coefficients) at each rule\'s best'));
    expect(best).toEqual([expect.stringMatching(/≤ 1e-12: undefined, neither rule reached the cut-off at any η\/η₀ within the run \(T = 0\.5 s; 0 of 2000 resamples defined\): run longer/)]);
  });

  it('no plot spec makes vega-lite warn', () => {
    expect(files.plots.map((p) => p.name)).toEqual(['kl', 'rate-error', 'weight-distance', 'speedup-vs-eta', 'convergence-time-vs-eta']);
    for (const p of files.plots) expect([p.name, vegaLiteWarnings(p.spec)]).toEqual([p.name, []]);
  });

  it('the speed-up plot draws no bar or point for an undefined speed-up, and says why in the plot', () => {
    const spec = files.plots.find((p) => p.name === 'speedup-vs-eta')!.spec;
    expect(layerOf(spec, 'point')).toEqual([]);
    expect(layers(spec).filter((l) => l.mark.type === 'rule' && l.encoding.x)).toEqual([]); // no interval bars
    const [text] = layerOf(spec, 'text');
    expect(text!.encoding.text.value.join(' ')).toBe('no speed-up: no η/η₀ reached mean KL ≤ 1e-12 within the run (T = 0.5 s), in either rule. Run longer (scenario.duration) to measure it.');
    expect(Math.max(...text!.encoding.text.value.map((l: string) => l.length))).toBeLessThanOrEqual(36); // fits the page's plot
  });

  it('the convergence-time plot spans the run: not-reached times open on its top edge, at T', () => {
    const spec = files.plots.find((p) => p.name === 'convergence-time-vs-eta')!.spec as { title: { subtitle: string[] } };
    const [bars] = layerOf(spec, 'rule'), [pts] = layerOf(spec, 'point');
    expect(pts!.data!.values.map((p) => [p.t, p.reached])).toEqual(Array(4).fill([0.5, 'not reached within the run']));
    expect(bars!.data!.values.map((p) => [p.lo, p.hi])).toEqual(Array(4).fill([0.5, 0.5]));
    // checkpoints at 0.1 … 0.5 s: a log axis from just below the first to T, T labelled
    expect(pts!.encoding.y.scale).toEqual({ type: 'log', domain: [0.08, 0.5], nice: false });
    expect(pts!.encoding.y.axis.values.at(-1)).toBe(0.5);
    expect(spec.title.subtitle.join(' ')).toContain('open circles on the top edge (the run\'s end, T = 0.5 s): not reached within the run');
    expect(layerOf(spec, 'text')).toHaveLength(1);
  });
});

describe('the sweep plots with estimates, bounds and undefined speed-ups', () => {
  const sp = (etaScale: number, kind: SweepSpeedup['kind'], value: number | null, ci: [number | null, number | null]): SweepSpeedup =>
    ({ coefficients: 'exact', etaScale, euclideanEta: 7e-6 * etaScale, naturalEta: 0.01 * etaScale, value, kind, ci, definedResamples: value === null ? 0 : 2000 });
  const sw: NatgradSweep = {
    cutoff: 5e-5, etaScales: [0.5, 1, 2], eta0: { natural: 0.01, euclidean: 7e-6 }, resamples: 2000, bootstrapLearners: 8, learners: 8,
    times: [
      { rule: 'natural', coefficients: 'exact', etaScale: 0.5, eta: 0.005, time: 60, ci: [40, 80] },
      { rule: 'natural', coefficients: 'exact', etaScale: 1, eta: 0.01, time: 40, ci: [30, null] },
      { rule: 'natural', coefficients: 'exact', etaScale: 2, eta: 0.02, time: null, ci: [null, null] },
      { rule: 'euclidean', coefficients: 'exact', etaScale: 0.5, eta: 3.5e-6, time: null, ci: [300, null] },
      { rule: 'euclidean', coefficients: 'exact', etaScale: 1, eta: 7e-6, time: 100, ci: [80, 140] },
      { rule: 'euclidean', coefficients: 'exact', etaScale: 2, eta: 1.4e-5, time: null, ci: [null, null] },
    ],
    speedups: [
      sp(0.5, 'lower bound', 400 / 60, [4, 9]), sp(1, 'estimate', 2.5, [1.6, 3.5]), sp(2, 'undefined', null, [null, null]),
      { ...sp(1, 'lower bound', 400 / 40, [5, 12]), etaScale: 'best', euclideanEta: null },
    ],
  };
  const checkpoints = Array.from({ length: 41 }, (_, i) => i * 10); // 0 … 400 s
  const parts = sweepParts(sw, 8, checkpoints);
  const speed = parts.plots[0]!.spec, time = parts.plots[1]!.spec;

  it('no vega-lite warning (a legend on colour and none on fill, for the same field, was one)', () => {
    for (const p of parts.plots) expect([p.name, vegaLiteWarnings(p.spec)]).toEqual([p.name, []]);
  });

  it('a lower bound\'s bar is open to the top edge, an undefined speed-up not drawn; the legend lists the kinds drawn', () => {
    const [, bars] = layerOf(speed, 'rule'), [pts] = layerOf(speed, 'point');
    const yMax = (pts!.encoding.y.scale.domain as number[])[1]!;
    expect(pts!.data!.values.map((p) => [p.x, p.kind])).toEqual([[0.5, 'lower bound (Euclidean not reached)'], [1, 'estimate']]);
    expect(bars!.data!.values.map((p) => [p.lo, p.hi])).toEqual([[4, yMax], [1.6, 3.5]]);
    expect(pts!.encoding.shape.legend.values).toEqual(['estimate', 'lower bound (Euclidean not reached)']);
    // the shape legend's symbols are drawn (before: stroke "transparent" on white, no symbol at all)
    expect(pts!.encoding.shape.legend.encoding.symbols.stroke).toEqual({ value: '#444' });
    expect((speed as { title: { subtitle: string[] } }).title.subtitle.join(' ')).toContain('no mark where neither rule reached the cut-off: exact coefficients at η/η₀ = 2');
  });

  it('the legend symbols of the kinds are in the rendered picture', async () => {
    const svg = await renderSvg(speed);
    // a legend symbol: a path with the grey stroke, filled for the estimate, white for the bound
    expect(svg.match(/<path [^>]*fill="#444" stroke="#444"/g)?.length).toBe(1);
    expect(svg.match(/<path [^>]*fill="white" stroke="#444"/g)?.length).toBe(1);
  });

  it('the best-η comparison names a rule that reached nothing instead of a blank η', () => {
    expect(parts.comparisons[0]!.note).toContain('natural η = 0.01, Euclidean rule: no η reached the cut-off within the run (T = 400 s)');
    expect(parts.comparisons[0]!.note).not.toMatch(/η = [,(]/);
  });

  it('the table gives no interval beside an undefined speed-up, or says it is that of the resamples that define one', () => {
    const rows = parts.table!.rows;
    expect(rows.map((r) => r[5])).toEqual(['[4, 9]', '[1.6, 3.5]', '–', '[5, 12]']);
    const some = sweepParts({ ...sw, speedups: [{ ...sw.speedups[2]!, ci: [1.2, 3.1], definedResamples: 37 }] }, 8, checkpoints);
    expect(some.table!.rows[0]![4]).toMatch(/^undefined/);
    expect(some.table!.rows[0]![5]).toBe('of the 37 of 2000 resamples defined: [1.2, 3.1]');
  });

  it('the time axis spans the run up to T = 400 s, where the times not reached sit', () => {
    const [pts] = layerOf(time, 'point');
    expect(pts!.encoding.y.scale.domain).toEqual([8, 400]);
    expect(pts!.encoding.y.axis.values).toEqual([10, 20, 50, 100, 200, 400]);
    expect(pts!.data!.values.filter((p) => p.reached !== 'reached').map((p) => [p.series, p.t])).toEqual([['natural, exact coefficients', 400], ['Euclidean', 400], ['Euclidean', 400]]);
    expect(layerOf(time, 'text')).toEqual([]); // some reached: no message
  });
});

describe('a natgrad run whose learners are below the KL threshold from the start (time to threshold 0)', async () => {
  // A threshold above every KL: each learner "reaches" it at t = 0, which a log axis cannot show.
  const atZero = { ...file, name: 'natgrad-at-zero', scenario: { ...file.scenario, klThreshold: 1e3, etaScale: [1] } };
  const files = natgradFiles(await runNatgradExperiment(parseNatgradExperiment(atZero), { engine: 'cpu' }));

  it('draws no time-to-threshold plot (a log axis has no t = 0: its SVG held NaN); the table has the times', async () => {
    expect(files.summary.ensembles.every((e) => e.timeToThreshold.medianAll === 0)).toBe(true);
    expect(files.plots.map((p) => p.name)).not.toContain('time-to-threshold');
    expect(files.csv.find((c) => c.name === 'time-to-threshold.csv')!.text.trim().split('\n')).toHaveLength(3);
    for (const p of files.plots) expect([p.name, (await renderSvg(p.spec)).includes('NaN')]).toEqual([p.name, false]);
  });
});
