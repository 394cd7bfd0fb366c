import { describe, expect, it } from 'vitest';
import { betaInc, tQuantile } from '../../src/stats/beta.ts';
import { clopperPearson, wilson } from '../../src/stats/intervals.ts';
import { asymptoticWindow, batchMeanInterval, fitLine } from '../../src/stats/slope.ts';
import { uniforms } from '../../src/rng/philox.ts';

/** Coverage of an interval method over simulated binomials (Philox uniforms, fixed key). */
function coverage(method: (k: number, n: number) => [number, number], n: number, p: number, reps: number, key: [number, number]): number {
  let cover = 0;
  for (let r = 0; r < reps; r++) {
    let k = 0;
    for (const u of uniforms(key, r, n, 0, n)) if (u < p) k++;
    const [lo, hi] = method(k, n);
    if (lo <= p && p <= hi) cover++;
  }
  return cover / reps;
}

describe('binomial intervals', () => {
  it('Clopper–Pearson matches reference values (R binom.test)', () => {
    // binom.test(7, 20)$conf.int = 0.1539092 0.5921885; binom.test(0, 10) = 0 0.3084971; (10,10) = 0.6915029 1
    const [a, b] = clopperPearson(7, 20);
    expect(a).toBeCloseTo(0.1539092, 6);
    expect(b).toBeCloseTo(0.5921885, 6);
    expect(clopperPearson(0, 10)[1]).toBeCloseTo(0.3084971, 6);
    expect(clopperPearson(10, 10)[0]).toBeCloseTo(0.6915029, 6);
  });

  it('Wilson matches reference values, with bounds exactly 0 at k = 0 and exactly 1 at k = n', () => {
    // prop.test(7, 20, correct = FALSE)$conf.int = 0.1811918 0.5671457
    const [a, b] = wilson(7, 20);
    expect(a).toBeCloseTo(0.1811918, 6);
    expect(b).toBeCloseTo(0.5671457, 6);
    for (const n of [1, 3, 10, 20, 263, 20000, 1e6]) {
      expect(wilson(n, n)[1]).toBe(1);
      expect(wilson(0, n)[0]).toBe(0);
      expect(wilson(n, n)[0]).toBeCloseTo(n / (n + 1.959963984540054 ** 2), 12); // n / (n + z²)
    }
  });

  // 2000 replications: Monte Carlo sd of a coverage near 0.95 is ≈ 0.005, so ±0.02 is 4 standard errors.
  for (const [n, p] of [[30, 0.5], [100, 0.95], [400, 0.99]] as const) {
    it(`coverage at n = ${n}, p = ${p}: Clopper–Pearson ≥ 0.95, Wilson ≈ 0.95`, () => {
      const cp = coverage(clopperPearson, n, p, 2000, [17, n]);
      const w = coverage(wilson, n, p, 2000, [17, n]);
      expect(cp).toBeGreaterThan(0.95 - 0.02);
      expect(cp).toBeGreaterThanOrEqual(w - 0.005); // CP is the more conservative of the two
      expect(Math.abs(w - 0.95)).toBeLessThan(0.035); // Wilson's own oscillation (≤ ~0.015) plus 4 MC s.e.
    });
  }
});

describe('incomplete beta and t quantiles', () => {
  it('matches known values', () => {
    expect(betaInc(0.5, 2, 3)).toBeCloseTo(0.6875, 12);
    expect(tQuantile(0.95, 9)).toBeCloseTo(2.262157, 5);
    expect(tQuantile(0.95, 1)).toBeCloseTo(12.7062, 3);
    expect(tQuantile(0.95, 1000)).toBeCloseTo(1.962339, 4);
  });

  it('the bisection stops at the last double with the very number 200 steps give', () => {
    const full = (level: number, nu: number) => {
      let lo = 0, hi = 1e3;
      for (let i = 0; i < 200; i++) {
        const mid = (lo + hi) / 2;
        if (betaInc(nu / (nu + mid * mid), nu / 2, 0.5) > 1 - level) lo = mid; else hi = mid;
      }
      return (lo + hi) / 2;
    };
    for (const level of [0.5, 0.9, 0.95, 0.99, 0.999]) {
      for (const nu of [1, 2, 3, 5, 9, 19, 49, 99, 199, 999, 4999]) expect(tQuantile(level, nu), `${level}, ν = ${nu}`).toBe(full(level, nu));
    }
  });
});

describe('slopes and batch means', () => {
  it('fits an exact line and gives a t-interval for batch means', () => {
    const f = fitLine([1, 2, 3, 4], [3, 5, 7, 9]);
    expect(f.slope).toBeCloseTo(2, 12);
    expect(f.intercept).toBeCloseTo(1, 12);
    const m = batchMeanInterval([1, 2, 3, 4, 5]);
    expect(m.mean).toBe(3);
    expect(m.hi - m.mean).toBeCloseTo(2.776445 * Math.sqrt(2.5 / 5), 5);
  });

  it('chooses the trailing window where the regime holds', () => {
    expect(asymptoticWindow([false, true, false, true, true, true])).toEqual([3, 4, 5]);
    expect(asymptoticWindow([true, true, false, true])).toBeNull();
  });
});
