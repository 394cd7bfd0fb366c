import { describe, expect, it } from 'vitest';
import { mulhi32, philox4x32, u32ToUniform, uniforms } from '../../src/rng/philox.ts';
import { runOnGpu, type Runtime } from '../gpu/spawn.ts';
import { KAT } from './philox-kat.ts';

describe('Philox4x32-10 in TypeScript', () => {
  it('matches the Random123 known-answer vectors', () => {
    for (const v of KAT) {
      expect(Array.from(philox4x32(v.ctr[0]!, v.ctr[1]!, v.ctr[2]!, v.ctr[3]!, v.key[0]!, v.key[1]!))).toEqual(v.out);
    }
  });

  it('mulhi32 equals the exact high word (BigInt) on edge and random inputs', () => {
    const cases = [[0, 0], [0xffffffff, 0xffffffff], [0xd2511f53, 0xffffffff], [1, 0xffffffff], [0x10000, 0x10000]];
    let x = 12345;
    for (let i = 0; i < 1000; i++) {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      const y = (Math.imul(x, 22695477) + 1) >>> 0;
      cases.push([x, y]);
    }
    for (const [a, b] of cases) expect(mulhi32(a!, b!)).toBe(Number((BigInt(a!) * BigInt(b!)) >> 32n));
  });

  it('maps u32 to (0,1) on the 2^-24 grid, never 0 or 1, exactly representable in f32', () => {
    for (const x of [0, 1, 255, 256, 0x7fffffff, 0xfffffeff, 0xffffffff]) {
      const u = u32ToUniform(x);
      expect(u).toBeGreaterThan(0);
      expect(u).toBeLessThan(1);
      expect(Math.fround(u)).toBe(u);
      expect(u * 2 ** 24).toBe(Math.max(x >>> 8, 1));
    }
  });

  it('gives uniforms whose mean and variance match U(0,1) (100k draws, 5 standard errors)', () => {
    let s = 0, s2 = 0;
    const n = 100_000;
    for (let t = 0; t < n / 4; t++) for (const u of uniforms([7, 9], 3, t, 0, 4)) { s += u; s2 += u * u; }
    const mean = s / n, v = s2 / n - mean * mean;
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(v - 1 / 12)).toBeLessThan(5 * Math.sqrt(1 / 180 / n));
  });
});

describe.each(['deno', 'node'] as Runtime[])('Philox4x32-10 in WGSL on %s', (runtime) => {
  it('matches the known-answer vectors and the TypeScript stream bit for bit', () => {
    const extra: number[][] = [];
    for (let t = 0; t < 61; t++) extra.push([t * 7, t, 0, t % 3, 0x12345678, t * 0x9e3779b9 >>> 0]);
    const inputs = [...KAT.map((v) => [...v.ctr, ...v.key]), ...extra];
    const r = runOnGpu(runtime, { kind: 'kat', inputs });
    const want = inputs.flatMap((c) => Array.from(philox4x32(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!)));
    // The adapter is the software one named in the README: lavapipe under Deno, SwiftShader under Node's Dawn.
    expect(JSON.stringify(r.adapter).toLowerCase()).toContain(runtime === 'deno' ? 'llvmpipe' : 'swiftshader');
    expect(r.outputs.slice(0, 12)).toEqual(KAT.flatMap((v) => v.out));
    expect(r.outputs).toEqual(want);
  }, 120_000);
});
