/**
 * One run per output folder (src/run/out-lock.ts, src/cli/out-dir.ts): two runs started together into one --out —
 * exactly one runs, the other is refused at once (exit 2) naming the owner's pid, and the summary is the one that ran;
 * SIGINT stops a run with 130 and releases its lock; a SIGKILLed run leaves a stale lock that the next run reports,
 * that --resume and --force take over, and that is never mistaken for a live one. A lock appears with its whole
 * content, so no reader (the runs racing for it, or this test) ever sees it empty.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cliInProcess } from './cli-in-process.ts';
import { HEARTBEAT_MS, LOCK_FILE, OutLockError, acquireOutLock, processStart, type LockOwner } from '../../src/run/out-lock.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/stdp-mc.js');
const work = mkdtempSync(join(tmpdir(), 'stdp-mc-lock-'));

/** A chain experiment of ten batches that takes about a second on the CPU engine. */
const experiment = join(work, 'chain.json');
writeFileSync(experiment, JSON.stringify({
  name: 'lock', batches: 10,
  scenario: { model: 'chain', rates: [10, 7.5, 5], alpha: 0.01, steps: 2000, trajectories: 5000, seed: 1, checkpoints: { every: 500 } },
}));

interface Child { pid: number; done: Promise<{ code: number | null; signal: string | null; out: string; err: string }>; kill(sig: NodeJS.Signals): void }

function start(args: string[]): Child {
  const p = spawn(process.execPath, [BIN, ...args], { cwd: ROOT });
  let out = '', err = '';
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', (d) => (err += d));
  const done = new Promise<{ code: number | null; signal: string | null; out: string; err: string }>((resolve) =>
    p.on('close', (code, signal) => resolve({ code, signal, out, err })));
  return { pid: p.pid!, done, kill: (sig) => p.kill(sig) };
}

function batchLines(dir: string): number {
  const f = join(dir, 'state.jsonl');
  return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter((l) => l.includes('"kind":"batch"')).length : 0;
}

function lockOwner(dir: string): LockOwner | null {
  const f = join(dir, LOCK_FILE);
  return existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : null;
}

async function until(cond: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The pid of a process that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

/** The CLI in process; what it printed with console.log / console.error. */
const cli = cliInProcess;

afterEach(() => vi.restoreAllMocks());

describe('the output folder lock', () => {
  it('is exclusive, names its owner, and is released only by its owner', async () => {
    const dir = join(work, 'unit');
    mkdirSync(dir);
    const exitListeners = process.listenerCount('exit');
    const lock = await acquireOutLock(dir, { command: 'stdp-mc test' });
    expect(lockOwner(dir)).toMatchObject({ pid: process.pid, host: hostname(), command: 'stdp-mc test' });
    const second = await acquireOutLock(dir, { command: 'x', force: true }).then(() => null, (e) => e);
    expect(second).toBeInstanceOf(OutLockError);
    expect(second.message).toBe(`${dir} is in use by pid ${process.pid} on host ${hostname()} since ${lock.owner.startedAt} (lock ${join(dir, LOCK_FILE)})`);
    lock.release();
    expect(lockOwner(dir)).toBeNull();
    expect(process.listenerCount('exit')).toBe(exitListeners);

    // A release never removes a lock that is not its own.
    const again = await acquireOutLock(dir, { command: 'a' });
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ ...again.owner, token: 'someone else' }));
    again.release();
    expect(lockOwner(dir)?.token).toBe('someone else');
  });

  it('a lock appears with its whole content: a reader polling while another process takes and releases it never sees it empty or cut', async () => {
    const dir = join(work, 'atomic');
    mkdirSync(dir);
    // The taker cycles at least `cycles` times, and on until the reader has seen the lock held `sightings` times (it
    // then writes `stop`), so that a reader the scheduler holds back (a loaded machine) still reads it while held.
    const cycles = 400, sightings = 20, stop = join(work, 'atomic-stop');
    const taker = spawn(process.execPath, ['--import', 'tsx', '-e', `
      const { existsSync } = await import('node:fs');
      const { acquireOutLock } = await import(${JSON.stringify(join(ROOT, 'src/run/out-lock.ts'))});
      for (let i = 0; i < ${cycles} || (!existsSync(${JSON.stringify(stop)}) && i < 100000); i++) (await acquireOutLock(${JSON.stringify(dir)}, { command: 'cycle ' + i })).release();
    `], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    taker.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((resolve) => taker.on('close', resolve));
    let running = true;
    void exited.then(() => (running = false));
    const f = join(dir, LOCK_FILE);
    let seen = 0;
    const bad: string[] = [];
    while (running) {
      for (let k = 0; k < 2000; k++) {
        let text: string;
        try { text = readFileSync(f, 'utf8'); } catch { continue; } // not held this instant
        seen++;
        try { if (JSON.parse(text).pid !== taker.pid) bad.push(text); } catch { bad.push(text); }
      }
      if (seen >= sightings && !existsSync(stop)) writeFileSync(stop, '');
      await new Promise((r) => setImmediate(r));
    }
    expect(await exited, err).toBe(0);
    expect(bad.slice(0, 3)).toEqual([]);
    expect(seen).toBeGreaterThanOrEqual(sightings);
    expect(readdirSync(dir)).toEqual([]); // no lock, and no draft left behind
  }, 60_000);

  it('reports a stale lock, takes it over only with force, and never one from another host', async () => {
    const dir = join(work, 'stale');
    mkdirSync(dir);
    const dead: LockOwner = { pid: deadPid(), host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', command: 'stdp-mc run', token: 't' };
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify(dead));
    const refused = await acquireOutLock(dir, { command: 'x' }).then(() => null, (e) => e);
    expect(refused.message).toBe(`${dir} has a stale lock: pid ${dead.pid} on host ${dead.host}, started ${dead.startedAt}, is no longer running (lock ${join(dir, LOCK_FILE)}); pass --force to take it over`);
    const heard: number[] = [];
    const lock = await acquireOutLock(dir, { command: 'x', force: true, onTakeOver: (o) => heard.push(o.pid) });
    expect(heard).toEqual([dead.pid]);
    expect(lock.takenOverFrom?.pid).toBe(dead.pid);
    expect(lockOwner(dir)?.pid).toBe(process.pid);
    lock.release();

    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ ...dead, host: 'elsewhere' }));
    const other = await acquireOutLock(dir, { command: 'x', force: true }).then(() => null, (e) => e);
    expect(other.message).toMatch(new RegExp(`is in use by pid ${dead.pid} on host elsewhere .*another host`));
    writeFileSync(join(dir, LOCK_FILE), '{"pid":');
    const broken = await acquireOutLock(dir, { command: 'x', force: true }).then(() => null, (e) => e);
    expect(broken.message).toBe(`${dir} is locked by ${join(dir, LOCK_FILE)}, which cannot be read; if no run uses ${dir}, delete ${join(dir, LOCK_FILE)}`);
  });

  it.runIf(process.platform === 'linux')('a zombie owner (killed, not yet reaped by its parent) is not running: its lock is stale', async () => {
    // sh starts a short child, prints its pid and becomes `sleep 30` (exec), which never reaps it: a zombie. The child
    // lives half a second, so that it ends after the exec: one that ended first could be reaped by sh itself (seen
    // once on a loaded machine: its /proc entry was gone).
    const parent = spawn('sh', ['-c', 'sleep 0.5 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const zpid = Number(await new Promise<string>((res) => parent.stdout!.once('data', (b) => res(String(b).trim()))));
      for (let i = 0; i < 250 && !readFileSync(`/proc/${zpid}/stat`, 'utf8').includes(') Z'); i++) await new Promise((r) => setTimeout(r, 20));
      expect(readFileSync(`/proc/${zpid}/stat`, 'utf8')).toContain(') Z'); // kill(pid, 0) still succeeds on it
      const dir = join(work, 'zombie');
      mkdirSync(dir);
      writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: zpid, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', command: 'stdp-mc run', token: 'z' }));
      const refused = await acquireOutLock(dir, { command: 'x' }).then(() => null, (e) => e);
      expect(refused.message).toMatch(/has a stale lock: pid \d+ .* is no longer running/);
      (await acquireOutLock(dir, { command: 'x', force: true })).release();
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('a reused pid is not the owner: this process\'s own pid with another token, or a live pid that started at another time', async () => {
    // A container restarted by a Kubernetes Job (or a Slurm requeue) runs the CLI as pid 1 again under the same host
    // name; the lock of its killed predecessor names pid 1 too. Before, that lock read as live and even --resume was refused.
    const dir = join(work, 'reused');
    mkdirSync(dir);
    const mine: LockOwner = { pid: process.pid, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', command: 'stdp-mc run', token: 'before-restart' };
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify(mine));
    const refused = await acquireOutLock(dir, { command: 'x' }).then(() => null, (e) => e);
    expect(refused.message).toMatch(new RegExp(`has a stale lock: pid ${process.pid} .* is no longer running`));
    const lock = await acquireOutLock(dir, { command: 'x', force: true });
    expect(lock.takenOverFrom?.token).toBe('before-restart');
    // this process's own live lock is still in use (its token is held), and it records when this process started
    const again = await acquireOutLock(dir, { command: 'y', force: true }).then(() => null, (e) => e);
    expect(again.message).toMatch(/is in use by pid/);
    if (process.platform === 'linux') expect(lockOwner(dir)?.pidStart).toBe(processStart(process.pid));
    lock.release();

    if (process.platform !== 'linux') return;
    // a live process of another pid: its lock holds only if the start time it recorded is the running pid's
    const child = spawn('sleep', ['10'], { stdio: 'ignore' });
    try {
      const start = processStart(child.pid!);
      expect(start).toMatch(/^\d+$/);
      const other: LockOwner = { pid: child.pid!, host: hostname(), startedAt: 'then', command: 'stdp-mc run', token: 'c', pidStart: String(Number(start) - 1) };
      writeFileSync(join(dir, LOCK_FILE), JSON.stringify(other));
      expect((await acquireOutLock(dir, { command: 'x' }).then(() => null, (e) => e)).message).toMatch(/has a stale lock/);
      writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ ...other, pidStart: start }));
      expect((await acquireOutLock(dir, { command: 'x', force: true }).then(() => null, (e) => e)).message).toMatch(new RegExp(`is in use by pid ${child.pid}`));
    } finally {
      child.kill('SIGKILL');
    }
  });

  it.runIf(process.platform === 'linux')('a lock from another pid namespace under this host name is judged by its heartbeat, not its pid', async () => {
    // Two containers may share a host name (host networking; a pod restarted by a Kubernetes Job), each with its own
    // pids: the lock of the other one may name this very pid. It is live while its owner refreshes it (every
    // heartbeatMs), stale after 12 heartbeats without one; --resume/--force wait for that instead of refusing at once.
    const dir = join(work, 'namespace');
    mkdirSync(dir);
    const file = join(dir, LOCK_FILE);
    const other: LockOwner = { pid: process.pid, host: hostname(), startedAt: 'then', command: 'stdp-mc run', token: 'ns', pidNs: 'pid:[1]', heartbeatMs: 50 };
    // live: its owner keeps refreshing the lock
    writeFileSync(file, JSON.stringify(other));
    const beat = setInterval(() => { const now = new Date(); utimesSync(file, now, now); }, 25);
    try {
      const refused = await acquireOutLock(dir, { command: 'x' }).then(() => null, (e) => e);
      expect(refused.message).toMatch(new RegExp(`is in use by pid ${process.pid} .* in another pid namespace .* refreshed the lock 0 s ago`));
      const waits: number[] = [];
      const waited = await acquireOutLock(dir, { command: 'x', force: true, onWait: (_h, s) => waits.push(s) }).then(() => null, (e) => e);
      expect(waited.message).toMatch(/in another pid namespace/); // refreshed all along: still refused after the wait
      expect(waits).toEqual([1]);
    } finally {
      clearInterval(beat);
    }
    // killed: it stops refreshing; without force a stale lock, with force (and a wait) taken over
    writeFileSync(file, JSON.stringify(other));
    const t0 = Date.now();
    const lock = await acquireOutLock(dir, { command: 'x', force: true, onWait: () => {} });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(12 * 50);
    expect(lock.takenOverFrom?.token).toBe('ns');
    // the lock records its namespace and heartbeat (the default here)
    expect(lockOwner(dir)).toMatchObject({ pidNs: readlinkSync('/proc/self/ns/pid'), heartbeatMs: HEARTBEAT_MS });
    lock.release();
    writeFileSync(file, JSON.stringify(other));
    utimesSync(file, new Date(Date.now() - 5000), new Date(Date.now() - 5000));
    const stale = await acquireOutLock(dir, { command: 'x' }).then(() => null, (e) => e);
    expect(stale.message).toMatch(/has a stale lock: pid \d+ .* has not refreshed the lock for 5 s \(another pid namespace under this host name\)/);
    const fresh = await acquireOutLock(dir, { command: 'x', force: true, heartbeatMs: 40 });
    const m0 = statSync(file).mtimeMs;
    await new Promise((r) => setTimeout(r, 200));
    expect(statSync(file).mtimeMs).toBeGreaterThan(m0);
    fresh.release();
    // this process's own pid and start time, another token (another thread or module instance of this process): live
    writeFileSync(file, JSON.stringify({ ...other, pidNs: readlinkSync('/proc/self/ns/pid'), pidStart: processStart(process.pid), token: 'thread' }));
    expect((await acquireOutLock(dir, { command: 'x', force: true }).then(() => null, (e) => e)).message).toMatch(/is in use by pid/);
  });

  it('two runs started together into one --out: one runs, the other is refused at once naming the owner', async () => {
    const out = join(work, 'race');
    const common = ['run', experiment, '--engine', 'cpu', '--no-report', '--json', '--out', out];
    const a = start([...common, '--seed', '11']);
    const b = start([...common, '--seed', '12']);
    const [ra, rb] = await Promise.all([a.done, b.done]);
    const runs = [{ c: a, r: ra, seed: 11 }, { c: b, r: rb, seed: 12 }];
    const winner = runs.find((x) => x.r.code === 0);
    const loser = runs.find((x) => x.r.code !== 0);
    expect(winner, `${ra.err}\n${rb.err}`).toBeDefined();
    expect(loser, `${ra.err}\n${rb.err}`).toBeDefined();
    expect(loser!.r.code).toBe(2);
    expect(loser!.r.out).toBe('');
    expect(loser!.r.err).toBe(`stdp-mc: ${out} is in use by pid ${winner!.c.pid} on host ${hostname()} since ${loser!.r.err.match(/since (\S+)/)?.[1]} (lock ${join(out, LOCK_FILE)})\n`);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.provenance.seed).toBe(winner!.seed);
    expect(summary).toEqual(JSON.parse(winner!.r.out));
    expect(lockOwner(out)).toBeNull();
  }, 120_000);

  it('SIGINT stops a run with 130 and frees the folder; a SIGKILLed run leaves a stale lock that --resume and --force take over', async () => {
    const out = join(work, 'killed');
    const args = ['run', experiment, '--engine', 'cpu', '--no-report', '--json'];
    const first = start([...args, '--out', out]);
    await until(() => batchLines(out) >= 1, 'a first batch');
    first.kill('SIGINT');
    const r1 = await first.done;
    expect(r1.code, r1.err).toBe(130);
    expect(r1.err).toMatch(/^stdp-mc: stopped by SIGINT; \d+ batches are saved in .*state\.jsonl; continue with: stdp-mc run .* --resume /);
    expect(lockOwner(out)).toBeNull();

    const second = start([...args, '--resume', out]);
    const before = batchLines(out);
    await until(() => lockOwner(out)?.pid === second.pid && batchLines(out) > before, 'the resumed run to hold the lock and add a batch');
    second.kill('SIGKILL');
    await second.done;
    expect(lockOwner(out)?.pid).toBe(second.pid);

    const refused = await cli([...args, '--out', out]);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(new RegExp(`^stdp-mc: ${out} has a stale lock: pid ${second.pid} on host .* is no longer running .*; pass --force to take it over\n$`));

    const resumed = await cli([...args, '--resume', out]);
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.err).toMatch(new RegExp(`^stdp-mc: taking over the stale lock of pid ${second.pid} \\(started .*\\) in ${out}\n`));
    expect(JSON.parse(resumed.out).trajectories).toBe(5000);
    expect(lockOwner(out)).toBeNull();

    // A fresh run with --force into a folder whose run was killed: it takes the lock over and completes.
    const forced = join(work, 'forced');
    mkdirSync(forced);
    writeFileSync(join(forced, LOCK_FILE), JSON.stringify({ pid: second.pid, host: hostname(), startedAt: 'then', command: 'stdp-mc run', token: 't' }));
    const f = await cli(['run', experiment, '--engine', 'cpu', '--no-report', '--json', '--trajectories', '200', '--out', forced, '--force']);
    expect(f.code, f.err).toBe(0);
    expect(f.err).toBe(`stdp-mc: taking over the stale lock of pid ${second.pid} (started then) in ${forced}\n`);
    expect(JSON.parse(f.out).trajectories).toBe(200);
    expect(lockOwner(forced)).toBeNull();
  }, 180_000);
});
