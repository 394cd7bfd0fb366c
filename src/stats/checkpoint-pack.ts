/**
 * A batch's checkpoint accumulators (checkpoint-stats.ts) in the state log, packed: the counts of all checkpoints go
 * into one float64 block, their floating-point moments into another and the histograms' occupied bins into one block
 * of integers, all as bytes (src/core/packed-floats.ts PackedBytes: raw in the state log's binary file, base64 in
 * JSON text). Logs before the counts block held the counts as JSON, one object per checkpoint (`checkpoints`): 16 kB
 * of JSON per batch of `experiments/fig2-simplex.json`, whose formatting, hashing and copying cost a short run more
 * than the rest of its state line. The exact bits come back (NaN, ±Infinity, −0, and the ±Infinity of an
 * empty accumulator's min/max L included), and writing a batch costs a copy into typed arrays instead of formatting
 * ~30 decimal numbers per checkpoint. The JSON form (accumulatorToJSON) is still read, and still written where the
 * accumulators of a batch do not share one layout.
 *
 * counts: shape [checkpoints, 3 + d + D], `vertices` = d, per checkpoint
 *   step, n, successCount, vertexCounts (d), belowDelta (D)
 * (whole numbers, exact in float64 far beyond any count).
 * moments: shape [checkpoints, 14 + 3·P], per checkpoint
 *   logGap (n, mean, m2), minLogGap, maxLogGap, gap (n, mean, m2), logGapSuccess (…), gapSuccess (…), p_1 (…) … p_P (…)
 * with P the length of `p` (0: p is null).
 * histograms: uint32, per checkpoint its number m of occupied bins, the m bins (ascending), then their m counts: the
 * sparse histogram's two arrays as they are, so a checkpoint is written and read by two native copies (typed-array
 * set/slice) rather than a loop over its bins, which in a short run's young code was a third of the packing.
 * hist (logs written before `histograms`, still read): per checkpoint its first occupied bin lo, m, then m pairs
 * (bin − lo, count); as uint16 when every number fits, else uint32.
 */
import { LITTLE_ENDIAN, blockBytes, packedBytes, type BlockData, type PackedBytes, type PackedFloats } from '../core/packed-floats.ts';
import type { SparseHist } from './sparse-hist.ts';
import { H_BINS, type CheckpointAccumulator, type Moments } from './checkpoint-stats.ts';

/** The counts of one checkpoint, as JSON (logs before the counts block). */
export interface CheckpointCounts {
  step: number;
  n: number;
  successCount: number;
  vertexCounts: number[];
  belowDelta: number[];
}

export type PackedHist = { uint16: BlockData } | { uint32: BlockData };

/** The counts block: float64, [checkpoints, 3 + d + D] (see the file's comment); d = `vertices`. */
export interface PackedCounts extends PackedFloats {
  vertices: number;
}

export interface PackedCheckpoints {
  /** The counts as written now. */
  counts?: PackedCounts;
  /** The counts as logs before `counts` hold them: one object per checkpoint. */
  checkpoints?: CheckpointCounts[];
  moments: PackedFloats;
  /** The histograms as written now: [m, bins…, counts…] per checkpoint. */
  histograms?: { uint32: BlockData };
  /** The histograms as logs before `histograms` hold them: [lo, m, (bin − lo, count)…] per checkpoint. */
  hist?: PackedHist;
}

/** Fields of `moments` before the p's. */
const FIXED = 14;

/** Is this a batch's packed form (rather than the JSON list of accumulators)? */
export function isPackedCheckpoints(x: unknown): x is PackedCheckpoints {
  const o = x as PackedCheckpoints;
  const blockOf = (h: unknown) => !!h && typeof h === 'object';
  return !!o && typeof o === 'object' && (Array.isArray(o.checkpoints) || blockOf(o.counts)) && blockOf(o.moments) && (blockOf(o.histograms) || blockOf(o.hist));
}

function putMoments(f: Float64Array, k: number, m: Moments): number {
  f[k] = m.n;
  f[k + 1] = m.mean;
  f[k + 2] = m.m2;
  return k + 3;
}

/**
 * The packed form of a batch's accumulators, or null where they do not share one layout (p null at some checkpoints
 * and not at others, or of different lengths; vertex counts or counts below δ of different lengths) or the platform
 * is big-endian: those are written as JSON.
 */
export function packCheckpoints(list: readonly CheckpointAccumulator[]): PackedCheckpoints | null {
  if (!LITTLE_ENDIAN) return null;
  const first = list[0];
  const P = first?.p ? first.p.length : 0, d = first ? first.vertexCounts.length : 0, D = first ? first.belowDelta.length : 0;
  if (first?.p && P === 0) return null;
  let room = 0;
  for (const a of list) {
    if ((a.p ? a.p.length : 0) !== P || (a.p === null) !== (P === 0) || a.vertexCounts.length !== d || a.belowDelta.length !== D) return null;
    room += 1 + 2 * a.hist.bins.length;
  }
  const F = FIXED + 3 * P, W = 3 + d + D;
  const f = new Float64Array(list.length * F);
  const h = new Uint32Array(room);
  const g = new Float64Array(list.length * W);
  let k = 0, j = 0;
  for (let c = 0; c < list.length; c++) {
    const a = list[c]!, q = c * W;
    g[q] = a.step;
    g[q + 1] = a.n;
    g[q + 2] = a.successCount;
    g.set(a.vertexCounts, q + 3);
    g.set(a.belowDelta, q + 3 + d);
    k = putMoments(f, k, a.logGap);
    f[k++] = a.minLogGap;
    f[k++] = a.maxLogGap;
    k = putMoments(f, k, a.gap);
    k = putMoments(f, k, a.logGapSuccess);
    k = putMoments(f, k, a.gapSuccess);
    for (let i = 0; i < P; i++) k = putMoments(f, k, a.p![i]!);
    const { bins, counts: cnt } = a.hist, m = bins.length;
    h[j] = m;
    h.set(bins, j + 1);
    h.set(cnt, j + 1 + m);
    j += 1 + 2 * m;
  }
  const histograms: { uint32: PackedBytes } = { uint32: packedBytes(h) };
  const moments: PackedFloats = { float64: packedBytes(f), shape: [list.length, F] };
  return { counts: { float64: packedBytes(g), shape: [list.length, W], vertices: d }, moments, histograms };
}

class PackError extends Error {
  constructor(what: string) {
    super(`packed checkpoint statistics: ${what}`);
  }
}

function histValues(hist: PackedHist): Uint16Array | Uint32Array {
  const wide = 'uint32' in hist;
  const bytes = blockBytes(wide ? (hist as { uint32: unknown }).uint32 : (hist as { uint16: unknown }).uint16), size = wide ? 4 : 2;
  if (!bytes) throw new PackError('the histogram block is missing');
  if (bytes.length % size) throw new PackError(`${bytes.length} bytes of histogram, not a whole number of uint${8 * size}`);
  return wide ? new Uint32Array(bytes.buffer, 0, bytes.length / 4) : new Uint16Array(bytes.buffer, 0, bytes.length / 2);
}

/** The checkpoints' histograms read one after another from a packed block; `end` checks that nothing is left over. */
interface HistReader {
  next(c: number): SparseHist;
  end(): void;
}

/** Is a histogram canonical: bins strictly ascending within [0, H_BINS), counts positive? Throws if not. */
function checkCanonical(hist: SparseHist, c: number): void {
  const { bins, counts } = hist, m = bins.length;
  if (m && bins[m - 1]! >= H_BINS) throw new PackError(`checkpoint ${c}: histogram bins outside [0, ${H_BINS})`);
  for (let i = 0; i < m; i++) {
    if ((i && bins[i]! <= bins[i - 1]!) || counts[i] === 0) throw new PackError(`checkpoint ${c}: histogram bins out of order or empty`);
  }
}

/** `histograms`: [m, bins…, counts…] per checkpoint, the two arrays copied out as they are. */
function binsThenCounts(h: Uint32Array): HistReader {
  let j = 0;
  return {
    next(c) {
      if (j + 1 > h.length) throw new PackError(`the histogram block ends before checkpoint ${c}`);
      const m = h[j]!;
      if (j + 1 + 2 * m > h.length) throw new PackError(`the histogram block ends inside checkpoint ${c}`);
      const hist: SparseHist = { bins: h.slice(j + 1, j + 1 + m), counts: h.slice(j + 1 + m, j + 1 + 2 * m) };
      j += 1 + 2 * m;
      checkCanonical(hist, c);
      return hist;
    },
    end() {
      if (j !== h.length) throw new PackError(`${h.length - j} histogram numbers left over`);
    },
  };
}

/** `hist` (older logs): [lo, m, (bin − lo, count)…] per checkpoint, the offsets from the first bin 0 and ascending. */
function offsetPairs(h: Uint16Array | Uint32Array): HistReader {
  let j = 0;
  return {
    next(c) {
      if (j + 2 > h.length) throw new PackError(`the histogram block ends before checkpoint ${c}`);
      const lo = h[j]!, m = h[j + 1]!;
      j += 2;
      if (j + 2 * m > h.length) throw new PackError(`the histogram block ends inside checkpoint ${c}`);
      const hist: SparseHist = { bins: new Uint32Array(m), counts: new Uint32Array(m) };
      if (m === 0) {
        if (lo !== 0) throw new PackError(`checkpoint ${c}: an empty histogram starting at bin ${lo}`);
        return hist;
      }
      if (h[j] !== 0 || lo + h[j + 2 * (m - 1)]! + 1 > H_BINS) throw new PackError(`checkpoint ${c}: histogram bins outside their span or [0, ${H_BINS})`);
      for (let i = 0; i < m; i++, j += 2) {
        hist.bins[i] = lo + h[j]!;
        hist.counts[i] = h[j + 1]!;
      }
      checkCanonical(hist, c);
      return hist;
    },
    end() {
      if (j !== h.length) throw new PackError(`${h.length - j} histogram numbers left over`);
    },
  };
}

/** The reader of a packed batch's histograms, in whichever layout it was written. */
function histReader(o: PackedCheckpoints): HistReader {
  if (o.histograms !== undefined) {
    const bytes = blockBytes((o.histograms as { uint32?: unknown } | null)?.uint32);
    if (!bytes) throw new PackError('the histogram block is missing');
    if (bytes.length % 4) throw new PackError(`${bytes.length} bytes of histogram, not a whole number of uint32`);
    return binsThenCounts(new Uint32Array(bytes.buffer, 0, bytes.length / 4));
  }
  return offsetPairs(histValues(o.hist ?? ({} as PackedHist)));
}

/**
 * The counts of each checkpoint, from the counts block (refused where its shape does not hold them or a count is not
 * a whole number ≥ 0) or from the JSON objects of older logs; and the number of checkpoints.
 */
function countsReader(o: PackedCheckpoints): { C: number; at(c: number): CheckpointCounts } {
  if (o.counts === undefined) {
    const list = o.checkpoints;
    if (!Array.isArray(list)) throw new PackError('the counts are missing');
    return {
      C: list.length,
      at(c) {
        const x = list[c];
        if (!x || typeof x !== 'object') throw new PackError(`checkpoint ${c} is not an object`);
        return x;
      },
    };
  }
  const { shape, vertices: d } = o.counts;
  const whole = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;
  if (!Array.isArray(shape) || shape.length !== 2 || !whole(shape[0]) || !whole(shape[1]) || !whole(d) || shape[1]! < 3 + d) {
    throw new PackError(`counts of shape ${JSON.stringify(shape)} with ${JSON.stringify(d)} vertices`);
  }
  const [C, W] = shape as [number, number];
  const bytes = blockBytes(o.counts.float64);
  if (!bytes) throw new PackError('the counts block is missing');
  if (bytes.length !== 8 * C * W) throw new PackError(`${bytes.length} bytes of counts for shape [${C},${W}] (${8 * C * W} expected)`);
  const g = new Float64Array(bytes.buffer, 0, C * W);
  for (let i = 0; i < g.length; i++) {
    if (!whole(g[i])) throw new PackError(`checkpoint ${Math.floor(i / W)}: a count ${g[i]} that is not a whole number ≥ 0`);
  }
  const row = (from: number, n: number): number[] => {
    const out: number[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = g[from + i]!;
    return out;
  };
  return {
    C,
    at: (c) => {
      const q = c * W;
      return { step: g[q]!, n: g[q + 1]!, successCount: g[q + 2]!, vertexCounts: row(q + 3, d), belowDelta: row(q + 3 + d, W - 3 - d) };
    },
  };
}

/** Inverse of packCheckpoints. Throws where the blocks do not fit the checkpoints or a histogram is not canonical (ascending, positive). */
export function unpackCheckpoints(o: PackedCheckpoints): CheckpointAccumulator[] {
  if (!LITTLE_ENDIAN) throw new PackError('packed statistics need a little-endian platform');
  const counts = countsReader(o);
  const C = counts.C, shape = o.moments.shape;
  if (!Array.isArray(shape) || shape.length !== 2 || shape[0] !== C || !Number.isInteger(shape[1]) || shape[1]! < FIXED || (shape[1]! - FIXED) % 3) {
    throw new PackError(`moments of shape ${JSON.stringify(shape)} for ${C} checkpoints`);
  }
  const F = shape[1]!, P = (F - FIXED) / 3;
  const bytes = blockBytes(o.moments.float64);
  if (!bytes) throw new PackError('the moments block is missing');
  if (bytes.length !== 8 * C * F) throw new PackError(`${bytes.length} bytes of moments for shape [${C},${F}] (${8 * C * F} expected)`);
  const f = new Float64Array(bytes.buffer, 0, C * F);
  const hists = histReader(o);
  const moments = (k: number): Moments => ({ n: f[k]!, mean: f[k + 1]!, m2: f[k + 2]! });
  const out: CheckpointAccumulator[] = new Array(C);
  for (let c = 0; c < C; c++) {
    const x = counts.at(c), k = c * F;
    const hist = hists.next(c);
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
  hists.end();
  return out;
}
