/**
 * A batch's checkpoint accumulators (checkpoint-stats.ts) in the state log, packed: the counts stay JSON, one small
 * object per checkpoint (step, n, successCount, vertexCounts, belowDelta — what the integrity check adds up, readable
 * in the log), while the floating-point moments of all checkpoints go into one float64 block and the histograms'
 * occupied bins into one block of small integers, both base64 (src/core/packed-floats.ts). The exact bits come back (NaN,
 * ±Infinity, −0, and the ±Infinity of an empty accumulator's min/max L included), and writing a batch costs a copy
 * into typed arrays instead of formatting ~30 decimal numbers per checkpoint (with the base64 written into the line as
 * it is, packed-floats.ts jsonPieces, the state lines of `experiments/fig2-simplex.json` cost about a third of what
 * they did). The JSON form (accumulatorToJSON) is still read, and still written where the accumulators of a batch do
 * not share one layout.
 *
 * moments: shape [checkpoints, 14 + 3·P], per checkpoint
 *   logGap (n, mean, m2), minLogGap, maxLogGap, gap (n, mean, m2), logGapSuccess (…), gapSuccess (…), p_1 (…) … p_P (…)
 * with P the length of `p` (0: p is null). hist: per checkpoint its first occupied bin lo, its number m of occupied
 * bins, then m pairs (bin − lo, count), ascending; as uint16 when every number fits, else uint32.
 */
import { LITTLE_ENDIAN, fromBase64, markBase64, toBase64, type PackedFloats } from '../core/packed-floats.ts';
import type { SparseHist } from './sparse-hist.ts';
import { H_BINS, type CheckpointAccumulator, type Moments } from './checkpoint-stats.ts';

/** The counts of one checkpoint, as JSON. */
export interface CheckpointCounts {
  step: number;
  n: number;
  successCount: number;
  vertexCounts: number[];
  belowDelta: number[];
}

export type PackedHist = { uint16: string } | { uint32: string };

export interface PackedCheckpoints {
  checkpoints: CheckpointCounts[];
  moments: PackedFloats;
  hist: PackedHist;
}

/** Fields of `moments` before the p's. */
const FIXED = 14;

/** Is this a batch's packed form (rather than the JSON list of accumulators)? */
export function isPackedCheckpoints(x: unknown): x is PackedCheckpoints {
  const o = x as PackedCheckpoints;
  return !!o && typeof o === 'object' && Array.isArray(o.checkpoints) && !!o.moments && typeof o.moments === 'object' && !!o.hist && typeof o.hist === 'object';
}

function putMoments(f: Float64Array, k: number, m: Moments): number {
  f[k] = m.n;
  f[k + 1] = m.mean;
  f[k + 2] = m.m2;
  return k + 3;
}

/**
 * The packed form of a batch's accumulators, or null where they do not share one layout (p null at some checkpoints
 * and not at others, or of different lengths) or the platform is big-endian: those are written as JSON.
 */
export function packCheckpoints(list: readonly CheckpointAccumulator[]): PackedCheckpoints | null {
  if (!LITTLE_ENDIAN) return null;
  const P = list.length && list[0]!.p ? list[0]!.p.length : 0;
  if (list.length && list[0]!.p && P === 0) return null;
  let room = 0;
  for (const a of list) {
    if ((a.p ? a.p.length : 0) !== P || (a.p === null) !== (P === 0)) return null;
    room += 2 + 2 * a.hist.bins.length;
  }
  const F = FIXED + 3 * P;
  const f = new Float64Array(list.length * F);
  const h = new Uint32Array(room);
  const counts: CheckpointCounts[] = new Array(list.length);
  let k = 0, j = 0, max = 0;
  for (let c = 0; c < list.length; c++) {
    const a = list[c]!;
    counts[c] = { step: a.step, n: a.n, successCount: a.successCount, vertexCounts: a.vertexCounts, belowDelta: a.belowDelta };
    k = putMoments(f, k, a.logGap);
    f[k++] = a.minLogGap;
    f[k++] = a.maxLogGap;
    k = putMoments(f, k, a.gap);
    k = putMoments(f, k, a.logGapSuccess);
    k = putMoments(f, k, a.gapSuccess);
    for (let i = 0; i < P; i++) k = putMoments(f, k, a.p![i]!);
    // Offsets from the first occupied bin (an empty histogram is written as lo = 0).
    const { bins, counts: cnt } = a.hist, m = bins.length;
    const lo = m ? bins[0]! : 0, span = m ? bins[m - 1]! - lo + 1 : 0;
    h[j] = lo;
    h[j + 1] = m;
    j = putPairs(h, j + 2, bins, cnt, m);
    max = Math.max(max, lo, span, maxOf(cnt, m)); // the span bounds m and every bin − lo
  }
  const used = h.subarray(0, j);
  const hist: PackedHist = max < 0x10000
    ? markBase64({ uint16: toBase64(new Uint8Array(new Uint16Array(used).buffer)) }, 'uint16')
    : markBase64({ uint32: toBase64(new Uint8Array(used.buffer, 0, 4 * j)) }, 'uint32');
  const moments = markBase64({ float64: toBase64(new Uint8Array(f.buffer)), shape: [list.length, F] }, 'float64');
  return { checkpoints: counts, moments, hist };
}

/** The occupied bins bins[i] − bins[0] and their counts, as pairs into h from j; returns the next j. */
function putPairs(h: Uint32Array, j: number, bins: Uint32Array, cnt: Uint32Array, m: number): number {
  const first = bins[0]!;
  for (let i = 0; i < m; i++) {
    h[j++] = bins[i]! - first;
    h[j++] = cnt[i]!;
  }
  return j;
}

function maxOf(a: Uint32Array, m: number): number {
  let x = 0;
  for (let i = 0; i < m; i++) if (a[i]! > x) x = a[i]!;
  return x;
}

class PackError extends Error {
  constructor(what: string) {
    super(`packed checkpoint statistics: ${what}`);
  }
}

function histValues(hist: PackedHist): Uint16Array | Uint32Array {
  const wide = 'uint32' in hist;
  const text = wide ? (hist as { uint32: unknown }).uint32 : (hist as { uint16: unknown }).uint16;
  if (typeof text !== 'string') throw new PackError('the histogram block is missing');
  const bytes = fromBase64(text), size = wide ? 4 : 2;
  if (bytes.length % size) throw new PackError(`${bytes.length} bytes of histogram, not a whole number of uint${8 * size}`);
  return wide ? new Uint32Array(bytes.buffer, 0, bytes.length / 4) : new Uint16Array(bytes.buffer, 0, bytes.length / 2);
}

/** Inverse of packCheckpoints. Throws where the blocks do not fit the checkpoints or a histogram is not canonical (ascending, positive). */
export function unpackCheckpoints(o: PackedCheckpoints): CheckpointAccumulator[] {
  if (!LITTLE_ENDIAN) throw new PackError('packed statistics need a little-endian platform');
  const C = o.checkpoints.length, shape = o.moments.shape;
  if (!Array.isArray(shape) || shape.length !== 2 || shape[0] !== C || !Number.isInteger(shape[1]) || shape[1]! < FIXED || (shape[1]! - FIXED) % 3) {
    throw new PackError(`moments of shape ${JSON.stringify(shape)} for ${C} checkpoints`);
  }
  const F = shape[1]!, P = (F - FIXED) / 3;
  const bytes = fromBase64(o.moments.float64);
  if (bytes.length !== 8 * C * F) throw new PackError(`${bytes.length} bytes of moments for shape [${C},${F}] (${8 * C * F} expected)`);
  const f = new Float64Array(bytes.buffer, 0, C * F);
  const h = histValues(o.hist);
  const moments = (k: number): Moments => ({ n: f[k]!, mean: f[k + 1]!, m2: f[k + 2]! });
  const out: CheckpointAccumulator[] = new Array(C);
  let j = 0;
  for (let c = 0; c < C; c++) {
    const x = o.checkpoints[c]!, k = c * F;
    if (!x || typeof x !== 'object') throw new PackError(`checkpoint ${c} is not an object`);
    if (j + 2 > h.length) throw new PackError(`the histogram block ends before checkpoint ${c}`);
    const lo = h[j]!, m = h[j + 1]!;
    j += 2;
    if (j + 2 * m > h.length) throw new PackError(`the histogram block ends inside checkpoint ${c}`);
    const hist: SparseHist = { bins: new Uint32Array(m), counts: new Uint32Array(m) };
    if (m === 0) {
      if (lo !== 0) throw new PackError(`checkpoint ${c}: an empty histogram starting at bin ${lo}`);
    } else {
      // Offsets from the first bin: the first is 0, they ascend, counts are positive, bins lie in [0, H_BINS).
      const len = h[j + 2 * (m - 1)]! + 1;
      if (h[j] !== 0 || lo + len > H_BINS) throw new PackError(`checkpoint ${c}: histogram bins outside their span or [0, ${H_BINS})`);
      let prev = -1;
      for (let i = 0; i < m; i++, j += 2) {
        const b = h[j]!, v = h[j + 1]!;
        if (b <= prev || v === 0) throw new PackError(`checkpoint ${c}: histogram bins out of order or empty`);
        hist.bins[i] = lo + b;
        hist.counts[i] = v;
        prev = b;
      }
    }
    let p: Moments[] | null = null;
    if (P) {
      p = new Array(P);
      for (let i = 0; i < P; i++) p[i] = moments(k + FIXED + 3 * i);
    }
    out[c] = {
      step: x.step, n: x.n, successCount: x.successCount, vertexCounts: x.vertexCounts, belowDelta: x.belowDelta, hist,
      logGap: moments(k), minLogGap: f[k + 3]!, maxLogGap: f[k + 4]!, gap: moments(k + 5), logGapSuccess: moments(k + 8),
      gapSuccess: moments(k + 11), p,
    };
  }
  if (j !== h.length) throw new PackError(`${h.length - j} histogram numbers left over`);
  return out;
}
