/**
 * Assembling a kernel's WGSL source: constants (WGSL has no host-side specialisation here, so sizes and switches are
 * spliced in as `const` lines), the uniform `struct Params` generated from the kernel's layout (uniform-layout.ts),
 * the shared WGSL files (shaders/philox.wgsl, noise.wgsl, categorical.wgsl, reduce.wgsl, common.wgsl), then the
 * kernel itself.
 * Every kernel gets WG, the workgroup size the ensemble host dispatches with.
 */
import { loadShader } from './device.ts';
import type { UniformLayout } from './uniform-layout.ts';

/** Workgroup size of every ensemble kernel (one thread per copy). */
export const WG = 64;

/** A WGSL f32 literal of `v` (9 significant digits identify an f32 exactly). */
export function f32lit(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`non-finite WGSL constant ${v}`);
  const s = v.toPrecision(9);
  return /[.e]/.test(s) ? s : s + '.0';
}

/** `const NAME: u32 = …u;` for each u32 constant (booleans as 1u / 0u), `const NAME: f32 = …;` for each f32 one. */
export function wgslConstants(u32: Record<string, number | boolean>, f32: Record<string, number> = {}): string[] {
  return [
    ...Object.entries(u32).map(([k, v]) => `const ${k}: u32 = ${typeof v === 'boolean' ? (v ? 1 : 0) : v >>> 0}u;`),
    ...Object.entries(f32).map(([k, v]) => `const ${k}: f32 = ${f32lit(v)};`),
  ];
}

/** The shared WGSL files, spliced in this order before the kernel when listed. */
export type WgslLibrary = 'philox.wgsl' | 'noise.wgsl' | 'categorical.wgsl' | 'reduce.wgsl' | 'common.wgsl';
const LIBRARY_ORDER: WgslLibrary[] = ['philox.wgsl', 'noise.wgsl', 'categorical.wgsl', 'reduce.wgsl', 'common.wgsl'];

export interface KernelSource {
  /** The kernel file in shaders/. */
  kernel: string;
  /** Header lines (wgslConstants, or other module-scope declarations). */
  header: string[];
  /** The uniform block; its struct is spliced in (the kernel declares `var<uniform> P: Params`). */
  params?: UniformLayout<any>;
  libraries: WgslLibrary[];
}

export async function kernelSource(k: KernelSource): Promise<string> {
  const parts = [[`const WG: u32 = ${WG}u;`, ...k.header].join('\n')];
  if (k.params) parts.push(k.params.wgsl());
  for (const lib of LIBRARY_ORDER) if (k.libraries.includes(lib)) parts.push(await loadShader(lib));
  parts.push(await loadShader(k.kernel));
  return parts.join('\n');
}
