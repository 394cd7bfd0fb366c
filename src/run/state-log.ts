/**
 * The state log's files (src/run/state.ts has the format): the open log of a run in progress (StateLog), a whole
 * state written at once (a merge of shards), and a run folder's state read back and checked.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  BLOCKS_FILE, STATE_FILE, STATE_FORMAT, StateError, completeLine, headerLine, keptLog, loadFsModules, recordBytes, stateFromText,
  type RunState, type StateHeader,
} from './state.ts';

/** Write all of the pieces at the end of fd: one writev, continued where the kernel wrote less. */
function writeAll(fd: number, pieces: Uint8Array[]): void {
  let rest = pieces;
  for (;;) {
    let n = fs.writevSync(fd, rest);
    let i = 0;
    while (i < rest.length && n >= rest[i]!.length) n -= rest[i++]!.length;
    if (i === rest.length) return;
    rest = [rest[i]!.subarray(n), ...rest.slice(i + 1)];
  }
}

/** Seconds between fsyncs of an open log (see the comment of src/run/state.ts). */
const FSYNC_INTERVAL_MS = 1000;

/**
 * The open state log of a run in progress. Appends are synchronous (one write per file: the blocks, then the line),
 * so a signal handler never sees half a record. The fsyncs (the new files and their folder, then at most once a
 * second, and at the end) run on the thread pool while the run goes on: a batch's simulation or the summary does not
 * wait for the disk (an fsync here takes 1–6 ms, a few per cent of a short run).
 */
export class StateLog {
  private lastSync = performance.now();
  /** The fsync in flight (at most one), and the first error one met (reported by finish). */
  private pending: Promise<void> | null = null;
  private failure: Error | null = null;
  /**
   * BLOCKS_FILE (opened with the log; where a reopened log has none, a log written before that file, when its first
   * record with blocks is appended), and whether its folder entry still needs an fsync.
   */
  private blocksFd: number | null = null;
  private blocksNew = false;
  private constructor(private readonly fd: number, readonly file: string, private readonly dir: string, private blocksEnd: number) {}

  /**
   * Start a new log in `dir` with its header and an empty BLOCKS_FILE (replacing any earlier ones), both files and
   * their folder entries fsync'ed by one chain of calls on the thread pool.
   */
  static create(dir: string, header: StateHeader): StateLog {
    const file = path.join(dir, STATE_FILE);
    const fd = fs.openSync(file, 'w');
    const log = new StateLog(fd, file, dir, 0);
    log.blocksFd = fs.openSync(path.join(dir, BLOCKS_FILE), 'w');
    log.append(headerLine(header));
    log.syncInBackground(true);
    return log;
  }

  /**
   * Reopen the log of `dir` for appending (readState has checked it): a torn last record is cut, with any lines at
   * the end whose blocks are not in BLOCKS_FILE, and the blocks no kept line refers to.
   */
  static reopen(dir: string): StateLog {
    const file = path.join(dir, STATE_FILE), blocksFile = path.join(dir, BLOCKS_FILE);
    const text = fs.readFileSync(file, 'utf8');
    const size = fs.existsSync(blocksFile) ? fs.statSync(blocksFile).size : -1;
    const kept = keptLog(text, Math.max(0, size));
    fs.truncateSync(file, new TextEncoder().encode(text.slice(0, kept.chars)).length);
    const log = new StateLog(fs.openSync(file, 'a'), file, dir, kept.blocksEnd);
    if (size >= 0) {
      fs.truncateSync(blocksFile, kept.blocksEnd);
      log.blocksFd = fs.openSync(blocksFile, 'a');
    }
    return log;
  }

  /** Append a line of text (a record without blocks: headerLine, completeLine). */
  append(line: string): void {
    fs.writeSync(this.fd, line);
    this.syncNowAndThen();
  }

  /** Append a record: its blocks to BLOCKS_FILE, then its line (recordBytes). */
  appendRecord(record: object): void {
    const r = recordBytes(record, this.blocksEnd);
    if (r.blocks.length) {
      if (this.blocksFd === null) {
        this.blocksFd = fs.openSync(path.join(this.dir, BLOCKS_FILE), 'a');
        this.blocksNew = true;
      }
      writeAll(this.blocksFd, r.blocks);
      this.blocksEnd += r.blockBytes;
    }
    writeAll(this.fd, [r.line]);
    this.syncNowAndThen();
  }

  private syncNowAndThen(): void {
    if (performance.now() - this.lastSync >= FSYNC_INTERVAL_MS || (this.blocksNew && !this.pending)) this.syncInBackground(this.blocksNew);
  }

  /**
   * fsync the blocks and the log (and, with `folder`, their folder, so a new file's entry survives a crash: not every
   * platform can fsync a folder) on the thread pool; skipped while one is in flight.
   */
  private syncInBackground(folder = false): void {
    if (this.pending) return;
    this.lastSync = performance.now();
    if (folder) this.blocksNew = false;
    const fds = this.fds();
    this.pending = new Promise<void>((resolve) => {
      const done = () => { this.pending = null; resolve(); };
      const next = (i: number) => {
        if (i < fds.length) {
          fs.fsync(fds[i]!, (e) => {
            if (e) this.failure ??= e;
            next(i + 1);
          });
          return;
        }
        if (!folder) return done();
        fs.open(this.dir, 'r', (oe, dfd) => {
          if (oe) return done();
          fs.fsync(dfd, () => fs.close(dfd, done));
        });
      };
      next(0);
    });
  }

  /** The open descriptors, blocks first. */
  private fds(): number[] {
    return this.blocksFd === null ? [this.fd] : [this.blocksFd, this.fd];
  }

  /** Flush the log to the disk now. */
  sync(): void {
    for (const fd of this.fds()) fs.fsyncSync(fd);
    this.lastSync = performance.now();
  }

  /**
   * Flush at once and close (a failed or stopped run, a merged state). The log is on the disk when this returns; the
   * descriptors are closed now, or, while a background fsync still uses them, once that fsync is done (closing one
   * under the fsync could let it reach a file that reuses the descriptor's number).
   */
  close(): void {
    const fds = this.fds();
    const closeAll = () => { for (const fd of fds) fs.closeSync(fd); };
    try {
      this.sync();
    } finally {
      if (this.pending) void this.pending.then(closeAll).catch(() => undefined);
      else closeAll();
    }
  }

  /** Flush and close without blocking: the finished run's summary is computed meanwhile. Rejects if an fsync failed. */
  async finish(): Promise<void> {
    await this.pending;
    const fds = this.fds();
    const fsync = (fd: number) => new Promise<void>((resolve, reject) => fs.fsync(fd, (e) => (e ? reject(e) : resolve())));
    try {
      for (const fd of fds) await fsync(fd);
      if (this.blocksNew) {
        // the blocks file's folder entry, not yet synced (its first fsync found another in flight)
        const dfd = await new Promise<number | null>((resolve) => fs.open(this.dir, 'r', (e, d) => resolve(e ? null : d)));
        if (dfd !== null) await fsync(dfd).catch(() => undefined).finally(() => fs.closeSync(dfd));
      }
    } finally {
      for (const fd of fds) fs.closeSync(fd);
    }
    if (this.failure) throw this.failure;
  }
}

/** Write a whole state (a merge of shards) as a new log, in this version's format whatever the state was read from. */
export function writeState(dir: string, s: RunState): void {
  const { complete, updatedAt, batches, ...header } = s;
  const log = StateLog.create(dir, { ...header, format: STATE_FORMAT });
  try {
    for (const b of batches) log.appendRecord({ kind: 'batch', ...b });
    if (complete) log.append(completeLine(updatedAt));
  } finally {
    log.close();
  }
}

/** The state of a run folder (its log and blocks), checked (stateFromText). */
export async function readState(dir: string): Promise<RunState> {
  await loadFsModules();
  const file = path.join(dir, STATE_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new StateError(`no ${STATE_FILE} in ${dir}: not a run directory, or the run never started`);
  }
  const blocksFile = path.join(dir, BLOCKS_FILE);
  return stateFromText(text, file, fs.existsSync(blocksFile) ? fs.readFileSync(blocksFile) : null);
}
