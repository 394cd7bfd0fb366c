/**
 * Philox4x32-10 (Salmon, Moraes, Dror & Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC 2011), written to
 * match shaders/philox.wgsl bit for bit. Stream address used throughout stdp-mc:
 *
 *   key = seedKey (2 words), counter = (step, trajectory, stream, block)
 *
 * `block` numbers the successive groups of 4 words needed within one step (0 for d ≤ 3 in the chain: word 0 is the
 * categorical draw, words 1..d the noise components). Every engine, chunk size and shard reads the same numbers.
 */
const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** High 32 bits of the 64-bit product of two u32 (Hacker's Delight mulhu; same 16-bit split as the WGSL). */
export function mulhi32(a: number, b: number): number {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const t = a1 * b0 + ((a0 * b0) >>> 16);
  const w1 = (t & 0xffff) + a0 * b1;
  return (a1 * b1 + Math.floor(t / 65536) + Math.floor(w1 / 65536)) >>> 0;
}

/** Philox4x32 with R rounds (10 by default) into out[at … at + 3]. */
export function philox4x32(
  c0: number, c1: number, c2: number, c3: number, k0: number, k1: number,
  out: Uint32Array = new Uint32Array(4), rounds = 10, at = 0,
): Uint32Array {
  c0 >>>= 0; c1 >>>= 0; c2 >>>= 0; c3 >>>= 0; k0 >>>= 0; k1 >>>= 0;
  for (let r = 0; r < rounds; r++) {
    if (r > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const hi0 = mulhi32(M0, c0), lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi32(M1, c2), lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
  }
  out[at] = c0; out[at + 1] = c1; out[at + 2] = c2; out[at + 3] = c3;
  return out;
}

/**
 * A u32 to a uniform in (0, 1) with 24-bit resolution: max(x >> 8, 1) · 2^-24. Every value k·2^-24, k = 1..2^24−1,
 * is exact in f32, so TypeScript (f64) and WGSL (f32) produce the same number; 0 and 1 never occur (k = 0 is folded
 * onto k = 1, a bias of 2^-24 in probability).
 */
export function u32ToUniform(x: number): number {
  return Math.max(x >>> 8, 1) * 5.9604644775390625e-8;
}

/** Convenience: the uniforms of stream (step, trajectory, stream) for `count` numbers (blocks of 4). */
export function uniforms(key: [number, number], step: number, trajectory: number, stream: number, count: number): number[] {
  const out: number[] = [];
  const w = new Uint32Array(4);
  for (let b = 0; out.length < count; b++) {
    philox4x32(step, trajectory, stream, b, key[0], key[1], w);
    for (let j = 0; j < 4 && out.length < count; j++) out.push(u32ToUniform(w[j]!));
  }
  return out;
}
