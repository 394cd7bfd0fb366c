/**
 * `stdp-mc run --workers n` (src/run/batch-pool.ts) as a user runs it: a natural-gradient run on two worker threads
 * gives the one-thread summary and says so on its time line; killed with SIGKILL while both workers run, it resumes
 * (on two workers again) to the same summary; and --workers is refused, naming what to do, where it cannot apply
 * (another engine than cpu, fewer than one worker, Deno).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../gpu/spawn.ts';
import { cliExperiment, scrub } from '../models/small-experiments.ts';
import { availableParallelism } from 'node:os';
import { runCli } from './cli-helpers.ts';

const BIN = join(ROOT, 'bin/stdp-mc.js');

/** Finished batch lines and the completion line of a run's state log. */
function logged(dir: string): { batches: number; complete: boolean } {
  const f = join(dir, 'state.jsonl');
  if (!existsSync(f)) return { batches: 0, complete: false };
  const text = readFileSync(f, 'utf8');
  const lines = text.slice(0, text.lastIndexOf('\n') + 1).split('\n');
  return { batches: lines.filter((l) => l.includes('"kind":"batch"')).length, complete: lines.some((l) => l.includes('"kind":"complete"')) };
}

describe('--workers: batches on worker threads through the command line', () => {
  const work = mkdtempSync(join(tmpdir(), 'stdp-mc-workers-'));
  const file = join(work, 'natgrad.json');
  writeFileSync(file, JSON.stringify(cliExperiment('natgrad')));
  const common = ['run', file, '--engine', 'cpu', '--no-report'];

  it('gives the one-thread summary, says it ran on two worker threads; killed mid-run, resumes to the same summary', async () => {
    const one = runCli('node', [...common, '--json', '--out', join(work, 'one')]);
    expect(one.status, one.stderr).toBe(0);
    const two = runCli('node', [...common, '--workers', '2', '--out', join(work, 'two')]);
    expect(two.status, two.stderr).toBe(0);
    expect(two.stdout).toMatch(/simulation [\d.]+ s in 5 batches \(on 2 worker threads, [\d.]+ s of engine time\)/);
    const want = scrub(JSON.parse(one.stdout));
    expect(scrub(JSON.parse(readFileSync(join(work, 'two', 'summary.json'), 'utf8')))).toEqual(want);

    // SIGKILL once the first batch is logged (the second worker is then busy with the next), then --resume.
    const dir = join(work, 'killed');
    const killed = await new Promise<NodeJS.Signals | null>((resolve) => {
      const p = spawn(process.execPath, [BIN, ...common, '--workers', '2', '--out', dir], { cwd: ROOT, stdio: 'ignore' });
      const poll = setInterval(() => { if (logged(dir).batches >= 1) { clearInterval(poll); p.kill('SIGKILL'); } }, 5);
      p.on('close', (_code, signal) => { clearInterval(poll); resolve(signal); });
    });
    expect(killed).toBe('SIGKILL');
    const before = logged(dir);
    expect(before.complete).toBe(false);
    expect(before.batches).toBeLessThan(5);
    const resumed = runCli('node', [...common, '--workers', '2', '--json', '--resume', dir]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(logged(dir)).toEqual({ batches: 5, complete: true });
    expect(scrub(JSON.parse(resumed.stdout))).toEqual(want);
  }, 240_000);

  it('is refused without --engine cpu, and for fewer than one worker, naming the rule', () => {
    const auto = runCli('node', ['run', file, '--workers', '2', '--out', join(work, 'auto')]);
    expect(auto.status).toBe(2);
    expect(auto.stderr).toMatch(/--workers runs batches on the CPU engine in worker threads: use it with --engine cpu \(not auto\)/);
    const zero = runCli('node', [...common, '--workers', '0', '--out', join(work, 'zero')]);
    expect(zero.status).toBe(2);
    expect(zero.stderr).toMatch(/--workers/);
    expect(existsSync(join(work, 'auto'))).toBe(false);
    const deno = runCli('deno', [...common, '--workers', '2', '--out', join(work, 'deno')]);
    expect(deno.status).toBe(2);
    expect(deno.stderr).toMatch(/--workers needs Node's worker threads: run the command line under Node/);
  });

  it('more workers than cores: runs (only as many workers as batches wait), and says they take turns on the cores', () => {
    const many = runCli('node', [...common, '--workers', '4096', '--out', join(work, 'many')]);
    expect(many.status, many.stderr).toBe(0);
    expect(many.stderr).toMatch(new RegExp(`--workers 4096 on ${availableParallelism()} cores? \\(\\d+ batches\\): the workers take turns on the cores`));
    // the time line counts the workers that ran: no more than the batches
    const batches = Number(/in (\d+) batches/.exec(many.stdout)?.[1]);
    const ran = Number(/on (\d+) worker threads/.exec(many.stdout)?.[1]);
    expect(ran).toBeGreaterThanOrEqual(1);
    expect(ran).toBeLessThanOrEqual(batches);
    const two = runCli('node', [...common, '--workers', '2', '--json', '--out', join(work, 'two-again')]);
    expect(two.status, two.stderr).toBe(0);
    if (availableParallelism() >= 2) expect(two.stderr).not.toMatch(/take turns/);
  }, 120_000);
});
