/**
 * Same seed → same numbers: the WGSL kernel (f32) against the CPU reference (f64) on the first 50 steps of 64
 * trajectories, under Deno (lavapipe) and Node (Dawn on SwiftShader, small size), and chunking invariance.
 */
import { describe, expect, it } from 'vitest';
import { resolveScenario } from '../../src/models/chain/scenario.ts';
import { CpuEngine } from '../../src/models/chain/cpu-engine.ts';
import { accumulatorFromJSON } from '../../src/stats/checkpoint-stats.ts';
import { runOnGpu, type Runtime } from '../gpu/spawn.ts';

const base = { model: 'chain', rates: [10, 7.5, 5], alpha: 0.01, trajectories: 64, seed: 2024 } as const;

describe.each(['deno', 'node'] as Runtime[])('CPU and WebGPU on the same stream (%s)', (runtime) => {
  for (const law of ['uniform', 'rademacher', 'truncnormal'] as const) {
    it(`first 50 steps of 64 trajectories agree within f32 tolerance (${law} noise)`, async () => {
      const scenario = { ...base, steps: 50, noise: { law, halfWidth: 1 }, checkpoints: { every: 1 }, keepPaths: 64 };
      const cpu = await new CpuEngine().run(resolveScenario(scenario), { captureFinalState: true });
      const gpu = runOnGpu(runtime, { kind: 'run', scenario, options: { captureFinalState: true } });
      // p at every step of every trajectory: the categorical draws are identical unless a uniform lands within
      // ~1e-6 of a boundary, which with 64 × 50 draws at f32 resolution we do not expect here; such a flip would
      // show as a jump of order α in p, far above the tolerance.
      let maxDiff = 0;
      for (let m = 0; m < 64; m++) {
        for (let c = 0; c <= 50; c++) {
          for (let i = 0; i < 3; i++) maxDiff = Math.max(maxDiff, Math.abs(cpu.paths![m]![c]![i]! - gpu.paths[m][c][i]));
        }
      }
      expect(maxDiff).toBeLessThan(2e-5);
      // Device-reduced counts equal the CPU's counts at every checkpoint.
      const acc = gpu.accumulators.map(accumulatorFromJSON);
      for (let c = 0; c <= 50; c++) {
        expect(acc[c].vertexCounts).toEqual(cpu.checkpoints[c]!.vertexCounts);
        expect(acc[c].logGap.mean).toBeCloseTo(cpu.checkpoints[c]!.logGap.mean, 4);
        expect(acc[c].logGapSuccess.n).toBe(cpu.checkpoints[c]!.logGapSuccess.n);
        expect(acc[c].gapSuccess.mean).toBeCloseTo(cpu.checkpoints[c]!.gapSuccess.mean, 5);
        expect(acc[c].p[2].mean).toBeCloseTo(cpu.checkpoints[c]!.p![2]!.mean, 5);
      }
    }, 120_000);
  }
});

describe('device reductions with failures present (Deno)', () => {
  it('conditional moments on the success event match the CPU reference', async () => {
    const scenario = { ...base, rates: [10, 9, 8], alpha: 0.05, steps: 200, trajectories: 256, checkpoints: { every: 50 } };
    const cpu = await new CpuEngine().run(resolveScenario(scenario));
    const gpu = runOnGpu('deno', { kind: 'run', scenario }).accumulators.map(accumulatorFromJSON);
    const last = cpu.checkpoints.at(-1)!;
    expect(last.successCount).toBeLessThan(256 - 20); // the event is a proper subset here
    for (let c = 0; c < gpu.length; c++) {
      const a = gpu[c], b = cpu.checkpoints[c]!;
      expect(a.vertexCounts).toEqual(b.vertexCounts);
      expect(a.logGapSuccess.n).toBe(b.successCount);
      expect(a.logGapSuccess.mean).toBeCloseTo(b.logGapSuccess.mean, 4);
      if (b.logGapSuccess.m2 > 0) expect(Math.sqrt(a.logGapSuccess.m2 / b.logGapSuccess.m2)).toBeCloseTo(1, 3);
      else expect(a.logGapSuccess.m2).toBeLessThan(1e-9);
      expect(a.gapSuccess.mean).toBeCloseTo(b.gapSuccess.mean, 5);
      expect(a.belowDelta).toEqual(b.belowDelta);
      expect(a.minLogGap).toBeCloseTo(b.minLogGap, 3);
    }
  }, 120_000);
});

describe('chunking invariance', () => {
  const scenario = { ...base, steps: 200, trajectories: 96, checkpoints: [200] };

  it('CPU: one dispatch of K steps, or chunks of 1, 7 and 100, give identical final states', async () => {
    const s = resolveScenario(scenario);
    const ref = await new CpuEngine().run(s, { captureFinalState: true, stepsPerDispatch: 200 });
    for (const chunk of [1, 7, 100]) {
      const r = await new CpuEngine().run(s, { captureFinalState: true, stepsPerDispatch: chunk });
      expect(r.timing.dispatches).toBe(1 + Math.ceil(200 / chunk)); // the step-0 reduction, then the chunks
      expect(Array.from(r.finalState!)).toEqual(Array.from(ref.finalState!));
    }
    // Batches of trajectories and trajectory ranges do not change a trajectory's numbers either.
    const b = await new CpuEngine().run(s, { captureFinalState: true, batchSize: 17 });
    expect(Array.from(b.finalState!)).toEqual(Array.from(ref.finalState!));
  });

  it('WebGPU (Deno): identical statistics and states for chunks of K, 1, 7 and 100 steps', () => {
    const runs = [200, 1, 7, 100].map((chunk) =>
      runOnGpu('deno', { kind: 'run', scenario: { ...scenario, checkpoints: { every: 50 } }, options: { captureFinalState: true, stepsPerDispatch: chunk } }));
    for (const r of runs.slice(1)) {
      expect(r.finalState).toEqual(runs[0].finalState);
      expect(r.accumulators).toEqual(runs[0].accumulators);
    }
  }, 120_000);

  it('WebGPU (Deno): batches of trajectories give the same counts and moments within rounding', () => {
    const sc = { ...scenario, trajectories: 1000, checkpoints: { every: 50 } };
    const one = runOnGpu('deno', { kind: 'run', scenario: sc, options: {} });
    const many = runOnGpu('deno', { kind: 'run', scenario: sc, options: { batchSize: 192 } });
    for (let c = 0; c < one.accumulators.length; c++) {
      const a = one.accumulators[c], b = many.accumulators[c];
      expect(b.vertexCounts).toEqual(a.vertexCounts);
      expect(b.hist).toEqual(a.hist);
      expect(b.belowDelta).toEqual(a.belowDelta);
      expect(b.logGap.mean).toBeCloseTo(a.logGap.mean, 5);
      expect(b.minLogGap).toBe(a.minLogGap);
      expect(b.maxLogGap).toBe(a.maxLogGap);
    }
  }, 120_000);
});
