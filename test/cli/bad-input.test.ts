/**
 * The command line answers bad input like a Unix tool: exit 2, one line naming the flag, field or path and the rule,
 * a pointer to --help, no stack trace, and no files left behind. (The flags' and files' rules one by one are in
 * test/cli/help.test.ts and test/core/strict-json.test.ts; the output folder's lock in test/cli/lock.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path, { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { defaultOutDir } from '../../src/cli/out-dir.ts';
import { smallExperiment } from '../models/small-experiments.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'stdp-mc-bad-'));
const quick = join(ROOT, 'experiments/quickstart.json');

function run(args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/stdp-mc.js'), ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The CLI in process (runCli: no process to start), as the process would answer: exit 2, no stack trace. */
async function expectRefused(args: string[], message: RegExp): Promise<void> {
  let err = '';
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => { err += a.join(' ') + '\n'; });
  let code: number;
  try {
    code = await runCli(args);
  } finally {
    vi.restoreAllMocks();
  }
  expect(code, err).toBe(2);
  expect(err).toMatch(message);
  expect(err).not.toMatch(/\n\s+at /); // no stack trace
}

describe('bad input on the command line', () => {
  it('--version prints the version; an unknown flag is one line and the usage hint', () => {
    const v = run(['--version']);
    expect(v.status).toBe(0);
    expect(v.stdout).toMatch(/^stdp-mc \d+\.\d+\.\d+/);
    const u = run(['run', quick, '--bogus']);
    expect(u.status).toBe(2);
    expect(u.stderr.trim().split('\n')).toEqual(["stdp-mc: unknown option '--bogus'", 'stdp-mc run --help shows the usage']);
  });

  it('a number-like --seed follows the file\'s rules; zero sizes are refused', async () => {
    await expectRefused(['run', quick, '--seed=-5', '--out', join(dir, 'a')], /scenario\.seed: (Too small|must be an integer ≥ 0 or a string)/);
    await expectRefused(['run', quick, '--seed', '1.5', '--out', join(dir, 'a')], /scenario\.seed/);
    await expectRefused(['run', quick, '--batch-size', '0', '--out', join(dir, 'a')], /--batch-size must be a positive integer/);
    await expectRefused(['run', quick, '--steps-per-dispatch', '0', '--out', join(dir, 'a')], /--steps-per-dispatch must be a positive integer/);
    await expectRefused(['run', quick, '--trajectories', '0', '--out', join(dir, 'a')], /--trajectories must be a positive integer/);
    await expectRefused(['run', quick, '--duration', '5', '--out', join(dir, 'a')], /--duration does not apply to chain experiments/);
    expect(existsSync(join(dir, 'a'))).toBe(false);
  });

  it('a folder that holds no run, given to report, merge or --resume, is bad input (exit 2), and nothing is written', async () => {
    const none = join(dir, 'no-run');
    const msg = new RegExp(`no state\\.jsonl in ${none}: not a run directory`);
    await expectRefused(['report', none], msg);
    await expectRefused(['merge', none, join(dir, 'no-run-2'), '--out', join(dir, 'm')], msg);
    await expectRefused(['run', quick, '--resume', none], msg);
    expect(existsSync(none) || existsSync(join(dir, 'm'))).toBe(false);
  });

  it('an unknown model names scenario.model and the models there are', async () => {
    const f = join(dir, 'x.json');
    writeFileSync(f, JSON.stringify({ name: 'x', scenario: { model: 'nope' } }));
    await expectRefused(['run', f, '--out', join(dir, 'b')], /scenario\.model: unknown model "nope": one of "chain"/);
  });

  it('an unusable --out names the path and the operation, at once, before any work', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    await expectRefused(['run', quick, '--out', file], /cannot use .*a-file as the output folder \(EEXIST|ENOTDIR/);
    await expectRefused(['run', quick, '--out', join(file, 'sub')], /cannot use .*a-file\/sub as the output folder \(ENOTDIR/);
    await expectRefused(['run', quick, '--out', ''], /--out must name a folder/);
    await expectRefused(['run', quick, '--out', '/proc/self/x'], /cannot use \/proc\/self\/x as the output folder/);
    expect(readdirSync(dir).sort()).toEqual(['a-file', 'x.json']);
  });

  it('a run refused after its output folder was made (no such engine for the model) takes the folder back', async () => {
    const f = join(dir, 'multi.json');
    writeFileSync(f, JSON.stringify(smallExperiment('multi')));
    await expectRefused(['run', f, '--engine', 'gpujs', '--out', join(dir, 'new', 'deeper')], /engine gpujs is not available: gpu\.js does not run/);
    expect(existsSync(join(dir, 'new'))).toBe(false);
  });

  it('an experiment name cannot move the default output folder out of runs/', () => {
    expect(defaultOutDir(path, '..')).toBe(join('runs', '_'));
    expect(defaultOutDir(path, '../../etc')).toBe(join('runs', '.._.._etc'));
    expect(defaultOutDir(path, 'a/b c', '-merged')).toBe(join('runs', 'a_b_c-merged'));
  });
});
