/**
 * The command line answers bad input like a Unix tool: exit 2, one line naming the flag, field or path and the rule,
 * a pointer to --help, no stack trace, and no files left behind. (A first part of the hardening issue: the fuzz
 * suite, size limits and the output-folder lock are still to come.)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path, { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultOutDir } from '../../src/cli/run-command.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'stdp-mc-bad-'));
const quick = join(ROOT, 'experiments/quickstart.json');

function run(args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/stdp-mc.js'), ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function expectRefused(args: string[], message: RegExp): void {
  const r = run(args);
  expect(r.status, r.stderr).toBe(2);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
}

describe('bad input on the command line', () => {
  it('--version prints the version; an unknown flag is one line and the usage hint', () => {
    const v = run(['--version']);
    expect(v.status).toBe(0);
    expect(v.stdout).toMatch(/^stdp-mc \d+\.\d+\.\d+/);
    const u = run(['run', quick, '--bogus']);
    expect(u.status).toBe(2);
    expect(u.stderr.trim().split('\n')).toEqual(["stdp-mc: Unknown option '--bogus'", 'stdp-mc --help shows the usage']);
  });

  it('a number-like --seed follows the file\'s rules; zero sizes are refused', () => {
    expectRefused(['run', quick, '--seed=-5', '--out', join(dir, 'a')], /scenario\.seed: Too small/);
    expectRefused(['run', quick, '--seed', '1.5', '--out', join(dir, 'a')], /scenario\.seed/);
    expectRefused(['run', quick, '--batch-size', '0', '--out', join(dir, 'a')], /--batch-size must be a positive integer/);
    expectRefused(['run', quick, '--steps-per-dispatch', '0', '--out', join(dir, 'a')], /--steps-per-dispatch must be a positive integer/);
    expectRefused(['run', quick, '--trajectories', '0', '--out', join(dir, 'a')], /--trajectories must be a positive integer/);
    expectRefused(['run', quick, '--duration', '5', '--out', join(dir, 'a')], /--duration does not apply to chain experiments/);
    expect(existsSync(join(dir, 'a'))).toBe(false);
  });

  it('an unknown model names scenario.model and the models there are', () => {
    const f = join(dir, 'x.json');
    writeFileSync(f, JSON.stringify({ name: 'x', scenario: { model: 'nope' } }));
    expectRefused(['run', f, '--out', join(dir, 'b')], /scenario\.model: unknown model "nope": one of "chain"/);
  });

  it('an unusable --out names the path and the operation, at once, before any work', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    expectRefused(['run', quick, '--out', file], /cannot use .*a-file as the output folder \(EEXIST|ENOTDIR/);
    expectRefused(['run', quick, '--out', join(file, 'sub')], /cannot use .*a-file\/sub as the output folder \(ENOTDIR/);
    expectRefused(['run', quick, '--out', ''], /--out must name a folder/);
    expectRefused(['run', quick, '--out', '/proc/self/x'], /cannot use \/proc\/self\/x as the output folder/);
    expect(readdirSync(dir).sort()).toEqual(['a-file', 'x.json']);
  });

  it('an experiment name cannot move the default output folder out of runs/', () => {
    expect(defaultOutDir(path, '..')).toBe(join('runs', '_'));
    expect(defaultOutDir(path, '../../etc')).toBe(join('runs', '.._.._etc'));
    expect(defaultOutDir(path, 'a/b c', '-merged')).toBe(join('runs', 'a_b_c-merged'));
  });
});
