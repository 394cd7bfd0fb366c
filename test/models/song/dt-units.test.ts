/** A time step far below the default (dt is in milliseconds; 0.0001 meant as seconds) is a warning, in Song and natgrad. */
import { describe, expect, it } from 'vitest';
import { resolveSongScenario } from '../../../src/models/song/scenario.ts';
import { resolveNatgradScenario } from '../../../src/models/natgrad/scenario.ts';

describe('dt in milliseconds', () => {
  it('Song: dt below 0.01 ms is said, with the steps it makes', () => {
    const s = resolveSongScenario({ model: 'song', duration: 0.01, rateWindow: 0.01, dt: 0.005, trajectories: 1, seed: 1 });
    expect(s.warnings).toContain("dt = 0.005 ms (dt is in milliseconds; Brian2's default is 0.1): 2000 steps per copy");
    expect(resolveSongScenario({ model: 'song', duration: 0.01, rateWindow: 0.01, trajectories: 1, seed: 1 }).warnings.join(' ')).not.toMatch(/milliseconds/);
  });

  it('natgrad: dt below 0.01 ms is said', () => {
    const s = resolveNatgradScenario({ model: 'natgrad', duration: 0.001, dt: 0.005, trajectories: 1, seed: 1 });
    expect(s.warnings).toContain('dt = 0.005 ms (dt is in milliseconds; the authors use 0.5): 200 steps per learner');
  });
});
