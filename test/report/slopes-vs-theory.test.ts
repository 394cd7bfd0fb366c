/**
 * The slope of E[log(1 − p*) | success] near the vertex against theory (analyze.ts): −r with the finite-gap path for
 * d = 2, plus the losers' correction ½v0(1 − EΣq_j²) for d = 3 (asymptotic-slope.ts). Fixed seeds; tolerance 4
 * standard errors of the batch means; and the test would fail without the d = 3 correction.
 */
import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../../src/models/chain/experiment.ts';
import { runExperiment } from '../../src/models/chain/run-experiment.ts';
import { analyzePoint } from '../../src/models/chain/analyze.ts';
import { asymptoticSlopes, expectedShareSquares } from '../../src/theory/asymptotic-slope.ts';

describe('expectedShareSquares', () => {
  it('one loser: 1; two far-apart losers: → 1; two equal ones with no spread: ½', () => {
    expect(expectedShareSquares([-3], [0.1])).toBe(1);
    expect(expectedShareSquares([0, -40], [1e-6, 1e-6])).toBeCloseTo(1, 12);
    expect(expectedShareSquares([-2, -2], [1e-12, 1e-12])).toBeCloseTo(0.5, 10);
  });
  it('two losers (Gauss–Hermite) and three (quasi-random) against plain Monte Carlo of 200000 draws', () => {
    let seed = 12345; // mulberry32
    const rnd = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
    };
    const normal = () => Math.sqrt(-2 * Math.log(rnd())) * Math.cos(2 * Math.PI * rnd());
    for (const [mu, v] of [[[-1, -1.7], [0.3, 0.5]], [[-1, -1.7, -0.4], [0.3, 0.5, 0.2]]] as const) {
      let s = 0, s2 = 0;
      const n = 200000;
      for (let i = 0; i < n; i++) {
        const x = mu.map((m, j) => Math.exp(m + Math.sqrt(v[j]!) * normal()));
        const t = x.reduce((a, b) => a + b, 0);
        const q2 = x.reduce((a, b) => a + (b / t) ** 2, 0);
        s += q2; s2 += q2 * q2;
      }
      const mean = s / n, se = Math.sqrt((s2 / n - mean * mean) / n);
      expect(Math.abs(expectedShareSquares([...mu], [...v]) - mean)).toBeLessThan(4 * se + (mu.length > 2 ? 2e-3 : 0));
    }
  });
});

describe('slope of E[log(1 − p*) | success] against the theory near the vertex', () => {
  it.each([
    ['d = 2', [1.5, 1], 101],
    ['d = 3', [10, 7.5, 5], 102],
  ] as const)('%s, α = 0.05, t = 30: within 4 standard errors of the batch means', async (_, rates, seed) => {
    const exp = parseExperiment({
      name: 's', batches: 10,
      scenario: { model: 'chain', rates: [...rates], alpha: 0.05, steps: 600, trajectories: 20000, seed, checkpoints: { every: 15 } },
    });
    const r = await runExperiment(exp, { engine: 'cpu' });
    const { analysis } = analyzePoint(r.points[0]!);
    const row = analysis.comparisons.find((c) => c.quantity === 'slope of E[log(1 − p*) | success] per step')!;
    const se = (row.interval![1] - row.interval![0]) / 2 / 2.262; // t(0.975, 9 df)
    expect(Math.abs(row.empirical! - row.theory!)).toBeLessThan(4 * se);
    const r0 = asymptoticSlopes(0.05, { law: 'uniform', halfWidth: 1 }).medianLogGapPerStep;
    // Power: for d = 3 the bare −r is many standard errors away, so the losers' correction is what makes it agree.
    if (rates.length === 3) expect(Math.abs(row.empirical! - r0)).toBeGreaterThan(4 * se);
  });
});
