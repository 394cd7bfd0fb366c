/**
 * Numbers that JSON cannot write, written so that they come back exactly: JSON.stringify turns NaN and ±Infinity
 * into null and −0 into 0, so they are stored as the strings "NaN", "Infinity", "-Infinity" and "-0" (what String()
 * gives for the first three), and read back with Number(). Finite numbers other than −0 are stored as themselves.
 * Every model's statistics in the state log use this one encoding.
 */

/** The strings that stand for a number JSON cannot write. */
const NON_FINITE = new Set(['NaN', 'Infinity', '-Infinity', '-0']);

/** One number as JSON keeps it: finite ones as they are, NaN, ±Infinity and −0 as strings. */
export function numberToJSON(x: number): number | string {
  if (Object.is(x, -0)) return '-0';
  return Number.isFinite(x) ? x : String(x);
}

/** Inverse of numberToJSON (a string is read with Number(), a number is returned as it is). */
export function numberFromJSON(x: unknown): number {
  return typeof x === 'string' ? Number(x) : (x as number);
}

/**
 * Every number in a tree of plain objects and arrays through numberToJSON; other values stay as they are (a typed
 * array among them: a packed block's bytes, which the state log writes as bytes; src/core/packed-floats.ts).
 */
export function encodeNumbers(x: unknown): unknown {
  if (typeof x === 'number') return numberToJSON(x);
  if (ArrayBuffer.isView(x)) return x;
  if (Array.isArray(x)) return x.map(encodeNumbers);
  if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, encodeNumbers(v)]));
  return x;
}

/** Inverse of encodeNumbers: only the four strings it writes become numbers again; other strings stay strings. */
export function decodeNumbers(x: unknown): unknown {
  if (typeof x === 'string' && NON_FINITE.has(x)) return Number(x);
  if (ArrayBuffer.isView(x)) return x;
  if (Array.isArray(x)) return x.map(decodeNumbers);
  if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, decodeNumbers(v)]));
  return x;
}
