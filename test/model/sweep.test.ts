import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../../src/models/chain/experiment.ts';

const base = { model: 'chain', rates: [3, 2], alpha: 0.05, steps: 100, trajectories: 10, seed: 1, checkpoints: [50] };

describe('sweeps', () => {
  it('expand the cartesian grid of the listed fields, then the explicit points', () => {
    const e = parseExperiment({
      name: 's', scenario: base,
      sweep: { alpha: [0.1, 0.05], rates: [[3, 2], [4, 2, 1]], points: [{ trajectories: 5 }, { trajectories: 7 }] },
    });
    expect(e.axes).toEqual(['alpha', 'rates', 'points']);
    expect(e.points!.length).toBe(8);
    expect(e.points!.map((p) => [p.scenario.alpha, p.scenario.d, p.scenario.trajectories])).toEqual([
      [0.1, 2, 5], [0.1, 2, 7], [0.1, 3, 5], [0.1, 3, 7], [0.05, 2, 5], [0.05, 2, 7], [0.05, 3, 5], [0.05, 3, 7],
    ]);
    expect(e.points![2]!.label).toBe('alpha=0.1, rates=(4,2,1), trajectories=5');
  });

  it('run every α to the same flow time with `time`, keeping checkpoints within range', () => {
    const e = parseExperiment({ name: 's', scenario: base, sweep: { alpha: [0.1, 0.02], time: 10 } });
    expect(e.points!.map((p) => p.scenario.steps)).toEqual([100, 500]);
    expect(e.points![0]!.scenario.checkpoints).toEqual([0, 50, 100]);
  });

  it('the command line wins over the sweep', () => {
    const e = parseExperiment({ name: 's', scenario: base, sweep: { alpha: [0.1, 0.02], time: 10 } }, { steps: 60, trajectories: 3 });
    expect(e.points!.map((p) => [p.scenario.steps, p.scenario.trajectories])).toEqual([[60, 3], [60, 3]]);
  });

  it('a point\'s own trajectories, steps or seed replaced by the command line is a warning of that point', () => {
    const points = [{ trajectories: 5 }, { trajectories: 7, steps: 80 }, { alpha: 0.02 }, { trajectories: 3 }];
    const e = parseExperiment({ name: 's', scenario: base, sweep: { points } }, { steps: 60, trajectories: 3 });
    expect(e.points!.map((p) => [p.scenario.steps, p.scenario.trajectories])).toEqual([[60, 3], [60, 3], [60, 3], [60, 3]]);
    expect(e.points!.map((p) => p.scenario.warnings)).toEqual([
      ['--trajectories 3 replaces this point\'s own trajectories = 5 (the point\'s label keeps the file\'s value)'],
      ['--trajectories 3 replaces this point\'s own trajectories = 7 (the point\'s label keeps the file\'s value)',
        '--steps 60 replaces this point\'s own steps = 80 (the point\'s label keeps the file\'s value)'],
      [], // the base scenario's values, which the command line replaces as for a run without a sweep
      [], // the same value
    ]);
  });

  it('refuse an invalid grid point, naming the point and the field', () => {
    expect(() => parseExperiment({ name: 's', scenario: base, sweep: { alpha: [0.1, 1.5] } }))
      .toThrow(/sweep point 1 \(alpha=1.5\): scenario.alpha: .*< 1/);
    expect(() => parseExperiment({ name: 's', scenario: base, sweep: { rates: [[2, 2]] } })).toThrow(/sweep point 0.*tied/);
    expect(() => parseExperiment({ name: 's', scenario: base, sweep: { points: [{ bogus: 1 }] } })).toThrow(/"bogus"/);
    expect(() => parseExperiment({ name: 's', scenario: base, sweep: { alpha: [] } })).toThrow(/sweep.alpha/);
    expect(() => parseExperiment({ name: 's', scenario: base, batches: 1 })).toThrow(/batches/);
  });
});

describe('sweeps over the extensions', () => {
  const base = { model: 'chain', rates: [10, 7.5, 5], alpha: 0.01, steps: 500, trajectories: 10, seed: 1 };
  it('gammaScale ν scales the off-diagonal of the scenario\'s Γ; switchStep moves the first switch', () => {
    const e = parseExperiment({ name: 'g', scenario: { ...base, gamma: [[1, 0, 0], [0, 1, 0.8], [0, 0.8, 1]] }, sweep: { gammaScale: [0, 0.5] } });
    expect(e.points!.map((p) => p.scenario.correlation!.gamma[1]![2])).toEqual([0, 0.4]);
    expect(e.points![1]!.scenario.correlation!.gamma[0]![0]).toBe(1);
    const s = parseExperiment({ name: 's', scenario: { ...base, schedule: [{ fromStep: 10, rates: [5, 7.5, 10] }] }, sweep: { switchStep: [1, 200] } });
    expect(s.points!.map((p) => p.scenario.schedule[0]!.fromStep)).toEqual([1, 200]);
    expect(s.points!.every((p) => p.scenario.iStar === 0)).toBe(true);
  });
  it('refuses them without the base Γ or schedule, and a ν that takes Γ out of range, naming the point', () => {
    expect(() => parseExperiment({ name: 'g', scenario: base, sweep: { gammaScale: [0.5] } })).toThrow(/sweep\.gammaScale: needs scenario\.gamma/);
    expect(() => parseExperiment({ name: 's', scenario: base, sweep: { switchStep: [5] } })).toThrow(/sweep\.switchStep: needs scenario\.schedule/);
    expect(() => parseExperiment({ name: 'g', scenario: { ...base, gamma: [[1, 0, 0], [0, 1, 0.8], [0, 0.8, 1]] }, sweep: { gammaScale: [2] } }))
      .toThrow(/sweep point 0 \(gammaScale=2\): scenario\.gamma\[1\]\[2\]: off-diagonal entries must lie in \[0, 1\)/);
    expect(() => parseExperiment({ name: 's', scenario: { ...base, schedule: [{ fromStep: 10, rates: [5, 7.5, 10] }] }, sweep: { switchStep: [600] } }))
      .toThrow(/sweep point 0 \(switchStep=600\): scenario\.schedule\[0\]\.fromStep: step 600 is not before steps = 500/);
  });
});
