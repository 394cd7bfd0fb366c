/** Kept paths in the state log as float64 bytes (src/core/packed-floats.ts): exact bits back, ragged arrays left as they are. */
import { describe, expect, it } from 'vitest';
import { flatFormOf, isPackedFloats, packFloats, unpackFloats, withFlatForm } from '../../src/core/packed-floats.ts';

describe('packed float64 arrays', () => {
  it('come back bit for bit, NaN, ±Infinity and −0 included, through JSON text', () => {
    const paths = [[[0.1, 1 / 3, NaN], [-0, Infinity, -Infinity]], [[5e-324, 1.7976931348623157e308, -2.5], [0, 1, 2]]];
    const packed = packFloats(paths);
    expect(isPackedFloats(packed)).toBe(true);
    expect((packed as { shape: number[] }).shape).toEqual([2, 2, 3]);
    const back = unpackFloats(JSON.parse(JSON.stringify(packed)));
    const bits = (x: number[][][]) => Array.from(new Uint32Array(new Float64Array(x.flat(2)).buffer));
    expect(bits(back)).toEqual(bits(paths));
    expect(Object.is(back[0]![1]![0], -0)).toBe(true);
  });

  it('leave a ragged array (a stopped copy\'s empty rows) and an empty one as they are; JSON arrays read as they are', () => {
    const ragged = [[[1, 2], []], [[3, 4], [5, 6]]];
    expect(packFloats(ragged)).toBe(ragged);
    expect(packFloats([])).toEqual([]);
    expect(unpackFloats(ragged)).toBe(ragged);
  });

  it('pack two and four levels as well, and leave a three-level array with a row that is no array as it is', () => {
    const two = [[1, -0], [NaN, 4]], four = [[[[1, 2]], [[3, 4]]], [[[5, 6]], [[7, 8]]]];
    expect((packFloats(two) as { shape: number[] }).shape).toEqual([2, 2]);
    expect(unpackFloats(JSON.parse(JSON.stringify(packFloats(two))))).toEqual(two);
    expect(unpackFloats(JSON.parse(JSON.stringify(packFloats(four))))).toEqual(four);
    const odd = [[[1, 2], [3, 4]], [5, [6, 7]]] as unknown as number[][][];
    expect(packFloats(odd)).toBe(odd);
    const long = [Array.from({ length: 5000 }, (_, k) => [k, k / 3])];
    expect(unpackFloats(JSON.parse(JSON.stringify(packFloats(long))))).toEqual(long);
  });

  it('encode an engine\'s flat copy as the rows would be encoded, and walk the rows where the copy is not complete', () => {
    const rows = [[[0.25, 0.5, 0.25], [-0, NaN, 1]], [[1 / 3, 1 / 7, 1e-300], [2, 3, 4]]];
    const plain = JSON.stringify(packFloats(rows.map((c) => c.map((r) => [...r]))));
    // A copy that differs from the rows shows which one was encoded.
    const marked = (written: number, x = rows.map((c) => c.map((r) => [...r]))) => {
      withFlatForm(x, new Float64Array(12).fill(-1), [2, 2, 3]);
      flatFormOf(x)!.rows = written;
      return x;
    };
    const fromCopy = unpackFloats(JSON.parse(JSON.stringify(packFloats(marked(4)))));
    expect(fromCopy).toEqual([[[-1, -1, -1], [-1, -1, -1]], [[-1, -1, -1], [-1, -1, -1]]]);
    // Every row written through the copy: the copy; fewer (a writer that filled some rows another way): the rows.
    expect(JSON.stringify(packFloats(marked(3)))).toBe(plain);
    // Rows not of the copy's shape (a copy still missing its last row) are walked too.
    const short = marked(4, [[[1, 2, 3]], [[4, 5, 6], [7, 8, 9]]]);
    expect(packFloats(short)).toBe(short);
    const exact = rows.map((c) => c.map((r) => [...r]));
    withFlatForm(exact, new Float64Array(rows.flat(2)), [2, 2, 3]);
    flatFormOf(exact)!.rows = 4;
    expect(JSON.stringify(packFloats(exact))).toBe(plain);
  });

  it('refuse bytes that do not fit the shape', () => {
    const packed = packFloats([[[1, 2, 3]]]) as { float64: string; shape: number[] };
    expect(() => unpackFloats({ ...packed, shape: [1, 1, 4] })).toThrow(/24 bytes for shape \[1,1,4\] \(32 expected\)/);
    expect(() => unpackFloats({ ...packed, shape: [1, -1, 3] })).toThrow(/bad shape/);
  });
});
