import { describe, expect, it } from 'vitest';
import { resolveScenario } from '../../src/models/chain/scenario.ts';
import { CpuEngine } from '../../src/models/chain/cpu-engine.ts';
import { runOnGpu } from '../gpu/spawn.ts';

const scenario = { model: 'chain', rates: [3, 2], alpha: 0.01, steps: 400, trajectories: 256, seed: 5, checkpoints: { every: 40 } } as const;

describe('progress and cancellation', () => {
  it('CPU: progress rises to the total; an abort stops the run with an AbortError', async () => {
    const s = resolveScenario(scenario);
    const seen: number[] = [];
    await new CpuEngine().run(s, { stepsPerDispatch: 10, onProgress: (p) => seen.push(p.done) });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((v, i) => i === 0 || v >= seen[i - 1]!)).toBe(true);
    expect(seen.at(-1)).toBe(256 * 400);

    const ctl = new AbortController();
    let calls = 0;
    const run = new CpuEngine().run(s, {
      stepsPerDispatch: 1,
      signal: ctl.signal,
      onProgress: () => { if (++calls === 1) ctl.abort(); },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('WebGPU (Deno): progress per submitted group; an abort stops the run with an AbortError', () => {
    const done = runOnGpu('deno', { kind: 'run', scenario, options: { stepsPerDispatch: 4 } });
    expect(done.progress.at(-1)).toBe(256 * 400);
    const cancelled = runOnGpu('deno', { kind: 'run', scenario, options: { stepsPerDispatch: 4, abortAfterProgress: 1 } });
    expect(cancelled.error).toBe('AbortError');
    expect(cancelled.progress.length).toBe(1);
    expect(cancelled.progress[0]).toBeLessThan(256 * 400);
  }, 120_000);
});
