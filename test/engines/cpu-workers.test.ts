/**
 * The cpu engine across worker_threads gives the single-thread cpu engine's results for the same seed: identical
 * counts, vertex counts, histograms and final states (each trajectory's numbers are addressed by its index, and the
 * workers run the same product-form step, WebAssembly or JavaScript), moments within the rounding of the merge order.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { resolveScenario } from '../../src/models/chain/scenario.ts';
import { CpuEngine } from '../../src/models/chain/cpu-engine.ts';
import { CpuWorkersEngine, philoxFast } from '../../src/models/chain/cpu-workers.ts';
import { philox4x32 } from '../../src/rng/philox.ts';
import { histPairs } from '../../src/stats/sparse-hist.ts';

const engines: CpuWorkersEngine[] = [];
afterAll(() => engines.forEach((e) => e.dispose()));

describe('cpu engine with worker_threads', () => {
  it('philoxFast is bit-identical to philox4x32', () => {
    const a = new Uint32Array(4), b = new Uint32Array(4);
    for (let i = 0; i < 2000; i++) {
      const c = [i * 2654435761, i, 0xffffffff - i, i >> 3].map((v) => v >>> 0) as [number, number, number, number];
      philox4x32(c[0], c[1], c[2], c[3], 0x9e3779b9 ^ i, 0xdeadbeef, a);
      philoxFast(c[0], c[1], c[2], c[3], 0x9e3779b9 ^ i, 0xdeadbeef, b);
      expect(Array.from(b)).toEqual(Array.from(a));
    }
  });

  it.each([2, 3])('%i workers: same successCount, vertexCounts, histograms and final states as one thread', async (workers) => {
    const scenario = resolveScenario({
      model: 'chain', rates: [10, 9, 8], alpha: 0.05, steps: 300, trajectories: 1000, seed: 'workers',
      checkpoints: { every: 100 }, keepPaths: 3,
    });
    const ref = await new CpuEngine().run(scenario, { captureFinalState: true });
    expect(ref.engine.details?.step).toBe('wasm-simd128'); // Node 20 has WebAssembly SIMD: the kernel runs in both
    const eng = new CpuWorkersEngine({ workers, minPerWorker: 64 });
    engines.push(eng);
    const progress: number[] = [];
    const r = await eng.run(scenario, { captureFinalState: true, onProgress: (p) => progress.push(p.done) });
    expect(r.engine.details?.shards).toBe(workers);
    expect(r.checkpoints.length).toBe(ref.checkpoints.length);
    expect(ref.checkpoints.at(-1)!.successCount).toBeLessThan(1000); // failures present: the counts are not trivial
    for (let c = 0; c < ref.checkpoints.length; c++) {
      const a = r.checkpoints[c]!, b = ref.checkpoints[c]!;
      expect(a.n).toBe(b.n);
      expect(a.successCount).toBe(b.successCount);
      expect(a.vertexCounts).toEqual(b.vertexCounts);
      expect(a.belowDelta).toEqual(b.belowDelta);
      expect(histPairs(a.hist)).toEqual(histPairs(b.hist));
      expect(a.minLogGap).toBe(b.minLogGap);
      expect(a.maxLogGap).toBe(b.maxLogGap);
      expect(a.logGap.mean).toBeCloseTo(b.logGap.mean, 10);
      expect(a.logGapSuccess.n).toBe(b.logGapSuccess.n);
      expect(a.p![1]!.mean).toBeCloseTo(b.p![1]!.mean, 12);
    }
    expect(Array.from(r.finalState!)).toEqual(Array.from(ref.finalState!));
    expect(r.paths).toEqual(ref.paths);
    expect(progress.length).toBeGreaterThan(0);
  }, 120_000);

  it('truncated normal noise (the JavaScript product-form path): identical final states with 2 workers', async () => {
    const scenario = resolveScenario({
      model: 'chain', rates: [5, 4, 3, 2], alpha: 0.04, noise: { law: 'truncnormal', halfWidth: 1 }, steps: 150,
      trajectories: 300, seed: 'workers-tn', checkpoints: [70, 150],
    });
    const ref = await new CpuEngine().run(scenario, { captureFinalState: true });
    expect(ref.engine.details?.step).toBe('js');
    const eng = new CpuWorkersEngine({ workers: 2, minPerWorker: 64 });
    engines.push(eng);
    const r = await eng.run(scenario, { captureFinalState: true });
    expect(Array.from(r.finalState!)).toEqual(Array.from(ref.finalState!));
    expect(r.checkpoints[0]!.vertexCounts).toEqual(ref.checkpoints[0]!.vertexCounts);
  }, 120_000);

  it('a trajectory range and a cancelled run', async () => {
    const scenario = resolveScenario({ model: 'chain', rates: [3, 2], alpha: 0.02, steps: 50, trajectories: 2000, seed: 4 });
    const ref = await new CpuEngine().run(scenario, { trajectoryRange: [300, 1700] });
    const eng = new CpuWorkersEngine({ workers: 2, minPerWorker: 64 });
    engines.push(eng);
    const r = await eng.run(scenario, { trajectoryRange: [300, 1700] });
    expect(r.checkpoints.at(-1)!.vertexCounts).toEqual(ref.checkpoints.at(-1)!.vertexCounts);
    const ctl = new AbortController();
    ctl.abort();
    await expect(eng.run(scenario, { signal: ctl.signal })).rejects.toThrow(/cancelled/);
  }, 120_000);
});
