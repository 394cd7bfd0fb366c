/**
 * Model B (Song, Miller & Abbott 2000) on the run layer (src/run/): resuming from finished batches and merging shards
 * reproduce the uninterrupted run exactly, the per-batch integrity check refuses a corrupted batch, and the batched
 * run gives the numbers of the engine run whole (today's code) for the same seed.
 */
import { describe, expect, it } from 'vitest';
import { songModel, checkSong } from '../../../src/models/song/definition.ts';
import { parseSongExperiment } from '../../../src/models/song/experiment.ts';
import { runSongExperiment, type SongBatchRecord, type SongExperimentResult } from '../../../src/models/song/run.ts';
import { songFiles } from '../../../src/models/song/files.ts';
import { SongCpuEngine } from '../../../src/models/song/cpu-engine.ts';
import { SONG_FLAG, summarizeSong, type SongAccumulator } from '../../../src/models/song/stats.ts';
import { batchesOfState, mergeShardStates, runFromState } from '../../../src/run/merge.ts';
import {
  STATE_FORMAT, batchLine, completeLine, headerLine, loadFsModules, stateFromText, StateError, type RunState,
} from '../../../src/run/state.ts';

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
const viaJson = (a: SongAccumulator): SongAccumulator => songModel.statsFromJSON(JSON.parse(JSON.stringify(songModel.statsToJSON(a))));

/** Equal numbers: integers exactly, others within `rel` relative. */
function close(a: unknown, b: unknown, rel: number, path = ''): void {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isInteger(a) && Number.isInteger(b)) expect(a, path).toBe(b);
    else expect(Math.abs(a - b), path).toBeLessThanOrEqual(rel * Math.max(Math.abs(a), Math.abs(b)));
  } else if (a && typeof a === 'object') {
    expect(Object.keys(b as object).sort(), path).toEqual(Object.keys(a).sort());
    for (const k of Object.keys(a)) close((a as any)[k], (b as any)[k], rel, `${path}.${k}`);
  } else {
    expect(b, path).toEqual(a);
  }
}

function shardState(records: SongBatchRecord[], index: number): RunState {
  const header = {
    format: STATE_FORMAT as typeof STATE_FORMAT, experimentHash: 'h', source: { experiment: file(), overrides: {} }, model: 'song', name: 'song-batches',
    seed: 2000, version: '0', gitCommit: 'c', engine: 'cpu', shard: { index, count: 3 },
    engineInfo: { name: 'cpu' as const, runtime: 'node', precision: 'f64' as const, reason: 'requested' }, createdAt: 't0',
  };
  const text = headerLine(header) + records.map((r) => batchLine({ ...r, stats: songModel.statsToJSON(r.stats) })).join('') + completeLine('t1');
  return stateFromText(text, `shard${index}/state.jsonl`);
}

describe('Song on the run layer: batches, resume, shards', () => {
  it('a run resumed from its first k finished batches (read back through JSON) equals the uninterrupted run', async () => {
    const exp = parseSongExperiment(file());
    const saved: SongBatchRecord[] = [];
    let last = 0, total = 0;
    const full = await runSongExperiment(exp, {
      engine: 'cpu', onBatch: (b) => { saved.push(b); }, onProgress: (p) => { last = p.done; total = p.total; },
    });
    expect(saved.map((b) => b.range)).toEqual([[0, 23], [23, 46], [46, 69], [69, 90]]);
    expect(full.batchesRun).toBe(4);
    expect([last, total]).toEqual([90 * 5000, 90 * 5000]);
    for (const k of [1, 3]) {
      const done = saved.slice(0, k).map((b) => ({ ...b, stats: viaJson(b.stats) }));
      const resumed = await runSongExperiment(exp, { engine: 'cpu', done });
      expect(resumed.batchesRun).toBe(4 - k);
      expect(stable(resumed)).toEqual(stable(full));
      expect(resumed.result.accumulator).toEqual(full.result.accumulator);
    }
  });

  it('shards 1/3, 2/3, 3/3 through their state logs, merged, equal the single run', async () => {
    await loadFsModules();
    const exp = parseSongExperiment(file());
    const full = await runSongExperiment(exp, { engine: 'cpu' });
    const states: RunState[] = [];
    for (const index of [1, 2, 3]) {
      const recs: SongBatchRecord[] = [];
      await runSongExperiment(exp, { engine: 'cpu', shard: { index, count: 3 }, onBatch: (b) => { recs.push(b); } });
      expect(recs.map((r) => r.batch)).toEqual(index === 1 ? [0, 3] : [index - 1]);
      states.push(shardState(recs, index));
    }
    const merged = mergeShardStates(states.map((state, i) => ({ dir: `d${i + 1}`, state })), exp);
    const batches = batchesOfState(songModel, merged, exp, 'merged');
    const r = songModel.result(runFromState(songModel, merged, exp, batches));
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
    await loadFsModules();
    const exp = parseSongExperiment(file());
    const short = async () => {
      const cpu = new SongCpuEngine();
      return {
        engine: { info: cpu.info, run: async (s: any, o: any) => { const r = await cpu.run(s, o); if (o.trajectoryRange[0] === 46) r.copies.n--; return r; } },
        reason: 'test',
      };
    };
    const kept: number[] = [];
    await expect(runSongExperiment(exp, { engine: 'cpu', selectEngine: short, onBatch: (b) => { kept.push(b.batch); } }))
      .rejects.toThrow(/integrity check failed \(cpu\): grid point 0, batch 2: head rate: 22 copies counted, expected 23/);
    expect(kept).toEqual([0, 1]);
    const recs: SongBatchRecord[] = [];
    await runSongExperiment(exp, { engine: 'cpu', shard: { index: 1, count: 3 }, onBatch: (b) => { recs.push(b); } });
    recs[1]!.stats.head.n--;
    const s = shardState(recs, 1);
    expect(() => batchesOfState(songModel, s, exp, 'd1')).toThrow(StateError);
    expect(() => batchesOfState(songModel, s, exp, 'd1')).toThrow(/d1: batch 3 of grid point 0 fails its integrity check \(head rate: 20 copies/);
  });

  it('a failed engine call is retried on a fresh engine with an unchanged result', async () => {
    const exp = parseSongExperiment(file());
    let created = 0, failures = 0;
    const flaky = async () => {
      created++;
      const cpu = new SongCpuEngine(), first = created === 1;
      return {
        engine: { info: cpu.info, run: async (s: any, o: any) => { if (first && o.trajectoryRange[0] === 23) { failures++; throw new Error('device lost'); } return cpu.run(s, o); } },
        reason: 'test',
      };
    };
    const r = await runSongExperiment(exp, { engine: 'cpu', selectEngine: flaky });
    expect([failures, created]).toEqual([1, 2]);
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
    close(songFiles(four).summary.summary, old, 1e-12);
    expect(old.copies).toBe(90);
    expect(old.rateHead.mean).toBeGreaterThan(0);
    const c4 = songFiles(four).summary.comparisons, c1 = songFiles(one).summary.comparisons;
    close(c4.map((c) => ({ ...c, note: undefined })), c1.map((c) => ({ ...c, note: undefined })), 1e-12);
  });

  it('parses the batches field and refuses the command-line values that do not apply', () => {
    const f = file();
    expect(songModel.parse(f, {}).batches).toBe(4);
    expect(songModel.parse({ ...f, batches: undefined }, { trajectories: 7, seed: 3 })).toMatchObject({
      batches: 10, seed: 3, units: [{ label: 'base', trajectories: 7, workPerCopy: 5000 }], target: null,
    });
    expect(() => songModel.parse(f, { steps: 5 })).toThrow('--steps does not apply to Song–Miller–Abbott experiments: change its duration or steps in the file');
    expect(() => songModel.parse(f, { duration: 5 })).toThrow(/--duration does not apply to Song–Miller–Abbott experiments/);
    expect(() => songModel.parse({ ...f, batches: 0 }, {})).toThrow(/batches/);
    expect(songModel.fileSchema().safeParse(f).success).toBe(true);
    expect(songModel.fileSchema().safeParse({ ...f, batches: 1001 }).success).toBe(false);
  });
});
