/**
 * The zero-order experiment file and the run layer's guards: every rule refuses naming the field; the grid keeps
 * n ≥ minRatio·αA²d and refuses points below mean-square stability; the command line's --steps/--duration are
 * refused; the per-batch check catches counts that do not add up, a NaN nobody flagged and paths of the wrong copies;
 * statistics survive the state log's JSON (NaN included).
 */
import { describe, expect, it } from 'vitest';
import { OptionError, ScenarioError } from '../../../src/core/errors.ts';
import { ZeroOrderCpuEngine } from '../../../src/models/zero-order/cpu-engine.ts';
import { checkZeroOrderBatch, zeroOrderModel } from '../../../src/models/zero-order/definition.ts';
import { parseZeroOrderRun } from '../../../src/models/zero-order/experiment.ts';
import { resolveZeroOrderScenario } from '../../../src/models/zero-order/scenario.ts';
import { stabilityThreshold } from '../../../src/models/zero-order/theory.ts';
import { viaJson } from '../run-layer-helpers.ts';

const sc = (extra: Record<string, unknown> = {}) => ({ model: 'zero-order', trajectories: 10, seed: 1, ...extra });
const issues = (extra: Record<string, unknown>) => {
  try {
    resolveZeroOrderScenario(sc(extra));
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    return (e as ScenarioError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error('accepted');
};

describe('zero-order scenario', () => {
  it('resolves the defaults and the grid n ≥ minRatio·αA²d, d-major', () => {
    const s = resolveZeroOrderScenario(sc({ loss: { kind: 'quadratic', dims: [1, 16] }, updates: [10, 100, 1000] }));
    expect(s.grid.map((g) => [g.d, g.n])).toEqual([[1, 10], [1, 100], [1, 1000], [16, 1000]]);
    expect(s.skipped).toEqual([{ d: 16, n: 10 }, { d: 16, n: 100 }]);
    expect(s.kappa).toBeCloseTo(2 / 3, 15);
    expect(s.checkpoints).toHaveLength(10);
    expect(s.checkpoints.at(-1)).toBe(1);
    const net = resolveZeroOrderScenario(sc({ loss: { kind: 'network', inputs: 4, hidden: [2, 8], outputs: 1 }, updates: [100, 1000], A: 0.1, alpha: 100 }));
    expect(net.grid.map((g) => [g.d, g.n, g.hidden])).toEqual([[10, 100, 2], [10, 1000, 2], [40, 1000, 8]]);
  });

  it('refuses each broken rule naming the field', () => {
    expect(issues({ A: 0 })).toContain('scenario.A: must be > 0');
    expect(issues({ updates: [10, 10] })).toContain('scenario.updates[1]: appears twice in the list');
    expect(issues({ updates: 15, T: 0.1 }).join()).toMatch(/scenario\.updates: n·T = 1\.5 must be an integer/);
    expect(issues({ checkpoints: [0.5, 0.2] }).join()).toMatch(/scenario\.checkpoints\[1\]: checkpoints must be strictly increasing/);
    expect(issues({ checkpoints: [2] }).join()).toMatch(/scenario\.checkpoints\[0\]: time 2 is beyond/);
    expect(issues({ loss: { kind: 'quadratic', dims: [4], hessian: { min: 2, max: 1 } } })).toContain('scenario.loss.hessian.max: must be ≥ min = 2');
    expect(issues({ loss: { kind: 'cubic' } }).join()).toMatch(/scenario\.loss/);
    expect(issues({ bogus: 1 }).join()).toMatch(/unknown field\(s\) "bogus"/);
    expect(issues({ loss: { kind: 'quadratic', dims: [64] }, updates: [10] }).join()).toMatch(/scenario\.updates: no \(d, n\) grid point/);
    // below mean-square stability (minRatio 0 lets the point in): refused, naming the n
    const n = Math.floor(stabilityThreshold('two-point', 64, 1, 1));
    expect(issues({ loss: { kind: 'quadratic', dims: [64] }, updates: n, minRatio: 0 }).join()).toMatch(/scenario\.updates: n = 21 ≤ 21\.60 at d = 64: the mean square/);
  });

  it('the command line: --steps and --duration are refused, --trajectories and --seed written over the file', () => {
    const file = { name: 'x', scenario: sc({ loss: { kind: 'quadratic', dims: [2] }, updates: [20] }), batches: 3 };
    expect(() => parseZeroOrderRun(file, { steps: 5 })).toThrow(OptionError);
    expect(() => parseZeroOrderRun(file, { duration: 5 })).toThrow(OptionError);
    const x = parseZeroOrderRun(file, { trajectories: 7, seed: 9 });
    expect(x.units).toEqual([{ label: 'd = 2, n = 20', trajectories: 7, workPerCopy: 40 }]);
    expect([x.seed, x.batches]).toEqual([9, 3]);
  });
});

describe('zero-order: the per-batch check and the state log\'s JSON', () => {
  it('accepts a real batch and refuses counts that do not add up, an unflagged NaN, a foreign point, wrong paths', async () => {
    const exp = parseZeroOrderRun({ name: 'x', scenario: sc({ loss: { kind: 'quadratic', dims: [3] }, updates: [30], paths: 2 }) }, {});
    const { accumulator: a } = await new ZeroOrderCpuEngine().run(exp.scenario, 0, { trajectoryRange: [1, 6] });
    expect(checkZeroOrderBatch(a, exp, 0, [1, 6])).toBeNull();
    expect(a.paths.map((p) => p.copy)).toEqual([1]);
    expect(viaJson(zeroOrderModel, a)).toEqual(a);
    const bad = (f: (b: typeof a) => void) => { const b = structuredClone(a); f(b); return checkZeroOrderBatch(b, exp, 0, [1, 6]); };
    expect(bad((b) => { b.checkpoints[2]!.sup.n--; })).toMatch(/checkpoint 2: sup counts 4 copies, expected 5/);
    expect(bad((b) => { b.checkpoints[0]!.err2.sum = NaN; })).toMatch(/NaN, infinite or negative, but no copy is flagged/);
    expect(bad((b) => { b.point = 1; })).toMatch(/statistics of grid point 1/);
    expect(bad((b) => { b.paths = []; })).toMatch(/0 sample paths, expected copies 1…1/);
    expect(bad((b) => { b.flags = 1; })).toMatch(/fault flags 1 with 0 flagged copies/);
    // a flagged NaN passes the check and survives the JSON round trip
    const nan = structuredClone(a);
    nan.checkpoints[0]!.err.sum = NaN;
    nan.flags = 1;
    nan.flaggedCopies = 1;
    expect(checkZeroOrderBatch(nan, exp, 0, [1, 6])).toBeNull();
    expect(viaJson(zeroOrderModel, nan).checkpoints[0]!.err.sum).toBeNaN();
  });
});
