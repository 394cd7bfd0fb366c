/**
 * The host side of shaders/reduce.wgsl: the size of the per-workgroup partials, and decoding what the kernels reduced
 * at a checkpoint — the (n, mean, M2) triples of each workgroup merged in f64 in workgroup order (Chan et al.), and
 * the two max-combined counters that hold order-preserving f32 bits.
 */
import { mergeMoments, type Moments } from '../../stats/checkpoint-stats.ts';
import { WG } from './shader-source.ts';

const PARTIAL = 3; // (n, mean, M2) per variable and workgroup

/** Bytes of the partials of `slots` checkpoints, nWg workgroups and nv variables. */
export function partialsBytes(slots: number, nWg: number, nv: number): number {
  return slots * nWg * nv * 4 * PARTIAL;
}

/** Threads per batch that keep the partials under 64 MiB. */
export function maxBatchByPartials(slots: number, nv: number): number {
  return Math.floor(((64 << 20) / (slots * nv * 4 * PARTIAL)) * WG);
}

/** Variable v at checkpoint `slot`: the workgroups' triples merged onto `into`, in workgroup order. */
export function mergeWorkgroupMoments(into: Moments, partials: Float32Array, slot: number, nWg: number, nv: number, v: number): Moments {
  let m = into;
  for (let w = 0; w < nWg; w++) {
    const o = ((slot * nWg + w) * nv + v) * PARTIAL;
    m = mergeMoments(m, { n: partials[o]!, mean: partials[o + 1]!, m2: partials[o + 2]! });
  }
  return m;
}

/** The counters at `at` (max of ~bits) and at + 1 (max of bits) of a value ≥ 0: its smallest and largest value. */
export function decodeExtremes(counts: Uint32Array, at: number): [number, number] {
  const fl = new Float32Array(new Uint32Array([~counts[at]! >>> 0, counts[at + 1]!]).buffer);
  return [fl[0]!, fl[1]!];
}
