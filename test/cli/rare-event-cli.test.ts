/** A rare-event experiment through the command line: summary, CSV, plot and report; refusals. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempFolder } from './cli-helpers.ts';

const exp = {
  name: 'rare-tiny',
  rareEvent: { particles: 200, replicates: 6 },
  scenario: { model: 'chain', rates: [1.5, 1], alpha: 0.05, steps: 800, trajectories: 1, seed: 3 },
  sweep: { alpha: [0.05, 0.03, 0.02], time: 40 },
};

describe('stdp-mc run on a rare-event experiment', () => {
  const { dir, write } = tempFolder('stdp-mc-rare-');
  const file = write('rare', exp);
  const run = (args: string[]) => runCli('node', args);

  it('writes the estimates with intervals, the diffusion comparison, the plot and the report', () => {
    const out = join(dir, 'out');
    const r = run(['run', file, '--engine', 'cpu', '--json', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.mode).toBe('rare-event');
    expect(s.engine).toEqual({ name: 'cpu', runtime: expect.stringMatching(/^node \d/), adapter: null, reason: 'requested', precision: 'f64' });
    expect(s.points).toHaveLength(3);
    for (const p of s.points) {
      expect(p.failure.estimate).toBeGreaterThan(0);
      expect(p.failure.ci95[0]).toBeLessThan(p.failure.estimate);
      expect(p.failure.ci95[1]).toBeGreaterThan(p.failure.estimate);
      expect(p.failure.work).toBeGreaterThan(0);
      expect(p.theory.d2.logRatio).toBeGreaterThan(0.8);
      expect(p.comparisons[0].quantity).toMatch(/against the d = 2 diffusion/);
    }
    // smaller α, rarer failure
    expect(s.points[2].failure.estimate).toBeLessThan(s.points[0].failure.estimate);
    expect(s.comparisons.map((c: any) => c.quantity).join('\n')).toMatch(/slope of ln P\(failure\) against 1\/α/);
    for (const f of ['summary.json', 'rare-event.csv', 'comparisons.csv', 'log-failure-vs-inv-alpha.svg', 'log-failure-vs-inv-alpha.png', 'report.html']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    expect(readFileSync(join(out, 'log-failure-vs-inv-alpha.png')).subarray(1, 4).toString()).toBe('PNG');
  });

  it('refuses gpu.js with a message and no stack trace (shards and resume: test/cli/every-model-resumes.test.ts)', () => {
    const b = run(['run', file, '--engine', 'gpujs', '--out', join(dir, 'y')]);
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/not gpu\.js/);
    expect(b.stderr).not.toMatch(/\n\s+at /);
  });
});
