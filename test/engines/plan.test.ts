import { describe, expect, it } from 'vitest';
import { batches, planDispatches } from '../../src/engines/plan.ts';

describe('dispatch plan', () => {
  it('cuts at every checkpoint and chunks long segments', () => {
    const plan = planDispatches([0, 5, 12], 12, 4);
    expect(plan).toEqual([
      { k0: 0, nSteps: 0, statsSlot: 0 },
      { k0: 0, nSteps: 4, statsSlot: -1 },
      { k0: 4, nSteps: 1, statsSlot: 1 },
      { k0: 5, nSteps: 4, statsSlot: -1 },
      { k0: 9, nSteps: 3, statsSlot: 2 },
    ]);
  });

  it('covers every step exactly once for any chunk size', () => {
    for (const chunk of [1, 3, 7, 100, 1000]) {
      const plan = planDispatches([0, 1, 10, 99, 500], 500, chunk);
      let k = 0;
      for (const d of plan) {
        expect(d.k0).toBe(k);
        expect(d.nSteps).toBeLessThanOrEqual(chunk);
        k += d.nSteps;
      }
      expect(k).toBe(500);
      expect(plan.filter((d) => d.statsSlot >= 0).map((d) => d.statsSlot)).toEqual([0, 1, 2, 3, 4]);
    }
  });

  it('splits trajectories into batches', () => {
    expect(batches(10, 25, 6)).toEqual([[10, 16], [16, 22], [22, 25]]);
  });
});
