/**
 * A rectangular array of numbers (rows × columns × …) in the state log as its float64 bytes in base64 with its
 * shape: the exact bits come back (NaN, ±Infinity and −0 included), at 8/6 characters per number instead of about
 * 20 for JSON's decimal text, and encoding and decoding run at memory speed instead of number formatting and parsing.
 * Kept sample paths (trajectories × checkpoints × inputs) are most of a state log's bytes; this form made writing the
 * log of `experiments/fig2-simplex.json` several times cheaper. Bytes are little-endian (as Float64Array is on every
 * platform this runs on, which the decoder checks).
 */

export interface PackedFloats {
  /** base64 of the little-endian float64 values in row-major order. */
  float64: string;
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
 * Objects made by the packers (here and src/stats/checkpoint-pack.ts) whose field `key` holds base64 text: a state
 * line writes such text into its JSON as it is (base64 needs no escaping; jsonPieces below). The text is remembered,
 * so a field changed since is written the ordinary way.
 */
const base64Made = new WeakMap<object, { key: string; text: string }>();

/** Mark o[key] as base64 text made by a packer (see base64Made); returns o. */
export function markBase64<T extends object>(o: T, key: keyof T & string): T {
  base64Made.set(o, { key, text: (o as Record<string, unknown>)[key] as string });
  return o;
}

/** The field of o holding base64 text as a packer made it (unchanged since), or null. */
export function base64Field(o: object): string | null {
  const m = base64Made.get(o);
  return m && (o as Record<string, unknown>)[m.key] === m.text ? m.key : null;
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
    const f = known.flat;
    return markBase64({ float64: toBase64(new Uint8Array(f.buffer, f.byteOffset, f.byteLength)), shape: known.shape.slice() }, 'float64');
  }
  const shape = shapeOf(x);
  if (!shape || !LITTLE_ENDIAN) return x;
  const flat = new Float64Array(shape.reduce((a, b) => a * b, 1));
  if (!flatten(x, shape, flat)) return x;
  return markBase64({ float64: toBase64(new Uint8Array(flat.buffer)), shape }, 'float64');
}

export function isPackedFloats(x: unknown): x is PackedFloats {
  return !!x && typeof x === 'object' && !Array.isArray(x) && typeof (x as PackedFloats).float64 === 'string' && Array.isArray((x as PackedFloats).shape);
}

/** Inverse of packFloats (an unpacked array is returned as it is). Throws if the bytes do not fit the shape. */
export function unpackFloats<T extends Nested[]>(x: PackedFloats | T): T {
  if (!isPackedFloats(x)) return x;
  if (!LITTLE_ENDIAN) throw new Error('packed float64 arrays need a little-endian platform');
  const { shape } = x;
  if (!shape.every((n) => Number.isInteger(n) && n >= 0)) throw new Error(`packed array: bad shape ${JSON.stringify(shape)}`);
  const bytes = fromBase64(x.float64);
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

/** A plain data object (JSON.stringify writes its own enumerable keys in order). */
function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (!x || typeof x !== 'object' || Array.isArray(x)) return false;
  const proto = Object.getPrototypeOf(x);
  return (proto === Object.prototype || proto === null) && typeof (x as { toJSON?: unknown }).toJSON !== 'function';
}

/** Does x hold, through plain objects (not arrays), a packer's base64 field? */
function holdsBase64(x: Record<string, unknown>): boolean {
  if (base64Field(x) !== null) return true;
  for (const k of Object.keys(x)) {
    const y = x[k];
    if (isPlainObject(y) && holdsBase64(y)) return true;
  }
  return false;
}

/**
 * JSON.stringify(v) in pieces that join to the same text, with the packers' base64 blocks (base64Field) as pieces of
 * their own, written in as they are: base64 needs no escaping, and JSON.stringify's scan of it, a character at a
 * time, was the largest cost of a batch's state line once its statistics were packed (about 4 ms per megabyte here);
 * kept as pieces, a block is hashed and written without being copied into one string first (src/run/state.ts
 * stateLineBytes). The plain objects on the way to a block are written key by key (undefined values and functions
 * left out, as JSON.stringify does); everything else by JSON.stringify (a toJSON method there is called without its
 * key). Returns false where v has no JSON text (undefined, a function). `blocks` collects the indices of the blocks.
 */
export function jsonPieces(v: unknown, out: string[], blocks?: Set<number>): boolean {
  if (!isPlainObject(v) || !holdsBase64(v)) {
    const text = JSON.stringify(v) as string | undefined;
    if (text === undefined) return false;
    out.push(text);
    return true;
  }
  const raw = base64Field(v);
  let sep = '{';
  for (const k of Object.keys(v)) {
    const at = out.length;
    out.push(`${sep}${JSON.stringify(k)}:`);
    if (k === raw) {
      out.push('"');
      blocks?.add(out.length);
      out.push(v[k] as string, '"');
    } else if (!jsonPieces(v[k], out, blocks)) {
      out.length = at;
      continue;
    }
    sep = ',';
  }
  out.push(sep === '{' ? '{}' : '}');
  return true;
}

/** The same text as JSON.stringify(v) (see jsonPieces); undefined where JSON.stringify gives undefined. */
export function jsonText(v: unknown): string | undefined {
  const out: string[] = [];
  return jsonPieces(v, out) ? out.join('') : undefined;
}
