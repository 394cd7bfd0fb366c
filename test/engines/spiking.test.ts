/**
 * Model A of issue 5 (the spiking network of Section 2.3 of arXiv 2505.10272): validation, the alias table, the trace
 * form against spike lists, Lemma A.7 (equal weights: first trigger frequencies λ_j/Σλ), the regime of Eq. (12),
 * event and time accounting over long runs, and CPU (f64) against WebGPU (Deno, lavapipe, f32).
 */
import { describe, expect, it } from 'vitest';
import { resolveSpikingScenario } from '../../src/models/spiking/scenario.ts';
import {
  A_V, F_ELL, F_FLAGS, NS, SPIKING_STREAM, SpikingCpuEngine, aliasTable, rowLength, spikingParams,
} from '../../src/models/spiking/cpu-engine.ts';
import { mulhi32, philox4x32 } from '../../src/rng/philox.ts';
import { spikingAccumulatorFromJSON, summarizeSpiking } from '../../src/models/spiking/stats.ts';
import { runRunnerOnDeno } from '../gpu/spawn.ts';
import { issuesOf } from '../model/issues-of.ts';

const runSpikingOnDeno = (request: unknown, timeoutMs = 120_000): any => runRunnerOnDeno('spiking-runner.ts', request, timeoutMs);

const lemma = { model: 'spiking', rates: [1, 2, 3, 4], threshold: 1, initialWeights: [0.3, 0.3, 0.3, 0.3], alpha: 0.01, steps: 1, checkpoints: [1], seed: 7 };
/** Small weights against S (max w/S ≈ 0.009) and a large drive (λᵀw/S ≈ 48). */
const regime = {
  model: 'spiking', rates: [3200, 2400, 1600], threshold: 1, initialWeights: [0.005, 0.008675, 0.006775], alpha: 0.001,
  steps: 10, checkpoints: [10], seed: 11,
};

describe('spiking scenario validation', () => {
  it('refuses bad fields, naming them', () => {
    const base = { ...lemma, trajectories: 10 };
    expect(issuesOf(() => resolveSpikingScenario({ ...base, threshold: -1 })).map((i) => i.path)).toContain('scenario.threshold');
    expect(issuesOf(() => resolveSpikingScenario({ ...base, initialWeights: [1, 1] }))[0]!)
      .toEqual({ path: 'scenario.initialWeights', message: 'has 2 entries but rates has 4; they must have the same length' });
    expect(issuesOf(() => resolveSpikingScenario({ ...base, alpha: 1 })).map((i) => i.path)).toContain('scenario.alpha');
    expect(issuesOf(() => resolveSpikingScenario({ ...base, rule: 'hebb' })).map((i) => i.path)).toContain('scenario.rule');
    expect(issuesOf(() => resolveSpikingScenario({ ...base, noise: {} }))[0]!.message).toMatch(/unknown field/);
    expect(issuesOf(() => resolveSpikingScenario({ ...base, steps: 5, maxEvents: 2 })).map((i) => i.path)).toContain('scenario.maxEvents');
    const s = resolveSpikingScenario(base);
    expect(s.rule).toBe('multiplicative');
    expect(s.timing).toBe('delayed');
    expect(s.normalise).toBe('none');
    expect(s.checkpoints).toEqual([0, 1]);
    expect(s.iStar).toBe(3);
    expect(s.warnings.join()).toMatch(/outside the regime/);
  });
});

describe('spiking network on the CPU (float64)', () => {
  it('draws sources from the alias table with probabilities λ_j/Λ (integer decisions)', () => {
    const rates = [5, 1, 0.5, 3.5];
    const { thr, alias, prob } = aliasTable(rates);
    // Exact mass per input from the table.
    const mass = new Array(4).fill(0);
    for (let c = 0; c < 4; c++) { mass[c] += prob[c]! / 4; mass[alias[c]!] += (1 - prob[c]!) / 4; }
    mass.forEach((m, j) => expect(m).toBeCloseTo(rates[j]! / 10, 12));
    const counts = new Array(4).fill(0), w = new Uint32Array(4), n = 100_000;
    for (let e = 0; e < n; e++) {
      philox4x32(e, 3, SPIKING_STREAM, 0, 1, 2, w);
      const c = mulhi32(w[1]!, 4);
      counts[w[2]! < thr[c]! ? c : alias[c]!] += 1;
    }
    counts.forEach((k, j) => {
      const p = rates[j]! / 10;
      expect(Math.abs(k - n * p) / Math.sqrt(n * p * (1 - p))).toBeLessThan(4);
    });
  });

  it('the trace form equals the pair sums over spike lists (delayed multiplicative rule)', async () => {
    const s = resolveSpikingScenario({
      model: 'spiking', rates: [4, 3, 2], threshold: 1, initialWeights: [0.2, 0.3, 0.25], alpha: 0.05,
      steps: 40, checkpoints: [40], trajectories: 3, seed: 5, maxEvents: 100_000,
    });
    const r = await new SpikingCpuEngine().run(s, { captureEvents: 4000, captureFinalState: true });
    const ev = r.events!, d = 3, NQ = rowLength(d);
    for (let t = 0; t < 3; t++) {
      // Replay: spike times per input since the last output spike, then Δw_i = α w_i (Σ e^{−(t_{k+1}−τ)} − Σ e^{−(τ−t_k)}).
      let w = [...s.initialWeights], time = 0, tk = 0, k = 0;
      let spikes: [number, number][] = [];
      for (let e = 0; e < ev.n && k < 40; e++) {
        const q = t * ev.n + e;
        expect(ev.source[q]).toBeGreaterThanOrEqual(0);
        time += ev.dt[q]!;
        spikes.push([ev.source[q]!, time]);
        if (ev.fired[q]) {
          w = w.map((wi, i) => {
            let P = 0, D = 0;
            for (const [j, tau] of spikes) if (j === i) { P += Math.exp(-(time - tau)); D += Math.exp(-(tau - tk)); }
            return wi * (1 + s.alpha * (P - D));
          });
          spikes = [];
          tk = time;
          k++;
        }
      }
      expect(k).toBe(40);
      const W = w.reduce((a, b) => a + b, 0);
      const row = r.finalState!.subarray(t * NQ, (t + 1) * NQ);
      for (let i = 0; i < d; i++) expect(row[NS + A_V * d + i]!).toBeCloseTo(w[i]! / W, 10);
      expect(row[F_ELL]!).toBeCloseTo(Math.log(W), 10);
    }
  });

  it('Lemma A.7: with equal weights the first trigger frequencies are λ_j/Σλ (within 4 SE)', async () => {
    const s = resolveSpikingScenario({ ...lemma, trajectories: 40_000 });
    const r = await new SpikingCpuEngine().run(s);
    const m = summarizeSpiking(r.checkpoints[1]!);
    expect(m.spikes).toBe(40_000);
    console.log('Lemma A.7 (CPU):', m.triggering.map((t) => `${t.frequency.toFixed(4)} vs ${t.predicted.toFixed(4)} ± ${t.se.toFixed(4)} (z ${t.z.toFixed(2)})`).join('; '));
    m.triggering.forEach((t, j) => {
      expect(t.predicted).toBeCloseTo(s.rates[j]! / 10, 12);
      expect(Math.abs(t.z)).toBeLessThan(4);
    });
  });

  it('Eq. (12) regime: over the first 10 output spikes the triggering frequencies match p within 0.01', async () => {
    const s = resolveSpikingScenario({ ...regime, trajectories: 3000 });
    expect(s.warnings).toEqual([]);
    const r = await new SpikingCpuEngine().run(s);
    const m = summarizeSpiking(r.checkpoints[1]!);
    expect(m.spikes).toBe(30_000);
    console.log('Eq. 12 regime (CPU):', m.triggering.map((t) => `${t.frequency.toFixed(4)} vs ${t.predicted.toFixed(4)} (dev ${(t.frequency - t.predicted).toFixed(4)}, se ${t.se.toFixed(4)})`).join('; '),
      `; ${(r.timing.events / r.timing.seconds / 1e6).toFixed(2)} M events/s`);
    m.triggering.forEach((t) => expect(Math.abs(t.frequency - t.predicted)).toBeLessThan(0.01));
  });

  it('event and time accounting: positive intervals, non-negative traces, no NaN after long runs with normalisation', async () => {
    const eng = new SpikingCpuEngine();
    for (const [rule, timing] of [['multiplicative', 'delayed'], ['additive', 'delayed'], ['multiplicative', 'online'], ['additive', 'online']] as const) {
      const s = resolveSpikingScenario({
        model: 'spiking', rates: [10, 7.5, 5], threshold: 1, initialWeights: [0.1, 0.1, 0.1], rule, timing,
        // additive amplitudes are absolute: α = 0.002 against weights 0.1 (online depression at α = 0.02 silences
        // every input before the first output spike: the trajectories then run into the event cap)
        alpha: rule === 'additive' ? 0.002 : 0.02,
        normalise: 'sum', steps: 3000, checkpoints: { log: 6 }, trajectories: 20, seed: 3, maxEvents: 1_000_000,
      });
      const r = await eng.run(s, { captureFinalState: true });
      expect(r.flagCounts).toEqual({ capped: 0, dead: 0, nonFinite: 0, negativeInterval: 0, negativeTrace: 0 });
      expect(r.finalState!.every(Number.isFinite)).toBe(true);
      let prevTime = 0;
      for (const a of r.checkpoints) {
        const m = summarizeSpiking(a);
        expect(m.reached).toBe(20);
        if (a.step > 0) {
          expect(m.isi.min!).toBeGreaterThan(0);
          expect(m.meanTime!).toBeGreaterThan(prevTime);
          prevTime = m.meanTime!;
          expect(a.isiHist.reduce((x, y) => x + y, 0)).toBe(m.spikes);
          expect(a.triggers.reduce((x, y) => x + y, 0)).toBe(m.spikes);
          expect(a.incHist.reduce((x, y) => x + y, 0)).toBe(2 * m.spikes);
          expect(Number.isFinite(m.chain.meanLogGap!)).toBe(true);
        }
      }
      // Σw kept at Σw(0) = 0.3.
      for (let t = 0; t < 20; t++) expect(r.finalState![t * rowLength(3) + F_ELL]).toBeCloseTo(Math.log(0.3), 12);
    }
    // Without normalisation the multiplicative weights grow; the log-scale ℓ absorbs it and p stays finite.
    const s = resolveSpikingScenario({
      model: 'spiking', rates: [10, 7.5, 5], threshold: 1, initialWeights: [0.1, 0.1, 0.1], alpha: 0.05,
      steps: 3000, checkpoints: [3000], trajectories: 10, seed: 4,
    });
    const r = await eng.run(s, { captureFinalState: true });
    expect(r.flagCounts.nonFinite).toBe(0);
    expect(r.finalState!.every(Number.isFinite)).toBe(true);
    const m = summarizeSpiking(r.checkpoints[1]!);
    expect(Number.isFinite(m.chain.meanLogGap!)).toBe(true);
    expect(r.finalState![F_FLAGS]).toBe(0);
  });
});

describe('spiking network on WebGPU (Deno, lavapipe) against the CPU', () => {
  it('identical streams: the first events of a few trajectories agree (sources exact, times to f32 rounding)', async () => {
    const sc = {
      model: 'spiking', rates: [10, 7.5, 5, 2.5], threshold: 1, initialWeights: [0.2, 0.3, 0.25, 0.15], alpha: 0.01,
      steps: 30, checkpoints: [10, 30], trajectories: 4, seed: 99,
    };
    const cpu = await new SpikingCpuEngine().run(resolveSpikingScenario(sc), { captureEvents: 64 });
    for (const layout of ['coordinate', 'trajectory']) {
      const gpu = runSpikingOnDeno({ scenario: sc, options: { captureEvents: 64, layout } });
      let maxRel = 0;
      for (let q = 0; q < 4 * 64; q++) {
        expect(gpu.events.source[q]).toBe(cpu.events!.source[q]);
        expect(gpu.events.fired[q]).toBe(cpu.events!.fired[q]);
        maxRel = Math.max(maxRel, Math.abs(gpu.events.dt[q] - cpu.events!.dt[q]!) / cpu.events!.dt[q]!);
      }
      expect(maxRel).toBeLessThan(1e-5);
      const g = spikingAccumulatorFromJSON(gpu.accumulators[2]);
      expect(g.triggers).toEqual(cpu.checkpoints[2]!.triggers);
      console.log(`first 64 events × 4 trajectories (${layout}): sources and triggers identical, max rel. dt error ${maxRel.toExponential(2)}`);
    }
  }, 60_000);

  it('statistically on the ensemble (Lemma A.7 and p(K) on the GPU, and against the CPU)', async () => {
    const sc = {
      model: 'spiking', rates: [10, 7.5, 5], threshold: 1, initialWeights: [0.1, 0.1, 0.1], alpha: 0.02, normalise: 'sum',
      steps: 200, checkpoints: [1, 200], trajectories: 4096, seed: 21,
    };
    const t0 = performance.now();
    const gpu = runSpikingOnDeno({ scenario: sc });
    const gpuWall = (performance.now() - t0) / 1000;
    const cpu = await new SpikingCpuEngine().run(resolveSpikingScenario(sc));
    const g1 = summarizeSpiking(spikingAccumulatorFromJSON(gpu.accumulators[1]));
    g1.triggering.forEach((t) => expect(Math.abs(t.z)).toBeLessThan(4)); // equal weights at k = 0
    const gK = summarizeSpiking(spikingAccumulatorFromJSON(gpu.accumulators[2]));
    const cK = summarizeSpiking(cpu.checkpoints[2]!);
    expect(gK.reached).toBe(4096);
    for (let i = 0; i < 3; i++) {
      const se = cK.chain.sdP![i]! / Math.sqrt(4096);
      expect(Math.abs(gK.chain.meanP![i]! - cK.chain.meanP![i]!)).toBeLessThan(4 * se);
      expect(Math.abs(gK.triggering[i]!.frequency - cK.triggering[i]!.frequency)).toBeLessThan(4 * cK.triggering[i]!.se);
    }
    expect(Math.abs(gK.meanTime! - cK.meanTime!)).toBeLessThan(4 * cK.sdTime! / Math.sqrt(4096));
    expect(gpu.flagCounts).toEqual(cpu.flagCounts);
    const evs = (r: { timing: { events: number; seconds: number } }) => (r.timing.events / r.timing.seconds / 1e6).toFixed(2);
    console.log(`ensemble: mean p(K) GPU ${gK.chain.meanP!.map((x: number) => x.toFixed(4))} CPU ${cK.chain.meanP!.map((x) => x.toFixed(4))}; ` +
      `events/s: GPU (lavapipe) ${evs(gpu)} M (${gpu.timing.events} events in ${gpu.timing.seconds.toFixed(2)} s, wall ${gpuWall.toFixed(1)} s), CPU ${evs(cpu)} M`);
  }, 120_000);
});
