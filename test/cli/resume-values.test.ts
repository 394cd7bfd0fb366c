/**
 * `--resume DIR` continues with the command-line values the run was started with (--trajectories, --steps, …, kept in
 * its state log) when none are given, as `run --help`'s example does; values that differ are refused, naming them; and
 * the resume command printed after a stop quotes what the shell would split.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cliInProcess } from './cli-in-process.ts';
import { readState, writeState } from '../../src/run/state.ts';
import { shellWord } from '../../src/cli/run-command.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXP = join(ROOT, 'experiments/quickstart.json');
const work = mkdtempSync(join(tmpdir(), 'stdp-mc-resume-values-'));
afterEach(() => vi.restoreAllMocks());

describe('--resume and the run\'s command-line values', () => {
  it('without values: continues with the run\'s own, says so, and ends with the uninterrupted summary', async () => {
    const dir = join(work, 'run');
    const whole = await cliInProcess(['run', EXP, '--engine', 'cpu', '--trajectories', '300', '--steps', '50', '--no-report', '--json', '--out', dir]);
    expect(whole.code, whole.err).toBe(0);
    const want = JSON.parse(whole.out);
    const state = await readState(dir);
    writeState(dir, { ...state, complete: false, batches: state.batches.slice(0, 3) });
    const resumed = await cliInProcess(['run', EXP, '--resume', dir, '--no-report', '--json']);
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.err).toMatch(/resuming with the run's own --trajectories 300 --steps 50 \(from its state log\)/);
    const got = JSON.parse(resumed.out);
    expect(got.final).toEqual(want.final);
    expect(got.checkpoints).toEqual(want.checkpoints);
    // other values are refused, naming both sets
    writeState(dir, { ...state, complete: false, batches: state.batches.slice(0, 3) });
    const other = await cliInProcess(['run', EXP, '--resume', dir, '--trajectories', '200', '--no-report']);
    expect(other.code).toBe(1); // a state that is not this run's (StateError)
    expect(other.err).toMatch(/different command-line values: the run had --trajectories 300 --steps 50, this command --trajectories 200/);
    // another experiment file is named as such
    const file = await cliInProcess(['run', join(ROOT, 'experiments/fig2-simplex.json'), '--resume', dir, '--trajectories', '300', '--steps', '50', '--no-report']);
    expect(file.code).toBe(1);
    expect(file.err).toMatch(/model|experiment \(the file's contents differ\)|seed/);
  });

  it('the resume command quotes words the shell would split or expand', () => {
    expect(['run', '/tmp/my exp.json', '--seed', "it's", '--resume', '/tmp/out dir', '$HOME', 'runs/d2'].map(shellWord).join(' '))
      .toBe(`run '/tmp/my exp.json' --seed 'it'\\''s' --resume '/tmp/out dir' '$HOME' runs/d2`);
  });
});
