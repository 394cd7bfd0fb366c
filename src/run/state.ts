/**
 * The run's state, DIR/state.jsonl: an append-only log of checksummed records, one per line, written at O(batch)
 * cost. Line 1 is the header: the experiment as given (file JSON and command-line overrides), its hash, the model,
 * code identity, engine and shard. Each later line is one finished batch (its model's statistics as JSON) or the
 * mark that the run is complete. Every line is `<sha256 of the JSON> <JSON>`.
 *
 * Binary blocks (a model's packed statistics and kept paths: src/core/packed-floats.ts PackedBytes) are appended raw
 * to DIR/state.blocks, before the line that refers to them. In the line each block is `{"$block": i}`, and the record
 * ends with `"blocks": {"at", "bytes", "crc32"}`: where its blocks start in state.blocks, their lengths, and the
 * CRC-32 of their bytes, which the line's own checksum covers. Logs of format stdp-mc-state/2 hold such blocks as
 * base64 inside their lines (as JSON.stringify writes them), and still read.
 *
 * A record is appended with one write per file before the next batch starts; once written it survives any kill of
 * the process (SIGKILL included: the kernel holds it). A kill at any moment leaves at most a torn last line — no
 * newline at its end — which is dropped on reading (that batch runs again on resume), and perhaps blocks no line
 * refers to yet, cut on resume. Against a crash of the machine itself both files are fsync'ed when they are created,
 * at most once a second, and when the log is closed, on the thread pool beside the run (an fsync per batch, waited
 * for, cost a quarter of a short run's time), so an operating-system crash or power loss loses at most the last
 * second or so of batches, which rerun on resume: lines at the end whose blocks did not reach the disk are dropped as
 * torn lines are. A line that ends in a newline but whose checksum, or whose blocks' checksum, does not match was
 * edited or corrupted, and the state is refused rather than trusted.
 */
import { overrideFlags } from '../core/provenance.ts';
import { BLOCKS_FILE, blockViews, blocksChecksum, blocksField, jsonWithBlocks, putBlocks } from './state-blocks.ts';
import type { EngineInfo } from '../engines/types.ts';
import type { Shard } from './model.ts';
import type { BatchRecord } from './run-ensemble.ts';

export const STATE_FORMAT = 'stdp-mc-state/3';
/** The formats this version reads: /2 is /3 without the blocks file (blocks as base64 in the lines). */
const READABLE_FORMATS: readonly string[] = ['stdp-mc-state/2', STATE_FORMAT];
export const STATE_FILE = 'state.jsonl';
export { BLOCKS_FILE, keptLog } from './state-blocks.ts';

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
  /** STATE_FORMAT when written; a log read back may be of an older readable format. */
  format: string;
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
/** For zlib.crc32 (the blocks' checksum), where this Node has it. */
let zlib: { crc32?: (data: Uint8Array, value?: number) => number } | null = null;

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

/** One log line: checksum, space, JSON, newline (blocks, if any, inside it as base64: PackedBytes.toJSON). */
export function stateLine(record: object): string {
  const json = JSON.stringify(record);
  return `${sha256Sync(json)} ${json}\n`;
}

export function headerLine(h: StateHeader): string {
  return stateLine({ kind: 'header', ...h });
}

export function batchLine(b: BatchRecord<unknown>): string {
  return stateLine({ kind: 'batch', ...b });
}

export function completeLine(at: string): string {
  return stateLine({ kind: 'complete', at });
}

/** A record as written: its blocks (for BLOCKS_FILE, at offset `at`), their total length, and its line's bytes. */
export interface RecordBytes {
  blocks: Uint8Array[];
  blockBytes: number;
  line: Uint8Array;
}

/**
 * The bytes of a record whose blocks start at `at` in BLOCKS_FILE (see the file's comment). A record without blocks
 * is stateLine(record).
 */
export function recordBytes(record: object, at: number): RecordBytes {
  const blocks: Uint8Array[] = [];
  let json = jsonWithBlocks(record, blocks)!;
  let blockBytes = 0;
  if (blocks.length) {
    if ('blocks' in record) throw new Error('a state record with blocks cannot have a field of its own named "blocks"');
    const bytes: number[] = new Array(blocks.length);
    for (let i = 0; i < blocks.length; i++) {
      bytes[i] = blocks[i]!.byteLength;
      blockBytes += bytes[i]!;
    }
    json = `${json.slice(0, -1)},"blocks":${JSON.stringify({ at, bytes, crc32: blocksChecksum(blocks, zlib?.crc32) })}}`;
  }
  const B = (globalThis as unknown as { Buffer: { from(s: string, e: string): Uint8Array } }).Buffer;
  return { blocks, blockBytes, line: B.from(`${sha256Sync(json)} ${json}\n`, 'utf8') };
}

/**
 * Give a record its blocks from BLOCKS_FILE's bytes: false where they lie beyond its end (never written there: a
 * crash's tail); throws where they do not match their checksum.
 */
function attachBlocks(rec: Record<string, unknown>, file: Uint8Array | null, where: string, line: number): boolean {
  const corrupted = (what: string) => new StateError(`${where} is corrupted (line ${line}: ${what}); it was not used`);
  const b = blocksField(rec.blocks);
  if (!b) throw corrupted('its blocks field is not an offset, lengths and a checksum');
  if (!file) throw new StateError(`${where}: line ${line} keeps its statistics in ${BLOCKS_FILE}, which is missing beside it; it was not used`);
  const views = blockViews(file, b);
  if (!views) return false;
  if (blocksChecksum(views, zlib?.crc32) !== b.crc32) throw corrupted(`its blocks in ${BLOCKS_FILE} do not match their checksum`);
  delete rec.blocks;
  const bad = putBlocks(rec, views);
  if (bad) throw corrupted(`a block reference ${JSON.stringify(bad.ref)} outside its ${views.length} blocks`);
  return true;
}

/**
 * Parse and verify a state log's text; `where` names the file in error messages; `blocks`: the bytes of its
 * BLOCKS_FILE (null where there is none).
 */
export function stateFromText(text: string, where: string, blocks: Uint8Array | null = null): RunState {
  const lines = text.split('\n');
  // A last piece without its newline is a record torn by a kill during its append: it never counted.
  lines.pop();
  let header: StateHeader | null = null;
  let complete = false, updatedAt = '', dirtyBatch = false;
  // The first line whose blocks are not in BLOCKS_FILE: a crash's tail (see the file's comment), dropped from there on.
  let tail = -1;
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
      if (!READABLE_FORMATS.includes(rec.format)) throw new StateError(`${where} has format ${JSON.stringify(rec.format)}, expected ${STATE_FORMAT}`);
      const { kind: _k, ...h } = rec;
      header = h;
      updatedAt = h.createdAt;
      return;
    }
    if (rec && typeof rec === 'object' && 'blocks' in rec) {
      if (!attachBlocks(rec, blocks, where, k + 1)) {
        if (tail < 0) tail = k;
        return;
      }
      if (tail >= 0) {
        throw new StateError(`${where} is corrupted (line ${tail + 1}: its blocks are not in ${BLOCKS_FILE}, but those of line ${k + 1} are); it was not used`);
      }
    }
    if (tail >= 0) return;
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

/**
 * Load what the log's checksums need (node:crypto and node:zlib, loaded here rather than imported, so that this module also loads
 * where Node's modules are not: the page reads and merges states too). The files themselves: src/run/state-log.ts.
 */
export async function loadFsModules(): Promise<void> {
  crypto ??= await import('node:crypto');
  zlib ??= await import('node:zlib');
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
