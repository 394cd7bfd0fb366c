/**
 * Every model in the registry through the command line, as a new user would run it: one shipped experiment, made
 * small, run uninterrupted; then run again, killed with SIGKILL at two random moments (after a random number of
 * finished batches, plus a random delay) and resumed each time; then as shards 1/3, 2/3, 3/3 merged. The resumed
 * and the merged summaries must equal the uninterrupted one: counts exactly, floats within 1e-12 (relative), timing
 * and provenance aside.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { modelNames, modelOf } from '../../src/models/registry.ts';
import { SMALL, scrub, smallExperiment } from '../models/small-experiments.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/stdp-mc.js');

/** Seeded LCG for the kill moments: the test is repeatable, the moments are not chosen by hand. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function cli(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd: ROOT });
    let out = '', err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => resolve({ code, out, err }));
  });
}

function batchLines(dir: string): number {
  const f = join(dir, 'state.jsonl');
  if (!existsSync(f)) return 0;
  return readFileSync(f, 'utf8').split('\n').filter((l) => l.includes('"kind":"batch"')).length;
}

/** Start a run and SIGKILL it once `batches` batches are in its log, after `delayMs` more. */
function runAndKill(args: string[], dir: string, batches: number, delayMs: number): Promise<void> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: 'ignore' });
    let fired = false;
    const timer = setInterval(() => {
      if (!fired && batchLines(dir) >= batches) {
        fired = true;
        setTimeout(() => p.kill('SIGKILL'), delayMs);
      }
    }, 10);
    p.on('close', () => { clearInterval(timer); resolve(); });
  });
}

/** Equal but for float rounding: counts (integers) exactly, other numbers within 1e-12 relative. */
function expectSame(a: unknown, b: unknown, where = ''): void {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isInteger(a) && Number.isInteger(b)) { expect(b, where).toBe(a); return; }
    expect(Math.abs(a - b), where).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(a)));
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    expect(b.length, where).toBe(a.length);
    a.forEach((x, i) => expectSame(x, b[i], `${where}[${i}]`));
    return;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    expect(Object.keys(b as object).sort(), where).toEqual(Object.keys(a as object).sort());
    for (const k of Object.keys(a as object)) expectSame((a as any)[k], (b as any)[k], `${where}.${k}`);
    return;
  }
  expect(b, where).toEqual(a);
}

describe('every model runs in batches through the CLI: killed and resumed, or sharded and merged, it gives the same summary', () => {
  it('covers every model of the registry', () => {
    expect(Object.keys(SMALL).sort()).toEqual([...modelNames()].sort());
  });

  const random = rng(2026);
  for (const model of modelNames()) {
    const kills = [random(), random()];
    it(`${model}: SIGKILL twice then --resume, and shards 1/3..3/3 merged, equal the uninterrupted run`, async () => {
      const work = mkdtempSync(join(tmpdir(), `stdp-mc-${model}-`));
      const json = smallExperiment(model);
      expect(modelOf(json).model).toBe(model);
      const file = join(work, 'experiment.json');
      writeFileSync(file, JSON.stringify(json));
      const common = ['run', file, '--engine', 'cpu', '--no-report', '--json'];

      const full = await cli([...common, '--out', join(work, 'full')]);
      expect(full.code, full.err).toBe(0);
      const want = scrub(JSON.parse(full.out));
      const total = batchLines(join(work, 'full'));
      expect(total).toBeGreaterThanOrEqual(3);

      // Two kills at random moments: after a random number of finished batches (1 … total − 1), a random delay later.
      const dir = join(work, 'killed');
      const at = kills.map((u) => 1 + Math.floor(u * (total - 2))).sort((a, b) => a - b);
      await runAndKill([...common, '--out', dir], dir, at[0]!, Math.floor(kills[0]! * 50));
      await runAndKill(['run', file, '--engine', 'cpu', '--no-report', '--json', '--resume', dir], dir, at[1]!, Math.floor(kills[1]! * 50));
      const resumed = await cli(['run', file, '--engine', 'cpu', '--no-report', '--json', '--resume', dir]);
      expect(resumed.code, resumed.err).toBe(0);
      expectSame(want, scrub(JSON.parse(resumed.out)), `${model} resumed`);

      const shards = await Promise.all([1, 2, 3].map((i) => cli([...common, '--shard', `${i}/3`, '--out', join(work, `s${i}`)])));
      for (const s of shards) expect(s.code, s.err).toBe(0);
      const merged = await cli(['merge', join(work, 's1'), join(work, 's2'), join(work, 's3'), '--out', join(work, 'merged'), '--no-report', '--json']);
      expect(merged.code, merged.err).toBe(0);
      expectSame(want, scrub(JSON.parse(merged.out)), `${model} merged`);
    }, 240_000);
  }
});
