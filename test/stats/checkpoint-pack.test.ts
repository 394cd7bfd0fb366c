/**
 * A batch's checkpoint accumulators in the state log, packed (src/stats/checkpoint-pack.ts): the exact bits come back
 * through JSON text (NaN, ±Infinity, −0, empty accumulators), layouts that do not pack are written as JSON, the JSON
 * form of older logs still reads, and blocks that do not fit are refused.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chainModel, type ChainBatch } from '../../src/models/chain/definition.ts';
import { histFromPairs, histPairs } from '../../src/stats/sparse-hist.ts';
import { isPackedCheckpoints, packCheckpoints, unpackCheckpoints, type PackedCheckpoints } from '../../src/stats/checkpoint-pack.ts';
import {
  H_BINS, accumulateTrajectory, accumulatorToJSON, emptyAccumulator, type CheckpointAccumulator, type Moments,
} from '../../src/stats/checkpoint-stats.ts';

/** Every number of an accumulator, in a fixed order (Object.is tells −0 and NaN apart). */
function numbers(a: CheckpointAccumulator): number[] {
  const m = (x: Moments) => [x.n, x.mean, x.m2];
  return [
    a.step, a.n, a.successCount, ...a.vertexCounts, ...a.belowDelta, ...histPairs(a.hist).flat(), a.hist.bins.length,
    ...m(a.logGap), a.minLogGap, a.maxLogGap, ...m(a.gap), ...m(a.logGapSuccess), ...m(a.gapSuccess), ...(a.p ?? []).flatMap(m),
  ];
}

function expectSameBits(back: CheckpointAccumulator[], list: CheckpointAccumulator[]): void {
  expect(back.length).toBe(list.length);
  back.forEach((b, i) => {
    const x = numbers(b), y = numbers(list[i]!);
    expect(x.length).toBe(y.length);
    x.forEach((v, j) => expect(Object.is(v, y[j]), `checkpoint ${i}, number ${j}: ${v} vs ${y[j]}`).toBe(true));
    expect(b.p === null).toBe(list[i]!.p === null);
    expect(b.hist).toEqual(list[i]!.hist);
  });
}

const viaJson = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

/** Accumulators of three checkpoints: filled, with odd values (NaN, ±Infinity, −0: where `odd`), and empty. */
function sample(d = 3, odd = true): CheckpointAccumulator[] {
  const a = emptyAccumulator(10, d), b = emptyAccumulator(20, d), empty = emptyAccumulator(30, d);
  for (let t = 0; t < 40; t++) {
    const L = -Math.exp((t % 7) - 2 + t / 13), p = Array.from({ length: d }, (_, i) => (i + 1 + t) / (d * (d + 1) / 2 + d * t));
    accumulateTrajectory(a, 0, L, Math.exp(L), t % d, p);
    accumulateTrajectory(b, 1, L * 3, Math.exp(L * 3), (t * 7) % d, p);
  }
  if (odd) {
    b.logGap.mean = NaN;
    b.gap.m2 = -0;
    b.logGapSuccess.mean = Infinity;
    b.gapSuccess.mean = -Infinity;
    if (b.p) b.p[0]!.mean = 5e-324;
  }
  return [a, b, empty];
}

describe('packed checkpoint accumulators', () => {
  it('come back bit for bit through JSON text: NaN, ±Infinity, −0, an empty accumulator (min/max L = ±Infinity)', () => {
    const list = sample();
    const packed = packCheckpoints(list)!;
    expect(isPackedCheckpoints(packed)).toBe(true);
    expect('uint16' in packed.hist).toBe(true);
    const back = unpackCheckpoints(viaJson(packed));
    expectSameBits(back, list);
    expect(back[2]!.minLogGap).toBe(Infinity);
    expect(back[2]!.maxLogGap).toBe(-Infinity);
    expect(back[2]!.hist).toEqual({ bins: new Uint32Array(0), counts: new Uint32Array(0) });
    // The counts stay readable JSON, one object per checkpoint.
    expect(viaJson(packed).checkpoints[0]).toEqual({ step: 10, n: 40, successCount: list[0]!.successCount, vertexCounts: list[0]!.vertexCounts, belowDelta: list[0]!.belowDelta });
  });

  it('are the bytes state logs have held since the format began (a fixture: histograms as windows wrote the same)', () => {
    const sha = (x: unknown) => createHash('sha256').update(JSON.stringify(x)).digest('hex');
    // Computed with the code of be96c3f, whose histograms were windows from the first to the last occupied bin.
    expect(sha(packCheckpoints(sample()))).toBe('041247ee590db2a53662a916666797591178ea32478156091fdfd44df5d289ce');
    const big = sample(40);
    big[0]!.hist = histFromPairs([[5, 70000], [4095, 3]], H_BINS);
    expect(sha(packCheckpoints(big))).toBe('459b043e22340fcf1ec387cfeb4eba8d2db5bcbed95340d0332ff46893ad059e');
  });

  it('hold counts beyond 16 bits, p = null (d > 32) and no checkpoints at all', () => {
    const big = sample(40);
    expect(big[0]!.p).toBeNull();
    big[0]!.hist = histFromPairs([[5, 70000], [4095, 3]], H_BINS);
    const packed = packCheckpoints(big)!;
    expect('uint32' in packed.hist).toBe(true);
    expectSameBits(unpackCheckpoints(viaJson(packed)), big);
    expect(unpackCheckpoints(viaJson(packCheckpoints([])!))).toEqual([]);
  });

  it('are written as JSON where the accumulators of a batch do not share one layout', () => {
    const list = sample(3, false); // the JSON form writes NaN and ±Infinity as null
    list[1]!.p = null;
    expect(packCheckpoints(list)).toBeNull();
    const batch: ChainBatch = { checkpoints: list };
    const json = viaJson(chainModel.statsToJSON(batch)) as { checkpoints: unknown[] };
    expect(isPackedCheckpoints(json)).toBe(false);
    expectSameBits(chainModel.statsFromJSON(json).checkpoints, list);
  });

  it('the chain model writes them packed with the paths, and still reads the JSON form of older logs', () => {
    const list = sample();
    const paths = [[[0.1, 0.2, 0.7], [1 / 3, 1 / 3, 1 / 3], [-0, NaN, Infinity]]];
    const batch: ChainBatch = { checkpoints: list, paths };
    const json = viaJson(chainModel.statsToJSON(batch));
    expect(isPackedCheckpoints(json)).toBe(true);
    const back = chainModel.statsFromJSON(json);
    expectSameBits(back.checkpoints, list);
    expect(Object.is(back.paths![0]![2]![0], -0)).toBe(true);
    expect(back.paths![0]![2]![1]).toBeNaN();
    // An older log: the accumulators as JSON (histogram pairs, min/max null when empty), the paths as arrays.
    const old = viaJson({ checkpoints: list.map(accumulatorToJSON), paths: [[[0.1, 0.2, 0.7]]] });
    const fromOld = chainModel.statsFromJSON(old);
    expect(fromOld.checkpoints.map((c) => c.n)).toEqual(list.map((c) => c.n));
    expect(fromOld.checkpoints[2]!.minLogGap).toBe(Infinity);
    expect(histPairs(fromOld.checkpoints[0]!.hist)).toEqual(histPairs(list[0]!.hist));
    expect(fromOld.checkpoints[0]!.logGap).toEqual(list[0]!.logGap);
    expect(fromOld.paths).toEqual([[[0.1, 0.2, 0.7]]]);
  });

  it('refuse blocks that do not fit the checkpoints or histograms that are not canonical (ascending, positive, in range)', () => {
    const packed = viaJson(packCheckpoints(sample())!);
    const edit = (f: (p: PackedCheckpoints) => void) => { const p = viaJson(packed); f(p); return () => unpackCheckpoints(p); };
    expect(edit((p) => { p.checkpoints.pop(); })).toThrow(/moments of shape \[3,23\] for 2 checkpoints/);
    expect(edit((p) => { p.moments.float64 = p.moments.float64.slice(8); })).toThrow(/bytes of moments/);
    expect(edit((p) => { p.moments.shape = [3, 24]; })).toThrow(/moments of shape/);
    // The histogram block as 16-bit numbers: [lo, m, (offset, count)·m] per checkpoint.
    const hist = (p: PackedCheckpoints, f: (h: Uint16Array) => void) => {
      const h = new Uint16Array(Uint8Array.from(Buffer.from((p.hist as { uint16: string }).uint16, 'base64')).buffer);
      f(h);
      p.hist = { uint16: Buffer.from(h.buffer).toString('base64') };
    };
    expect(edit((p) => hist(p, (h) => { h[0] = H_BINS - 1; }))).toThrow(/outside their span/);
    expect(edit((p) => hist(p, (h) => { h[3] = 0; }))).toThrow(/out of order or empty/);
    expect(edit((p) => hist(p, (h) => { h[4] = 0; }))).toThrow(/out of order or empty/);
    const longer = (p: PackedCheckpoints) => {
      const h = Buffer.from((p.hist as { uint16: string }).uint16, 'base64');
      p.hist = { uint16: Buffer.concat([h, Buffer.alloc(4)]).toString('base64') };
    };
    expect(edit(longer)).toThrow(/2 histogram numbers left over/);
    expect(edit((p) => { p.hist = { uint16: Buffer.from([1, 2, 3]).toString('base64') }; })).toThrow(/not a whole number of uint16/);
    expect(edit((p) => { p.hist = {} as never; })).toThrow(/histogram block is missing/);
  });
});
