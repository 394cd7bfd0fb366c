/**
 * A kernel's uniform parameter block, declared once: field names and WGSL types (optionally `// a comment`), in
 * order. From the declaration follow both the WGSL `struct` text (spliced into the shader source) and the writer
 * (values by field name, at offsets from WGSL's alignment and size rules), so the two cannot drift apart.
 *
 *   const PARAMS = uniformLayout({ key: 'vec2<u32>', n_active: 'u32  // threads in this batch', alpha: 'array<vec4<f32>, 2>' });
 *   PARAMS.wgsl()                                  // struct Params { key: vec2<u32>, n_active: u32, ... }
 *   PARAMS.write(view, { key: [1, 2], n_active: 64, alpha: [0.1, 0.2] })
 *
 * Types: u32, i32, f32, vecN<T>, matCxR<f32>, array<E, N> of those (in the uniform address space an array's element
 * stride must be a multiple of 16). Layout rules (WGSL §14.4 "Memory layout"): scalars align 4, size 4; vec2 align 8,
 * vec3 and vec4 align 16 (vec3 size 12); matCxR is C columns of vecR at stride roundUp(align, size); an array's stride
 * is roundUp(align(E), size(E)), its alignment in a uniform buffer roundUp(16, align(E)); a struct's alignment is its
 * largest member alignment and its size is rounded up to that. `size` (what a binding must hold) is rounded to 16.
 */

export type ScalarKind = 'u32' | 'i32' | 'f32';

/** A field's type string, optionally followed by `// comment`. */
export type FieldSpec = string;

/** A value for each field: a number for a scalar, the components in order for a vector, matrix or array. */
export type UniformValues<F extends Record<string, FieldSpec>> = {
  [K in keyof F]: F[K] extends `${ScalarKind}${string}` ? number : ArrayLike<number>;
};

/** The values type of a layout. */
export type ValuesOf<L> = L extends UniformLayout<infer F> ? UniformValues<F> : never;

interface TypeLayout {
  align: number;
  size: number;
  /** Byte offset and kind of each scalar component, in declaration order. */
  slots: { offset: number; kind: ScalarKind }[];
}

export interface UniformField {
  name: string;
  type: string;
  comment: string;
  offset: number;
  layout: TypeLayout;
}

const roundUp = (k: number, n: number) => Math.ceil(n / k) * k;

/** Layout of one WGSL type in the uniform address space. */
export function typeLayout(type: string): TypeLayout {
  const t = type.replace(/\s+/g, '');
  if (t === 'u32' || t === 'i32' || t === 'f32') return { align: 4, size: 4, slots: [{ offset: 0, kind: t }] };
  let m = /^vec([234])<(u32|i32|f32)>$/.exec(t);
  if (m) {
    const n = Number(m[1]);
    const kind = m[2] as ScalarKind;
    return { align: n === 2 ? 8 : 16, size: 4 * n, slots: Array.from({ length: n }, (_, i) => ({ offset: 4 * i, kind })) };
  }
  m = /^mat([234])x([234])<f32>$/.exec(t);
  if (m) return repeat(typeLayout(`vec${m[2]}<f32>`), Number(m[1]), false);
  m = /^array<(.+),(\d+)u?>$/.exec(t);
  if (m) {
    const elem = typeLayout(m[1]!);
    const r = repeat(elem, Number(m[2]), true);
    const stride = roundUp(elem.align, elem.size);
    if (stride % 16 !== 0) {
      throw new Error(`uniform layout: ${type} has element stride ${stride}, not a multiple of 16 (use vec4 elements)`);
    }
    return r;
  }
  throw new Error(`uniform layout: unsupported type ${type}`);
}

/** `count` elements at stride roundUp(align, size); arrays in a uniform buffer align to 16. */
function repeat(elem: TypeLayout, count: number, isArray: boolean): TypeLayout {
  if (!(count >= 1)) throw new Error('uniform layout: an array or matrix needs at least one element');
  const stride = roundUp(elem.align, elem.size);
  const slots = [];
  for (let i = 0; i < count; i++) for (const s of elem.slots) slots.push({ offset: i * stride + s.offset, kind: s.kind });
  return { align: isArray ? roundUp(16, elem.align) : elem.align, size: count * stride, slots };
}

export class UniformLayout<F extends Record<string, FieldSpec>> {
  readonly fields: readonly UniformField[];
  /** WGSL's SizeOf(struct): the last member's end rounded up to the struct's alignment. */
  readonly structSize: number;
  readonly align: number;
  /** Bytes a uniform binding of this block holds: structSize rounded up to 16. */
  readonly size: number;

  constructor(spec: F, readonly structName = 'Params') {
    let offset = 0;
    let align = 4;
    const fields: UniformField[] = [];
    for (const [name, raw] of Object.entries(spec)) {
      const [type, ...rest] = raw.split('//');
      const layout = typeLayout(type!.trim());
      offset = roundUp(layout.align, offset);
      fields.push({ name, type: type!.trim(), comment: rest.join('//').trim(), offset, layout });
      offset += layout.size;
      align = Math.max(align, layout.align);
    }
    this.fields = fields;
    this.align = align;
    this.structSize = roundUp(align, offset);
    this.size = roundUp(16, this.structSize);
  }

  /** Byte offset of a field. */
  offset(name: keyof F & string): number {
    const f = this.fields.find((x) => x.name === name);
    if (!f) throw new Error(`uniform layout: no field ${name}`);
    return f.offset;
  }

  /** The WGSL struct declaration. */
  wgsl(): string {
    const decls = this.fields.map((f) => `  ${f.name}: ${f.type},`);
    const width = Math.max(...decls.map((d) => d.length)) + 1;
    const lines = decls.map((d, i) => (this.fields[i]!.comment ? `${d.padEnd(width)} // ${this.fields[i]!.comment}` : d));
    return `struct ${this.structName} {\n${lines.join('\n')}\n}`;
  }

  /**
   * Write one block at the start of `view` (little-endian). A composite field takes its components in order; fewer
   * than the type holds leave the rest 0. u32 values are taken modulo 2^32 (as `x >>> 0`).
   */
  write(view: DataView, values: UniformValues<F>): void {
    if (view.byteLength < this.structSize) throw new Error(`uniform layout: view of ${view.byteLength} bytes < ${this.structSize}`);
    const vals = values as Record<string, number | ArrayLike<number>>;
    for (const f of this.fields) {
      const v = vals[f.name];
      if (v === undefined) throw new Error(`uniform layout: no value for ${f.name}`);
      const scalar = typeof v === 'number';
      if (scalar !== (f.layout.slots.length === 1 && f.type === f.layout.slots[0]!.kind)) {
        throw new Error(`uniform layout: ${f.name} is ${f.type}, got ${scalar ? 'a number' : 'a list'}`);
      }
      const list: ArrayLike<number> = scalar ? [v] : v;
      if (list.length > f.layout.slots.length) {
        throw new Error(`uniform layout: ${f.name} holds ${f.layout.slots.length} values, got ${list.length}`);
      }
      f.layout.slots.forEach((s, i) => writeScalar(view, f.offset + s.offset, s.kind, i < list.length ? list[i]! : 0));
    }
  }
}

function writeScalar(view: DataView, at: number, kind: ScalarKind, x: number): void {
  if (kind === 'f32') view.setFloat32(at, x, true);
  else if (kind === 'u32') view.setUint32(at, x >>> 0, true);
  else view.setInt32(at, x | 0, true);
}

/** Declare a uniform block (see the module comment). */
export function uniformLayout<const F extends Record<string, FieldSpec>>(spec: F, structName = 'Params'): UniformLayout<F> {
  return new UniformLayout(spec, structName);
}
