/** The zero-order terminal report says which listed (d, n) pairs minRatio left out (they were dropped unsaid). */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cliInProcess } from '../../cli/cli-in-process.ts';

afterEach(() => vi.restoreAllMocks());

describe('zero-order terminal report', () => {
  it('warns of the grid points left out by minRatio', async () => {
    const work = mkdtempSync(join(tmpdir(), 'stdp-mc-zo-human-'));
    const j = JSON.parse(readFileSync(fileURLToPath(new URL('../../../experiments/many-small-updates.json', import.meta.url)), 'utf8'));
    j.scenario.updates = [10];
    j.scenario.trajectories = 4;
    const file = join(work, 'zo.json');
    writeFileSync(file, JSON.stringify(j));
    const r = await cliInProcess(['run', file, '--engine', 'cpu', '--no-report', '--out', join(work, 'out')]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/warning: 4 \(d, n\) pairs left out by n ≥ minRatio·αA²d: \(4, 10\), \(16, 10\), \(64, 10\), \(256, 10\)/);
  });
});
