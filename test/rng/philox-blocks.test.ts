/**
 * Philox blocks from WebAssembly (src/rng/wasm/philox.wat) against the TypeScript reference philox4x32, block by
 * block: the known answers, random counters and keys, a counter whose last word wraps past 2^32 within a call, and
 * the most blocks a call may ask for (the module's one page).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { philox4x32 } from '../../src/rng/philox.ts';
import { PHILOX_MAX_BLOCKS, philoxBlockWords, philoxBlocksInWasm, philoxBlocksJs } from '../../src/rng/philox-blocks.ts';
import { PHILOX_WAT_SHA256 } from '../../src/rng/wasm/philox-wasm.ts';
import { KAT } from './philox-kat.ts';

/** A small LCG for test inputs (u32). */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0);
}

/** Every block of a philoxBlocks call, from philox4x32 one at a time. */
function reference(c: number[], k: number[], n: number): number[] {
  const out: number[] = [];
  for (let j = 0; j < n; j++) out.push(...philox4x32(c[0]!, c[1]!, c[2]!, (c[3]! + j) >>> 0, k[0]!, k[1]!));
  return out;
}

describe('Philox blocks (WebAssembly)', () => {
  it('run in WebAssembly in Node 20, assembled from the .wat in the tree', () => {
    expect(philoxBlocksInWasm()).toBe(true);
    const wat = readFileSync(new URL('../../src/rng/wasm/philox.wat', import.meta.url), 'utf8');
    expect(createHash('sha256').update(wat).digest('hex'), 'run node scripts/build-wasm.mjs').toBe(PHILOX_WAT_SHA256);
  });

  it('match the Random123 known-answer vectors', () => {
    for (const v of KAT) {
      const [c0, c1, c2, c3] = v.ctr as [number, number, number, number];
      expect(Array.from(philoxBlockWords(c0, c1, c2, c3, v.key[0]!, v.key[1]!, 1).subarray(0, 4))).toEqual(v.out);
    }
  });

  it('equal philox4x32 block by block, the JavaScript path too, for random counters and keys', () => {
    const next = lcg(2026);
    for (let trial = 0; trial < 300; trial++) {
      const c = [next(), next(), next(), next()], k = [next(), next()], n = 1 + (next() % 40);
      const want = reference(c, k, n);
      expect(Array.from(philoxBlockWords(c[0]!, c[1]!, c[2]!, c[3]!, k[0]!, k[1]!, n).subarray(0, 4 * n))).toEqual(want);
      expect(Array.from(philoxBlocksJs(c[0]!, c[1]!, c[2]!, c[3]!, k[0]!, k[1]!, n, new Uint32Array(4 * n)))).toEqual(want);
    }
  });

  it('wrap the last counter word past 2^32, fill the whole page, and refuse more blocks than it holds', () => {
    expect(Array.from(philoxBlockWords(7, 8, 9, 0xfffffffd, 1, 2, 6).subarray(0, 24))).toEqual(reference([7, 8, 9, 0xfffffffd], [1, 2], 6));
    const n = PHILOX_MAX_BLOCKS, c = [3, 1, 4, 0xffffff00], k = [0x9e3779b9, 0xbb67ae85];
    expect(Array.from(philoxBlockWords(c[0]!, c[1]!, c[2]!, c[3]!, k[0]!, k[1]!, n).subarray(0, 4 * n))).toEqual(reference(c, k, n));
    expect(() => philoxBlockWords(0, 0, 0, 0, 0, 0, n + 1)).toThrow(RangeError);
  });
});
