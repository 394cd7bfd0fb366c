/** The model extensions through the command line: a several-outputs run, a correlated and a primed sweep. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempFolder } from './cli-helpers.ts';

const { dir, write } = tempFolder('stdp-mc-ext-');
const run = (args: string[]) => runCli('node', args);

describe('stdp-mc run on the extensions', () => {
  it('several outputs: error and plateau statistics, the mean-field map, plots and report; bad alphas refused', () => {
    const f = write('multi', { name: 'multi', scenario: { model: 'multi', rates: [10, 7.5, 5], alphas: [0.01, 0.0075, 0.005], steps: 3000, trajectories: 40, seed: 3, checkpoints: { every: 500 }, keepPaths: 2 } });
    const r = run(['run', f, '--engine', 'cpu', '--json', '--out', join(dir, 'multi-out')]);
    expect(r.status, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.model).toBe('multi');
    expect(s.trajectories).toBe(40);
    const last = s.checkpoints.at(-1);
    expect(last.plateauCounts.reduce((a: number, b: number) => a + b, 0)).toBe(40);
    expect(s.theory.meanField.error.at(-1)).toBeLessThan(0.05); // α₁K = 30: the mean-field map is near Π
    for (const p of ['error.png', 'plateaus.png', 'trajectory-p.png', 'report.html', 'checkpoints.csv']) expect(existsSync(join(dir, 'multi-out', p)), p).toBe(true);
    const bad = write('multi-bad', { name: 'bad', scenario: { model: 'multi', rates: [10, 7.5, 5], alphas: [0.01, 0.005], steps: 100, trajectories: 4, seed: 1 } });
    const b = run(['run', bad, '--engine', 'cpu', '--out', join(dir, 'bad-out')]);
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/scenario\.alphas: must have 3 entries/);
    const g = run(['run', f, '--engine', 'gpujs', '--out', join(dir, 'gpujs-out')]);
    expect(g.status).not.toBe(0);
    expect(g.stderr).toMatch(/gpu\.js does not run the several-outputs model/);
  });

  it('priming sweep: vertex probabilities against K* with the flow\'s limit; a late switch keeps e_1 more often than an early one', () => {
    const f = write('priming', {
      name: 'priming', batches: 2,
      scenario: { model: 'chain', rates: [10, 7.5, 5], alpha: 0.02, steps: 1500, trajectories: 600, seed: 8, checkpoints: { log: 10 }, schedule: [{ fromStep: 10, rates: [5, 7.5, 10] }] },
      sweep: { switchStep: [1, 1000] },
    });
    const r = run(['run', f, '--engine', 'cpu', '--json', '--out', join(dir, 'priming-out')]);
    expect(r.status, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    const e1 = s.points.map((p: any) => p.final.vertexProbabilities[0]);
    expect(e1[0]).toBeLessThan(0.1);
    expect(e1[1]).toBeGreaterThan(0.8);
    expect(existsSync(join(dir, 'priming-out', 'vertex-vs-switch-step.png'))).toBe(true);
  });

  it('Song–Miller–Abbott: weight histogram, rate over time, the issue\'s criteria stated, plots and report', () => {
    const f = write('song', { name: 'song', scenario: { model: 'song', duration: 2, checkpoints: [1, 2], trajectories: 2, seed: 4 } });
    const r = run(['run', f, '--engine', 'cpu', '--json', '--out', join(dir, 'song-out')]);
    expect(r.status, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.model).toBe('song');
    expect(s.copies).toBe(2);
    const fin = s.summary.checkpoints.at(-1);
    expect(fin.histFractions.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 10);
    expect(s.comparisons.map((c: any) => c.quantity).join('\n')).toMatch(/end bins over the mean middle bin/);
    for (const p of ['weight-histogram.png', 'rate.png', 'report.html', 'rate.csv', 'weights.csv']) expect(existsSync(join(dir, 'song-out', p)), p).toBe(true);
    const g = run(['run', f, '--engine', 'gpujs', '--out', join(dir, 'song-gpujs')]);
    expect(g.stderr).toMatch(/gpu\.js does not run the Song/);
  });

  it('spiking network beside the reduced chain, and a regime-map sweep of Eq. (12)', () => {
    const f = write('spiking', { name: 'spiking', scenario: { model: 'spiking', rates: [10, 7.5, 5], initialWeights: [0.1, 0.1, 0.1], threshold: 1, alpha: 0.01,
      normalise: 'sum', steps: 200, checkpoints: [1, 10, 100, 200], trajectories: 400, seed: 6 } });
    const r = run(['run', f, '--engine', 'cpu', '--json', '--out', join(dir, 'spiking-out')]);
    expect(r.status, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.model).toBe('spiking');
    expect(s.points[0].chain).not.toBeNull(); // the reduced chain ran beside it
    expect(s.comparisons.map((c: any) => c.quantity).join('\n')).toMatch(/network against the reduced chain/);
    for (const p of ['success-network-vs-chain.png', 'log-gap-network-vs-chain.png', 'triggering-error.png', 'report.html']) expect(existsSync(join(dir, 'spiking-out', p)), p).toBe(true);
    const m = write('map', { name: 'map', scenario: { model: 'spiking', rates: [800, 600, 400], initialWeights: [0.005, 0.008, 0.006], threshold: 1, alpha: 0.001,
      normalise: 'sum', steps: 5, checkpoints: [1, 5], trajectories: 300, seed: 2 }, sweep: { points: [{}, { rates: [12.5, 9.375, 6.25], initialWeights: [0.08, 0.13, 0.1] }] } });
    const q = run(['run', m, '--engine', 'cpu', '--json', '--out', join(dir, 'map-out')]);
    expect(q.status, q.stderr).toBe(0);
    const t = JSON.parse(q.stdout);
    expect(t.points).toHaveLength(2);
    expect(t.points[0].regime.driveOverS).toBeGreaterThan(t.points[1].regime.driveOverS);
    expect(existsSync(join(dir, 'map-out', 'eq12-regime-map.png'))).toBe(true);
    // each point's maximum error with the Monte Carlo SE of the frequency where it is taken; absolute classes
    for (const p of t.points) expect(p.eq12MaxAbsErrorSE).toBeGreaterThan(0);
    const row = t.comparisons.find((c: any) => c.quantity === 'regime map of Eq. (12)');
    expect(row.note).toMatch(/max \|freq − p\| = [\d.e-]+ ± [\d.e-]+ \(SE\) \((≤|>) 0\.\d+\)/);
    expect(row.note).not.toMatch(/%/);
  });
});
