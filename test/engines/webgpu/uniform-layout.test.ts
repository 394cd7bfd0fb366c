/**
 * Uniform layouts declared once (src/engines/webgpu/uniform-layout.ts): offsets, alignments and sizes by WGSL's
 * memory-layout rules (the spec's own examples), the generated struct text, the writer; and, under Deno on lavapipe,
 * a kernel that reads every component of a generated struct back, so the offsets agree with a real WGSL compiler.
 */
import { describe, expect, it } from 'vitest';
import { typeLayout, uniformLayout } from '../../../src/engines/webgpu/uniform-layout.ts';
import { denoBin } from '../../gpu/spawn.ts';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MIXED, mixedValues } from './layout-fixture.ts';

const offsets = (l: { fields: readonly { name: string; offset: number }[] }) => Object.fromEntries(l.fields.map((f) => [f.name, f.offset]));

describe('WGSL layout rules', () => {
  it('scalars, vectors, matrices and arrays have WGSL\'s alignment and size', () => {
    const al = (t: string) => [typeLayout(t).align, typeLayout(t).size];
    expect(al('u32')).toEqual([4, 4]);
    expect(al('f32')).toEqual([4, 4]);
    expect(al('vec2<u32>')).toEqual([8, 8]);
    expect(al('vec3<f32>')).toEqual([16, 12]);
    expect(al('vec4<i32>')).toEqual([16, 16]);
    expect(al('mat2x2<f32>')).toEqual([8, 16]);
    expect(al('mat3x3<f32>')).toEqual([16, 48]);
    expect(al('mat4x4<f32>')).toEqual([16, 64]);
    expect(al('array<vec4<f32>, 2>')).toEqual([16, 32]);
    expect(al('array<vec3<f32>, 3>')).toEqual([16, 48]); // element stride roundUp(16, 12) = 16
  });

  it('refuses uniform arrays whose stride is not a multiple of 16, and unknown types', () => {
    expect(() => typeLayout('array<f32, 4>')).toThrow(/multiple of 16/);
    expect(() => typeLayout('array<vec2<u32>, 2>')).toThrow(/multiple of 16/);
    expect(() => typeLayout('bool')).toThrow(/unsupported/);
  });

  it('the WGSL spec\'s struct A: offsets 0, 4, 8, 16, size 24 (alignment 8)', () => {
    const A = uniformLayout({ u: 'f32', v: 'f32', w: 'vec2<f32>', x: 'f32' });
    expect(offsets(A)).toEqual({ u: 0, v: 4, w: 8, x: 16 });
    expect(A.align).toBe(8);
    expect(A.structSize).toBe(24);
    expect(A.size).toBe(32); // a uniform binding holds whole 16-byte rows
  });

  it('vec3 takes 12 bytes at 16-byte alignment; members after it pack into its last word', () => {
    expect(offsets(uniformLayout({ a: 'vec3<f32>', b: 'f32' }))).toEqual({ a: 0, b: 12 });
    const l = uniformLayout({ a: 'f32', b: 'vec3<f32>', c: 'vec2<u32>' });
    expect(offsets(l)).toEqual({ a: 0, b: 16, c: 32 });
    expect(l.structSize).toBe(48);
  });

  it('arrays start on 16 bytes; the struct size rounds up to its alignment', () => {
    const l = uniformLayout({ key: 'vec2<u32>', n: 'u32', t: 'array<vec4<f32>, 2>', last: 'u32' });
    expect(offsets(l)).toEqual({ key: 0, n: 8, t: 16, last: 48 });
    expect(l.structSize).toBe(64);
    const s = uniformLayout({ a: 'f32', b: 'f32', c: 'f32' });
    expect([s.structSize, s.size]).toEqual([12, 16]);
  });
});

describe('struct text and writer', () => {
  const L = uniformLayout({ key: 'vec2<u32>', n: 'u32 // threads', x: 'f32', s: 'i32', t: 'array<vec4<f32>, 2>' });

  it('generates the struct with the declared names, types and comments', () => {
    expect(L.wgsl()).toBe([
      'struct Params {',
      '  key: vec2<u32>,',
      '  n: u32,                  // threads',
      '  x: f32,',
      '  s: i32,',
      '  t: array<vec4<f32>, 2>,',
      '}',
    ].join('\n'));
  });

  it('writes each value at its offset (u32 modulo 2^32, short lists padded with 0)', () => {
    const v = new DataView(new ArrayBuffer(L.size));
    L.write(v, { key: [1, 0xfffffffe], n: -1, x: 0.5, s: -3, t: [1, 2, 3] });
    expect([v.getUint32(0, true), v.getUint32(4, true), v.getUint32(8, true)]).toEqual([1, 0xfffffffe, 0xffffffff]);
    expect(v.getFloat32(12, true)).toBe(0.5);
    expect(v.getInt32(16, true)).toBe(-3);
    expect(Array.from({ length: 8 }, (_, i) => v.getFloat32(32 + 4 * i, true))).toEqual([1, 2, 3, 0, 0, 0, 0, 0]);
  });

  it('refuses missing values, lists for scalars and lists that are too long', () => {
    const v = new DataView(new ArrayBuffer(L.size));
    expect(() => L.write(v, { key: [1, 2], n: 1, x: 0, s: 0 } as any)).toThrow(/no value for t/);
    expect(() => L.write(v, { key: [1, 2], n: [1] as any, x: 0, s: 0, t: [] })).toThrow(/n is u32/);
    expect(() => L.write(v, { key: [1, 2, 3], n: 1, x: 0, s: 0, t: [] })).toThrow(/holds 2 values/);
  });
});

describe('agreement with a WGSL compiler (Deno, lavapipe)', () => {
  it('a kernel reading every component of a generated struct sees the values the writer wrote', () => {
    const runner = fileURLToPath(new URL('./layout-runner.ts', import.meta.url));
    const out = execFileSync(denoBin(), ['run', '-A', runner], {
      timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' },
    }).toString();
    const got = JSON.parse(out.trim().split('\n').pop()!);
    expect(got.words).toEqual(mixedValues.expectedWords);
    expect(MIXED.fields.length).toBeGreaterThan(5);
  }, 120_000);
});
