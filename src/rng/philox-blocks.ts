/**
 * Several Philox4x32-10 blocks of consecutive counters at once: what an engine that draws every block of a step needs
 * (one uniform per input and two for the output's spikes: ⌈N/4⌉ + 1 blocks a step).
 *
 * The blocks come from the WebAssembly module of src/rng/wasm/philox.wat, where a 32×32 → 64-bit product is one
 * instruction (about 25 ns a block against 80 ns in JavaScript here, whose mulhi32 needs four float products), or,
 * where WebAssembly is missing or STDP_MC_NO_WASM=1, from philox4x32. Both give the bits of philox4x32 and of
 * shaders/philox.wgsl for every counter (test/rng/philox-blocks.test.ts).
 */
import { wasmInstance } from '../core/wasm-module.ts';
import { philox4x32, u32ToUniform } from './philox.ts';
import { PHILOX_WASM_BASE64 } from './wasm/philox-wasm.ts';

type BlocksFn = (c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, n: number) => void;

/** Blocks one call may ask for: the module writes them into its one 64 KiB page. */
export const PHILOX_MAX_BLOCKS = 4096;

let instance: { blocks: BlocksFn; words: Uint32Array } | null | undefined;
let scratch = new Uint32Array(64);

/** The module, instantiated once per thread; null where it cannot run. */
function philoxModule(): { blocks: BlocksFn; words: Uint32Array } | null {
  if (instance !== undefined) return instance;
  const inst = wasmInstance(PHILOX_WASM_BASE64);
  instance = inst && {
    blocks: inst.exports.blocks as unknown as BlocksFn,
    words: new Uint32Array((inst.exports.memory as WebAssembly.Memory).buffer, 0, 4 * PHILOX_MAX_BLOCKS),
  };
  return instance;
}

/** Whether philoxBlockWords runs in WebAssembly in this thread (false: the JavaScript reference). */
export function philoxBlocksInWasm(): boolean {
  return philoxModule() !== null;
}

/**
 * The blocks of counters (c0, c1, c2, c3 + j mod 2^32), j = 0 … n − 1 (n ≤ PHILOX_MAX_BLOCKS), under key (k0, k1):
 * block j's four words at [4j … 4j + 3] of the array returned, which is the module's memory (or a scratch of this
 * module): read it before the next call. Every argument is a u32.
 */
export function philoxBlockWords(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, n: number): Uint32Array {
  if (!(n >= 0 && n <= PHILOX_MAX_BLOCKS)) throw new RangeError(`philoxBlockWords: ${n} blocks (0 … ${PHILOX_MAX_BLOCKS} a call)`);
  const m = philoxModule();
  if (m) {
    m.blocks(c0, c1, c2, c3, k0, k1, n);
    return m.words;
  }
  if (scratch.length < 4 * n) scratch = new Uint32Array(4 * n);
  return philoxBlocksJs(c0, c1, c2, c3, k0, k1, n, scratch);
}

/**
 * The uniforms (u32ToUniform) of words 0 … count − 1 of the blocks (c0, c1, c2, block0), (…, block0 + 1), … into
 * out[0 … count − 1]: word i & 3 of block block0 + (i >>> 2), as a loop over philox4x32 reads them.
 */
export function philoxUniforms(c0: number, c1: number, c2: number, block0: number, k0: number, k1: number, count: number, out: Float64Array): void {
  const blocks = (count + 3) >>> 2;
  for (let b0 = 0; b0 < blocks; b0 += PHILOX_MAX_BLOCKS) {
    const nb = Math.min(PHILOX_MAX_BLOCKS, blocks - b0);
    const words = philoxBlockWords(c0, c1, c2, block0 + b0, k0, k1, nb);
    const i0 = 4 * b0, i1 = Math.min(count, 4 * (b0 + nb));
    for (let i = i0; i < i1; i++) out[i] = u32ToUniform(words[i - i0]!);
  }
}

/** The same blocks in JavaScript, one philox4x32 each, into out: the reference, and the path without WebAssembly. */
export function philoxBlocksJs(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, n: number, out: Uint32Array): Uint32Array {
  for (let j = 0; j < n; j++) philox4x32(c0, c1, c2, (c3 + j) >>> 0, k0, k1, out, 10, 4 * j);
  return out;
}
