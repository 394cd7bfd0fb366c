/**
 * The run layer's clock of the simulation's wall time (src/run/batch-plan.ts busyClock): a batch counts from the call
 * of its run, synchronous start included (a CPU engine may compute for seconds before its first await: the natural
 * gradient's coefficient table), and batches that overlap (a pool's) count once.
 */
import { describe, expect, it } from 'vitest';
import { busyClock } from '../../src/run/batch-plan.ts';

/** Keep the thread busy for `ms` milliseconds. */
function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* computing */ }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('busyClock', () => {
  it('counts a batch from the call of its run, its synchronous start included', async () => {
    const clock = busyClock();
    await clock.during(async () => {
      spin(60); // before the first await
      await sleep(5);
    });
    expect(clock.seconds()).toBeGreaterThanOrEqual(0.06); // the spin alone (the old clock saw only the ~5 ms after it)
    expect(clock.seconds()).toBeLessThan(1);
  });

  it('counts overlapping batches once, and nothing between batches', async () => {
    const clock = busyClock();
    const t0 = performance.now();
    await Promise.all([clock.during(() => sleep(80)), clock.during(() => sleep(80))]);
    const both = (performance.now() - t0) / 1000;
    await sleep(100); // idle: not counted
    expect(clock.seconds()).toBeGreaterThanOrEqual(0.07);
    expect(clock.seconds()).toBeLessThanOrEqual(both + 1e-3);
  });
});
