/** The command line as a user runs it: Node (bin/stdp-mc.js) and Deno (src/cli/main.ts). */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { progressLine, stderrProgress } from '../../src/cli/progress.ts';
import { expectClose } from '../expect-close.ts';
import { ROOT, type Runtime } from '../gpu/spawn.ts';
import { runCli as cli, tempFolder } from './cli-helpers.ts';

const tiny = {
  name: 'tiny',
  scenario: { model: 'chain', rates: [10, 7.5, 5], alpha: 0.01, steps: 300, trajectories: 500, seed: 7, checkpoints: { every: 100 } },
};

const shared = tempFolder('stdp-mc-cli-');
const tinyFile = shared.write('tiny', tiny);
const jsonRuns = new Map<Runtime, { out: string; r: ReturnType<typeof cli> }>();

/**
 * `stdp-mc run --json` of the tiny experiment (with --trajectories and --seed) under `runtime`, run once: the first
 * test of each runtime checks it, the second compares the two runtimes' numbers.
 */
function jsonRun(runtime: Runtime): { out: string; r: ReturnType<typeof cli> } {
  let run = jsonRuns.get(runtime);
  if (!run) {
    const out = join(shared.dir, `out-${runtime}`);
    run = { out, r: cli(runtime, ['run', tinyFile, '--engine', 'cpu', '--json', '--out', out, '--trajectories', '400', '--seed', '11']) };
    jsonRuns.set(runtime, run);
  }
  return run;
}

describe.each(['node', 'deno'] as const)('stdp-mc run under %s', (runtime) => {
  const { dir, write } = tempFolder('stdp-mc-cli-');
  const file = write('tiny', tiny);

  it('--json prints the summary alone on stdout and writes DIR/summary.json', () => {
    const { out, r } = jsonRun(runtime);
    expect(r.status, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toEqual(s);
    expect(s.scenario).toMatchObject({ rates: [10, 7.5, 5], trajectories: 400, seed: 11, iStar: 0, steps: 300 });
    expect(s.engine).toMatchObject({ name: 'cpu', reason: 'requested' });
    expect(s.engine.runtime).toMatch(runtime);
    expect(s.trajectories).toBe(400);
    expect(s.checkpoints.map((c: any) => c.step)).toEqual([0, 100, 200, 300]);
    for (const c of s.checkpoints) {
      expect(Object.keys(c)).toEqual(expect.arrayContaining(['step', 'successCount', 'vertexCounts', 'meanLogGap', 'sdLogGap', 'logGapQuantiles', 'belowDelta']));
      expect(c.vertexCounts.reduce((a: number, b: number) => a + b, 0)).toBe(400);
    }
    const f = s.final;
    expect(f.trajectories).toBe(400);
    expect(f.successProbability).toBe(s.checkpoints[3].successCount / 400);
    expect(f.successCI95[0]).toBeLessThanOrEqual(f.successProbability);
    expect(f.successCI95[1]).toBeGreaterThanOrEqual(f.successProbability);
    expect(s.timing.seconds).toBeGreaterThan(0);
    expect(s.timing.trajectoryStepsPerSecond).toBeGreaterThan(0);
    expect(s.provenance).toMatchObject({ version: '0.1.0', seed: 11 });
    expect(s.provenance.gitCommit === null || /^[0-9a-f]{40}$/.test(s.provenance.gitCommit)).toBe(true);
    expect(Date.parse(s.provenance.createdAt)).not.toBeNaN();
  });

  it('gives the same numbers as the other runtime for the same seed (cpu engine)', () => {
    const a = JSON.parse(jsonRun(runtime).r.stdout);
    const b = JSON.parse(jsonRun(runtime === 'node' ? 'deno' : 'node').r.stdout);
    // Counts are identical; floats may differ in the last ulp (Node 20's and Deno's V8 have different exp/log).
    expectClose(a.checkpoints, b.checkpoints, { floor: 1 });
  });

  it('runs the webgpu engine on the software adapter and reports it', () => {
    const r = cli(runtime, ['run', file, '--engine', 'webgpu', '--json', '--no-report', '--out', join(dir, 'g'), '--trajectories', '128']);
    expect(r.status, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.engine.name).toBe('webgpu');
    expect(JSON.stringify(s.engine.adapter).toLowerCase()).toMatch(runtime === 'deno' ? /llvmpipe/ : /swiftshader/);
    expect(s.final.trajectories).toBe(128);
  });

  it('refuses an invalid experiment naming the field, and runs nothing', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...tiny, scenario: { ...tiny.scenario, rates: [10, -1, 5] } }));
    const r = cli(runtime, ['run', bad, '--out', join(dir, 'bad-out')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/scenario\.rates\[1\]: must be > 0/);
    expect(() => readFileSync(join(dir, 'bad-out', 'summary.json'))).toThrow();
  });
});

describe('npm start: the quickstart as a new user runs it', () => {
  it('prints on stderr one progress bar and nothing else (no Dawn warning from the engine probe, no repeated last line)', () => {
    const { dir } = tempFolder('stdp-mc-start-');
    // npm start's command (engine auto, report written), made small.
    const r = cli('node', ['run', 'experiments/quickstart.json', '--force', '--out', join(dir, 'q'), '--trajectories', '6000']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^engine: (cpu|webgpu) on node/m);
    expect(r.stdout).toMatch(/^final \(step 2000\): P\(argmax p = i\*\)/m);
    const lines = r.stderr.split(/[\r\n]+/).filter(Boolean);
    for (const l of lines) expect(l).toMatch(/^\[[#.]{30}\] +\d+\.\d% .* trajectory-steps .* ETA /);
    if (lines.length) expect(lines.filter((l) => /100\.0%/.test(l))).toEqual([lines.at(-1)]);
  }, 120_000);
});

/** The parts of the CLI's last line (`wall W s: engine start-up A s; simulation S s in N batches; …`), in seconds. */
function timeLine(stdout: string): { wall: number; parts: Record<string, number>; last: string } {
  const last = stdout.trim().split('\n').at(-1)!;
  const m = /^wall ([\d.]+) s: (.*)$/.exec(last);
  if (!m) throw new Error(`no time line: ${last}`);
  const parts: Record<string, number> = {};
  for (const piece of m[2]!.split('; ')) {
    const p = /^([a-z.\- ]+?)(?: \([^)]*\))? ([\d.]+) s/.exec(piece);
    if (!p) throw new Error(`unreadable part ${JSON.stringify(piece)} of ${last}`);
    parts[p[1]!] = Number(p[2]);
  }
  return { wall: Number(m[1]), parts, last };
}

describe('the time line', () => {
  // Six parts printed to 0.01 s each, which split the wall time exactly (src/cli/emit-run.ts): their sum is within the
  // rounding of six numbers, 0.03 s, of the wall time, however slow the machine.
  // With STDP_MC_TIMING_FILE the same split is appended there as a JSON line, at full precision.
  it.each([[true], [false]])('adds up to the wall time (report: %s); the tables and plots count with the report; STDP_MC_TIMING_FILE holds the same split', (report) => {
    const { dir } = tempFolder('stdp-mc-time-');
    const timing = join(dir, 'timing.jsonl');
    const r = cli('node', ['run', tinyFile, '--engine', 'cpu', '--out', join(dir, 'o'), ...(report ? [] : ['--no-report'])], 120_000, { STDP_MC_TIMING_FILE: timing });
    expect(r.status, r.stderr).toBe(0);
    const { wall, parts, last } = timeLine(r.stdout);
    const names = ['engine start-up', 'simulation', 'bookkeeping', 'theory', report ? 'report' : 'summary.json'];
    expect(Object.keys(parts), last).toEqual(names);
    expect(last).toContain(report ? 'report (tables, plots, rendering, this text)' : 'summary.json (and this text)');
    const sum = names.reduce((a, k) => a + parts[k]!, 0);
    expect(Math.abs(sum - wall), last).toBeLessThanOrEqual(0.03);
    const lines = readFileSync(timing, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    const t = JSON.parse(lines[0]!);
    expect(t).toMatchObject({ model: 'chain', outDir: join(dir, 'o'), batchesRunNow: t.batches });
    const keys = ['engineStart', 'simulation', 'bookkeeping', 'theory', 'write'];
    expect([...keys, 'wall'].map((k) => Number(t[k].toFixed(2))), last).toEqual([...names.map((k) => parts[k]), wall]);
    if (report) return;
    // Rebuilt from its state log (`report`), nothing is simulated now: the engines' seconds are said, not added.
    const again = cli('node', ['report', join(dir, 'o'), '--force', '--no-report']);
    expect(again.status, again.stderr).toBe(0);
    const rebuilt = timeLine(again.stdout);
    expect(rebuilt.parts.simulation, rebuilt.last).toBe(0);
    expect(rebuilt.last).toMatch(/simulation 0\.00 s \(no batch run now: \d+ batches from the state log, [\d.]+ s of engine time\)/);
    expect(Math.abs(names.reduce((a, k) => a + rebuilt.parts[k]!, 0) - rebuilt.wall), rebuilt.last).toBeLessThanOrEqual(0.03);
  }, 120_000);
});

describe('progress line', () => {
  it('prints the finished bar once, though the run reports its end twice', () => {
    const printed: string[] = [];
    const show = stderrProgress((s) => printed.push(s), false);
    show({ done: 10, total: 100, elapsedSeconds: 0.5 });
    show({ done: 50, total: 100, elapsedSeconds: 1.5 });
    show({ done: 60, total: 100, elapsedSeconds: 2 });
    show({ done: 100, total: 100, elapsedSeconds: 2.1 });
    show({ done: 100, total: 100, elapsedSeconds: 2.2 });
    expect(printed.map((l) => l.match(/(\d+\.\d)%/)![1])).toEqual(['60.0', '100.0']); // non-TTY: a line every 2 s, then the end
    const quick: string[] = [];
    const q = stderrProgress((s) => quick.push(s), true);
    q({ done: 100, total: 100, elapsedSeconds: 0.3 });
    q({ done: 100, total: 100, elapsedSeconds: 0.3 });
    expect(quick).toEqual([]); // a run shorter than a second stays quiet
  });

  it('asks whether stderr is a terminal only when it draws a line (a short run never builds the stream)', () => {
    let asked = 0;
    const printed: string[] = [];
    const show = stderrProgress((s) => printed.push(s), () => { asked++; return true; });
    show({ done: 50, total: 100, elapsedSeconds: 0.5 });
    show({ done: 100, total: 100, elapsedSeconds: 0.9 });
    expect([asked, printed]).toEqual([0, []]);
    const long = stderrProgress((s) => printed.push(s), () => { asked++; return true; });
    long({ done: 50, total: 100, elapsedSeconds: 1.5 });
    long({ done: 60, total: 100, elapsedSeconds: 1.55 }); // within 0.1 s: a terminal's bar is not redrawn yet
    long({ done: 100, total: 100, elapsedSeconds: 1.7 });
    expect(asked).toBe(1);
    expect(printed.map((l) => l.startsWith('\r'))).toEqual([true, true]); // the terminal's form: redrawn in place
    expect(printed[1]!.endsWith('\n')).toBe(true);
  });

  it('shows steps done, rate and ETA', () => {
    const line = progressLine({ done: 5e7, total: 2e8, elapsedSeconds: 10 });
    expect(line).toMatch(/25\.0%/);
    expect(line).toMatch(/5\.00e7\/2\.00e8 trajectory-steps/);
    expect(line).toMatch(/5\.00e6\/s/);
    expect(line).toMatch(/ETA 30s/);
  });

  it('names the copies and their work as the model does (learners, replicates…), read once, at the first line drawn', async () => {
    const { modelByName } = await import('../../src/models/registry.ts');
    const { nounsOf } = await import('../../src/run/model-nouns.ts');
    const natgrad = modelByName('natgrad')!;
    const json = JSON.parse(readFileSync(join(ROOT, 'experiments/natural-gradient-fig3.json'), 'utf8'));
    const nouns = nounsOf(natgrad, json, natgrad.parse(json, {}));
    expect([nouns.copies, nouns.work]).toEqual(['learners', 'learner-steps']);
    const printed: string[] = [];
    let asked = 0;
    const show = stderrProgress((s) => printed.push(s), false, () => { asked++; return nouns; });
    show({ done: 1, total: 4, elapsedSeconds: 0.5, trajectoriesDone: 1, trajectoriesTotal: 4 } as any);
    expect(asked).toBe(0); // nothing drawn yet: the schema is not looked at
    show({ done: 2, total: 4, elapsedSeconds: 2, trajectoriesDone: 2, trajectoriesTotal: 4 } as any);
    show({ done: 4, total: 4, elapsedSeconds: 4, trajectoriesDone: 4, trajectoriesTotal: 4 } as any);
    expect(asked).toBe(1);
    expect(printed[0]).toMatch(/ 2\/4 learners  2\/4 learner-steps /);
  });
});
