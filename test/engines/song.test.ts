/**
 * Model B (Song, Miller & Abbott 2000): validation, the input process, event and time accounting, the 100 s
 * bimodality and rate-drop test with Brian2's example parameters (CPU reference, and WebGPU under Deno/lavapipe),
 * and CPU against WebGPU on identical streams (exact events first, then statistics).
 */
import { describe, expect, it } from 'vitest';
import { binomialCdf, resolveSongScenario } from '../../src/models/song/scenario.ts';
import {
  SongCpuEngine, advanceSong, initialSongState, songParams,
} from '../../src/models/song/cpu-engine.ts';
import { flagNames, summarizeSong, type MeanCI, type SongAccumulator } from '../../src/models/song/stats.ts';
import { runRunnerOnDeno } from '../gpu/spawn.ts';
import { issuesOf } from '../model/issues-of.ts';

const runSongOnDeno = (request: unknown, timeoutMs = 300_000): any => runRunnerOnDeno('song-runner.ts', request, timeoutMs);

const song = (extra: Record<string, unknown> = {}) => ({ model: 'song', trajectories: 4, seed: 2000, ...extra });

function fmtCI(m: MeanCI, d = 1): string {
  return `${m.mean?.toFixed(d)} [${m.ci?.map((x) => x.toFixed(d)).join(', ')}]`;
}

function checkBimodalAndDrop(acc: SongAccumulator, label: string): void {
  const sum = summarizeSong(acc);
  const f = sum.checkpoints.at(-1)!;
  console.log(`${label}: final histogram ${f.histFractions.map((x) => x.toFixed(3)).join(' ')}; ` +
    `end bins / mean middle bin = ${f.endOverMiddle.map((x) => x.toFixed(2)).join(', ')}; ` +
    `near 0 ${fmtCI(f.fracLow, 3)}, near g_max ${fmtCI(f.fracHigh, 3)}; bimodal copies ${sum.bimodalCopies}/${sum.copies}; ` +
    `rate first 10 s ${fmtCI(sum.rateHead)} Hz, last 10 s ${fmtCI(sum.rateTail)} Hz, drop ${(100 * sum.rateDrop!).toFixed(1)} %`);
  expect(f.endOverMiddle[0]).toBeGreaterThan(2);
  expect(f.endOverMiddle[1]).toBeGreaterThan(2);
  expect(f.bimodal).toBe(true);
  expect(sum.rateDrop!).toBeGreaterThanOrEqual(1 / 3);
  expect(sum.rateTail.ci![1]).toBeLessThan(sum.rateHead.ci![0]);
  expect(flagNames(sum.flags)).toEqual([]);
}

describe('song scenario validation', () => {
  it('fills Brian2\'s defaults and derives the step plan', () => {
    const s = resolveSongScenario(song());
    expect(s).toMatchObject({
      inputs: 1000, rate: 15, tauM: 10, tauE: 5, El: -74, Vt: -54, Vr: -60, Ee: 0, v0: 0, tauPre: 20, tauPost: 20,
      gMax: 0.01, dApre: 0.01, duration: 100, dt: 0.1, method: 'euler', steps: 1_000_000, stepsPerWindow: 10_000, windows: 100,
    });
    expect(s.dApost).toBeCloseTo(-0.0105, 15);
    expect(s.checkpoints).toEqual(Array.from({ length: 10 }, (_, i) => (i + 1) * 100_000));
    expect(s.kMax).toBe(12);
  });

  it('refuses bad input with the field named', () => {
    expect(issuesOf(() => resolveSongScenario(song({ rateWindow: 3 }))).map((i) => i.path)).toEqual(['scenario.rateWindow']);
    expect(issuesOf(() => resolveSongScenario(song({ duration: 1.00005 })))[0]!.path).toBe('scenario.duration');
    expect(issuesOf(() => resolveSongScenario(song({ dApost: 0.01 })))[0]).toEqual({ path: 'scenario.dApost', message: 'must be < 0' });
    expect(issuesOf(() => resolveSongScenario(song({ Vr: -50 })))[0]!.path).toBe('scenario.Vr');
    expect(issuesOf(() => resolveSongScenario(song({ rate: 2000, inputs: 20000 })))[0]!.path).toBe('scenario.rate');
    expect(issuesOf(() => resolveSongScenario(song({ checkpoints: [10, 5] })))[0]!.path).toBe('scenario.checkpoints[1]');
    expect(issuesOf(() => resolveSongScenario(song({ taum: 10 })))[0]!.message).toMatch(/unknown field/);
    expect(issuesOf(() => resolveSongScenario(song({ method: 'rk4' })))[0]!.path).toBe('scenario.method');
  });

  it('the Binomial table is the CDF of Binomial(N, r·dt), cut below a 2^-24 tail', () => {
    const cdf = binomialCdf(1000, 0.0015);
    expect(cdf[0]).toBeCloseTo(Math.pow(1 - 0.0015, 1000), 6);
    expect(1 - cdf.at(-1)!).toBeGreaterThanOrEqual(0.99 * 2 ** -24);
    for (let k = 1; k < cdf.length; k++) expect(cdf[k]!).toBeGreaterThan(cdf[k - 1]!);
  });
});

describe('Model B on the CPU (float64)', () => {
  it('inputs spike at 15 Hz, distinct within a step; accounting: intervals > 0, traces of the right sign, no NaN', () => {
    const s = resolveSongScenario(song({ duration: 20 }));
    const sp = songParams(s), words = new Uint32Array(4);
    let events = 0, dup = 0, badInterval = 0, outputs = 0, lastOut = -1, minWin = Infinity;
    for (let t = 0; t < 2; t++) {
      const st = initialSongState(sp, t), counts = new Uint32Array(s.windows);
      let step = -1, seen = new Set<number>();
      const lastIn = new Int32Array(s.inputs).fill(-1);
      advanceSong(st, 0, s.steps, t, sp, words, counts, 0, {
        onInput: (n, i) => {
          if (n !== step) { step = n; seen = new Set(); }
          if (seen.has(i)) dup++;
          seen.add(i);
          if (lastIn[i]! >= n) badInterval++;
          lastIn[i] = n;
          events++;
        },
        onOutput: (n) => {
          if (n <= lastOut) badInterval++;
          lastOut = n;
          outputs++;
        },
      });
      lastOut = -1;
      expect(st.flags).toBe(0);
      for (let i = 0; i < s.inputs; i++) {
        expect(st.apre[i]).toBeGreaterThanOrEqual(0);
        expect(st.w[i]).toBeGreaterThanOrEqual(0);
        expect(st.w[i]).toBeLessThanOrEqual(s.gMax);
      }
      expect(st.apost).toBeLessThanOrEqual(0);
      expect(Number.isFinite(st.v) && Number.isFinite(st.ge) && st.ge >= 0).toBe(true);
      minWin = Math.min(minWin, ...counts);
    }
    const expected = 2 * s.inputs * s.pSpike * s.steps;
    console.log(`input events ${events} (expected ${expected}), output spikes ${outputs} in 2 × 20 s`);
    expect(Math.abs(events - expected)).toBeLessThan(4 * Math.sqrt(expected));
    expect(dup).toBe(0);
    expect(badInterval).toBe(0);
    expect(minWin).toBeGreaterThan(0);
  });

  it('Brian2\'s example over 100 s (16 copies): bimodal weights, output rate down by at least a third', async () => {
    const s = resolveSongScenario(song({ trajectories: 16, seed: 7 }));
    const r = await new SongCpuEngine().run(s);
    checkBimodalAndDrop(r.accumulator, `CPU, 16 copies × 100 s (${r.timing.copySeconds.toFixed(2)} s per copy)`);
    expect(r.accumulator.bimodalCopies).toBeGreaterThanOrEqual(12);
  }, 90_000);

  it('the exponential integrator gives the same picture (method "exponential")', async () => {
    const s = resolveSongScenario(song({ trajectories: 8, seed: 7, method: 'exponential', duration: 20, checkpoints: [10] }));
    const r = await new SongCpuEngine().run(s);
    const e = summarizeSong(r.accumulator);
    const b = summarizeSong((await new SongCpuEngine().run(resolveSongScenario(song({ trajectories: 8, seed: 7, duration: 20, checkpoints: [10] })))).accumulator);
    console.log(`first 10 s rate: euler ${fmtCI(b.rateHead)} Hz, exponential ${fmtCI(e.rateHead)} Hz`);
    expect(e.flags).toBe(0);
    expect(Math.abs(e.rateHead.mean! - b.rateHead.mean!)).toBeLessThan(0.15 * b.rateHead.mean!);
  }, 60_000);
});

describe('CPU and WebGPU (Deno, lavapipe) on identical streams', () => {
  it('identical input events and output spike steps of 4 copies; weights agree to f32 rounding; layouts identical', async () => {
    const scenario = song({ duration: 0.5, rateWindow: 0.1, checkpoints: [0.2] });
    const options = { captureInputs: 300, captureOutputs: 10, captureFinalWeights: true };
    const cpu = await new SongCpuEngine().run(resolveSongScenario(scenario), options);
    const gpu = runSongOnDeno({ scenario, options });
    const gpu2 = runSongOnDeno({ scenario, options: { ...options, layout: 'input-major' } });
    expect(gpu.inputs).toEqual(Array.from(cpu.inputs!));
    expect(gpu.outputs).toEqual(Array.from(cpu.outputs!));
    expect(gpu2.finalWeights).toEqual(gpu.finalWeights);
    expect(gpu2.copies.windowCounts).toEqual(gpu.copies.windowCounts);
    let maxDiff = 0;
    for (let i = 0; i < cpu.finalWeights!.length; i++) maxDiff = Math.max(maxDiff, Math.abs(cpu.finalWeights![i]! - gpu.finalWeights[i]));
    console.log(`first 300 input and 10 output spikes of 4 copies identical; after 0.5 s max |Δw| = ${maxDiff.toExponential(2)} (g_max = 0.01); ` +
      `spike counts CPU ${Array.from(cpu.copies.windowCounts)} WebGPU ${gpu.copies.windowCounts}; ` +
      `lavapipe copy-major ${gpu.timing.seconds.toFixed(2)} s, input-major ${gpu2.timing.seconds.toFixed(2)} s`);
    expect(maxDiff).toBeLessThan(1e-3 * 0.01);
    expect(gpu.copies.flags).toEqual([0, 0, 0, 0]);
  }, 120_000);

  it('ensemble statistics agree on 64 copies × 10 s', async () => {
    const scenario = song({ trajectories: 64, duration: 10, checkpoints: [5], seed: 11 });
    const cpu = summarizeSong((await new SongCpuEngine().run(resolveSongScenario(scenario))).accumulator);
    const g = runSongOnDeno({ scenario });
    const gpu = summarizeSong(g.accumulator);
    const a = cpu.rateHead, b = gpu.rateHead;
    console.log(`64 × 10 s: rate CPU ${fmtCI(a, 2)} Hz, WebGPU ${fmtCI(b, 2)} Hz; near g_max CPU ${fmtCI(cpu.checkpoints.at(-1)!.fracHigh, 4)}` +
      ` WebGPU ${fmtCI(gpu.checkpoints.at(-1)!.fracHigh, 4)}; lavapipe ${g.timing.seconds.toFixed(2)} s`);
    const se = (m: MeanCI) => m.sd! / Math.sqrt(m.n);
    expect(Math.abs(a.mean! - b.mean!)).toBeLessThan(3 * Math.hypot(se(a), se(b)));
    for (let c = 0; c < cpu.checkpoints.length; c++) {
      const x = cpu.checkpoints[c]!, y = gpu.checkpoints[c]!;
      for (const k of ['fracLow', 'fracHigh', 'meanWeight'] as const) {
        expect(Math.abs(x[k].mean! - y[k].mean!)).toBeLessThan(3 * Math.hypot(se(x[k]), se(y[k])) + 1e-6);
      }
    }
    expect(gpu.flags).toBe(0);
  }, 120_000);

  it('WebGPU over 100 s (8 copies): bimodal weights, rate down by a third, no faults', () => {
    const g = runSongOnDeno({ scenario: song({ trajectories: 8, seed: 7 }) });
    checkBimodalAndDrop(g.accumulator, `WebGPU (lavapipe), 8 copies × 100 s (${g.timing.seconds.toFixed(1)} s, ${g.timing.dispatches} dispatches)`);
  }, 120_000);
});
