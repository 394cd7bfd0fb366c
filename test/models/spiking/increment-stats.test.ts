/**
 * The non-triggering increment's statistics: the power sums hold every non-triggering input, the silent ones' zeros
 * included; the mean and sd of the inputs that spiked (what the increment-law plot compares with Uniform[−1, 1]'s
 * 0.577) leave those zeros out exactly.
 */
import { describe, expect, it } from 'vitest';
import { INC_NONE, emptySpikingAccumulator, incBin, summarizeSpiking } from '../../../src/models/spiking/stats.ts';

describe('increment statistics', () => {
  it('with and without the silent inputs\' zeros', () => {
    const a = emptySpikingAccumulator(5, 3);
    const spiked = [0.4, -0.2, 0.9, -0.7, 1.3];
    const silent = 4;
    for (const x of spiked) { a.inc.n++; a.inc.s1 += x; a.inc.s2 += x * x; a.incHist[incBin(x, true)]!++; }
    for (let j = 0; j < silent; j++) { a.inc.n++; a.incHist[INC_NONE]!++; }
    const inc = summarizeSpiking(a).increment;
    const mean = (xs: number[]) => xs.reduce((u, v) => u + v, 0) / xs.length;
    const sd = (xs: number[]) => Math.sqrt(xs.reduce((u, v) => u + (v - mean(xs)) ** 2, 0) / (xs.length - 1));
    const all = [...spiked, ...Array(silent).fill(0)];
    expect(inc.count).toBe(9);
    expect(inc.silent).toBe(4);
    expect(inc.mean).toBeCloseTo(mean(all), 12);
    expect(inc.sd).toBeCloseTo(sd(all), 12);
    expect(inc.meanSpiked).toBeCloseTo(mean(spiked), 12);
    expect(inc.sdSpiked).toBeCloseTo(sd(spiked), 12);
    expect(inc.above).toBe(1);
  });
});
