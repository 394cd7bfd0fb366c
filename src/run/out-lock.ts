/**
 * One run per output folder: an exclusive lock file DIR/.lock, created atomically with its whole content (a hard
 * link from a private draft: it fails when the file exists) and holding its owner's pid, host, start time and
 * command. A second run, merge or report into DIR is refused at once, naming the owner. A lock whose owner is
 * gone — same host, and the pid no longer runs — is stale: it is refused too, naming the dead owner, unless the
 * caller passes `force`, which takes it over. A live lock, or one from another host (whose pid cannot be checked
 * from here), is never taken over. A reused pid is not the owner (ownerAlive: the owner's start time is in the lock),
 * and a lock from another pid namespace under this host name is judged by its heartbeat (silence).
 *
 * The lock is released by its owner (release(), also run on the process's exit); the file is removed only while it
 * still holds the owner's own token, so a release never removes someone else's lock.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const LOCK_FILE = '.lock';

export interface LockOwner {
  pid: number;
  host: string;
  /** ISO time the lock was taken. */
  startedAt: string;
  command: string;
  /** Random, to tell this lock from a later one of a process with the same pid. */
  token: string;
  /**
   * The owner's start time in clock ticks since boot (Linux: /proc/<pid>/stat field 22), where it can be read: a later
   * process with the same pid — a restarted container's pid 1 always has it — is not the owner.
   */
  pidStart?: string;
  /**
   * The owner's pid namespace (Linux: /proc/self/ns/pid) and how often it refreshes the lock's modification time. Two
   * containers may share a host name (host networking, or a restarted pod) but not pids: a lock from another pid
   * namespace is judged by that heartbeat instead of by its pid (silence).
   */
  pidNs?: string;
  heartbeatMs?: number;
}

/** The output folder is in use by another run, or holds a stale lock (the CLI exits 2: nothing was run). */
export class OutLockError extends Error {
  constructor(message: string, readonly owner: LockOwner | null, readonly stale: boolean) {
    super(message);
    this.name = 'OutLockError';
  }
}

export interface OutLock {
  file: string;
  owner: LockOwner;
  /** The stale lock this one replaced (with force), or null. */
  takenOverFrom: LockOwner | null;
  /** Remove the lock (once; later calls do nothing). Synchronous, so it runs in exit and signal handlers. */
  release(): void;
}

/**
 * Is a process with this pid running on this machine? (EPERM: it runs, as another user.) A zombie (killed, not yet
 * reaped by its parent: seconds where the parent is a container's init) still answers kill(pid, 0), so on Linux its
 * state in /proc/<pid>/stat is read too: Z (zombie) or X (dead) is not running.
 */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    // Linux: the process went between the two looks. Elsewhere (no /proc) kill's answer stands.
    return process.platform !== 'linux';
  }
  // "pid (comm) state …": comm may hold spaces and parentheses, so the state follows the last ')'.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}

/** The start time of process `pid` in clock ticks since boot (/proc/<pid>/stat field 22), or null where unreadable. */
export function processStart(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "pid (comm) " start with the state (field 3), so field 22 is the 20th of them.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** This process's pid namespace (Linux), or null. */
export function pidNamespace(): string | null {
  try {
    return fs.readlinkSync('/proc/self/ns/pid');
  } catch {
    return null;
  }
}

/** How often a lock's owner refreshes its modification time, and how many missed refreshes make it silent. */
export const HEARTBEAT_MS = 10_000;
const SILENT_BEATS = 12;

/** The tokens of the locks this process holds (ownerAlive: a lock naming this pid is this process's if it holds the token). */
const heldTokens = new Set<string>();

/**
 * Is the owner of a lock of this host and pid namespace still running? Its pid must run (pidAlive) and be the owner:
 * a pid is reused, and a container restarted in a Kubernetes Job or Slurm step may run the CLI under the pid of its
 * killed predecessor. So a lock naming this very process is live only if this process holds its token or started
 * when it says (another thread or module instance of this process), and a lock whose recorded start time differs from
 * the running pid's is stale.
 */
function ownerAlive(held: LockOwner): boolean {
  if (held.pid === process.pid) return heldTokens.has(held.token) || (held.pidStart !== undefined && held.pidStart === processStart(process.pid));
  if (!pidAlive(held.pid)) return false;
  if (typeof held.pidStart === 'string') {
    const now = processStart(held.pid);
    if (now !== null && now !== held.pidStart) return false;
  }
  return true;
}

function readOwner(file: string): LockOwner | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    const o = JSON.parse(text);
    if (Number.isInteger(o?.pid) && typeof o.host === 'string') return o as LockOwner;
  } catch { /* unreadable: below */ }
  return { pid: NaN, host: '', startedAt: '', command: '', token: '' };
}

/**
 * Create the lock file with `owner` in it, or return false if one exists. The owner is written to a private file
 * first and hard-linked to the lock's name (link fails with EEXIST when the name exists), so the lock appears with
 * its whole content at once: no reader ever sees it empty or half written. Where the file system has no hard links,
 * the lock is created with 'wx' and written after (a reader may then see it empty for an instant; acquireOutLock
 * looks twice before calling a lock unreadable).
 */
function tryCreate(file: string, owner: LockOwner): boolean {
  const text = JSON.stringify(owner) + '\n';
  const draft = `${file}.new-${owner.token}`;
  fs.writeFileSync(draft, text, { flag: 'wx' });
  try {
    fs.linkSync(draft, file);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw e;
  } finally {
    fs.rmSync(draft, { force: true });
  }
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    fs.writeSync(fd, text);
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

/**
 * Move a stale lock out of the way, only if it is still the one judged stale (two takers cannot both win, and a fresh
 * lock that replaced it in the meantime is put back).
 */
function removeStale(file: string, stale: LockOwner): void {
  const aside = `${file}.stale-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    fs.renameSync(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // another taker moved it
    throw e;
  }
  const moved = readOwner(aside);
  if (moved && moved.token === stale.token && moved.pid === stale.pid) {
    fs.rmSync(aside, { force: true });
    return;
  }
  // Not the stale lock: a fresh one taken meanwhile. Put it back (unless yet another lock exists: then both runs
  // see a lock, and ours will be refused below).
  try { fs.linkSync(aside, file); } catch { /* a lock exists again */ }
  fs.rmSync(aside, { force: true });
}

function describe(o: LockOwner): string {
  return `pid ${o.pid} on host ${o.host} since ${o.startedAt}`;
}

/**
 * A lock from another pid namespace under this host name: how long since its owner last refreshed it, and after how
 * long without a refresh it is stale (SILENT_BEATS of the owner's heartbeats; a lock without one has none to miss).
 */
function silence(file: string, held: LockOwner): { ageMs: number; limitMs: number } {
  const limitMs = SILENT_BEATS * (held.heartbeatMs ?? HEARTBEAT_MS);
  let ageMs = 0;
  try { ageMs = Date.now() - fs.statSync(file).mtimeMs; } catch { /* gone: the loop reads it again */ }
  return { ageMs, limitMs };
}

/**
 * Take DIR/.lock for `command` (DIR must exist). Throws OutLockError when DIR is in use, or holds a stale lock and
 * `force` is not given. `onTakeOver` hears of a stale lock taken over.
 */
export async function acquireOutLock(
  dir: string, o: {
    command: string; force?: boolean; onTakeOver?: (stale: LockOwner) => void;
    /** The heartbeat of this lock (default HEARTBEAT_MS; tests shorten it). */
    heartbeatMs?: number;
    /** With force: wait for a lock from another pid namespace to fall silent, rather than refuse it while it is fresh. */
    onWait?: (held: LockOwner, seconds: number) => void;
  },
): Promise<OutLock> {
  const file = path.join(dir, LOCK_FILE);
  const owner: LockOwner = {
    pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), command: o.command,
    token: `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`,
  };
  const start = processStart(process.pid), ns = pidNamespace();
  if (start !== null) owner.pidStart = start;
  if (ns !== null) owner.pidNs = ns;
  owner.heartbeatMs = o.heartbeatMs ?? HEARTBEAT_MS;
  let takenOverFrom: LockOwner | null = null;
  let waitedMs = 0;
  for (let attempt = 0; !tryCreate(file, owner); attempt++) {
    let held = readOwner(file);
    if (!held) continue; // released meanwhile: try again
    if (Number.isNaN(held.pid)) {
      // A lock being written this instant reads empty: look once more before calling it unreadable.
      await new Promise((r) => setTimeout(r, 50));
      held = readOwner(file);
      if (!held) continue;
      if (Number.isNaN(held.pid)) {
        throw new OutLockError(`${dir} is locked by ${file}, which cannot be read; if no run uses ${dir}, delete ${file}`, null, false);
      }
    }
    const sameHost = held.host === owner.host;
    const otherNs = sameHost && held.pidNs !== undefined && owner.pidNs !== undefined && held.pidNs !== owner.pidNs;
    let why = 'is no longer running';
    if (otherNs) {
      // Its pid means nothing here: it is live while it keeps refreshing the lock.
      const { ageMs, limitMs } = silence(file, held);
      if (ageMs <= limitMs) {
        if (o.force && o.onWait && waitedMs <= limitMs) {
          const ms = Math.min(limitMs - ageMs + 50, owner.heartbeatMs);
          if (waitedMs === 0) o.onWait(held, Math.ceil((limitMs - ageMs) / 1000));
          await new Promise((r) => setTimeout(r, ms));
          waitedMs += ms;
          continue;
        }
        throw new OutLockError(`${dir} is in use by ${describe(held)} in another pid namespace (a container under this host name), ` +
          `which refreshed the lock ${Math.round(ageMs / 1000)} s ago (lock ${file}); a run that was killed is stale ${Math.round(limitMs / 1000)} s after its last refresh`, held, false);
      }
      why = `has not refreshed the lock for ${Math.round(ageMs / 1000)} s (another pid namespace under this host name)`;
    } else if (!sameHost || ownerAlive(held)) {
      const other = sameHost ? '' : ` (another host: its run cannot be checked from here; if it is gone, delete ${file})`;
      throw new OutLockError(`${dir} is in use by ${describe(held)} (lock ${file})${other}`, held, false);
    } else if (pidAlive(held.pid)) {
      why = 'is no longer running (its pid now belongs to another process)';
    }
    if (!o.force) {
      throw new OutLockError(
        `${dir} has a stale lock: pid ${held.pid} on host ${held.host}, started ${held.startedAt}, ${why} (lock ${file}); pass --force to take it over`,
        held, true);
    }
    if (attempt > 3) throw new OutLockError(`${dir}: could not take over the stale lock ${file} (other runs are taking it too)`, held, true);
    removeStale(file, held);
    takenOverFrom = held;
  }
  if (takenOverFrom) o.onTakeOver?.(takenOverFrom);
  heldTokens.add(owner.token);
  // The heartbeat: the lock's modification time, refreshed while this run holds it (what a run in another pid
  // namespace under this host name judges it by). Unref'd: it never keeps the process alive.
  const beat = setInterval(() => {
    try {
      if (readOwner(file)?.token === owner.token) { const now = new Date(); fs.utimesSync(file, now, now); }
    } catch { /* the folder is gone: nothing to refresh */ }
  }, owner.heartbeatMs);
  if (typeof beat === 'number') (globalThis as { Deno?: { unrefTimer?(id: number): void } }).Deno?.unrefTimer?.(beat);
  else (beat as { unref?: () => void }).unref?.();
  let released = false;
  const proc = process as NodeJS.Process;
  const release = () => {
    if (released) return;
    released = true;
    clearInterval(beat);
    heldTokens.delete(owner.token);
    proc.off?.('exit', release);
    try {
      if (readOwner(file)?.token === owner.token) fs.rmSync(file, { force: true });
    } catch { /* the folder is gone or unreadable: nothing to release */ }
  };
  proc.on?.('exit', release);
  return { file, owner, takenOverFrom, release };
}
