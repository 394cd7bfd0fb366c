/**
 * The binary blocks of a state log's records (src/run/state.ts): how a record's JSON refers to them and where they lie
 * in BLOCKS_FILE. A block is a Uint8Array (src/core/packed-floats.ts PackedBytes) that is the value of a key of a
 * plain object in the record; the line holds {"$block": i} in its place and, last, the record's `blocks` field:
 * { at, bytes, crc32 }, the offset of its first block in BLOCKS_FILE, their lengths and their bytes' CRC-32 (zlib's,
 * as 8 hex digits: a checksum against damage, as the line's SHA-256 is, in half of SHA-256's time cold and a third
 * warm over the 0.8 MB of blocks of a short run here).
 */
import { PackedBytes } from '../core/packed-floats.ts';

/** The file beside the log (STATE_FILE) that holds its records' blocks, one record's after another's. */
export const BLOCKS_FILE = 'state.blocks';

/** A plain data object (JSON.stringify writes its own enumerable keys in order). */
function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (!x || typeof x !== 'object' || Array.isArray(x)) return false;
  const proto = Object.getPrototypeOf(x);
  return (proto === Object.prototype || proto === null) && typeof (x as { toJSON?: unknown }).toJSON !== 'function';
}

/** Does x hold, as the value of a key of x or of a plain object inside it (not inside arrays), a Uint8Array? */
function holdsBlock(x: Record<string, unknown>): boolean {
  for (const k of Object.keys(x)) {
    const y = x[k];
    if (y instanceof Uint8Array || (isPlainObject(y) && holdsBlock(y))) return true;
  }
  return false;
}

/**
 * JSON.stringify(v), except that each Uint8Array that is the value of a key of a plain object (reached through plain
 * objects, as the packers nest them) is written as {"$block": i} and pushed on `blocks` (i its index there).
 */
export function jsonWithBlocks(v: unknown, blocks: Uint8Array[]): string | undefined {
  if (!isPlainObject(v) || !holdsBlock(v)) return JSON.stringify(v);
  let out = '{', sep = '';
  for (const k of Object.keys(v)) {
    const x = v[k];
    let text: string | undefined;
    if (x instanceof Uint8Array) {
      text = `{"$block":${blocks.length}}`;
      blocks.push(x);
    } else text = jsonWithBlocks(x, blocks);
    if (text === undefined) continue; // undefined and functions are left out, as JSON.stringify leaves them
    out += `${sep}${JSON.stringify(k)}:${text}`;
    sep = ',';
  }
  return `${out}}`;
}

/** Where a record's blocks lie in BLOCKS_FILE (its `blocks` field), checked to be whole numbers. */
export interface BlocksField {
  at: number;
  bytes: number[];
  crc32: string;
}

export function blocksField(x: unknown): BlocksField | null {
  const b = x as BlocksField;
  const whole = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;
  return b && typeof b === 'object' && whole(b.at) && Array.isArray(b.bytes) && b.bytes.every(whole) && typeof b.crc32 === 'string' ? b : null;
}

/** The end of a record's blocks in BLOCKS_FILE. */
export function blocksEnd(b: BlocksField): number {
  return b.bytes.reduce((a, n) => a + n, b.at);
}

/**
 * Replace each {"$block": i} inside plain objects of v (as jsonWithBlocks wrote them) by views[i], in place. Returns
 * the first reference that names no block ({ ref }), or null.
 */
export function putBlocks(v: Record<string, unknown>, views: readonly PackedBytes[]): { ref: unknown } | null {
  for (const k of Object.keys(v)) {
    const y = v[k];
    if (!isPlainObject(y)) continue;
    const keys = Object.keys(y);
    if (keys.length === 1 && keys[0] === '$block') {
      const i = y.$block;
      if (!(Number.isInteger(i) && (i as number) >= 0 && (i as number) < views.length)) return { ref: i };
      v[k] = views[i as number];
    } else {
      const bad = putBlocks(y, views);
      if (bad) return bad;
    }
  }
  return null;
}

/** Views of a record's blocks in the bytes of BLOCKS_FILE, or null where they reach beyond its end. */
export function blockViews(file: Uint8Array, b: BlocksField): PackedBytes[] | null {
  if (blocksEnd(b) > file.length) return null;
  const views: PackedBytes[] = [];
  let at = b.at;
  for (const n of b.bytes) {
    views.push(new PackedBytes(file.buffer as ArrayBuffer, file.byteOffset + at, n));
    at += n;
  }
  return views;
}

/**
 * What a resumed run keeps of its log (checked by stateFromText before): the characters of its whole lines up to the
 * first whose blocks lie beyond BLOCKS_FILE's `blocksSize` bytes, and the end of the blocks those lines refer to.
 */
export function keptLog(text: string, blocksSize: number): { chars: number; blocksEnd: number } {
  let pos = 0, end = 0;
  for (;;) {
    const nl = text.indexOf('\n', pos);
    if (nl < 0) break;
    let b: BlocksField | null = null;
    try {
      b = blocksField(JSON.parse(text.slice(text.indexOf(' ', pos) + 1, nl))?.blocks);
    } catch { /* not JSON: readState refuses such a log before */ }
    if (b) {
      if (blocksEnd(b) > blocksSize) break;
      end = Math.max(end, blocksEnd(b));
    }
    pos = nl + 1;
  }
  return { chars: pos, blocksEnd: end };
}

/** The CRC-32 table (IEEE polynomial, reflected: 0xEDB88320). */
let crcTable: Uint32Array | null = null;

/** CRC-32 of bytes continued from `prev` (the CRC of what came before; 0 to start), as zlib.crc32(bytes, prev) gives it. */
export function crc32(bytes: Uint8Array, prev = 0): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = ~prev;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/**
 * The CRC-32 of a record's blocks one after another, as 8 hex digits: with `native` (Node's zlib.crc32, Node ≥ 20.15
 * and 22.2) where there is one, else crc32 above (the same numbers, slower).
 */
export function blocksChecksum(blocks: readonly Uint8Array[], native?: ((b: Uint8Array, prev: number) => number) | null): string {
  let c = 0;
  for (const b of blocks) c = native ? native(b, c) : crc32(b, c);
  return (c >>> 0).toString(16).padStart(8, '0');
}
