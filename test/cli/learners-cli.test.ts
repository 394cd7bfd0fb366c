/**
 * The two learner ensembles of issue 9 through the command line: Hebbian alignment (a small (σ, γ) grid: summary,
 * the closed-form comparisons, plots and report; a bad field refused with its name; gpu.js and --steps declined) and
 * natural-gradient learning (the shipped Figure 3 file shortened with --duration and --trajectories).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempFolder } from './cli-helpers.ts';
import { tQuantile } from '../../src/stats/beta.ts';
import { num } from '../../src/report/files.ts';

const { dir, write } = tempFolder('stdp-mc-learners-');
const run = (args: string[]) => runCli('node', args, 240_000);

describe('stdp-mc run on the learner ensembles', () => {
  it('Hebbian alignment: grid summary with closed-form verdicts, phase diagram and report; bad input refused', () => {
    const f = write('hebbian', {
      name: 'hebbian', scenario: {
        model: 'hebbian', inputDim: 32, outputDim: 1, rule: 'noisy-sgd', sigma: [0, 0.1], gamma: [0.01, 1], learningRate: 0.01,
        steps: 600, checkpoints: { every: 200 }, window: 50, trajectories: 24, seed: 9,
      },
    });
    const r = run(['run', f, '--engine', 'cpu', '--json', '--out', join(dir, 'hebbian-out')]);
    expect(r.status, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.model).toBe('hebbian');
    expect(s.points).toHaveLength(4);
    expect(s.points.every((p: any) => p.copies === 24)).toBe(true);
    // every grid point is compared with the exact closed form of the linear student
    expect(s.comparisons.length).toBeGreaterThanOrEqual(4);
    expect(s.comparisons.every((c: any) => c.theory !== null && Number.isFinite(c.theory))).toBe(true);
    // the verdict's 99.9 % interval is Student t with 23 degrees of freedom over the 24 copies (a normal 3.29 SE was
    // too narrow for few copies), on the same standard error as the point's own 95 % t interval
    // 24 copies: the project's rule for every verdict (fewer than 30: none), as the chain's rows have it
    expect(s.comparisons.every((c: any) => c.verdict === 'not comparable' && c.note.startsWith('fewer than 30 trajectories (24): no verdict'))).toBe(true);
    for (const [i, c] of s.comparisons.entries()) {
      expect(c.note).toContain(`±${num(tQuantile(0.999, 23), 3)} SE (Student t, 23 degrees of freedom)`);
      const ci = s.points[i].checkpoints.at(-1).layers[0].innerProduct.ci;
      expect((c.interval[1] - c.interval[0]) / (ci[1] - ci[0])).toBeCloseTo(tQuantile(0.999, 23) / tQuantile(0.95, 23), 9);
    }
    for (const p of ['alignment-vs-time.png', 'phase-diagram.png', 'alignment.csv', 'report.html']) expect(existsSync(join(dir, 'hebbian-out', p)), p).toBe(true);

    const bad = write('hebbian-bad', { name: 'bad', scenario: { model: 'hebbian', sigma: [0, -1], gamma: [0.1], steps: 10, trajectories: 2, seed: 1 } });
    const b = run(['run', bad, '--engine', 'cpu', '--out', join(dir, 'bad-out')]);
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/scenario\.sigma\[1\]/);
    const g = run(['run', f, '--engine', 'gpujs', '--out', join(dir, 'gpujs-out')]);
    expect(g.status).not.toBe(0);
    expect(g.stderr).toMatch(/gpu\.js does not run the Hebbian-alignment model/);
    // --steps shortens the run (checkpoints every 200 up to it); too short for the file's window of 50, it names the field.
    const k = run(['run', f, '--engine', 'cpu', '--steps', '10', '--out', join(dir, 'steps-out')]);
    expect(k.status).toBe(2);
    expect(k.stderr).toMatch(/scenario\.window: must be ≤ the first checkpoint \(10\)/);
    const short = run(['run', f, '--engine', 'cpu', '--steps', '400', '--json', '--no-report', '--out', join(dir, 'short-out')]);
    expect(short.status, short.stderr).toBe(0);
    expect(JSON.parse(short.stdout).scenario.steps).toBe(400);
    const d = run(['run', f, '--engine', 'cpu', '--duration', '2', '--out', join(dir, 'duration-out')]);
    expect(d.status).toBe(2);
    expect(d.stderr).toMatch(/--duration does not apply to Hebbian-alignment experiments: use --steps/);
  });

  it('natural gradient: the Figure 3 file shortened runs both rules side by side with KL, rate error and ‖w − w*‖', () => {
    const r = run(['run', 'experiments/natural-gradient-fig3.json', '--engine', 'cpu', '--trajectories', '2', '--duration', '2', '--json', '--out', join(dir, 'natgrad-out')]);
    expect(r.status, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.model).toBe('natgrad');
    const rules = new Set(s.ensembles.map((e: any) => e.rule));
    expect(rules).toEqual(new Set(['natural', 'euclidean']));
    for (const e of s.ensembles) {
      expect(e.learners).toBe(2);
      const fin = e.checkpoints.at(-1);
      expect(fin.time).toBeCloseTo(2, 6);
      for (const k of ['kl', 'rateError', 'weightDistance']) expect(Number.isFinite(fin.fields[k].mean), k).toBe(true);
    }
    expect(existsSync(join(dir, 'natgrad-out', 'report.html'))).toBe(true);
    const bad = run(['run', 'experiments/natural-gradient-fig3.json', '--engine', 'cpu', '--duration', 'soon', '--out', join(dir, 'natgrad-bad')]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--duration must be a positive number/);
  });
});
