/**
 * The gpu.js engine: deterministic for a seed whatever the chunking, batching and trajectory range; its own
 * Wichmann–Hill stream, so against the CPU reference it is compared statistically (success probability and mean p at
 * the final checkpoint within 4 combined standard errors), not bitwise.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GPU } from 'gpu.js';
import { CpuEngine } from '../../src/models/chain/cpu-engine.ts';
import { GpuJsEngine, WH_A, WH_M, whJump } from '../../src/models/chain/gpujs-engine.ts';
import { resolveScenario, type ChainScenarioInput } from '../../src/models/chain/scenario.ts';
import type { CheckpointAccumulator } from '../../src/stats/checkpoint-stats.ts';

const base = { model: 'chain' as const, rates: [10, 7.5, 5], alpha: 0.01, seed: 2024 };

let engine: GpuJsEngine;
beforeAll(async () => {
  engine = await GpuJsEngine.create();
});
afterAll(() => engine?.dispose());

/** Coordinate i of trajectories [a, b) of a coordinate-major final state over n trajectories. */
function slice(x: ArrayLike<number>, n: number, d: number, a: number, b: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < d; i++) for (let t = a; t < b; t++) out.push(x[i * n + t]!);
  return out;
}

describe('gpu.js engine: setup and generator', () => {
  it('reports the gpu.js mode it runs on', () => {
    expect(engine.info.name).toBe('gpujs');
    expect(['webgl2', 'webgl', 'headlessgl', 'webasm', 'cpu']).toContain(engine.info.adapter?.backend);
    expect(engine.info.precision).toBe('f32');
  });

  it('jumps the Wichmann–Hill generators exactly: (d + 1)·k single steps', () => {
    for (const [d, k] of [[3, 0], [3, 1], [2, 17], [5, 1000]] as const) {
      const J = whJump(d, k);
      for (let j = 0; j < 3; j++) {
        let v = 1;
        for (let s = 0; s < (d + 1) * k; s++) v = (v * WH_A[j]!) % WH_M[j]!;
        expect(J[j]).toBe(v);
      }
    }
  });
});

describe('gpu.js engine: determinism', () => {
  const scenario: ChainScenarioInput = { ...base, steps: 300, trajectories: 96, checkpoints: { every: 100 }, keepPaths: 3 };

  it('same seed → identical accumulators, paths and final state', async () => {
    const s = resolveScenario(scenario);
    const a = await engine.run(s, { captureFinalState: true });
    const b = await engine.run(s, { captureFinalState: true });
    expect(a.checkpoints.map((c) => c.step)).toEqual(s.checkpoints);
    expect(b.checkpoints).toEqual(a.checkpoints);
    expect(b.paths).toEqual(a.paths);
    expect(Array.from(b.finalState!)).toEqual(Array.from(a.finalState!));
    expect(a.paths).toHaveLength(3);
    expect(a.paths![0]).toHaveLength(s.checkpoints.length);
    expect(a.paths![0]![0]).toEqual(s.p0.map((v) => expect.closeTo(v, 6)));
    for (const acc of a.checkpoints) expect(acc.n).toBe(96);
    // A different seed gives a different ensemble.
    const c = await engine.run(resolveScenario({ ...scenario, seed: 2025 }), { captureFinalState: true });
    expect(Array.from(c.finalState!)).not.toEqual(Array.from(a.finalState!));
  });

  it('keeps its compiled kernels between runs (one per batch size): the run layer calls run() once per batch', async () => {
    const s = resolveScenario(scenario);
    const built = vi.spyOn(GPU.prototype, 'createKernel');
    try {
      const fresh = await GpuJsEngine.create({ mode: engine.info.adapter!.backend as string });
      built.mockClear(); // the probe's kernel
      const runs = [];
      for (const range of [[0, 40], [40, 80], [80, 96]] as [number, number][]) runs.push(await fresh.run(s, { trajectoryRange: range, batchSize: 40 }));
      // batches of 40, 40 and 16 copies: two sizes, two kernels, however many runs
      expect(built).toHaveBeenCalledTimes(2);
      const whole = await fresh.run(s, { batchSize: 40 });
      expect(built).toHaveBeenCalledTimes(2);
      fresh.dispose();
      // the kept kernels give the numbers of kernels built for each run: those of the shared engine's runs
      const again = await engine.run(s, { batchSize: 40 });
      expect(whole.checkpoints).toEqual(again.checkpoints);
      expect(runs.map((r) => r.checkpoints[r.checkpoints.length - 1]!.n)).toEqual([40, 40, 16]);
    } finally {
      built.mockRestore();
    }
  });

  it('chunks of 7 or 1000 steps, batches and trajectory ranges give identical final states', async (ctx) => {
    // Holds where the kernel computes in f32 (webasm, GL). gpu.js cpu mode computes in f64 inside a dispatch and
    // rounds the state to f32 between dispatches, so there chunking moves the state by f32 rounding (see below).
    if (engine.info.details?.arithmetic !== 'f32') ctx.skip();
    const s = resolveScenario(scenario);
    const ref = await engine.run(s, { captureFinalState: true, stepsPerDispatch: 1000 });
    const r7 = await engine.run(s, { captureFinalState: true, stepsPerDispatch: 7 });
    expect(r7.timing.dispatches).toBe(1 + 3 * Math.ceil(100 / 7));
    expect(Array.from(r7.finalState!)).toEqual(Array.from(ref.finalState!));
    expect(r7.checkpoints).toEqual(ref.checkpoints);
    const batched = await engine.run(s, { captureFinalState: true, batchSize: 17 });
    expect(Array.from(batched.finalState!)).toEqual(Array.from(ref.finalState!));
    const part = await engine.run(s, { captureFinalState: true, trajectoryRange: [40, 70] });
    expect(Array.from(part.finalState!)).toEqual(slice(ref.finalState!, 96, 3, 40, 70));
    expect(part.checkpoints.at(-1)!.n).toBe(30);
  });

  it('gpu.js cpu mode follows the same stream (to f32 rounding)', async () => {
    const cpuMode = await GpuJsEngine.create({ mode: 'cpu' });
    try {
      expect(cpuMode.info.adapter?.backend).toBe('cpu');
      const s = resolveScenario({ ...scenario, steps: 50, trajectories: 32, noise: { law: 'truncnormal' } });
      const a = await engine.run(s, { captureFinalState: true });
      const b = await cpuMode.run(s, { captureFinalState: true, stepsPerDispatch: 7 });
      const diff = Array.from(a.finalState!).map((v, i) => Math.abs(v - b.finalState![i]!));
      expect(Math.max(...diff)).toBeLessThan(1e-4);
    } finally {
      cpuMode.dispose();
    }
  });

  it('reports progress and honours cancellation', async () => {
    const s = resolveScenario({ ...scenario, checkpoints: [300] });
    const seen: number[] = [];
    await engine.run(s, { stepsPerDispatch: 50, onProgress: (p) => seen.push(p.done / p.total) });
    expect(seen.at(-1)).toBe(1);
    const ctl = new AbortController();
    const run = engine.run(s, { stepsPerDispatch: 50, signal: ctl.signal, onProgress: () => ctl.abort() });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
  });
});

/** Pooled-variance z statistic of two success proportions. */
function zSuccess(a: CheckpointAccumulator, b: CheckpointAccumulator): number {
  const p = (a.successCount + b.successCount) / (a.n + b.n);
  const se = Math.sqrt(p * (1 - p) * (1 / a.n + 1 / b.n));
  return (a.successCount / a.n - b.successCount / b.n) / se;
}

/** z statistic of the mean of p_i per coordinate, from each accumulator's (n, mean, M2). */
function zMeanP(a: CheckpointAccumulator, b: CheckpointAccumulator): number[] {
  return a.p!.map((ma, i) => {
    const mb = b.p![i]!;
    const se = Math.sqrt(ma.m2 / (ma.n - 1) / ma.n + mb.m2 / (mb.n - 1) / mb.n);
    return (ma.mean - mb.mean) / se;
  });
}

describe('gpu.js engine: statistical agreement with the CPU reference', () => {
  // d = 3, K = 2000: P(success) ≈ 0.94–0.99 by noise law, so the standard error of the difference is ≈ 0.002–0.004
  // at this N. Measured on a 2-core machine: ≈ 1.5 s (gpu.js, webasm on 2 worker threads) plus ≈ 3 s (CPU engine)
  // per noise law, ≈ 20 s for this file.
  const N = 8192;
  for (const law of ['uniform', 'rademacher', 'truncnormal'] as const) {
    it(`success probability and mean p at K = 2000 within 4 standard errors (${law} noise)`, async () => {
      const s = resolveScenario({ ...base, seed: 99, steps: 2000, trajectories: N, noise: { law, halfWidth: 1 }, checkpoints: [2000] });
      const g = (await engine.run(s)).checkpoints.at(-1)!;
      const c = (await new CpuEngine().run(s)).checkpoints.at(-1)!;
      expect(g.step).toBe(2000);
      expect(g.n).toBe(N);
      expect(Math.abs(zSuccess(g, c))).toBeLessThan(4);
      for (const z of zMeanP(g, c)) expect(Math.abs(z)).toBeLessThan(4);
    });
  }

  it('d = 6 (two threads per trajectory): mean p at K = 300 within 4 standard errors', async () => {
    const s = resolveScenario({ ...base, rates: [10, 7.5, 5, 3, 2, 1], seed: 5, steps: 300, trajectories: 2000, checkpoints: [300] });
    const r = await engine.run(s);
    expect(r.engine.details?.threadsPerTrajectory).toBe(2);
    const c = (await new CpuEngine().run(s)).checkpoints.at(-1)!;
    for (const z of zMeanP(r.checkpoints.at(-1)!, c)) expect(Math.abs(z)).toBeLessThan(4);
  });
});
