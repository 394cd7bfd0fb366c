/**
 * A precision target's outcome is in the summary and on the terminal: the width asked for, the cap, the width reached
 * and whether the run stopped because the interval was narrow enough or because it reached the cap (then a warning
 * says how to go further).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cliInProcess } from '../../cli/cli-in-process.ts';
import { wilson } from '../../../src/stats/intervals.ts';

const work = mkdtempSync(join(tmpdir(), 'stdp-mc-target-'));
afterEach(() => vi.restoreAllMocks());

function file(width: number, cap: number): string {
  const f = join(work, `t-${width}-${cap}.json`);
  writeFileSync(f, JSON.stringify({
    name: 'target', scenario: { model: 'chain', rates: [10, 7.5, 5], alpha: 0.05, steps: 100, trajectories: 1000, seed: 7 },
    target: { successCIWidth: width, maxTrajectories: cap, batchSize: 100 },
  }));
  return f;
}

describe('precision target outcome', () => {
  it('met: the summary says so, with the width reached below the one asked for', async () => {
    const out = join(work, 'met');
    const r = await cliInProcess(['run', file(0.12, 5000), '--engine', 'cpu', '--no-report', '--out', out]);
    expect(r.code, r.err).toBe(0);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const [lo, hi] = wilson(Math.round(s.final.successProbability * s.final.trajectories), s.final.trajectories);
    expect(s.precisionTarget).toEqual({ successCIWidth: 0.12, maxTrajectories: 5000, batchSize: 100, width: hi - lo, met: true });
    expect(s.final.trajectories).toBeLessThan(5000);
    expect(s.warnings.join(' ')).not.toMatch(/precision target/);
    expect(r.out).toMatch(/precision target: interval width [\d.]+ < 0\.12: met/);
  });

  it('the cap reached first: not met, a warning naming how to raise the cap, and --trajectories as the cap', async () => {
    const out = join(work, 'capped');
    const r = await cliInProcess(['run', file(0.001, 2000), '--engine', 'cpu', '--no-report', '--trajectories', '300', '--out', out]);
    expect(r.code, r.err).toBe(0);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(s.final.trajectories).toBe(300);
    expect(s.precisionTarget).toMatchObject({ successCIWidth: 0.001, maxTrajectories: 300, met: false });
    expect(s.precisionTarget.width).toBeGreaterThan(0.001);
    expect(s.warnings).toEqual([expect.stringMatching(/^precision target not met: the 95 % interval is [\d.]+ wide at the cap of 300 trajectories, not below 0\.001/)]);
    expect(r.out).toMatch(/precision target: interval width [\d.]+ ≥ 0\.001: not met at the cap of 300 trajectories/);
    expect(r.out).toMatch(/warning: precision target not met/);
  });

  it('a run without a target has no such field', async () => {
    const out = join(work, 'none');
    const f = join(work, 'none.json');
    writeFileSync(f, JSON.stringify({ name: 'none', scenario: { model: 'chain', rates: [10, 7.5, 5], alpha: 0.05, steps: 50, trajectories: 50, seed: 7 } }));
    const r = await cliInProcess(['run', f, '--engine', 'cpu', '--no-report', '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect('precisionTarget' in JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toBe(false);
  });
});
