import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ScenarioError } from '../../src/core/errors.ts';
import {
  MAX_CHECKPOINTS, MAX_NESTING, budgetIssue, checkCount, checkNesting, countIssue, formatBytes, maxForBudget, tooDeep,
} from '../../src/core/limits.ts';
import { ruleIssues, seedField, timeCheckpoints } from '../../src/core/scenario-fields.ts';
import { checkpointCount, resolveCheckpoints } from '../../src/core/step-checkpoints.ts';

describe('limits', () => {
  it('formats bytes in SI units', () => {
    expect(formatBytes(512)).toBe('512 bytes');
    expect(formatBytes(3400)).toBe('3.4 kB');
    expect(formatBytes(4294967296 * 8)).toBe('34 GB');
    expect(formatBytes(2e15)).toBe('2 PB');
    expect(formatBytes(1e300)).toMatch(/e\+\d+ PB$/);
    expect(formatBytes(Infinity)).toBe('more than any machine holds');
  });

  it('states the request, the limit and its cost on one line', () => {
    expect(countIssue(4294967296, 100000, 8, 'checkpoint statistics'))
      .toBe('4294967296 requested, at most 100000 (about 34 GB of checkpoint statistics)');
    expect(countIssue(100000, 100000, 8, 'x')).toBeNull();
    expect(countIssue(NaN, 10, 8, 'x')).toMatch(/^NaN requested/);
    expect(() => checkCount('scenario.checkpoints', 11, 10, 1, 'x')).toThrow(ScenarioError);
    try { checkCount('scenario.checkpoints', 11, 10, 1, 'x'); } catch (e) {
      expect((e as ScenarioError).issues).toEqual([{ path: 'scenario.checkpoints', message: '11 requested, at most 10 (about 11 bytes of x)' }]);
    }
  });

  it('derives limits from the memory budget', () => {
    expect(maxForBudget(1e6, 2e9)).toBe(2000);
    expect(maxForBudget(1e12, 2e9)).toBe(1);
    expect(budgetIssue(3000, 1e6, 'y')).toBe('3000 requested, at most 2000 (about 3 GB of y)');
    expect(budgetIssue(10, 1e6, 'y', 5)).toMatch(/at most 5 /);
  });

  it('finds nesting deeper than the limit without recursion', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(tooDeep({ a: { b: deep } })).toBe(`a.b${'[0]'.repeat(MAX_NESTING - 2)}`);
    expect(tooDeep({ rates: new Array(1e5).fill(1), sweep: { points: [{ a: [[1]] }] } })).toBeNull();
    expect(() => checkNesting(deep)).toThrow(/nested more than 64/);
  });
});

describe('checkpoint counts before expansion', () => {
  it('counts every, log and lists with 0 and K', () => {
    expect(checkpointCount({ every: 1 }, 4294967295)).toBe(4294967296);
    expect(checkpointCount({ every: 100 }, 300)).toBe(4);
    expect(checkpointCount({ every: 7 }, 20)).toBe(4);
    expect(checkpointCount({ log: 1e9 }, 500)).toBe(1e9 + 2);
    expect(checkpointCount(undefined, 10)).toBe(32);
    expect(resolveCheckpoints({ every: 100 }, 300)).toEqual([0, 100, 200, 300]);
    expect(resolveCheckpoints({ every: 7 }, 20)).toEqual([0, 7, 14, 20]);
  });

  it('refuses { every: 1 } at K = 2^32 − 1 at once, with the estimate', () => {
    const t0 = performance.now();
    expect(() => resolveCheckpoints({ every: 1 }, 4294967295)).toThrow(/scenario\.checkpoints: 4294967296 requested, at most \d+ \(about [\d.]+ PB of checkpoint statistics\)/);
    expect(() => resolveCheckpoints({ log: 1e9 }, 500)).toThrow(/1000000002 requested/);
    expect(performance.now() - t0).toBeLessThan(500);
    // With histograms of up to 32 kB per checkpoint, the 2 GB budget holds about 5·10³ of them (fewer than MAX_CHECKPOINTS).
    expect(resolveCheckpoints({ every: 1 }, 5000)).toHaveLength(5001);
    expect(() => resolveCheckpoints({ every: 1 }, MAX_CHECKPOINTS - 1)).toThrow(/100000 requested, at most 5463 \(about 37 GB/);
  });

  it('refuses time checkpoints too many to hold before listing them', () => {
    const issues: string[] = [];
    const t0 = performance.now();
    const times = timeCheckpoints({ every: 0.0001 }, { duration: 100000, dt: 0.1, steps: 1e9 }, (f, m) => issues.push(`${f}: ${m}`));
    expect(performance.now() - t0).toBeLessThan(500);
    expect(times).toEqual([]);
    expect(issues).toEqual([expect.stringMatching(/^checkpoints: 1000000000 requested, at most 100000 \(about \d+ TB/)]);
  });
});

describe('zod refusals say the rule', () => {
  const issues = (schema: z.ZodType, v: unknown) => ruleIssues(schema.safeParse(v).error!, 'scenario');
  it('seed, finiteness, integers, bounds and unions', () => {
    const S = z.strictObject({ seed: seedField(), gamma: z.array(z.array(z.number())), n: z.number().int().max(10), a: z.union([z.literal(1), z.literal(2)]) });
    const ok = { seed: 1, gamma: [[1]], n: 1, a: 1 };
    expect(issues(S, { ...ok, seed: 1.5 })).toEqual([{ path: 'scenario.seed', message: 'must be an integer ≥ 0 or a string' }]);
    expect(issues(S, { ...ok, seed: -5 })).toEqual([{ path: 'scenario.seed', message: 'must be an integer ≥ 0 or a string' }]);
    expect(issues(S, { ...ok, gamma: [[Infinity]] })).toEqual([{ path: 'scenario.gamma[0][0]', message: 'must be finite, got Infinity' }]);
    expect(issues(S, { ...ok, n: 1e300 })).toEqual([{ path: 'scenario.n', message: 'must be ≤ 10' }]);
    expect(issues(S, { ...ok, n: 1.5 })).toEqual([{ path: 'scenario.n', message: 'must be an integer' }]);
    expect(issues(S, { ...ok, a: 3 })).toEqual([{ path: 'scenario.a', message: 'must be 1 or 2' }]);
    expect(issues(S, { ...ok, x: 1 })).toEqual([{ path: 'scenario', message: 'unknown field(s) "x"' }]);
    for (const v of [{ ...ok, seed: {} }, { ...ok, gamma: 'x' }, { ...ok, a: 'x' }]) {
      for (const i of issues(S, v)) expect(i.message).not.toMatch(/^Invalid input$/);
    }
  });

  it('a refinement on fields that broke their own rules is left out', () => {
    const S = z.strictObject({ k: z.number().positive() }).superRefine((s, ctx) => { if (s.k < 1) ctx.addIssue({ code: 'custom', path: ['k'], message: 'custom' }); });
    expect(issues(S, { k: -1 })).toEqual([{ path: 'scenario.k', message: 'must be > 0' }]);
    expect(issues(S, { k: 0.5 })).toEqual([{ path: 'scenario.k', message: 'custom' }]);
  });
});
