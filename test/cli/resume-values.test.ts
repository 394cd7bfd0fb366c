/**
 * `--resume DIR` continues with the command-line values the run was started with (--trajectories, --steps, …, kept in
 * its state log) when none are given, as `run --help`'s example does; values that differ are refused, naming them; and
 * the resume command printed after a stop quotes what the shell would split.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cliInProcess } from './cli-in-process.ts';
import { readState, writeState } from '../../src/run/state-log.ts';
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
    // the values that changed the file stay in the provenance (the report's header says so), resumed or rebuilt
    expect(want.provenance.overrides).toEqual({ trajectories: 300, steps: 50 });
    expect(got.provenance.overrides).toEqual({ trajectories: 300, steps: 50 });
    const rebuilt = await cliInProcess(['report', dir, '--json']);
    expect(rebuilt.code, rebuilt.err).toBe(0);
    expect(JSON.parse(rebuilt.out).provenance.overrides).toEqual({ trajectories: 300, steps: 50 });
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('This run changed the file with --trajectories 300 --steps 50');
    // other values are refused, naming both sets
    writeState(dir, { ...state, complete: false, batches: state.batches.slice(0, 3) });
    const other = await cliInProcess(['run', EXP, '--resume', dir, '--trajectories', '200', '--no-report']);
    expect(other.code).toBe(1); // a state that is not this run's (StateError)
    expect(other.err).toMatch(/different command-line values: the run had --trajectories 300 --steps 50, this command --trajectories 200/);
    // another experiment file (only α differs; the same seed) is named as such, and the run's values are not taken for it
    const other2 = join(work, 'other.json');
    const q = JSON.parse(readFileSync(EXP, 'utf8'));
    q.scenario.alpha = 0.02;
    q.description = 'edited';
    writeFileSync(other2, JSON.stringify(q));
    for (const flags of [[], ['--trajectories', '300', '--steps', '50']]) {
      const file = await cliInProcess(['run', other2, '--resume', dir, ...flags, '--no-report']);
      expect(file.code).toBe(1);
      expect(file.err).not.toMatch(/resuming with/);
      expect(file.err).toMatch(/cannot resume .*: a different experiment \(the file's contents differ\)/);
    }
    // a description alone is not the experiment: its values are named
    const described = join(work, 'described.json');
    writeFileSync(described, JSON.stringify({ ...JSON.parse(readFileSync(EXP, 'utf8')), description: 'mine' }));
    const d = await cliInProcess(['run', described, '--resume', dir, '--trajectories', '200', '--no-report']);
    expect(d.err).toMatch(/different command-line values: the run had --trajectories 300 --steps 50, this command --trajectories 200/);
  });

  it('merge names the two shards whose command-line values differ', async () => {
    const dirs = [join(work, 'a'), join(work, 'b')];
    for (const [i, n] of ['60', '80'].entries()) {
      const r = await cliInProcess(['run', EXP, '--engine', 'cpu', '--trajectories', n, '--steps', '50', '--shard', `${i + 1}/2`, '--out', dirs[i]!, '--no-report', '--json']);
      expect(r.code, r.err).toBe(0);
    }
    const m = await cliInProcess(['merge', ...dirs, '--out', join(work, 'ab'), '--no-report']);
    expect(m.code).toBe(1);
    expect(m.err).toContain(`${dirs[1]} is not a shard of the same run as ${dirs[0]}: different command-line values: ${dirs[0]} has --trajectories 60 --steps 50, ${dirs[1]} --trajectories 80 --steps 50`);
  });

  it('the resume command quotes words the shell would split or expand', () => {
    expect(['run', '/tmp/my exp.json', '--seed', "it's", '--resume', '/tmp/out dir', '$HOME', 'runs/d2'].map(shellWord).join(' '))
      .toBe(`run '/tmp/my exp.json' --seed 'it'\\''s' --resume '/tmp/out dir' '$HOME' runs/d2`);
  });
});
