/**
 * A uniform block with every kind of field, its values, and a WGSL kernel (generated from the same declaration) that
 * copies each scalar component of P to out[] as u32 bits, in declaration order: what the writer wrote must come back.
 */
import { uniformLayout, type UniformField } from '../../../src/engines/webgpu/uniform-layout.ts';

export const MIXED = uniformLayout({
  a: 'f32', key: 'vec2<u32>', b: 'u32', v3: 'vec3<f32>', c: 'i32', v4: 'vec4<u32>', m: 'mat3x3<f32>', d: 'f32',
  arr: 'array<vec4<f32>, 3>', v3b: 'array<vec3<i32>, 2>', e: 'u32', m2: 'mat2x2<f32>', f: 'f32',
});

const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

const values = {
  a: 1.5, key: [0xdeadbeef, 7], b: 0xffffffff, v3: [0.25, -2, 3e-8], c: -123456, v4: [1, 2, 3, 0x80000000],
  m: seq(9, (i) => i + 0.5), d: -0.0625, arr: seq(12, (i) => 100 + i), v3b: [-1, -2, -3, 4, 5, 6], e: 42, m2: [9, 8, 7, 6], f: 1e30,
};

/** The expected u32 words, in slot order. */
function words(): number[] {
  const out: number[] = [];
  const dv = new DataView(new ArrayBuffer(4));
  for (const f of MIXED.fields) {
    const v = (values as Record<string, number | number[]>)[f.name]!;
    const list = typeof v === 'number' ? [v] : v;
    f.layout.slots.forEach((s, i) => {
      if (s.kind === 'f32') dv.setFloat32(0, list[i]!, true);
      else if (s.kind === 'i32') dv.setInt32(0, list[i]!, true);
      else dv.setUint32(0, list[i]! >>> 0, true);
      out.push(dv.getUint32(0, true));
    });
  }
  return out;
}

export const mixedValues = { values, expectedWords: words() };

/** WGSL access expressions of each scalar component of a field, in slot order. */
function components(expr: string, type: string): string[] {
  const t = type.replace(/\s+/g, '');
  let m = /^array<(.+),(\d+)>$/.exec(t);
  if (m) return seq(Number(m[2]), (i) => i).flatMap((i) => components(`${expr}[${i}]`, m![1]!));
  m = /^mat(\d)x(\d)<f32>$/.exec(t);
  if (m) return seq(Number(m[1]), (c) => c).flatMap((c) => components(`${expr}[${c}]`, `vec${m![2]}<f32>`));
  m = /^vec(\d)<(\w+)>$/.exec(t);
  if (m) return seq(Number(m[1]), (i) => i).flatMap((i) => components(`${expr}[${i}]`, m![2]!));
  return [t === 'u32' ? expr : `bitcast<u32>(${expr})`];
}

export function mixedKernel(): string {
  const lines = MIXED.fields.flatMap((f: UniformField) => components(`P.${f.name}`, f.type));
  return [
    MIXED.wgsl(),
    '@group(0) @binding(0) var<uniform> P: Params;',
    '@group(0) @binding(1) var<storage, read_write> out: array<u32>;',
    '@compute @workgroup_size(1)',
    'fn main() {',
    ...lines.map((e, i) => `  out[${i}] = ${e};`),
    '}',
  ].join('\n');
}
