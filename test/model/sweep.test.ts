import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../../src/model/experiment.ts';

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

  it('refuse an invalid grid point, naming the point and the field', () => {
    expect(() => parseExperiment({ name: 's', scenario: base, sweep: { alpha: [0.1, 1.5] } }))
      .toThrow(/sweep point 1 \(alpha=1.5\): scenario.alpha: .*< 1/);
    expect(() => parseExperiment({ name: 's', scenario: base, sweep: { rates: [[2, 2]] } })).toThrow(/sweep point 0.*tied/);
    expect(() => parseExperiment({ name: 's', scenario: base, sweep: { points: [{ bogus: 1 }] } })).toThrow(/"bogus"/);
    expect(() => parseExperiment({ name: 's', scenario: base, sweep: { alpha: [] } })).toThrow(/sweep.alpha/);
    expect(() => parseExperiment({ name: 's', scenario: base, batches: 1 })).toThrow(/batches/);
  });
});
