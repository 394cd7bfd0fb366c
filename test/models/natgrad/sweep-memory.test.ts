/**
 * The learning-rate sweep (Figure 9D), the authors' coefficient lookup, the size limits and bounded batch statistics
 * of the natural-gradient model.
 */
import { describe, expect, it } from 'vitest';
import { resolveNatgradScenario } from '../../../src/models/natgrad/scenario.ts';
import { AUTHORS_TABLE, authorsIndex, authorsTable } from '../../../src/models/natgrad/authors-table.ts';
import { natgradCoefficients } from '../../../src/models/natgrad/coefficients.ts';
import { NatgradCpuEngine, initialWeights } from '../../../src/models/natgrad/cpu-engine.ts';
import { natgradBatchToJSON } from '../../../src/models/natgrad/batch.ts';
import { NATGRAD_NF, emptyEnsembleData, foldLearner, summarizeNatgradEnsemble } from '../../../src/models/natgrad/stats.ts';
import { natgradSweep } from '../../../src/models/natgrad/sweep.ts';
import { issuesOf } from '../../model/issues-of.ts';

const ng = (extra: Record<string, unknown> = {}) => ({ model: 'natgrad', trajectories: 4, seed: 7, ...extra });
const SMALL = { inputs: [{ count: 3, rate: 10 }, { count: 3, rate: 50 }], duration: 0.5, checkpoints: { every: 0.05 }, testPatterns: 5, testWarmup: 50 };

describe('the authors\' coefficient lookup (File04_create_lt.py, File05_main_simulation.py)', () => {
  it('reads node ⌊2(v − 1)⌋ of a grid that starts at 10 mV²: variance + 9 (v < 1: 10), zeros from 402 mV²', () => {
    expect(authorsIndex(0, 0.38)).toEqual({ i: 60, j: 0, clamped: false }); // Figure 3's regime: node 0 = 10 mV²
    expect(authorsIndex(0, 5)).toMatchObject({ j: 8, clamped: false }); // 10 + 8/2 = 14 = 5 + 9
    expect(authorsIndex(-1.3, 7.26)).toMatchObject({ i: 54, j: 12 }); // ⌊4·13.7⌋, ⌊2·6.26⌋: nearest lower nodes
    expect(authorsIndex(0, 401.9)).toMatchObject({ j: 801, clamped: false });
    expect(authorsIndex(0, 402)).toMatchObject({ j: 802, clamped: true }); // first zero row
    expect(authorsIndex(0, 1e4)).toMatchObject({ j: AUTHORS_TABLE.maxVarIndex, clamped: true });
    expect(authorsIndex(16, 5)).toMatchObject({ i: 120, clamped: true });
    expect(authorsIndex(-16, 5)).toMatchObject({ i: 0, clamped: true });
    const p = { phiMax: 100, beta: 0.3, theta: 10 };
    const t = authorsTable(78.0003, p), out = new Float64Array(5);
    t.lookup(0.1, Math.sqrt(5.2), out);
    // node (⌊4·15.1⌋ = 60, ⌊2·4.2⌋ = 8): mean 0, variance 14 mV², at integer q = 78
    expect(Array.from(out)).toEqual(natgradCoefficients(0, 14, 78, p));
    expect(t.lookup(0, 20.1, out)).toBe(true); // variance 404 mV²: the zero rows
    expect(Array.from(out)).toEqual([0, 0, 0, 0, 0]);
  });

  it('a zero row stops learning (γ_s = 0) where the exact coefficients learn, and the engine flags it', async () => {
    // w(0) uniform on [−3, 3]/6: variance 38.46 Σ w² r of several hundred mV², beyond the authors' 402 mV² for most learners
    const s = resolveNatgradScenario(ng({
      ...SMALL, trajectories: 6, initialWeights: { min: -3, max: 3 }, teacher: { kind: 'poisson', rate: 20 }, rules: ['natural'],
      coefficients: ['exact', 'authors-table'], eta: { natural: 1e-3 },
    }));
    const r = await new NatgradCpuEngine().run(s, { captureFinalWeights: true });
    let frozen = 0;
    for (let t = 0; t < s.trajectories; t++) {
      const { w0 } = initialWeights(s, t);
      let v = 0;
      for (let i = 0; i < s.N; i++) v += w0[i]! * w0[i]! * s.rates[i]!;
      if (s.intEpsSq * v < 410) continue;
      frozen++;
      const exact = r.finalWeights![0]!.slice(t * s.N, (t + 1) * s.N), authors = r.finalWeights![1]!.slice(t * s.N, (t + 1) * s.N);
      expect(Array.from(authors)).toEqual(Array.from(w0));
      expect(Math.max(...Array.from(exact, (w, i) => Math.abs(w - w0[i]!)))).toBeGreaterThan(1e-4);
    }
    expect(frozen).toBeGreaterThan(2);
    expect(r.ensembles[1]!.flagBits & 2).toBe(2);
  });
});

describe('the learning-rate sweep in the scenario', () => {
  it('etaScale × coefficients × rules make the ensembles (rule, then table, then η/η₀); η = η₀ · factor', () => {
    const s = resolveNatgradScenario(ng({ rules: ['natural', 'euclidean'], coefficients: ['exact', 'authors-table'], eta: { natural: 0.01, euclidean: 7e-6 }, etaScale: [0.5, 1, 2] }));
    expect(s.ensembles.map((e) => [e.rule, e.coefficients, e.etaScale, e.eta])).toEqual([
      ['natural', 'exact', 0.5, 0.005], ['natural', 'exact', 1, 0.01], ['natural', 'exact', 2, 0.02],
      ['natural', 'authors-table', 0.5, 0.005], ['natural', 'authors-table', 1, 0.01], ['natural', 'authors-table', 2, 0.02],
      ['euclidean', 'exact', 0.5, 3.5e-6], ['euclidean', 'exact', 1, 7e-6], ['euclidean', 'exact', 2, 1.4e-5],
    ]);
    expect(s.eta0).toEqual({ natural: 0.01, euclidean: 7e-6 });
    // without the new fields: the ensembles of before (exact coefficients, no scale)
    expect(resolveNatgradScenario(ng()).ensembles).toEqual([
      { rule: 'natural', eta: 6e-4, coefficients: 'exact', etaScale: null }, { rule: 'euclidean', eta: 4.5e-7, coefficients: 'exact', etaScale: null },
    ]);
    expect(issuesOf(() => resolveNatgradScenario(ng({ etaScale: [1, 2], eta: { natural: [1e-3, 2e-3] } })))[0]).toMatchObject({ path: 'scenario.eta.natural' });
  });

  it('sizes are refused before anything is expanded, in one line with the rule and the memory', () => {
    const t0 = performance.now();
    expect(issuesOf(() => resolveNatgradScenario(ng({ inputs: [{ count: 1e9, rate: 10 }] })))[0]).toEqual({
      path: 'scenario.inputs[0].count', message: '1000000000 requested, at most 4096 (about 160 GB of per-input state of 4 learners)',
    });
    expect(issuesOf(() => resolveNatgradScenario(ng({ inputs: [{ count: 3000, rate: 10 }, { count: 3000, rate: 50 }] })))[0]!.path).toBe('scenario.inputs');
    expect(issuesOf(() => resolveNatgradScenario(ng({ duration: 8000, checkpoints: { every: 0.0005 } })))[0]).toMatchObject({ path: 'scenario.checkpoints' });
    expect(issuesOf(() => resolveNatgradScenario(ng({ duration: 8000, checkpoints: { every: 0.0005 } })))[0]!.message).toMatch(/^16000000 requested, at most 100000 \(about .* of checkpoint statistics\)$/);
    expect(issuesOf(() => resolveNatgradScenario(ng({ etaScale: Array.from({ length: 600 }, (_, i) => 1 + i) })))[0]!.message).toMatch(/^1200 requested, at most 1024 /);
    // kept per-learner values: 10⁶ learners × 2 ensembles × 101 checkpoints × 7 fields with exactLearners raised to 10⁶
    expect(issuesOf(() => resolveNatgradScenario(ng({ trajectories: 2e6, exactLearners: 1e6 })))[0]).toMatchObject({ path: 'scenario.exactLearners' });
    expect(issuesOf(() => resolveNatgradScenario(ng({ trajectories: 1e6, exactLearners: 1e6 })))[0]!.message).toMatch(/^1000000 requested, at most \d+ \(about 11 GB of per-learner checkpoint values/);
    // Not a speed goal: expanding 10⁹ inputs would exhaust memory or run for minutes; these refusals take well under a
    // second, and the bound leaves room for a loaded machine (CI on two shared cores has run code 10× slower).
    expect(performance.now() - t0).toBeLessThan(20_000);
  });
});

describe('bounded batch statistics (issue 13)', () => {
  const scenario = (n: number, exactLearners: number) => resolveNatgradScenario(ng({
    ...SMALL, trajectories: n, exactLearners, teacher: { kind: 'neuron' }, rules: ['natural', 'euclidean'], eta: { natural: 0.05, euclidean: 5e-5 }, klThreshold: 2e-3,
  }));

  it('the serialised statistics do not grow with the learners above exactLearners', async () => {
    const size = async (n: number) => JSON.stringify(natgradBatchToJSON(await new NatgradCpuEngine().run(scenario(n, 16)))).length;
    const a = await size(32), b = await size(256);
    // kept: 16 learners at both sizes; the rest are sums and counts (a few digits longer at most)
    expect(b / a).toBeLessThan(1.1);
    const c = JSON.stringify(natgradBatchToJSON(await new NatgradCpuEngine().run(scenario(256, 256)))).length;
    expect(c / b).toBeGreaterThan(8); // keeping every learner would be 16× larger
  });

  it('above the cap: means, intervals and times to threshold over all learners, quantiles from the first M', async () => {
    const exact = await new NatgradCpuEngine().run(scenario(96, 96));
    const capped = await new NatgradCpuEngine().run(scenario(96, 24));
    const s = scenario(96, 24);
    for (const [e, d] of capped.ensembles.entries()) {
      const x = summarizeNatgradEnsemble(exact.ensembles[e]!, s.checkpointTimes, s.klThreshold);
      const y = summarizeNatgradEnsemble(d, s.checkpointTimes, s.klThreshold);
      expect(y.quantileLearners).toBe(24);
      expect(y.timeToThreshold).toEqual({ ...x.timeToThreshold, times: { ...x.timeToThreshold.times, mean: y.timeToThreshold.times.mean, ci: y.timeToThreshold.times.ci } });
      expect(x.timeToThreshold.reached).toBeGreaterThan(10); // the comparison is not empty
      y.checkpoints.forEach((c, ci) => {
        for (const [f, b] of Object.entries(c.fields)) {
          const bx = x.checkpoints[ci]!.fields[f as keyof typeof c.fields];
          expect(b.n).toBe(bx.n);
          if (bx.mean !== null) expect(Math.abs(b.mean! - bx.mean)).toBeLessThanOrEqual(1e-9 * Math.abs(bx.mean) + 1e-300);
          if (bx.ci && b.ci) expect(Math.abs(b.ci[1] - bx.ci[1])).toBeLessThanOrEqual(1e-4 * Math.abs(bx.ci[1] - bx.mean!) + 1e-300);
        }
        // quantiles: those of the first 24 learners
        const first = Array.from({ length: 24 }, (_, t) => exact.ensembles[e]!.values[(t * s.checkpoints.length + ci) * NATGRAD_NF]!).sort((p, q) => p - q);
        expect(c.fields.kl.median).toBe((first[11]! + first[12]!) / 2);
      });
    }
  });
});

describe('the sweep\'s speed-up and its paired bootstrap', () => {
  const times = [0, 10, 20, 30, 40, 50, 60];
  const C = times.length;
  /** An ensemble whose learner t has KL curve kl(t, c). */
  const ens = (rule: string, eta: number, L: number, kl: (t: number, c: number) => number) => {
    const d = emptyEnsembleData({ rule, eta, coefficients: 'exact' }, C, L);
    const rec = new Float64Array(C * NATGRAD_NF);
    for (let t = 0; t < L; t++) { for (let c = 0; c < C; c++) rec[c * NATGRAD_NF] = kl(t, c); foldLearner(d, rec, 0, C, 0, true, 1); }
    return d;
  };
  const s = resolveNatgradScenario(ng({ rules: ['natural', 'euclidean'], eta: { natural: 1, euclidean: 1 }, etaScale: [1], klThreshold: 1, duration: 60, dt: 0.5, checkpoints: { every: 10 }, trajectories: 30 }));

  it('the mean curve\'s first crossing per rule, and a point interval when every resample gives the same crossings', () => {
    // learner scales u_t vary a lot; natural crosses 1 at t = 20 s, Euclidean at 50 s in every resample
    const u = (t: number) => 0.2 + 3.6 * ((t * 7919) % 30) / 30;
    const data = [ens('natural', 1, 30, (t, c) => u(t) * (c >= 2 ? 0.5 : 4) / 2.2), ens('euclidean', 1, 30, (t, c) => u(t) * (c >= 5 ? 0.5 : 4) / 2.2)];
    const sw = natgradSweep(s, data, data.map((d) => summarizeNatgradEnsemble(d, times, 1)))!;
    expect(sw.times.map((x) => x.time)).toEqual([20, 50]);
    const best = sw.speedups.find((x) => x.etaScale === 'best')!;
    expect(best.value).toBe(2.5);
    expect(best.ci).toEqual([2.5, 2.5]);
    expect(sw.resamples).toBe(2000);
  });

  it('resampling is paired: the same learners in both rules (an unpaired bootstrap would give [1.67, 3])', () => {
    // learner t crosses at checkpoint 1 + (t mod 3) under the natural rule and 3 checkpoints later under the Euclidean
    // one. The mean curve (KL 3 before a learner's crossing, 0 after) crosses 1 once 2/3 of the resampled learners
    // have crossed: c_n ∈ {2, 3} about equally often, and c_e = c_n + 3 in the same resample, so S ∈ {50/20, 60/30}.
    // Resampled independently, c_e ∈ {5, 6} would pair with either c_n: S ∈ {5/3, 2, 2.5, 3}.
    const data = [ens('natural', 1, 30, (t, c) => (c >= 1 + (t % 3) ? 0 : 3)), ens('euclidean', 1, 30, (t, c) => (c >= 4 + (t % 3) ? 0 : 3))];
    const sw = natgradSweep(s, data, data.map((d) => summarizeNatgradEnsemble(d, times, 1)))!;
    const best = sw.speedups.find((x) => x.etaScale === 'best')!;
    expect(best.value).toBe(2.5);
    expect(best.ci).toEqual([2, 2.5]);
  });
});
