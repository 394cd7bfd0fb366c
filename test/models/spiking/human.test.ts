/**
 * The spiking network's terminal report names the output spike count K its success probability is read at; its
 * verdicts cover the last window of output spikes and the log-gap at K, not the first spike alone.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cliInProcess } from '../../cli/cli-in-process.ts';

afterEach(() => vi.restoreAllMocks());

describe('spiking terminal report', () => {
  it('says at which K the success probability is read (it printed "at K = 1" for a probability of 1)', async () => {
    const work = mkdtempSync(join(tmpdir(), 'stdp-mc-spiking-human-'));
    const file = join(work, 'net.json');
    writeFileSync(file, JSON.stringify({
      name: 'net', batches: 2,
      scenario: {
        model: 'spiking', rates: [10, 7.5, 5], initialWeights: [0.1, 0.1, 0.1], threshold: 1, alpha: 0.02, normalise: 'sum',
        steps: 40, checkpoints: [1, 20, 40], trajectories: 40, seed: 20251,
      },
    }));
    const r = await cliInProcess(['run', file, '--engine', 'cpu', '--no-report', '--out', join(work, 'out')]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/P\(argmax = i\*\) at K = 40 output spikes: [\d.]+ \(chain: [\d.]+\)/);
    // verdicts beyond the first window: Eq. (12) over the last window, and how far network and chain converged
    const rows = JSON.parse(readFileSync(join(work, 'out', 'summary.json'), 'utf8')).comparisons.map((c: any) => c.quantity);
    expect(rows).toEqual(expect.arrayContaining([
      'triggering frequency of input 1 over output spikes ≤ 1', 'triggering frequency of input 3 over output spikes 21…40',
      'P(argmax p(K) = i*), network against the reduced chain', 'mean log(1 − p*) at K, network against the reduced chain',
    ]));
  });
});
