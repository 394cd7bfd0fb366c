/**
 * Runs at scale through the command line, as separate processes: a run killed (SIGKILL) mid-batch or stopped
 * (SIGINT, SIGTERM) and resumed gives the uninterrupted summary; shards run as separate processes (Node and Deno)
 * merge into the single run's summary; corrupted or foreign states and existing outputs are refused.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../gpu/spawn.ts';
import { expectClose as close } from '../expect-close.ts';
import { cliArgv as argvFor, runCli, tempFolder } from './cli-helpers.ts';

const exp = {
  name: 'scale',
  batches: 12,
  scenario: { model: 'chain', rates: [10, 7.5, 5], alpha: 0.01, steps: 1500, trajectories: 12000, seed: 77, checkpoints: { every: 300 }, keepPaths: 4 },
};
const { dir, write } = tempFolder('stdp-mc-scale-');
const file = write('scale', exp);

const cli = (runtime: 'node' | 'deno', args: string[]) => runCli(runtime, args, 180_000);

let single: any;

/** The uninterrupted single run's summary (in DIR/full), run once: the resumed runs and the merged shards must equal it. */
function reference(): any {
  if (!single) {
    const full = cli('node', ['run', file, '--engine', 'cpu', '--json', '--no-report', '--out', join(dir, 'full')]);
    expect(full.status, full.stderr).toBe(0);
    single = JSON.parse(full.stdout);
  }
  return single;
}

/** The summary without what legitimately differs between runs: timings and when/how it was made. */
function stable(s: any): any {
  const { timing, provenance, ...rest } = s;
  return rest;
}

/**
 * Counts identical, floating-point values within 1e-12 relative: shards run under Node and Deno (different V8
 * versions, whose Math.exp/log1p can differ in the last bit) sum to within rounding of the single run.
 */
const expectClose = (a: unknown, b: unknown): void => close(a, b, { floor: 1 });

function batchesSaved(out: string): number {
  try {
    return readFileSync(join(out, 'state.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"kind":"batch"')).length;
  } catch {
    return 0;
  }
}

/**
 * Start a run, wait until `minBatches` are saved plus `delayBatches` times a batch's duration (the reference run's),
 * send `signal`, and wait for the exit. The state log is polled every 5 ms: a batch takes a few tens of ms here.
 */
async function interrupt(out: string, signal: NodeJS.Signals, minBatches: number, delayBatches: number): Promise<{ code: number | null; stderr: string; saved: number }> {
  const batchMs = (1000 * reference().timing.wallSeconds) / exp.batches;
  const [cmd, a] = argvFor('node', ['run', file, '--engine', 'cpu', '--json', '--no-report', '--out', out]);
  const child = spawn(cmd, a, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
  const t0 = Date.now();
  while (batchesSaved(out) < minBatches && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, delayBatches * batchMs));
  child.kill(signal);
  const code = await exited;
  return { code, stderr, saved: batchesSaved(out) };
}

describe('resume', () => {
  // Delays after the first saved batch(es), in batches (of the reference run), land at different points of a batch.
  it.each([
    ['SIGKILL', 1, 0.37],
    ['SIGKILL', 3, 1.61],
    ['SIGINT', 2, 0.7],
    ['SIGTERM', 1, 0],
  ] as const)('after %s (once %i batches are saved, + %f of a batch) --resume gives the uninterrupted summary', async (signal, min, delay) => {
    const out = join(dir, `${signal}-${min}`);
    const r = await interrupt(out, signal, min, delay);
    expect(r.saved).toBeGreaterThanOrEqual(min);
    expect(r.saved).toBeLessThan(12); // really interrupted
    if (signal === 'SIGINT') expect(r.code).toBe(130);
    if (signal === 'SIGTERM') expect(r.code).toBe(143);
    if (signal !== 'SIGKILL') expect(r.stderr).toMatch(new RegExp(`stopped by ${signal}; \\d+ batches are saved in .*state\\.jsonl; continue with: stdp-mc run .* --resume`));
    const resumed = cli('node', ['run', file, '--engine', 'cpu', '--json', '--no-report', '--resume', out]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(stable(JSON.parse(resumed.stdout))).toEqual(stable(reference()));
  });

  it('refuses a corrupted state, a different experiment, and an existing run without --force', () => {
    reference(); // the finished run in DIR/full
    const out = join(dir, 'full');
    const again = cli('node', ['run', file, '--engine', 'cpu', '--out', out]);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/already holds a run \(state\.jsonl\): it is finished \(stdp-mc report .* rebuilds its report\): choose another --out, or pass --force/);
    // changed options: no suggestion of a --resume that would be refused
    const changed = cli('node', ['run', file, '--engine', 'cpu', '--seed', '78', '--out', out]);
    expect(changed.status).toBe(2);
    expect(changed.stderr).toMatch(/choose another --out, or pass --force/);
    expect(changed.stderr).not.toMatch(/--resume/);
    const other = cli('node', ['run', file, '--engine', 'cpu', '--seed', '78', '--resume', out]);
    expect(other.status).toBe(1);
    expect(other.stderr).toMatch(/cannot resume .*: seed 78 differs from 77/);
    const more = cli('node', ['run', file, '--engine', 'cpu', '--steps', '1200', '--resume', out]);
    expect(more.stderr).toMatch(/cannot resume .*: different command-line values: the run had .*, this command --steps 1200/);
    // A small run to corrupt: 24 trajectories, 2 a batch (under 30 no theory verdict is possible, so the d = 3
    // backward equation, most of a run of 1000, is not solved).
    const bad = join(dir, 'bad');
    cli('node', ['run', file, '--engine', 'cpu', '--no-report', '--out', bad, '--trajectories', '24']);
    const st = readFileSync(join(bad, 'state.jsonl'), 'utf8');
    writeFileSync(join(bad, 'state.jsonl'), st.replace(/"dispatches":(\d+)/, (_, n) => `"dispatches":${Number(n) + 1}`));
    const c = cli('node', ['run', file, '--engine', 'cpu', '--trajectories', '24', '--resume', bad]);
    expect(c.status).toBe(1);
    expect(c.stderr).toMatch(/state\.jsonl is corrupted \(line 2: checksum mismatch/);
    const forced = cli('node', ['run', file, '--engine', 'cpu', '--no-report', '--out', bad, '--trajectories', '24', '--force']);
    expect(forced.status).toBe(0);
  });
});

describe('shards as separate processes (Node and Deno) merge into the single run', () => {
  it('1/3 and 3/3 under Node, 2/3 under Deno, merged under Deno, equal the single run; a missing shard is refused', () => {
    const single = reference();
    for (const [i, rt] of [[1, 'node'], [2, 'deno'], [3, 'node']] as const) {
      const r = cli(rt, ['run', file, '--engine', 'cpu', '--no-report', '--json', '--shard', `${i}/3`, '--out', join(dir, `shard${i}`)]);
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).shard).toEqual({ index: i, count: 3 });
    }
    const shards = [1, 2, 3].map((i) => join(dir, `shard${i}`));
    const m = cli('deno', ['merge', ...shards, '--json', '--no-report', '--out', join(dir, 'merged')]);
    expect(m.status, m.stderr).toBe(0);
    const merged = JSON.parse(m.stdout);
    expectClose(stable(merged), stable(single));
    // the counts, which decide the success probability, are identical
    expect(merged.checkpoints.map((c: any) => [c.successCount, c.vertexCounts, c.belowDelta])).toEqual(single.checkpoints.map((c: any) => [c.successCount, c.vertexCounts, c.belowDelta]));
    expect(existsSync(join(dir, 'merged', 'state.jsonl'))).toBe(true);
    const missing = cli('node', ['merge', shards[0]!, shards[2]!, '--out', join(dir, 'merged2')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/missing shard 2\/3/);
    const dup = cli('node', ['merge', shards[0]!, shards[1]!, shards[1]!, '--out', join(dir, 'merged3')]);
    expect(dup.stderr).toMatch(/shard 2\/3 appears twice/);
    // report rebuilds the same summary from the merged state
    const rep = cli('node', ['report', join(dir, 'merged'), '--json', '--no-report']);
    expectClose(stable(JSON.parse(rep.stdout)), stable(merged)); // merged under Deno, reported under Node
  });
});

describe('the same experiment on WebGPU under Node (Dawn, SwiftShader) and Deno (lavapipe)', () => {
  it('agrees to f32 rounding: identical vertex counts at K, moments within 1e-5 relative', () => {
    const run = (rt: 'node' | 'deno') => {
      const r = cli(rt, ['run', file, '--engine', 'webgpu', '--json', '--no-report', '--trajectories', '512', '--out', join(dir, `webgpu-${rt}`)]);
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout);
    };
    const a = run('node'), b = run('deno');
    expect(a.engine.runtime).toMatch(/^node/);
    expect(b.engine.runtime).toMatch(/^deno/);
    // Different drivers round exp/log differently in f32: a trajectory within rounding of a δ threshold may be
    // counted on either side, so thresholds are compared within 1 count, the argmax counts exactly.
    const fa = a.checkpoints.at(-1), fb = b.checkpoints.at(-1);
    expect(fa.vertexCounts).toEqual(fb.vertexCounts);
    fa.belowDelta.forEach((x: any, j: number) => expect(Math.abs(x.count - fb.belowDelta[j].count)).toBeLessThanOrEqual(1));
    expect(Math.abs(fa.meanLogGap - fb.meanLogGap)).toBeLessThan(1e-5 * Math.abs(fa.meanLogGap));
  });
});
