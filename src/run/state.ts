/**
 * The run's state, DIR/state.jsonl: an append-only log of checksummed records, one per line, written at O(batch)
 * cost. Line 1 is the header: the experiment as given (file JSON and command-line overrides), its hash, the model,
 * code identity, engine and shard. Each later line is one finished batch (its model's statistics as JSON) or the
 * mark that the run is complete. Every line is `<sha256 of the JSON> <JSON>`.
 *
 * A record is appended with one write before the next batch starts; once written it survives any kill of the process
 * (SIGKILL included: the kernel holds it). A kill at any moment leaves at most a torn last line — no newline at its
 * end — which is dropped on reading (that batch runs again on resume). Against a crash of the machine itself the log
 * is fsync'ed when it is created, at most once a second, and when it is closed, on the thread pool beside the run (an
 * fsync per batch, waited for, cost a quarter of a short run's time), so an operating-system crash or power loss loses
 * at most the last second or so of batches, which rerun on resume. A line that ends in a newline but whose checksum
 * does not match was edited or corrupted, and the state is refused rather than trusted.
 */
import { overrideFlags } from '../core/provenance.ts';
import { jsonPieces, jsonText } from '../core/packed-floats.ts';
import type { EngineInfo } from '../engines/types.ts';
import type { Shard } from './model.ts';
import type { BatchRecord } from './run-ensemble.ts';

export const STATE_FORMAT = 'stdp-mc-state/2';
export const STATE_FILE = 'state.jsonl';

export class StateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StateError';
  }
}

export interface RunIdentity {
  /** SHA-256 of the canonical JSON of `source`: what the experiment is, whatever file it came from. */
  experimentHash: string;
  source: { experiment: unknown; overrides: Record<string, unknown> };
  /** scenario.model of the experiment. */
  model: string;
  name: string;
  seed: number | string;
  version: string;
  gitCommit: string | null;
  engine: string;
}

export interface StateHeader extends RunIdentity {
  format: typeof STATE_FORMAT;
  shard: Shard | null;
  engineInfo: EngineInfo & { reason?: string };
  createdAt: string;
  /**
   * Whether the working tree had uncommitted changes when the run started (null: not a git checkout; absent in logs
   * written before it was recorded). Not part of the identity: a resume in a changed tree is allowed, and its summary
   * says the code may have differed (combinedDirty).
   */
  gitDirty?: boolean | null;
}

/**
 * The summary's gitDirty for batches run from two trees, the state's and this process's: true where either had
 * uncommitted changes (the batches may then come from different code), false where both were clean, else unknown.
 */
export function combinedDirty(a: boolean | null | undefined, b: boolean | null | undefined): boolean | null {
  if (a === true || b === true) return true;
  return a === false && b === false ? false : null;
}

/** A state as read back: the header, the batches (statistics still as JSON) and whether the run finished. */
export interface RunState extends StateHeader {
  complete: boolean;
  updatedAt: string;
  batches: BatchRecord<unknown>[];
}

/** JSON with object keys sorted, so equal values hash equally whatever the key order in the file. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

let crypto: typeof import('node:crypto') | null = null;

/** SHA-256 (hex); loadFsModules() must have run. */
export function sha256Sync(text: string): string {
  return crypto!.createHash('sha256').update(text).digest('hex');
}

export async function sha256(text: string): Promise<string> {
  await loadFsModules();
  return sha256Sync(text);
}

export async function experimentHash(source: RunIdentity['source']): Promise<string> {
  return sha256(canonicalJson({ experiment: hashedExperiment(source.experiment), overrides: source.overrides }));
}

/** The part of an experiment file its identity hashes: all of it but $schema and the description. */
function hashedExperiment(experiment: unknown): unknown {
  const exp = { ...(experiment as Record<string, unknown>) };
  delete exp.$schema;
  delete exp.description;
  return exp;
}

/** One log line: checksum, space, JSON, newline. */
export function stateLine(record: object): string {
  const json = jsonText(record)!;
  return `${sha256Sync(json)} ${json}\n`;
}

/**
 * stateLine(record) as bytes: the same line, its pieces encoded once each and hashed and written as they are (no
 * copy of the whole line as one string; StateLog.append writes them with one writev).
 */
export function stateLineBytes(record: object): Uint8Array[] {
  const pieces: string[] = [], blocks = new Set<number>();
  jsonPieces(record, pieces, blocks);
  // The base64 blocks stay pieces of their own (ASCII: their latin1 bytes are their UTF-8); the rest is joined.
  const bytes: Uint8Array[] = [];
  let run = '';
  const B = (globalThis as unknown as { Buffer: { from(s: string, e: string): Uint8Array } }).Buffer;
  pieces.forEach((p, i) => {
    if (!blocks.has(i)) { run += p; return; }
    if (run) bytes.push(B.from(run, 'utf8'));
    bytes.push(B.from(p, 'latin1'));
    run = '';
  });
  if (run) bytes.push(B.from(run, 'utf8'));
  const hash = crypto!.createHash('sha256');
  for (const b of bytes) hash.update(b);
  return [B.from(`${hash.digest('hex')} `, 'utf8'), ...bytes, B.from('\n', 'utf8')];
}

export function headerLine(h: StateHeader): string {
  return stateLine({ kind: 'header', ...h });
}

export function batchLine(b: BatchRecord<unknown>): string {
  return stateLine({ kind: 'batch', ...b });
}

/** batchLine as bytes (stateLineBytes): what a running batch appends. */
export function batchLineBytes(b: BatchRecord<unknown>): Uint8Array[] {
  return stateLineBytes({ kind: 'batch', ...b });
}

export function completeLine(at: string): string {
  return stateLine({ kind: 'complete', at });
}

/** Parse and verify a state log's text; `where` names the file in error messages. */
export function stateFromText(text: string, where: string): RunState {
  const lines = text.split('\n');
  // A last piece without its newline is a record torn by a kill during its append: it never counted.
  lines.pop();
  let header: StateHeader | null = null;
  let complete = false, updatedAt = '', dirtyBatch = false;
  const batches: BatchRecord<unknown>[] = [];
  lines.forEach((line, k) => {
    const sp = line.indexOf(' ');
    const sum = line.slice(0, sp), json = line.slice(sp + 1);
    if (sp !== 64 || sha256Sync(json) !== sum) {
      throw new StateError(`${where} is corrupted (line ${k + 1}: checksum mismatch, the file was edited or damaged); it was not used`);
    }
    const rec = JSON.parse(json);
    if (k === 0) {
      if (rec.kind !== 'header') throw new StateError(`${where} is not an stdp-mc state log (no header)`);
      if (rec.format !== STATE_FORMAT) throw new StateError(`${where} has format ${JSON.stringify(rec.format)}, expected ${STATE_FORMAT}`);
      const { kind: _k, ...h } = rec;
      header = h;
      updatedAt = h.createdAt;
      return;
    }
    if (rec.kind === 'batch') {
      // A batch run from a tree with uncommitted changes says so (a resume's tree may differ from the header's).
      const { kind: _k, gitDirty, ...b } = rec;
      if (gitDirty === true) dirtyBatch = true;
      batches.push(b);
    } else if (rec.kind === 'complete') {
      complete = true;
      updatedAt = rec.at;
    } else {
      throw new StateError(`${where}: line ${k + 1} has an unknown record kind ${JSON.stringify(rec.kind)}`);
    }
  });
  if (!header) throw new StateError(`${where} is empty or not an stdp-mc state log`);
  const h = header as StateHeader;
  return { ...h, ...(dirtyBatch ? { gitDirty: true } : {}), complete, updatedAt, batches };
}

let fsSync: typeof import('node:fs') | null = null;
let pathMod: typeof import('node:path') | null = null;

export async function loadFsModules(): Promise<void> {
  fsSync ??= await import('node:fs');
  pathMod ??= await import('node:path');
  crypto ??= await import('node:crypto');
}

/** Write all of the pieces at the end of fd: one writev, continued where the kernel wrote less. */
function writeAll(fd: number, pieces: Uint8Array[]): void {
  let rest = pieces;
  for (;;) {
    let n = fsSync!.writevSync(fd, rest);
    let i = 0;
    while (i < rest.length && n >= rest[i]!.length) n -= rest[i++]!.length;
    if (i === rest.length) return;
    rest = [rest[i]!.subarray(n), ...rest.slice(i + 1)];
  }
}

/** Seconds between fsyncs of an open log (see the file's comment). */
const FSYNC_INTERVAL_MS = 1000;

/**
 * The open state log of a run in progress. Appends are synchronous (one write), so a signal handler never sees half a
 * record. The fsyncs (the new log and its folder, then at most once a second, and at the end) run on the thread pool
 * while the run goes on: a batch's simulation or the summary does not wait for the disk (an fsync here takes 1–6 ms,
 * a few per cent of a short run).
 */
export class StateLog {
  private lastSync = performance.now();
  /** The fsync in flight (at most one), and the first error one met (reported by finish). */
  private pending: Promise<void> | null = null;
  private failure: Error | null = null;
  private constructor(private readonly fd: number, readonly file: string) {}

  /** Start a new log in `dir` with its header (replacing any earlier one). */
  static create(dir: string, header: StateHeader): StateLog {
    const file = pathMod!.join(dir, STATE_FILE);
    const fd = fsSync!.openSync(file, 'w');
    const log = new StateLog(fd, file);
    log.append(headerLine(header));
    log.syncInBackground(dir);
    return log;
  }

  /** Reopen the log of `dir` for appending, cutting a torn last record first. */
  static reopen(dir: string): StateLog {
    const file = pathMod!.join(dir, STATE_FILE);
    const text = fsSync!.readFileSync(file, 'utf8');
    const keep = new TextEncoder().encode(text.slice(0, text.lastIndexOf('\n') + 1)).length;
    fsSync!.truncateSync(file, keep);
    return new StateLog(fsSync!.openSync(file, 'a'), file);
  }

  /** Append a line: its text, or its bytes in pieces (stateLineBytes), with one write. */
  append(line: string | Uint8Array[]): void {
    if (typeof line === 'string') fsSync!.writeSync(this.fd, line);
    else writeAll(this.fd, line);
    if (performance.now() - this.lastSync >= FSYNC_INTERVAL_MS) this.syncInBackground();
  }

  /** fsync the log (and `dir`, the folder that holds it, when given) on the thread pool; skipped while one is in flight. */
  private syncInBackground(dir?: string): void {
    if (this.pending) return;
    this.lastSync = performance.now();
    this.pending = new Promise<void>((resolve) => {
      const done = () => { this.pending = null; resolve(); };
      fsSync!.fsync(this.fd, (e) => {
        if (e) this.failure ??= e;
        if (!dir) return done();
        // The folder too, so the new file's entry survives a crash (not every platform can fsync a folder).
        fsSync!.open(dir, 'r', (oe, dfd) => {
          if (oe) return done();
          fsSync!.fsync(dfd, () => fsSync!.close(dfd, done));
        });
      });
    });
  }

  /** Flush the log to the disk now. */
  sync(): void {
    fsSync!.fsyncSync(this.fd);
    this.lastSync = performance.now();
  }

  /**
   * Flush at once and close (a failed or stopped run, a merged state). The log is on the disk when this returns; the
   * descriptor is closed now, or, while a background fsync still uses it, once that fsync is done (closing it under
   * the fsync could let it reach a file that reuses the descriptor's number).
   */
  close(): void {
    try {
      this.sync();
    } finally {
      if (this.pending) void this.pending.then(() => fsSync!.closeSync(this.fd)).catch(() => undefined);
      else fsSync!.closeSync(this.fd);
    }
  }

  /** Flush and close without blocking: the finished run's summary is computed meanwhile. Rejects if an fsync failed. */
  async finish(): Promise<void> {
    await this.pending;
    try {
      await new Promise<void>((resolve, reject) => fsSync!.fsync(this.fd, (e) => (e ? reject(e) : resolve())));
    } finally {
      fsSync!.closeSync(this.fd);
    }
    if (this.failure) throw this.failure;
  }
}

/** Write a whole state (a merge of shards) as a new log. */
export function writeState(dir: string, s: RunState): void {
  const { complete, updatedAt, batches, ...header } = s;
  const log = StateLog.create(dir, header);
  try {
    for (const b of batches) log.append(batchLine(b));
    if (complete) log.append(completeLine(updatedAt));
  } finally {
    log.close();
  }
}

export async function readState(dir: string): Promise<RunState> {
  await loadFsModules();
  const file = pathMod!.join(dir, STATE_FILE);
  let text: string;
  try {
    text = fsSync!.readFileSync(file, 'utf8');
  } catch {
    throw new StateError(`no ${STATE_FILE} in ${dir}: not a run directory, or the run never started`);
  }
  return stateFromText(text, file);
}

/** Command-line values as flags ("--trajectories 300 --steps 50"), or "none". */
export function commandLineValues(o: Record<string, unknown>): string {
  return overrideFlags(o).join(' ') || 'none';
}

/**
 * Refuse to resume or merge states that are not the same experiment with the same code. `sides` names a and b where
 * their command-line values differ (a resume: the run and this command; a merge: two shard folders).
 */
export function identityMismatch(a: RunIdentity, b: RunIdentity, what: string, sides: [string, string] = ['the run had', 'this command']): string | null {
  if (a.model !== b.model) return `${what}: model ${b.model} differs from ${a.model}`;
  if (String(a.seed) !== String(b.seed)) return `${what}: seed ${JSON.stringify(b.seed)} differs from ${JSON.stringify(a.seed)}`;
  if (a.experimentHash !== b.experimentHash) {
    // Name the difference: the file's experiment, or the command-line values (--trajectories, --steps, …).
    if (canonicalJson(hashedExperiment(a.source.experiment)) !== canonicalJson(hashedExperiment(b.source.experiment))) {
      return `${what}: a different experiment (the file's contents differ)`;
    }
    return `${what}: different command-line values: ${sides[0]} ${commandLineValues(a.source.overrides)}, ${sides[1]} ${commandLineValues(b.source.overrides)}`;
  }
  if (a.version !== b.version) return `${what}: stdp-mc version ${b.version} differs from ${a.version}`;
  if (a.gitCommit !== b.gitCommit) return `${what}: code commit ${b.gitCommit ?? 'unknown'} differs from ${a.gitCommit ?? 'unknown'}`;
  if (a.engine !== b.engine) return `${what}: engine ${b.engine} differs from ${a.engine}`;
  return null;
}
