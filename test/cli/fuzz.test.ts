/**
 * Fuzzing the command line with bad input (issue 15): every case of test/cli/fuzz-cases.ts — generated from each of
 * the eight models' schemas, and written by hand for the sizes, flags, output folders and JSON of the issue — must
 * exit 2 with one line on stderr naming the field or flag and the rule, within 10 s and 500 MB, leaving no file.
 *
 * The cases run in-process through runCli in three child processes (test/cli/fuzz-runner.ts, driven by
 * fuzz-drive.ts, which restarts after a case that kills its process and reports it), plus a few real
 * `node bin/stdp-mc.js` runs end to end.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODELS, allCases, handWrittenCases } from './fuzz-cases.ts';
import { runGroup, type GroupRun } from './fuzz-drive.ts';
import { faults } from './fuzz-judge.ts';
import { smallExperiment } from '../models/small-experiments.ts';

const GROUPS = 3;
const BIN = fileURLToPath(new URL('../../bin/stdp-mc.js', import.meta.url));

describe('fuzzing the command line with bad input', () => {
  const cases = allCases();
  let runs: GroupRun[] = [];

  beforeAll(async () => {
    runs = await Promise.all(Array.from({ length: GROUPS }, (_, g) => runGroup(g, GROUPS, 150_000)));
  }, 180_000);

  it('has at least 150 cases over all eight models and the flags, including every case the issue lists', () => {
    expect(cases.length).toBeGreaterThanOrEqual(150);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
    for (const m of MODELS) expect(cases.filter((c) => c.id.startsWith(`gen ${m} `)).length, m).toBeGreaterThanOrEqual(10);
    const ids = handWrittenCases().map((c) => c.id).join('\n');
    for (const must of [
      'chain: steps 2^32 − 1', 'multi: steps 2^32 − 1', 'spiking: steps 2^32 − 1', 'hebbian: steps 2^32 − 1', 'checkpoints log 1e9 at K = 500',
      'song: checkpoints every 0.0001', 'natgrad: inputs [{count: 1e9}]', '--duration 1e9', '--batch-size 0', 'particles 1e9',
      'rateWindow = dt', '--out /proc/self/x', '--trajectories -5', '--seed -5', '--duration -5', 'unknown flag',
      '--out an existing file', '--out a path under a file', '--out ""', '--out a dangling link', '--out a read-only directory',
      'nested 100 000 deep', '50 MB rates array', '--engine gpujs on multi', '--engine gpujs on spiking', '--seed=-5', '--seed 1.5',
      'duplicated JSON key', 'name ".."', 'unknown model', 'seed 1.5', 'algorithm 3', 'gamma [1e999]', 'target.maxTrajectories 1e12',
      'rates 1.7e308', '--steps-per-dispatch 0', '--shard 0/3', '--shard 4/3', '--shard abc',
    ]) expect(ids, must).toContain(must);
  });

  it('runs every case to its end (none kills or hangs its process)', () => {
    expect(runs.flatMap((r) => r.deaths)).toEqual([]);
    expect(runs.reduce((n, r) => n + r.results.length, 0)).toBe(cases.length);
  });

  it('refuses every case with exit 2 and one line naming the field or flag and the rule, fast, small, leaving nothing', () => {
    const byId = new Map(cases.map((c) => [c.id, c]));
    const bad = runs.flatMap((r) => r.results).map((r) => {
      const f = faults(byId.get(r.id)!, r);
      return f.length ? `${r.id}: ${f.join('; ')} — ${r.stderr.slice(0, 2).join(' | ').slice(0, 300)}` : null;
    }).filter((x) => x !== null);
    expect(bad).toEqual([]);
  });

  describe('end to end through bin/stdp-mc.js', () => {
    let dir = '';
    beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'stdp-mc-fuzz-e2e-')); });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const spawnCli = (args: string[], cwd: string) => new Promise<{ code: number | null; stderr: string; ms: number }>((resolve) => {
      const t0 = Date.now();
      const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (b) => { stderr += b; });
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.on('close', (code) => { clearTimeout(timer); resolve({ code, stderr, ms: Date.now() - t0 }); });
    });

    it('refuses sizes, flags, JSON and folders in a real process (exit 2, one line, no file)', async () => {
      const chain = smallExperiment('chain');
      const cases: { name: string; file: string; args: string[]; expect: RegExp; hint?: boolean }[] = [
        { name: 'every-1', file: JSON.stringify({ ...chain, scenario: { ...chain.scenario, steps: 4294967295, checkpoints: { every: 1 } } }), args: [], expect: /^stdp-mc: scenario\.checkpoints: 4294967296 requested, at most \d+ \(about .+ PB of checkpoint statistics\)$/ },
        { name: 'seed', file: JSON.stringify(chain), args: ['--seed=-5'], expect: /^stdp-mc: scenario\.seed: must be an integer ≥ 0 or a string$/ },
        { name: 'dup', file: JSON.stringify(chain).replace('"alpha":', '"alpha":0.5,"alpha":'), args: [], expect: /^stdp-mc: scenario\.alpha: .*duplicate/i },
        { name: 'rare', file: JSON.stringify({ ...smallExperiment('rare-event'), rareEvent: { particles: 1e9, replicates: 8 } }), args: [], expect: /^stdp-mc: rareEvent\.particles: 1000000000 requested, at most \d+ \(about .+ of particle state/ },
        { name: 'flag', file: JSON.stringify(chain), args: ['--shard', '4/3'], expect: /^stdp-mc: --shard .*4\/3/, hint: true },
      ];
      const results = await Promise.all(cases.map(async (c) => {
        const cwd = mkdtempSync(join(dir, `${c.name}-`));
        writeFileSync(join(cwd, 'exp.json'), c.file);
        const r = await spawnCli(['run', 'exp.json', '--engine', 'cpu', ...c.args], cwd);
        return { c, r, left: readdirSync(cwd).filter((f) => f !== 'exp.json') };
      }));
      for (const { c, r, left } of results) {
        const lines = r.stderr.split('\n').filter((l) => l.trim());
        expect(r.code, `${c.name}: ${r.stderr}`).toBe(2);
        expect(lines[0], c.name).toMatch(c.expect);
        expect(lines.length, `${c.name}: ${r.stderr}`).toBe(c.hint ? 2 : 1);
        expect(left, c.name).toEqual([]);
        // Node and tsx start in this time too (seconds on a loaded machine): the case itself is timed in-process above.
        expect(r.ms, c.name).toBeLessThan(30_000);
      }
    }, 60_000);
  });
});
