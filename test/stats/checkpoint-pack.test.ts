/**
 * A batch's checkpoint accumulators in the state log, packed (src/stats/checkpoint-pack.ts): the exact bits come back
 * through JSON text (NaN, ±Infinity, −0, empty accumulators), layouts that do not pack are written as JSON, the forms
 * of older logs (JSON; counts as JSON objects; histograms as offset pairs) still read, and blocks that do not fit are
 * refused.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
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
const sha = (x: unknown) => createHash('sha256').update(JSON.stringify(x)).digest('hex');

/**
 * sample() and sample(40) with a histogram beyond 16 bits as logs before the `histograms` block held them (written by
 * the code of 628e9fb: histograms as [lo, m, (bin − lo, count)…], uint16 and uint32).
 */
const pairsFixture = JSON.parse(readFileSync(new URL('./fixtures/checkpoints-packed-hist-pairs.json', import.meta.url), 'utf8')) as {
  sample: PackedCheckpoints; wide: PackedCheckpoints;
};

/** The same as logs before the counts block held them (written by the code of 821033c: counts as JSON objects). */
const countsJsonFixture = JSON.parse(readFileSync(new URL('./fixtures/checkpoints-packed-counts-json.json', import.meta.url), 'utf8')) as {
  sample: PackedCheckpoints; wide: PackedCheckpoints;
};

/** The numbers of a packed block read from JSON (base64). */
const floats = (b: unknown) => Array.from(new Float64Array(Uint8Array.from(Buffer.from(b as string, 'base64')).buffer));

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
    expect(packed.hist).toBeUndefined();
    expect(Object.keys(packed.histograms!)).toEqual(['uint32']);
    const back = unpackCheckpoints(viaJson(packed));
    expectSameBits(back, list);
    expect(back[2]!.minLogGap).toBe(Infinity);
    expect(back[2]!.maxLogGap).toBe(-Infinity);
    expect(back[2]!.hist).toEqual({ bins: new Uint32Array(0), counts: new Uint32Array(0) });
    // The counts: a row per checkpoint of step, n, successCount, the vertex counts, the counts below δ.
    const counts = viaJson(packed).counts!;
    expect(counts.shape).toEqual([3, 9]);
    expect(counts.vertices).toBe(3);
    expect(floats(counts.float64).slice(0, 9)).toEqual([10, 40, list[0]!.successCount, ...list[0]!.vertexCounts, ...list[0]!.belowDelta]);
    expect(packed.checkpoints).toBeUndefined();
  });

  it('are the bytes state logs hold (fixtures), and logs written with counts as JSON or histograms as offset pairs read the same', () => {
    // The bytes of the counts block's layout, pinned when it was introduced: a change to them is a change of format.
    expect(sha(packCheckpoints(sample()))).toBe('1097df11f372c88f36696dd7c967062c07ed97a5bc8add3ed844a33b80c97fa0');
    const big = sample(40);
    big[0]!.hist = histFromPairs([[5, 70000], [4095, 3]], H_BINS);
    expect(sha(packCheckpoints(big))).toBe('c63b9527a0fe6574dbd5fde6e03626b9864f2f4ed6c293d5582a601bb62c16b2');
    // Counts as JSON objects (and histograms as [m, bins…, counts…]): the bytes this test pinned for that layout.
    expect(sha(countsJsonFixture.sample)).toBe('87d6f9f536224e0c63008d4050a67830f54848e4d9d8a3a52d3561fe05335f17');
    expect(sha(countsJsonFixture.wide)).toBe('58621b1f7a7d02d1848981d88a84aaca3b07f93485324e46a75ea1af1f4d992a');
    expect(isPackedCheckpoints(countsJsonFixture.sample)).toBe(true);
    expectSameBits(unpackCheckpoints(viaJson(countsJsonFixture.sample)), sample());
    expectSameBits(unpackCheckpoints(viaJson(countsJsonFixture.wide)), big);
    // The older layout: the same bytes as the fixture this test held before (histograms as windows wrote them too,
    // be96c3f), in 16 and in 32 bits, and the same accumulators from them.
    expect(sha(pairsFixture.sample)).toBe('041247ee590db2a53662a916666797591178ea32478156091fdfd44df5d289ce');
    expect(sha(pairsFixture.wide)).toBe('459b043e22340fcf1ec387cfeb4eba8d2db5bcbed95340d0332ff46893ad059e');
    expect(Object.keys(pairsFixture.sample.hist!)).toEqual(['uint16']);
    expect(Object.keys(pairsFixture.wide.hist!)).toEqual(['uint32']);
    expect(isPackedCheckpoints(pairsFixture.sample)).toBe(true);
    expectSameBits(unpackCheckpoints(viaJson(pairsFixture.sample)), sample());
    expectSameBits(unpackCheckpoints(viaJson(pairsFixture.wide)), big);
  });

  it('hold counts beyond 16 bits, p = null (d > 32) and no checkpoints at all', () => {
    const big = sample(40);
    expect(big[0]!.p).toBeNull();
    big[0]!.hist = histFromPairs([[5, 70000], [4095, 3]], H_BINS);
    const packed = packCheckpoints(big)!;
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
    const edit = (f: (p: PackedCheckpoints) => void, from = packed) => { const p = viaJson(from); f(p); return () => unpackCheckpoints(p); };
    expect(edit((p) => { p.moments.shape = [2, 23]; })).toThrow(/moments of shape \[2,23\] for 3 checkpoints/);
    expect(edit((p) => { p.checkpoints!.pop(); }, countsJsonFixture.sample)).toThrow(/moments of shape \[3,23\] for 2 checkpoints/);
    expect(edit((p) => { p.checkpoints![1] = null as never; }, countsJsonFixture.sample)).toThrow(/checkpoint 1 is not an object/);
    // The counts block: [step, n, successCount, vertex counts, counts below δ] per checkpoint, whole numbers.
    const counts = (f: (g: number[]) => void) => (p: PackedCheckpoints) => {
      const g = floats(p.counts!.float64);
      f(g);
      p.counts!.float64 = Buffer.from(new Float64Array(g).buffer).toString('base64');
    };
    expect(edit(counts((g) => { g[1] = 40.5; }))).toThrow(/checkpoint 0: a count 40.5 that is not a whole number/);
    expect(edit(counts((g) => { g[9 + 2] = -1; }))).toThrow(/checkpoint 1: a count -1 that is not a whole number/);
    expect(edit(counts((g) => { g.pop(); }))).toThrow(/208 bytes of counts for shape \[3,9\] \(216 expected\)/);
    expect(edit((p) => { p.counts!.vertices = 7; })).toThrow(/counts of shape \[3,9\] with 7 vertices/);
    expect(edit((p) => { p.counts!.shape = [3]; })).toThrow(/counts of shape \[3\]/);
    expect(edit((p) => { p.counts!.float64 = 7 as never; })).toThrow(/the counts block is missing/);
    expect(edit((p) => { delete p.counts; })).toThrow(/the counts are missing/);
    expect(edit((p) => { p.moments.float64 = (p.moments.float64 as string).slice(8); })).toThrow(/bytes of moments/);
    expect(edit((p) => { p.moments.shape = [3, 24]; })).toThrow(/moments of shape/);
    // The histogram block: [m, bins…, counts…] per checkpoint, 32 bits.
    const u32 = (p: PackedCheckpoints) => new Uint32Array(Uint8Array.from(Buffer.from(p.histograms!.uint32 as string, 'base64')).buffer);
    const hist = (f: (h: Uint32Array) => void) => (p: PackedCheckpoints) => {
      const h = u32(p);
      f(h);
      p.histograms = { uint32: Buffer.from(h.buffer).toString('base64') };
    };
    const m0 = u32(packed)[0]!;
    expect(m0).toBeGreaterThan(1);
    expect(edit(hist((h) => { h[m0] = H_BINS; }))).toThrow(/outside \[0, 4096\)/);
    expect(edit(hist((h) => { h[2] = h[1]!; }))).toThrow(/out of order or empty/);
    expect(edit(hist((h) => { h[1 + m0] = 0; }))).toThrow(/out of order or empty/);
    expect(edit(hist((h) => { h[0] = 1000; }))).toThrow(/ends inside checkpoint 0/);
    const longer = (p: PackedCheckpoints) => {
      p.histograms = { uint32: Buffer.concat([Buffer.from(p.histograms!.uint32 as string, 'base64'), Buffer.alloc(8)]).toString('base64') };
    };
    expect(edit(longer)).toThrow(/2 histogram numbers left over/);
    const shorter = (p: PackedCheckpoints) => {
      p.histograms = { uint32: Buffer.from(p.histograms!.uint32 as string, 'base64').subarray(0, 4 * (1 + 2 * m0)).toString('base64') };
    };
    expect(edit(shorter)).toThrow(/ends before checkpoint 1/);
    expect(edit((p) => { p.histograms = { uint32: Buffer.from([1, 2, 3]).toString('base64') }; })).toThrow(/not a whole number of uint32/);
    expect(edit((p) => { p.histograms = {} as never; })).toThrow(/histogram block is missing/);
    expect(edit((p) => { delete p.histograms; })).toThrow(/histogram block is missing/);
    // The older layout (offset pairs, 16 bits): [lo, m, (bin − lo, count)·m] per checkpoint.
    const old = pairsFixture.sample;
    const pairs = (f: (h: Uint16Array) => void) => (p: PackedCheckpoints) => {
      const h = new Uint16Array(Uint8Array.from(Buffer.from((p.hist as { uint16: string }).uint16, 'base64')).buffer);
      f(h);
      p.hist = { uint16: Buffer.from(h.buffer).toString('base64') };
    };
    expect(edit(pairs((h) => { h[0] = H_BINS - 1; }), old)).toThrow(/outside their span/);
    expect(edit(pairs((h) => { h[3] = 0; }), old)).toThrow(/out of order or empty/);
    expect(edit(pairs((h) => { h[4] = 0; }), old)).toThrow(/out of order or empty/);
    const longerPairs = (p: PackedCheckpoints) => {
      const h = Buffer.from((p.hist as { uint16: string }).uint16, 'base64');
      p.hist = { uint16: Buffer.concat([h, Buffer.alloc(4)]).toString('base64') };
    };
    expect(edit(longerPairs, old)).toThrow(/2 histogram numbers left over/);
    expect(edit((p) => { p.hist = { uint16: Buffer.from([1, 2, 3]).toString('base64') }; }, old)).toThrow(/not a whole number of uint16/);
    expect(edit((p) => { p.hist = {} as never; }, old)).toThrow(/histogram block is missing/);
  });
});
