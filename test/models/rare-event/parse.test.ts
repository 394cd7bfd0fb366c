/**
 * A rare-event file is a chain file with a rareEvent section: the registry's rare-event model parses the chain's
 * fields with the chain's own parser (handed over by the registry, src/models/rare-event/chain-port.ts) and the
 * section itself; issues of both are named together; extensions the particle step does not run are refused; the
 * chain's parser alone refuses the section.
 */
import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../../src/core/errors.ts';
import { modelByName, modelOf } from '../../../src/models/registry.ts';

const file = {
  name: 'rare-parse',
  rareEvent: { particles: 200, replicates: 6 },
  scenario: { model: 'chain', rates: [1.5, 1], alpha: 0.05, steps: 800, trajectories: 1, seed: 3 },
  sweep: { alpha: [0.05, 0.03] },
};

const issuesOf = (f: () => unknown) => {
  try { f(); } catch (e) { if (e instanceof ScenarioError) return e.issues.map((i) => i.path); throw e; }
  throw new Error('no ScenarioError');
};

describe('rare-event files', () => {
  const rare = modelOf(file);

  it('are claimed by the rare-event model and parsed as the chain parses its fields', () => {
    expect(rare.model).toBe('rare-event');
    const x = rare.parse(file, { steps: 400 });
    const { rareEvent: _section, ...chainFile } = file;
    const chainX = modelByName('chain')!.parse(chainFile, { steps: 400 });
    expect(x.rareEvent).toEqual({ particles: 200, replicates: 6 });
    expect(x.points.map((p: any) => p.scenario)).toEqual(chainX.points.map((p: any) => p.scenario));
    expect(x.points.map((p: any) => p.scenario.steps)).toEqual([400, 400]);
    // one unit of R replicates per point, batches of at least 2 replicates each
    expect(x.units.map((u: any) => [u.trajectories, u.workPerCopy])).toEqual([[6, 200 * 400], [6, 200 * 400]]);
    expect(x.batches).toBe(3);
  });

  it('name the chain\'s issues and the section\'s together', () => {
    const bad = { ...file, scenario: { ...file.scenario, alpha: -1 }, rareEvent: { particles: 1, replicates: 6 } };
    expect(issuesOf(() => rare.parse(bad, {}))).toEqual(['scenario.alpha', 'rareEvent.particles']);
    expect(issuesOf(() => rare.parse({ ...file, rareEvent: { particles: 10, replicates: 6, extra: 1 } }, {}))).toEqual(['rareEvent']);
  });

  it('refuse correlated inputs and rate switches, which the particle step does not run', () => {
    const gamma = { ...file.scenario, gamma: [[1, 0.5], [0.5, 1]] };
    expect(issuesOf(() => rare.parse({ ...file, scenario: gamma }, {}))).toEqual(['scenario.gamma']);
    const schedule = { ...file.scenario, schedule: [{ fromStep: 100, rates: [1, 1.5] }] };
    expect(issuesOf(() => rare.parse({ ...file, scenario: schedule }, {}))).toEqual(['scenario.schedule']);
  });

  it('refuse a precision target (it was taken and ignored), naming the field', () => {
    expect(() => rare.parse({ ...file, target: { successCIWidth: 0.01, maxTrajectories: 1000, batchSize: 100 } }, {})).toThrow(/- target: a rare-event estimate runs rareEvent\.replicates replicates/);
  });

  it('refuse --trajectories (an estimate\'s size is particles × replicates), naming the option', () => {
    expect(() => rare.parse(file, { trajectories: 2 })).toThrow(/--trajectories does not apply to rare-event.*rareEvent\.particles/);
  });

  it('say where --steps replaces sweep.time (every point then runs the same K, to different flow times)', () => {
    const timed = { ...file, sweep: { alpha: [0.05, 0.02], time: 40 } };
    expect(rare.parse(timed, {}).points.map((p: any) => [p.scenario.steps, p.scenario.warnings])).toEqual([[800, []], [2000, []]]);
    const x = rare.parse(timed, { steps: 100 });
    expect(x.points.map((p: any) => p.scenario.steps)).toEqual([100, 100]);
    expect(x.points.map((p: any) => p.scenario.warnings)).toEqual([
      ['--steps 100 replaces sweep.time = 40 (steps = ⌈time/α⌉ = 800 here): this point runs to t = αK = 5, not 40'],
      ['--steps 100 replaces sweep.time = 40 (steps = ⌈time/α⌉ = 2000 here): this point runs to t = αK = 2, not 40'],
    ]);
  });

  it('are refused by the chain\'s parser alone (it knows nothing of the section)', () => {
    expect(() => modelByName('chain')!.parse(file, {})).toThrow(/rareEvent/);
  });
});
