/**
 * The chain's "mean p*(k) against the replicator flow at t = αk ≈ 1, 2, 3" rows are read at the checkpoints nearest
 * to those times (within t/3), not at the first checkpoint after them: with log-spaced checkpoints that was t = 5.3
 * for t = 3 (α = 0.05), where failing paths pull the mean off and the rows "disagreed" for the wrong reason.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cliInProcess } from '../../cli/cli-in-process.ts';

afterEach(() => vi.restoreAllMocks());

describe('mean p* against the flow', () => {
  it('is read within t/3 of t = 1, 2, 3, each checkpoint once', async () => {
    const work = mkdtempSync(join(tmpdir(), 'stdp-mc-flow-rows-'));
    const file = join(work, 'sweep.json');
    writeFileSync(file, JSON.stringify({
      name: 'flow-rows', scenario: { model: 'chain', rates: [10, 7.5, 5], alpha: 0.01, steps: 2000, checkpoints: { log: 10 }, trajectories: 200, seed: 7 },
      sweep: { alpha: [0.05, 0.03, 0.02, 0.01], time: 20 },
    }));
    const r = await cliInProcess(['run', file, '--engine', 'cpu', '--no-report', '--json', '--out', join(work, 'out')]);
    expect(r.code, r.err).toBe(0);
    const rows = JSON.parse(r.out).points.flatMap((p: any) => p.comparisons.map((c: any) => JSON.stringify(c)))
      .map((c: string) => /mean p\*\(k\) at t = αk = ([\d.]+)/.exec(c)?.[1]).filter(Boolean).map(Number);
    expect(rows.length).toBeGreaterThanOrEqual(8);
    for (const t of rows) expect([1, 2, 3].some((x) => Math.abs(t - x) <= x / 3 + 1e-9), `t = ${t}`).toBe(true);
    expect(Math.max(...rows)).toBeLessThan(4);
  });
});
