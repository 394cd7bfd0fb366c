/** Seeds: an integer or a string, mapped to the 64-bit Philox key every engine uses (src/rng/philox.ts). */
import seedrandom from 'seedrandom';

/** 64-bit-ish Philox key from an integer or a string seed. Strings are hashed with seedrandom (ARC4). */
export function seedToKey(seed: number | string): [number, number] {
  if (typeof seed === 'number') {
    return [seed % 0x100000000 >>> 0, Math.floor(seed / 0x100000000) >>> 0];
  }
  const rng = seedrandom(seed);
  return [rng.int32() >>> 0, rng.int32() >>> 0];
}

