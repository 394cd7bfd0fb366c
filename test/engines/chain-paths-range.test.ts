/**
 * Sample paths of a batch that starts past trajectory 0 (the run layer's later batches): the WebGPU chain engine keeps
 * the paths of its own trajectories below keepPaths, as the CPU engine does. (It once kept paths only in a range
 * starting at 0, so a run whose first batch held fewer than keepPaths trajectories lost the rest.)
 */
import { describe, expect, it } from 'vitest';
import { CpuEngine } from '../../src/models/chain/cpu-engine.ts';
import { resolveScenario } from '../../src/models/chain/scenario.ts';
import { runOnGpu } from '../gpu/spawn.ts';

const scenario = {
  model: 'chain', rates: [1, 1, 1], initialWeights: [0.3, 0.3, 0.4], alpha: 0.02, steps: 200, checkpoints: { every: 50 },
  trajectories: 400, keepPaths: 100, seed: 77,
};

describe('WebGPU chain engine: sample paths of a range that starts past 0', () => {
  it('keeps the paths of trajectories 60…99 in the range [60, 160), equal to the CPU engine\'s to f32 rounding', async () => {
    const range: [number, number] = [60, 160];
    const cpu = await new CpuEngine().run(resolveScenario(scenario), { trajectoryRange: range });
    const gpu = runOnGpu('deno', { kind: 'run', scenario, options: { trajectoryRange: range } });
    expect(cpu.paths!.length).toBe(40);
    expect(gpu.paths.length).toBe(40);
    let worst = 0;
    gpu.paths.forEach((path: number[][], m: number) => {
      expect(path.length).toBe(cpu.paths![m]!.length);
      path.forEach((p, c) => p.forEach((v, i) => { worst = Math.max(worst, Math.abs(v - cpu.paths![m]![c]![i]!)); }));
    });
    expect(worst).toBeLessThan(1e-4);
  });
});
