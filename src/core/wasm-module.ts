/**
 * Instantiating the project's small WebAssembly modules (their bytes are base64 in generated .ts files, assembled by
 * scripts/build-wasm.mjs from the .wat beside them), the same way in Node, Deno, browsers and worker threads.
 */

function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  const s = atob(b64);
  const out = new Uint8Array(new ArrayBuffer(s.length));
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

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
    const bytes = decodeBase64(base64);
    if (!WebAssembly.validate(bytes)) return null;
    return new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
  } catch {
    return null;
  }
}
