/** Running sums' t interval of a mean, and its cut to the range the values lie in (withinRange). */
import { describe, expect, it } from 'vitest';
import { emptySums, meanCI, pushSums, withinRange } from '../../src/stats/running-sums.ts';
import { tQuantile } from '../../src/stats/beta.ts';

describe('meanCI and withinRange', () => {
  it('the t interval of two rates, cut at 0 below (a rate) and at 1 above (a fraction)', () => {
    const s = emptySums();
    for (const x of [1, 89]) pushSums(s, x);
    const m = meanCI(s);
    const h = tQuantile(0.95, 1) * Math.sqrt(((1 - 45) ** 2 + (89 - 45) ** 2) / 1) / Math.sqrt(2);
    expect(m.mean).toBe(45);
    expect(m.ci![0]).toBeCloseTo(45 - h, 9);
    expect(m.ci![0]).toBeLessThan(0); // the plain t interval reaches below 0
    expect(withinRange(m, 0).ci).toEqual([0, m.ci![1]]);
    const f = emptySums();
    for (const x of [0.02, 0.99]) pushSums(f, x);
    const c = withinRange(meanCI(f), 0, 1).ci!;
    expect(c[0]).toBe(0);
    expect(c[1]).toBe(1);
    // an interval inside the range is the same object; none (n < 2) stays none
    const inside = meanCI({ n: 3, sum: 1.5, sumSq: 0.77 });
    expect(withinRange(inside, 0, 1)).toBe(inside);
    expect(withinRange(meanCI({ n: 1, sum: 5, sumSq: 25 }), 0).ci).toBeNull();
  });
});
