/**
 * Instantiating the project's small WebAssembly modules (their bytes are base64 in generated .ts files, assembled by
 * scripts/build-wasm.mjs from the .wat beside them), the same way in Node, Deno, browsers and worker threads.
 */
import { fromBase64 } from './packed-floats.ts';

/** `STDP_MC_NO_WASM=1` in the environment: every module's JavaScript reference runs instead (measurements, tests). */
export function wasmDisabled(): boolean {
  try {
    return (globalThis as any).process?.env?.STDP_MC_NO_WASM === '1';
  } catch {
    return false; // Deno without --allow-env
  }
}

/**
 * An instance of the module in `base64` (no imports), or null where WebAssembly, a feature the module uses (SIMD) or
 * the environment (STDP_MC_NO_WASM=1) rules it out: the caller then runs its JavaScript reference.
 */
export function wasmInstance(base64: string): WebAssembly.Instance | null {
  if (wasmDisabled() || typeof WebAssembly !== 'object') return null;
  try {
    const bytes = fromBase64(base64) as Uint8Array<ArrayBuffer>; // a fresh buffer of its own
    if (!WebAssembly.validate(bytes)) return null;
    return new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
  } catch {
    return null;
  }
}
