/**
 * Model B (Song, Miller & Abbott 2000) on the run layer (src/run/): resuming from finished batches and merging shards
 * reproduce the uninterrupted run exactly, the per-batch integrity check refuses a corrupted batch, and the batched
 * run gives the numbers of the engine run whole (today's code) for the same seed.
 */
import { describe, expect, it } from 'vitest';
import { songModel, checkSong } from '../../../src/models/song/definition.ts';
import { parseSongExperiment } from '../../../src/models/song/experiment.ts';
import { runSongExperiment, type SongExperimentResult } from '../../../src/models/song/run.ts';
import { songFiles } from '../../../src/models/song/files.ts';
import { SongCpuEngine } from '../../../src/models/song/cpu-engine.ts';
import { SONG_FLAG, summarizeSong, type SongAccumulator } from '../../../src/models/song/stats.ts';
import { batchesOfState } from '../../../src/run/merge.ts';
import type { BatchRecord } from '../../../src/run/run-ensemble.ts';
import { StateError, type RunState } from '../../../src/run/state.ts';
import { expectClose } from '../../expect-close.ts';
import {
  editedEngines, firstRecords, flakyEngines, mergedResult, recordedRun, runShards, stateLog, viaJson as throughJson,
} from '../run-layer-helpers.ts';

type SongBatchRecord = BatchRecord<SongAccumulator>;

const file = (extra: Record<string, unknown> = {}) => ({
  name: 'song-batches', batches: 4,
  scenario: { model: 'song', duration: 0.5, rateWindow: 0.1, checkpoints: [0.2], trajectories: 90, seed: 2000 },
  ...extra,
});

/** The summary without timing, provenance and engine (what must not depend on how the run was cut). */
function stable(r: SongExperimentResult) {
  const { timing: _t, provenance: _p, engine: _e, ...rest } = songFiles(r).summary;
  return rest;
}

/** Through JSON as the state log stores it. */
const viaJson = (a: SongAccumulator): SongAccumulator => throughJson(songModel, a);

const shardState = (records: SongBatchRecord[], index: number): Promise<RunState> =>
  stateLog(songModel, records, { experiment: file(), seed: 2000, shard: { index, count: 3 }, where: `shard${index}/state.jsonl` });

describe('Song on the run layer: batches, resume, shards', () => {
  it('a run resumed from its first k finished batches (read back through JSON) equals the uninterrupted run', async () => {
    const exp = parseSongExperiment(file());
    const { result: full, records, progress } = await recordedRun<SongAccumulator, SongExperimentResult>((o) => runSongExperiment(exp, { engine: 'cpu', ...o }));
    expect(records.map((b) => b.range)).toEqual([[0, 23], [23, 46], [46, 69], [69, 90]]);
    expect(full.batchesRun).toBe(4);
    expect(progress).toMatchObject({ done: 90 * 5000, total: 90 * 5000 });
    for (const k of [1, 3]) {
      const resumed = await runSongExperiment(exp, { engine: 'cpu', done: firstRecords(songModel, records, k) });
      expect(resumed.batchesRun).toBe(4 - k);
      expect(stable(resumed)).toEqual(stable(full));
      expect(resumed.result.accumulator).toEqual(full.result.accumulator);
    }
  });

  it('shards 1/3, 2/3, 3/3 through their state logs, merged, equal the single run', async () => {
    const exp = parseSongExperiment(file());
    const full = await runSongExperiment(exp, { engine: 'cpu' });
    const shards = await runShards<SongAccumulator, unknown>((o) => runSongExperiment(exp, { engine: 'cpu', ...o }));
    expect(shards.map((sh) => sh.records.map((r) => r.batch))).toEqual([[0, 3], [1], [2]]);
    const r = mergedResult(songModel, await Promise.all(shards.map((sh) => shardState(sh.records, sh.index))), exp);
    expect(stable(r)).toEqual(stable(full));
    expect(r.result.accumulator).toEqual(full.result.accumulator);
  });

  it('the final histograms of single copies are those of copies 0..63 however the run is cut; chunks change no sum', async () => {
    const exp4 = parseSongExperiment(file());
    const exp1 = parseSongExperiment(file({ batches: 1 }));
    const [a, b] = [await runSongExperiment(exp4, { engine: 'cpu' }), await runSongExperiment(exp1, { engine: 'cpu' })];
    expect(a.result.accumulator.copyFinalHists).toHaveLength(64);
    expect(a.result.accumulator.copyFinalHists).toEqual(b.result.accumulator.copyFinalHists);
    // Engine calls of 10 copies within each batch (batchSize) fold the copies in the same order: the same sums.
    const chunked = await runSongExperiment(exp1, { engine: 'cpu', batchSize: 10 });
    expect(chunked.result.accumulator).toEqual(b.result.accumulator);
  });
});

describe('Song on the run layer: checks', () => {
  it('check refuses a batch whose counts do not add up, and a NaN that no flag explains', async () => {
    const exp = parseSongExperiment(file());
    const saved: SongBatchRecord[] = [];
    await runSongExperiment(exp, { engine: 'cpu', onBatch: (b) => { saved.push(b); } });
    const b = saved[1]!;
    expect(checkSong(b.stats, exp, 0, b.range)).toBeNull();
    const edit = (f: (a: SongAccumulator) => void) => { const a = structuredClone(b.stats); f(a); return checkSong(a, exp, 0, b.range); };
    expect(edit((a) => { a.windows[0]!.n++; })).toMatch(/rate window 0: 24 copies counted, expected 23/);
    expect(edit((a) => { a.checkpoints[1]!.hist[3]!++; })).toMatch(/histogram holds 23001 weights, expected 23 × 1000/);
    expect(edit((a) => { a.bimodalCopies = 24; })).toMatch(/24 bimodal copies of 23/);
    expect(edit((a) => { a.flaggedCopies = 1; })).toMatch(/flags 0 but 1 flagged copies/);
    expect(edit((a) => { a.copyFinalHists.pop(); })).toMatch(/22 final histograms of single copies, expected 23/);
    expect(edit((a) => { a.checkpoints[0]!.meanW.sum = NaN; })).toMatch(/meanW is NaN or infinite in a copy that is not flagged/);
    expect(checkSong(b.stats, exp, 0, [23, 47])).toMatch(/expected 24/);
    // A flagged non-finite copy is a fault the summary reports: the batch is kept, and its NaN survives the state log.
    const faulty = structuredClone(b.stats);
    faulty.checkpoints[0]!.meanW.sum = NaN;
    faulty.checkpoints[0]!.meanW.sumSq = Infinity;
    faulty.flags = SONG_FLAG.nonFinite;
    faulty.flaggedCopies = 1;
    expect(checkSong(faulty, exp, 0, b.range)).toBeNull();
    const back = viaJson(faulty);
    expect(back.checkpoints[0]!.meanW).toEqual({ n: 23, sum: NaN, sumSq: Infinity });
    expect(back).toEqual(faulty);
  });

  it('a run whose engine returns a short batch stops with the integrity error; a corrupted state batch is refused', async () => {
    const exp = parseSongExperiment(file());
    const short = editedEngines(() => new SongCpuEngine(), (r, o) => { if (o.trajectoryRange[0] === 46) r.copies.n--; });
    const kept: number[] = [];
    await expect(runSongExperiment(exp, { engine: 'cpu', selectEngine: short.select, onBatch: (b) => { kept.push(b.batch); } }))
      .rejects.toThrow(/integrity check failed \(cpu\): grid point 0, batch 2: head rate: 22 copies counted, expected 23/);
    expect(kept).toEqual([0, 1]);
    const recs: SongBatchRecord[] = [];
    await runSongExperiment(exp, { engine: 'cpu', shard: { index: 1, count: 3 }, onBatch: (b) => { recs.push(b); } });
    recs[1]!.stats.head.n--;
    const s = await shardState(recs, 1);
    expect(() => batchesOfState(songModel, s, exp, 'd1')).toThrow(StateError);
    expect(() => batchesOfState(songModel, s, exp, 'd1')).toThrow(/d1: batch 3 of grid point 0 fails its integrity check \(head rate: 20 copies/);
  });

  it('a failed engine call is retried on a fresh engine with an unchanged result', async () => {
    const exp = parseSongExperiment(file());
    const flaky = flakyEngines(() => new SongCpuEngine(), 23);
    const r = await runSongExperiment(exp, { engine: 'cpu', selectEngine: flaky.select });
    expect([flaky.counts.failures, flaky.counts.created]).toEqual([1, 2]);
    expect(stable(r)).toEqual(stable(await runSongExperiment(exp, { engine: 'cpu' })));
  });
});

describe('Song on the run layer: same numbers as the whole run, and the file', () => {
  it('batches: 1 is the engine run whole bit for bit; 4 batches agree to 1e-12 (counts exactly)', async () => {
    const exp = parseSongExperiment(file());
    const whole = await new SongCpuEngine().run(exp.scenario); // what runSongExperiment did before the run layer
    const old = summarizeSong(whole.accumulator);
    const one = await runSongExperiment(parseSongExperiment(file({ batches: 1 })), { engine: 'cpu' });
    const four = await runSongExperiment(exp, { engine: 'cpu' });
    expect(one.result.accumulator).toEqual(whole.accumulator);
    expect(songFiles(one).summary.summary).toEqual(old);
    // Batch sums add in another order: the last bits move. The sd from (n, Σx, Σx²) amplifies them by (mean/sd)²
    // (≈ 2500 for the mean weight here): a few 10⁻¹³ with 4 batches, about 10⁻¹² with the default 10.
    expectClose(songFiles(four).summary.summary, old);
    expect(old.copies).toBe(90);
    expect(old.rateHead.mean).toBeGreaterThan(0);
    const c4 = songFiles(four).summary.comparisons, c1 = songFiles(one).summary.comparisons;
    expectClose(c4.map((c) => ({ ...c, note: undefined })), c1.map((c) => ({ ...c, note: undefined })));
  });

  it('memory is sized for the copies one engine call holds (SONG_CHUNK), not for N: a million copies are accepted', () => {
    expect(songModel.parse(file(), { trajectories: 2 ** 20 }).units[0]!.trajectories).toBe(2 ** 20);
    // 20 000 rate windows (0.05 ms each over 1 s) for each of the 32 768 copies of one call: 2.6 GB of counts.
    const wide = file({ scenario: { ...file().scenario, duration: 1, rateWindow: 0.00005, dt: 0.05, checkpoints: [0.5] } });
    expect(() => songModel.parse(wide, { trajectories: 2 ** 20 }))
      .toThrow(/scenario\.rateWindow: .*20000 windows of 0.00005 s for each of the 32768 copies an engine call holds at once \(widen rateWindow\)/);
    expect(() => songModel.parse(wide, { trajectories: 1000 })).not.toThrow();
  });

  it('parses the batches field and refuses the command-line values that do not apply', () => {
    const f = file();
    expect(songModel.parse(f, {}).batches).toBe(4);
    expect(songModel.parse({ ...f, batches: undefined }, { trajectories: 7, seed: 3 })).toMatchObject({
      batches: 10, seed: 3, units: [{ label: 'base', trajectories: 7, workPerCopy: 5000 }], target: null,
    });
    expect(() => songModel.parse(f, { steps: 5 })).toThrow('--steps does not apply to Song–Miller–Abbott experiments: use --duration (seconds; the steps are duration/dt)');
    // --duration sets the run's length: the explicit checkpoint times beyond it are dropped (none left: the default ones).
    const short = songModel.parse(f, { duration: 0.3 });
    expect(short.scenario.duration).toBe(0.3);
    expect(short.scenario.steps).toBe((3 / 5) * songModel.parse(f, {}).scenario.steps);
    expect(short.units[0]!.workPerCopy).toBe(short.scenario.steps);
    expect(songModel.parse(f, { duration: 0.1 }).scenario.duration).toBe(0.1);
    expect(() => songModel.parse(f, { duration: 0.25 })).toThrow(/rateWindow: must divide duration = 0\.25 s/);
    expect(() => songModel.parse({ ...f, batches: 0 }, {})).toThrow(/batches/);
    expect(songModel.fileSchema().safeParse(f).success).toBe(true);
    expect(songModel.fileSchema().safeParse({ ...f, batches: 1001 }).success).toBe(false);
  });
});
