/**
 * A rectangular array of numbers (rows × columns × …) in the state log as its float64 bytes with its shape: the exact
 * bits come back (NaN, ±Infinity and −0 included), and encoding and decoding run at memory speed instead of number
 * formatting and parsing. Kept sample paths (trajectories × checkpoints × inputs) are most of a state log's bytes.
 * Bytes are little-endian (as Float64Array is on every platform this runs on, which the decoder checks).
 *
 * The packed form holds the bytes themselves (PackedBytes). The state log writes them as they are into its binary
 * file beside the JSON lines (src/run/state.ts); JSON.stringify writes them as base64 text (PackedBytes.toJSON), which
 * is how logs before that file hold them and how a state reads through plain JSON. Readers take either.
 */

/**
 * Bytes of a packed block. As JSON (JSON.stringify, a state line without the binary file) they are base64 text; the
 * state log's writer finds them as Uint8Arrays and writes them raw (base64 was most of the cost of writing a short
 * run's log: an encode, a copy and a third more bytes to hash and write).
 */
export class PackedBytes extends Uint8Array {
  toJSON(): string {
    return toBase64(this);
  }
}

/** A block's bytes as PackedBytes: a view of the same memory (no copy); the caller does not change them afterwards. */
export function packedBytes(v: ArrayBufferView): PackedBytes {
  return new PackedBytes(v.buffer as ArrayBuffer, v.byteOffset, v.byteLength);
}

/** A block as read: its bytes, or base64 text (JSON, older logs). */
export type BlockData = string | Uint8Array;

/**
 * The bytes of a block, in a buffer that any typed array can view from offset 0 (a copy of bytes read from the binary
 * file, a fresh buffer for base64 text); null where it is neither.
 */
export function blockBytes(x: unknown): Uint8Array | null {
  if (typeof x === 'string') return fromBase64(x);
  if (x instanceof Uint8Array) return new Uint8Array(x);
  return null;
}

export interface PackedFloats {
  /** The little-endian float64 values in row-major order (base64 text where read from JSON). */
  float64: BlockData;
  /** The array's shape, outermost first. */
  shape: number[];
}

export const LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

type Nested = number | Nested[];

/** The shape of a nested array read down its first items (numbers at the bottom), or null if it holds no number. */
function shapeOf(x: Nested[]): number[] | null {
  const shape: number[] = [];
  let cur: Nested = x;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0]!;
  }
  return typeof cur === 'number' ? shape : null;
}

/**
 * The numbers of x into out, row-major, if x is rectangular with this shape and holds only numbers; false (out then
 * partly written) if it is ragged or holds anything else. One pass, without a closure call per number: kept paths
 * hold tens of thousands of numbers per batch.
 */
function flatten(x: Nested[], shape: number[], out: Float64Array): boolean {
  if (shape.length === 3) return flatten3(x as Nested[][], shape[1]!, shape[2]!, out);
  // level: the arrays at the current depth, in order; each must have shape[depth] items.
  let level: Nested[] = [x];
  let k = 0;
  for (let depth = 0; depth < shape.length; depth++) {
    const len = shape[depth]!, last = depth === shape.length - 1;
    const next: Nested[] = last ? level : new Array(level.length * len);
    let q = 0;
    for (let j = 0; j < level.length; j++) {
      const a = level[j]!;
      if (!Array.isArray(a) || a.length !== len) return false;
      if (last) {
        for (let i = 0; i < len; i++) {
          const v = a[i];
          if (typeof v !== 'number') return false;
          out[k++] = v;
        }
      } else {
        for (let i = 0; i < len; i++) next[q++] = a[i]!;
      }
    }
    level = next;
  }
  return true;
}

/**
 * flatten for the common three levels (copies × checkpoints × coordinates of kept paths): the rows of each copy, once
 * checked to be arrays of the right length, are joined by Array.prototype.concat and copied by Float64Array.set,
 * natively, rather than number by number — several times faster while the code is young, which it is for the whole
 * of a short run. The rows are number arrays by their type, so their elements are not checked one by one here; a row
 * of another length, or one that is not an array, leaves the array unpacked as before.
 */
function flatten3(x: Nested[][], n1: number, n2: number, out: Float64Array): boolean {
  const CHUNK = 4096; // rows per concat call (its arguments)
  let k = 0;
  for (let i = 0; i < x.length; i++) {
    const a = x[i]!;
    if (!Array.isArray(a) || a.length !== n1) return false;
    for (let j = 0; j < n1; j++) {
      const b = a[j];
      if (!Array.isArray(b) || b.length !== n2) return false;
    }
    for (let j = 0; j < n1; j += CHUNK) {
      const rows = (j === 0 && n1 <= CHUNK ? a : a.slice(j, j + CHUNK)) as number[][];
      const joined = ([] as number[]).concat(...rows);
      if (joined.length !== rows.length * n2) return false; // a row concat does not spread
      out.set(joined, k);
      k += joined.length;
    }
  }
  return true;
}

/** base64 of bytes (Node's Buffer where there is one, else btoa). */
export function toBase64(bytes: Uint8Array): string {
  const B = (globalThis as { Buffer?: { from(b: ArrayBuffer, o: number, n: number): { toString(e: string): string } } }).Buffer;
  if (B) return B.from(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** The bytes of base64 text, in a fresh buffer of their own (offset 0, so any typed array can view it). */
export function fromBase64(text: string): Uint8Array {
  const B = (globalThis as { Buffer?: { from(s: string, e: string): Uint8Array } }).Buffer;
  if (B) return new Uint8Array(B.from(text, 'base64'));
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/**
 * Flat copies of nested arrays, kept by an engine that writes both: the chain's CPU engines record each kept path's p
 * in the rows the reports read and, row-major, in one Float64Array (cpu-batch.ts), so that packFloats encodes that
 * array as it is instead of walking 20 000 rows of three numbers (a third of the cost of a batch's state line in
 * `experiments/fig2-simplex.json`, its code being cold). The writer counts the rows it wrote; the copy is used only
 * when every row of its shape was written through it and the nested array has that shape.
 */
export interface FlatForm {
  flat: Float64Array;
  shape: number[];
  /** Rows (items of the last level) written into `flat` so far. */
  rows: number;
}

const flatForms = new WeakMap<object, FlatForm>();

/** Remember `flat` as x's numbers in row-major order, x being of this shape once filled (returns x). */
export function withFlatForm<T extends Nested[]>(x: T, flat: Float64Array, shape: number[]): T {
  flatForms.set(x, { flat, shape, rows: 0 });
  return x;
}

/** The flat copy withFlatForm remembered for x (its writer adds to `rows`), or null. */
export function flatFormOf(x: object): FlatForm | null {
  return flatForms.get(x) ?? null;
}

/** Is x filled to the three-level shape its flat copy was made for (every copy's rows all there)? */
function filledTo(x: Nested[], shape: number[]): boolean {
  if (shape.length !== 3 || x.length !== shape[0]) return false;
  for (let i = 0; i < x.length; i++) {
    const rows = x[i];
    if (!Array.isArray(rows) || rows.length !== shape[1] || (rows.length && (rows[0] as Nested[]).length !== shape[2])) return false;
  }
  return true;
}

/** The packed form of a rectangular array of numbers; a ragged one (e.g. stopped copies' empty rows) is returned as it is. */
export function packFloats<T extends Nested[]>(x: T): PackedFloats | T {
  const known = flatForms.get(x);
  if (known && LITTLE_ENDIAN && known.rows === known.shape[0]! * known.shape[1]! && filledTo(x, known.shape)) {
    return { float64: packedBytes(known.flat), shape: known.shape.slice() };
  }
  const shape = shapeOf(x);
  if (!shape || !LITTLE_ENDIAN) return x;
  const flat = new Float64Array(shape.reduce((a, b) => a * b, 1));
  if (!flatten(x, shape, flat)) return x;
  return { float64: packedBytes(flat), shape };
}

export function isPackedFloats(x: unknown): x is PackedFloats {
  if (!x || typeof x !== 'object' || Array.isArray(x)) return false;
  const f = (x as PackedFloats).float64;
  return (typeof f === 'string' || f instanceof Uint8Array) && Array.isArray((x as PackedFloats).shape);
}

/** Inverse of packFloats (an unpacked array is returned as it is). Throws if the bytes do not fit the shape. */
export function unpackFloats<T extends Nested[]>(x: PackedFloats | T): T {
  if (!isPackedFloats(x)) return x;
  if (!LITTLE_ENDIAN) throw new Error('packed float64 arrays need a little-endian platform');
  const { shape } = x;
  if (!shape.every((n) => Number.isInteger(n) && n >= 0)) throw new Error(`packed array: bad shape ${JSON.stringify(shape)}`);
  const bytes = blockBytes(x.float64)!;
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== 8 * count) throw new Error(`packed array: ${bytes.length} bytes for shape ${JSON.stringify(shape)} (${8 * count} expected)`);
  const flat = new Float64Array(bytes.buffer, bytes.byteOffset, count);
  let k = 0;
  const build = (depth: number): Nested => {
    if (depth === shape.length) return flat[k++]!;
    const n = shape[depth]!, out: Nested[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = build(depth + 1);
    return out;
  };
  return build(0) as T;
}
