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

const LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

type Nested = number | Nested[];

/** The shape of a rectangular nested array, or null if it is ragged or holds something other than numbers. */
function shapeOf(x: Nested[]): number[] | null {
  const shape: number[] = [];
  let cur: Nested = x;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0]!;
  }
  if (typeof cur !== 'number') return null;
  const check = (a: Nested, depth: number): boolean => {
    if (depth === shape.length) return typeof a === 'number';
    if (!Array.isArray(a) || a.length !== shape[depth]) return false;
    for (const v of a) if (!check(v, depth + 1)) return false;
    return true;
  };
  return check(x, 0) ? shape : null;
}

function toBase64(bytes: Uint8Array): string {
  const B = (globalThis as { Buffer?: { from(b: ArrayBuffer, o: number, n: number): { toString(e: string): string } } }).Buffer;
  if (B) return B.from(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(text: string): Uint8Array {
  const B = (globalThis as { Buffer?: { from(s: string, e: string): Uint8Array } }).Buffer;
  if (B) return new Uint8Array(B.from(text, 'base64'));
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** The packed form of a rectangular array of numbers; a ragged one (e.g. stopped copies' empty rows) is returned as it is. */
export function packFloats<T extends Nested[]>(x: T): PackedFloats | T {
  const shape = shapeOf(x);
  if (!shape || !LITTLE_ENDIAN) return x;
  const flat = new Float64Array(shape.reduce((a, b) => a * b, 1));
  let k = 0;
  const walk = (a: Nested): void => {
    if (typeof a === 'number') flat[k++] = a;
    else for (const v of a) walk(v);
  };
  walk(x);
  return { float64: toBase64(new Uint8Array(flat.buffer)), shape };
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
