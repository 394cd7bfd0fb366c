import { describe, expect, it } from 'vitest';
import { resolveCheckpoints, resolveScenario } from '../../src/models/chain/scenario.ts';
import { ScenarioError } from '../../src/core/errors.ts';
import { seedToKey } from '../../src/core/seed.ts';
import { parseExperiment } from '../../src/models/chain/experiment.ts';
import { experimentJsonSchema, modelNames } from '../../src/models/registry.ts';

const ok = { model: 'chain', rates: [10, 7.5, 5], alpha: 0.01, steps: 100, trajectories: 10, seed: 1 };

function refusal(patch: Record<string, unknown>): { path: string; message: string }[] {
  try {
    resolveScenario({ ...ok, ...patch });
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    return (e as ScenarioError).issues;
  }
  throw new Error(`accepted ${JSON.stringify(patch)}`);
}

describe('scenario validation names the field and the rule', () => {
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ['a rate ≤ 0', { rates: [10, 0, 5] }, 'scenario.rates[1]', /> 0/],
    ['a negative rate', { rates: [-1, 2] }, 'scenario.rates[0]', /> 0/],
    ['d < 2', { rates: [3] }, 'scenario.rates', /2/],
    ['α·h ≥ 1', { alpha: 0.5, noise: { law: 'uniform', halfWidth: 2 } }, 'scenario.alpha', /< 1/],
    ['α ≥ 1 with default h', { alpha: 1 }, 'scenario.alpha', /< 1/],
    ['lengths that disagree', { initialWeights: [1, 1] }, 'scenario.initialWeights', /same length/],
    ['NaN', { alpha: NaN }, 'scenario.alpha', /NaN/],
    ['Infinity', { rates: [Infinity, 1] }, 'scenario.rates[0]', /Infinity/],
    ['N = 0', { trajectories: 0 }, 'scenario.trajectories', /0/],
    ['fractional N', { trajectories: 2.5 }, 'scenario.trajectories', /int/i],
    ['K = 0', { steps: 0 }, 'scenario.steps', /0/],
    ['an unknown field', { lambda: [1, 2] }, 'scenario', /unknown field.*"lambda"/],
    ['an unknown noise law', { noise: { law: 'cauchy' } }, 'scenario.noise.law', /uniform/],
    ['an unknown noise field', { noise: { law: 'uniform', width: 1 } }, 'scenario.noise', /"width"/],
    ['a zero initial weight', { initialWeights: [1, 0, 1] }, 'scenario.initialWeights[1]', /> 0/],
    ['a tie for the largest p', { rates: [5, 5, 1] }, 'scenario.rates', /tied.*allowTies/],
    ['a tie made by the weights', { initialWeights: [0.75, 1, 1] }, 'scenario.initialWeights', /tied/],
    ['checkpoints beyond K', { checkpoints: [10, 200] }, 'scenario.checkpoints[1]', /beyond/],
    ['checkpoints not increasing', { checkpoints: [10, 10] }, 'scenario.checkpoints[1]', /increasing/],
    ['sd for a law without it', { noise: { law: 'uniform', sd: 0.3 } }, 'scenario.noise.sd', /truncnormal/],
    ['a negative seed', { seed: -3 }, 'scenario.seed', /.+/],
    ['an empty seed string', { seed: '' }, 'scenario.seed', /.+/],
  ];
  for (const [what, patch, path, msg] of cases) {
    it(`refuses ${what}`, () => {
      const issues = refusal(patch);
      const hit = issues.find((i) => i.path === path);
      expect(hit, JSON.stringify(issues)).toBeDefined();
      expect(hit!.message).toMatch(msg);
    });
  }

  it('accepts a tie with allowTies, taking the lowest index as i*', () => {
    const s = resolveScenario({ ...ok, rates: [1, 5, 5], allowTies: true });
    expect(s.iStar).toBe(1);
  });

  it('runs α ≥ 1/Q with a warning (outside Lemma A.2)', () => {
    const s = resolveScenario({ ...ok, alpha: 0.6 });
    expect(s.warnings.join()).toMatch(/Lemma A.2/);
    expect(resolveScenario(ok).warnings).toEqual([]);
  });

  it('fills defaults and computes i*, p(0) and the log-state', () => {
    const s = resolveScenario({ ...ok, rates: [5, 10, 7.5], initialWeights: [1, 1, 2] });
    expect(s.iStar).toBe(2);
    expect(s.p0[2]).toBeCloseTo(15 / 30, 12);
    expect(Math.max(...s.x0)).toBe(0);
    expect(s.noise).toEqual({ law: 'uniform', halfWidth: 1 });
    expect(resolveScenario({ ...ok, noise: { law: 'truncnormal', halfWidth: 1 } }).noise.sd).toBe(0.5);
  });

  it('resolves checkpoints: always 0 and K, every, log-spaced', () => {
    expect(resolveCheckpoints({ every: 30 }, 100)).toEqual([0, 30, 60, 90, 100]);
    expect(resolveCheckpoints([5, 50], 100)).toEqual([0, 5, 50, 100]);
    const l = resolveCheckpoints({ log: 5 }, 10000);
    expect(l).toEqual([0, 1, 10, 100, 1000, 10000]);
  });

  it('hashes string seeds to a stable 64-bit key', () => {
    expect(seedToKey('abc')).toEqual(seedToKey('abc'));
    expect(seedToKey('abc')).not.toEqual(seedToKey('abd'));
    expect(seedToKey(2 ** 32 + 5)).toEqual([5, 1]);
  });
});

describe('experiment files', () => {
  it('apply command-line overrides before validation', () => {
    const e = parseExperiment({ name: 'x', scenario: ok }, { trajectories: 7, seed: 'abc' });
    expect(e.scenario.trajectories).toBe(7);
    expect(e.scenario.seed).toBe('abc');
    expect(() => parseExperiment({ name: 'x', scenario: ok }, { trajectories: 0 })).toThrow(/scenario.trajectories/);
  });

  it('refuse unknown top-level fields and a missing scenario', () => {
    expect(() => parseExperiment({ name: 'x', scenario: ok, extra: 1 })).toThrow(/"extra"/);
    expect(() => parseExperiment({ name: 'x' })).toThrow(/scenario/);
  });

  it('publish a JSON Schema generated from the same zod schema', () => {
    const js = experimentJsonSchema() as any;
    // one branch per model of the registry, told apart by scenario.model; rare-event files are chain files with a
    // required rareEvent section, which the chain's own branch does not allow
    const branches = js.anyOf as any[];
    expect(branches.map((b) => b.properties.scenario.properties.model.const).sort()).toEqual(modelNames().map((m) => (m === 'rare-event' ? 'chain' : m)).sort());
    const chainBranches = branches.filter((b) => b.properties.scenario.properties.model.const === 'chain');
    expect(chainBranches.map((b) => [b.additionalProperties, 'rareEvent' in b.properties, (b.required as string[]).includes('rareEvent')]))
      .toEqual([[false, false, false], [false, true, true]]);
    expect(chainBranches[1].properties.rareEvent.required).toEqual(['particles', 'replicates']);
    const sc = chainBranches[0].properties.scenario;
    expect(sc.additionalProperties).toBe(false);
    expect(sc.required).toEqual(expect.arrayContaining(['model', 'rates', 'alpha', 'steps', 'trajectories', 'seed']));
    expect(sc.properties.noise.properties.law.enum).toEqual(['uniform', 'rademacher', 'truncnormal']);
  });
});
