/**
 * The run's state file, DIR/state.json: everything needed to resume, merge shards, or rebuild the report — the
 * experiment as given (file JSON and command-line overrides), code identity, engine, shard, and the statistics of
 * every finished batch of every grid point (accumulators per checkpoint, serialised with sparse histograms).
 *
 * Writes are atomic: the JSON goes to DIR/state.json.tmp, is fsync'ed, then renamed over state.json (rename is atomic
 * on POSIX file systems), and the directory is fsync'ed. A kill at any moment (SIGKILL included) leaves either the
 * previous state or the new one, never a torn file. A SHA-256 checksum over the payload detects a corrupted or
 * hand-edited file, which is refused rather than trusted.
 */
import { accumulatorFromJSON, accumulatorToJSON, type CheckpointAccumulator } from '../stats/checkpoint-stats.ts';
import type { EngineInfo } from '../engines/types.ts';

export const STATE_FORMAT = 'stdp-mc-state/1';
export const STATE_FILE = 'state.json';

export class StateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StateError';
  }
}

/** One finished batch: trajectories [range[0], range[1]) of grid point `point`. */
export interface BatchRecord {
  point: number;
  batch: number;
  range: [number, number];
  checkpoints: CheckpointAccumulator[];
  paths?: number[][][];
  seconds: number;
  dispatches: number;
}

export interface Shard {
  /** 1-based: shard i of n runs the batches b with b mod n = i − 1. */
  index: number;
  count: number;
}

export interface RunIdentity {
  /** SHA-256 of the canonical JSON of `source`: what the experiment is, whatever file it came from. */
  experimentHash: string;
  source: { experiment: unknown; overrides: Record<string, unknown> };
  name: string;
  seed: number | string;
  version: string;
  gitCommit: string | null;
  engine: string;
}

export interface RunState extends RunIdentity {
  format: typeof STATE_FORMAT;
  shard: Shard | null;
  engineInfo: EngineInfo & { reason?: string };
  /** True once every batch this process (or shard) is responsible for has finished. */
  complete: boolean;
  createdAt: string;
  updatedAt: string;
  batches: BatchRecord[];
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

export async function sha256(text: string): Promise<string> {
  const { createHash } = await import('node:crypto');
  return createHash('sha256').update(text).digest('hex');
}

export async function experimentHash(source: RunIdentity['source']): Promise<string> {
  const exp = { ...(source.experiment as Record<string, unknown>) };
  delete exp.$schema;
  delete exp.description;
  return sha256(canonicalJson({ experiment: exp, overrides: source.overrides }));
}

function batchToJSON(b: BatchRecord): object {
  return { ...b, checkpoints: b.checkpoints.map(accumulatorToJSON) };
}

function batchFromJSON(o: any): BatchRecord {
  return { ...o, checkpoints: (o.checkpoints as unknown[]).map(accumulatorFromJSON) };
}

/** Serialise with the checksum over the payload (the JSON text without the checksum field). */
export async function stateToText(s: RunState): Promise<string> {
  const payload = { ...s, batches: s.batches.map(batchToJSON) };
  const body = JSON.stringify(payload);
  return JSON.stringify({ checksum: await sha256(body), payload: JSON.parse(body) }) + '\n';
}

/** Parse and verify a state file's text; `where` names the file in error messages. */
export async function stateFromText(text: string, where: string): Promise<RunState> {
  let outer: any;
  try {
    outer = JSON.parse(text);
  } catch (e) {
    throw new StateError(`${where} is corrupted (not valid JSON: ${(e as Error).message}); it was not used`);
  }
  if (!outer || typeof outer !== 'object' || typeof outer.checksum !== 'string' || !outer.payload) {
    throw new StateError(`${where} is not an stdp-mc state file (no checksum or payload)`);
  }
  const body = JSON.stringify(outer.payload);
  if ((await sha256(body)) !== outer.checksum) {
    throw new StateError(`${where} is corrupted (checksum mismatch: the file was truncated or edited); it was not used`);
  }
  const p = outer.payload;
  if (p.format !== STATE_FORMAT) throw new StateError(`${where} has format ${JSON.stringify(p.format)}, expected ${STATE_FORMAT}`);
  return { ...p, batches: (p.batches as unknown[]).map(batchFromJSON) };
}

/** Atomic write: temporary file, fsync, rename, fsync of the directory. Synchronous, so a signal cannot split it. */
export async function writeStateAtomic(dir: string, s: RunState): Promise<void> {
  const text = await stateToText(s);
  writeFileAtomicSync(dir, STATE_FILE, text);
}

let fsSync: typeof import('node:fs') | null = null;
let pathMod: typeof import('node:path') | null = null;

export async function loadFsModules(): Promise<void> {
  fsSync ??= await import('node:fs');
  pathMod ??= await import('node:path');
}

export function writeFileAtomicSync(dir: string, name: string, text: string): void {
  const fs = fsSync!, path = pathMod!;
  const file = path.join(dir, name), tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  try {
    const dfd = fs.openSync(dir, 'r');
    try { fs.fsyncSync(dfd); } finally { fs.closeSync(dfd); }
  } catch {
    /* directories cannot be fsync'ed on every platform; the rename is still atomic */
  }
}

export async function readState(dir: string): Promise<RunState> {
  await loadFsModules();
  const file = pathMod!.join(dir, STATE_FILE);
  let text: string;
  try {
    text = fsSync!.readFileSync(file, 'utf8');
  } catch {
    throw new StateError(`no ${STATE_FILE} in ${dir}: not a run directory, or the run never finished a batch`);
  }
  return stateFromText(text, file);
}

/** Refuse to resume or merge states that are not the same experiment with the same code. */
export function identityMismatch(a: RunIdentity, b: RunIdentity, what: string): string | null {
  if (String(a.seed) !== String(b.seed)) return `${what}: seed ${JSON.stringify(b.seed)} differs from ${JSON.stringify(a.seed)}`;
  if (a.experimentHash !== b.experimentHash) return `${what}: a different experiment (or different command-line overrides)`;
  if (a.version !== b.version) return `${what}: stdp-mc version ${b.version} differs from ${a.version}`;
  if (a.gitCommit !== b.gitCommit) return `${what}: code commit ${b.gitCommit ?? 'unknown'} differs from ${a.gitCommit ?? 'unknown'}`;
  if (a.engine !== b.engine) return `${what}: engine ${b.engine} differs from ${a.engine}`;
  return null;
}
