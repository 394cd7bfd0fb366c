/**
 * The 95 % interval of a mean over few learners: a field that cannot be negative (KL, rate error, distance, rates)
 * has its interval cut at 0 (two learners gave KL [−0.0025, 0.0056]); a signed one (mean weights) keeps the t interval.
 * And a learning rate taken from the paper where the file gives none is said, at an N other than the paper's.
 */
import { describe, expect, it } from 'vitest';
import { NATGRAD_FIELDS, NATGRAD_NF, emptyEnsembleData, foldLearner, summarizeNatgradEnsemble } from '../../../src/models/natgrad/stats.ts';
import { tQuantile } from '../../../src/stats/beta.ts';

describe('natgrad bands', () => {
  for (const kept of [2, 0]) {
    it(`cut at 0 for fields ≥ 0 only (${kept ? 'every learner kept' : 'from the sums'})`, () => {
      const C = 1;
      const d = emptyEnsembleData({ rule: 'natural', eta: 1, coefficients: 'exact' }, C, kept);
      const learner = (x: number) => NATGRAD_FIELDS.map((f) => (f === 'meanWStim' ? -x : x));
      for (const x of [0.0001, 0.005]) foldLearner(d, learner(x), 0, C, 0, kept > 0, 1e-9);
      expect(d.n).toBe(2);
      const s = summarizeNatgradEnsemble(d, [1], 1e-9).checkpoints[0]!.fields;
      const mean = 0.00255, h = tQuantile(0.95, 1) * Math.abs(0.005 - 0.0001) / Math.sqrt(2) / Math.sqrt(2);
      expect(s.kl.mean).toBeCloseTo(mean, 12);
      expect(s.kl.ci![0]).toBe(0);
      expect(s.kl.ci![1]).toBeCloseTo(mean + h, 10);
      expect(s.rateError.ci![0]).toBe(0);
      expect(s.meanWStim.ci![0]).toBeCloseTo(-mean - h, 10); // signed: the t interval as it is
      expect(s.meanWStim.ci![1]).toBeCloseTo(-mean + h, 10);
      expect(NATGRAD_NF).toBe(NATGRAD_FIELDS.length);
    });
  }
});

describe('natgrad learning rates', () => {
  it('a rule without its own η at N ≠ 100 is warned of (the authors\' η is tuned for their 100 inputs)', async () => {
    const { resolveNatgradScenario } = await import('../../../src/models/natgrad/scenario.ts');
    const base = { model: 'natgrad', inputs: [{ count: 10, rate: 10 }, { count: 10, rate: 50 }], rules: ['natural', 'euclidean'], duration: 1, trajectories: 2, seed: 1 };
    expect(resolveNatgradScenario({ ...base, eta: { natural: 0.01 } }).warnings)
      .toContain('no eta for euclidean: the authors\' η_euclidean = 4.5e-7 (tuned for N = 100 inputs) is used at N = 20; give eta.euclidean to set it');
    expect(resolveNatgradScenario({ ...base, eta: { natural: 0.01, euclidean: 1e-6 } }).warnings.join(' ')).not.toMatch(/no eta/);
    const hundred = { ...base, inputs: [{ count: 50, rate: 10 }, { count: 50, rate: 50 }] };
    expect(resolveNatgradScenario({ ...hundred, eta: { natural: 0.01 } }).warnings.join(' ')).not.toMatch(/no eta/);
  });
});
