/**
 * Every model in the registry through the command line, as a new user would run it: one shipped experiment, made
 * small, run uninterrupted; then run again, killed with SIGKILL at two random moments (after a random number of
 * finished batches, plus a random part of a batch) and resumed each time; then as shards 1/3, 2/3, 3/3 merged. The
 * resumed and the merged summaries must equal the uninterrupted one: counts exactly, floats within 1e-12 (relative),
 * timing and provenance aside.
 *
 * Each kill must land mid-run: the process dies by the SIGKILL (it did not finish first) and its state log has no
 * completion line; the second kill lands in the resumed run after it has saved at least one batch of its own.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { modelNames, modelOf } from '../../src/models/registry.ts';
import { SMALL, cliExperiment, scrub } from '../models/small-experiments.ts';

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

/** The finished lines of a run's state log (a line cut short by a kill is not counted): batches, their seconds, completion. */
function stateLog(dir: string): { batches: number; seconds: number[]; complete: boolean } {
  const f = join(dir, 'state.jsonl');
  const log = { batches: 0, seconds: [] as number[], complete: false };
  if (!existsSync(f)) return log;
  const text = readFileSync(f, 'utf8');
  for (const line of text.slice(0, text.lastIndexOf('\n') + 1).split('\n')) {
    if (line.includes('"kind":"batch"')) {
      log.batches++;
      const s = /"seconds":([0-9.eE+-]+)/.exec(line);
      if (s) log.seconds.push(Number(s[1]));
    } else if (line.includes('"kind":"complete"')) log.complete = true;
  }
  return log;
}

/** Start a run and SIGKILL it once `batches` batches are in its log, after `delayMs` more; how it ended. */
function runAndKill(args: string[], dir: string, batches: number, delayMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: 'ignore' });
    let fired = false;
    const timer = setInterval(() => {
      if (!fired && stateLog(dir).batches >= batches) {
        fired = true;
        setTimeout(() => p.kill('SIGKILL'), delayMs);
      }
    }, 5);
    p.on('close', (code, signal) => { clearInterval(timer); resolve({ code, signal }); });
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
    const u = [random(), random(), random(), random()];
    it(`${model}: SIGKILL twice then --resume, and shards 1/3..3/3 merged, equal the uninterrupted run`, async () => {
      const work = mkdtempSync(join(tmpdir(), `stdp-mc-${model}-`));
      const json = cliExperiment(model);
      expect(modelOf(json).model).toBe(model);
      const file = join(work, 'experiment.json');
      writeFileSync(file, JSON.stringify(json));
      const common = ['run', file, '--engine', 'cpu', '--no-report', '--json'];

      const full = await cli([...common, '--out', join(work, 'full')]);
      expect(full.code, full.err).toBe(0);
      const want = scrub(JSON.parse(full.out));
      const log = stateLog(join(work, 'full'));
      const total = log.batches;
      // A first kill after batch 1 … total − 3 leaves at least three batches to land in, the second at least two.
      expect(total).toBeGreaterThanOrEqual(4);
      expect(log.complete).toBe(true);
      // The random part of a batch: up to half the uninterrupted run's median batch time.
      const batchMs = 1000 * [...log.seconds].sort((a, b) => a - b)[log.seconds.length >> 1]!;
      const delay = (v: number) => Math.floor(v * batchMs / 2);

      // Kill 1: after a random number of finished batches (1 … total − 3), a random delay later.
      const dir = join(work, 'killed');
      const at1 = 1 + Math.floor(u[0]! * (total - 3));
      const k1 = await runAndKill([...common, '--out', dir], dir, at1, delay(u[1]!));
      const after1 = stateLog(dir);
      expect(k1.signal, `${model}: the first kill landed after the run had finished (${after1.batches}/${total} batches)`).toBe('SIGKILL');
      expect(after1.complete).toBe(false);
      expect(after1.batches).toBeGreaterThanOrEqual(at1);
      expect(after1.batches).toBeLessThan(total);

      // Kill 2, in the resumed run: after it has saved at least one batch of its own (… total − 2), a random delay later.
      const at2 = after1.batches + 1 + Math.floor(u[2]! * Math.max(0, total - 2 - after1.batches));
      const k2 = await runAndKill([...common, '--resume', dir], dir, at2, delay(u[3]!));
      const after2 = stateLog(dir);
      expect(k2.signal, `${model}: the second kill landed after the resumed run had finished (${after2.batches}/${total} batches)`).toBe('SIGKILL');
      expect(after2.complete).toBe(false);
      expect(after2.batches).toBeGreaterThan(after1.batches);

      const resumed = await cli([...common, '--resume', dir]);
      expect(resumed.code, resumed.err).toBe(0);
      expect(stateLog(dir)).toMatchObject({ batches: total, complete: true });
      expectSame(want, scrub(JSON.parse(resumed.out)), `${model} resumed`);

      const shards = await Promise.all([1, 2, 3].map((i) => cli([...common, '--shard', `${i}/3`, '--out', join(work, `s${i}`)])));
      for (const s of shards) expect(s.code, s.err).toBe(0);
      const merged = await cli(['merge', join(work, 's1'), join(work, 's2'), join(work, 's3'), '--out', join(work, 'merged'), '--no-report', '--json']);
      expect(merged.code, merged.err).toBe(0);
      expectSame(want, scrub(JSON.parse(merged.out)), `${model} merged`);
    }, 240_000);
  }
});
