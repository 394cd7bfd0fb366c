import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../../src/models/chain/experiment.ts';
import { blockRanges, runExperiment } from '../../src/models/chain/run-experiment.ts';
import { CpuEngine } from '../../src/models/chain/cpu-engine.ts';
import { histPairs } from '../../src/stats/sparse-hist.ts';

describe('running an experiment in independent blocks', () => {
  it('cuts N trajectories into contiguous blocks', () => {
    expect(blockRanges(10, 3)).toEqual([[0, 4], [4, 8], [8, 10]]);
    expect(blockRanges(2, 10)).toEqual([[0, 1], [1, 2]]);
  });

  it('merged block statistics equal one run over all trajectories (counts exactly, moments within rounding)', async () => {
    const exp = parseExperiment({
      name: 'b', batches: 7,
      scenario: { model: 'chain', rates: [3, 2, 1], alpha: 0.05, steps: 200, trajectories: 1000, seed: 9, checkpoints: { every: 50 }, keepPaths: 5 },
    });
    const r = await runExperiment(exp, { engine: 'cpu' });
    const whole = await new CpuEngine().run(exp.scenario);
    const p = r.points[0]!;
    expect(p.blocks.length).toBe(7);
    expect(p.paths!.length).toBe(5);
    expect(p.paths).toEqual(whole.paths);
    p.checkpoints.forEach((a, c) => {
      const b = whole.checkpoints[c]!;
      expect(a.vertexCounts).toEqual(b.vertexCounts);
      expect(histPairs(a.hist)).toEqual(histPairs(b.hist));
      expect(a.logGap.mean).toBeCloseTo(b.logGap.mean, 10);
      expect(a.gapSuccess.n).toBe(b.gapSuccess.n);
    });
  });
});
