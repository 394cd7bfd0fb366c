/**
 * The orchestrator in process: resuming from finished batches, shards, precision targets, retries on a failed
 * dispatch, and the integrity checks that stop a run rather than let a wrong count through.
 */
import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../../src/models/chain/experiment.ts';
import { CpuEngine } from '../../src/models/chain/cpu-engine.ts';
import type { Engine } from '../../src/models/chain/engine-types.ts';
import { EngineUnavailableError } from '../../src/engines/types.ts';
import { RunFailedError, runExperiment, type ChainBatchRecord as BatchRecord, type ExperimentResult } from '../../src/models/chain/run-experiment.ts';
import { chainModel } from '../../src/models/chain/definition.ts';
import { runEnsemble } from '../../src/run/run-ensemble.ts';
import { batchesOfState, experimentOfState, mergeShardStates, runFromState } from '../../src/run/merge.ts';
import { batchLine, completeLine, headerLine, loadFsModules, stateFromText, StateError, type RunState } from '../../src/run/state.ts';
import { wilson } from '../../src/stats/intervals.ts';
import { histPairs } from '../../src/stats/sparse-hist.ts';

const base = {
  name: 'batches', batches: 6,
  scenario: { model: 'chain', rates: [3, 2, 1], alpha: 0.05, steps: 150, trajectories: 900, seed: 21, checkpoints: { every: 50 }, keepPaths: 3 },
};

/** Everything but the timings must be identical (bit for bit). */
function sameStats(a: ExperimentResult, b: ExperimentResult): void {
  expect(a.points.length).toBe(b.points.length);
  a.points.forEach((p, i) => {
    const q = b.points[i]!;
    expect(p.paths).toEqual(q.paths);
    expect(p.checkpoints.map((c) => ({ ...c, hist: histPairs(c.hist) }))).toEqual(q.checkpoints.map((c) => ({ ...c, hist: histPairs(c.hist) })));
    expect(p.blocks.length).toBe(q.blocks.length);
  });
}

await loadFsModules();

/** A state as the CLI would have logged it (statistics as JSON). */
function state(records: BatchRecord[], shard: RunState['shard'], complete = true): RunState {
  return {
    format: 'stdp-mc-state/2', experimentHash: 'h', source: { experiment: base, overrides: {} }, model: 'chain', name: base.name, seed: 21,
    version: '0', gitCommit: 'c', engine: 'cpu', shard, engineInfo: { name: 'cpu', runtime: 'node', precision: 'f64' },
    complete, createdAt: '', updatedAt: '', batches: records.map((r) => ({ ...r, stats: chainModel.statsToJSON(r.stats) })),
  };
}

/** The chain result a state gives (as `stdp-mc report` and `merge` rebuild it). */
function resultOf(s: RunState): ExperimentResult {
  const exp = experimentOfState(chainModel, s);
  return chainModel.result(runFromState(chainModel, s, exp, batchesOfState(chainModel, s, exp, 'state')));
}

describe('batches: resume and shards reproduce the uninterrupted run exactly', () => {
  it('a run resumed from its first k finished batches equals the uninterrupted run, and runs only the rest', async () => {
    const exp = parseExperiment(base);
    const saved: BatchRecord[] = [];
    const full = await runExperiment(exp, { engine: 'cpu', onBatch: (b) => { saved.push(b); } });
    expect(saved.map((b) => b.batch)).toEqual([0, 1, 2, 3, 4, 5]);
    for (const k of [1, 4]) {
      const resumed = await runExperiment(exp, { engine: 'cpu', done: saved.slice(0, k) });
      expect(resumed.batchesRun).toBe(6 - k);
      sameStats(resumed, full);
    }
  });

  it('shards 1/3, 2/3, 3/3 merged equal the single run; a missing, duplicate or unfinished shard is refused', async () => {
    const exp = parseExperiment(base);
    const full = await runExperiment(exp, { engine: 'cpu' });
    const shards: RunState[] = [];
    for (const index of [1, 2, 3]) {
      const recs: BatchRecord[] = [];
      await runExperiment(exp, { engine: 'cpu', shard: { index, count: 3 }, onBatch: (b) => { recs.push(b); } });
      expect(recs.map((r) => r.batch)).toEqual([index - 1, index + 2]);
      shards.push(state(recs, { index, count: 3 }));
    }
    const cexp = experimentOfState(chainModel, shards[0]!);
    const merge = (xs: { dir: string; state: RunState }[]) => mergeShardStates(xs, cexp);
    const merged = merge(shards.map((s, i) => ({ dir: `d${i + 1}`, state: s })));
    sameStats(resultOf(merged), full);
    expect(() => merge([{ dir: 'd1', state: shards[0]! }, { dir: 'd3', state: shards[2]! }])).toThrow(/missing shard 2\/3/);
    expect(() => merge([{ dir: 'a', state: shards[0]! }, { dir: 'b', state: shards[0]! }, { dir: 'c', state: shards[2]! }]))
      .toThrow(/shard 1\/3 appears twice: a and b/);
    expect(() => merge([{ dir: 'd1', state: shards[0]! }, { dir: 'd2', state: { ...shards[1]!, complete: false } }, { dir: 'd3', state: shards[2]! }]))
      .toThrow(/shard 2\/3 in d2 is incomplete/);
    expect(() => merge([{ dir: 'd1', state: shards[0]! }, { dir: 'd2', state: { ...shards[1]!, seed: 22 } }, { dir: 'd3', state: shards[2]! }]))
      .toThrow(/seed 22 differs/);
  });

  it('the state log round-trips exactly, drops a torn last record and refuses an edited one', async () => {
    const exp = parseExperiment(base);
    const recs: BatchRecord[] = [];
    const full = await runExperiment(exp, { engine: 'cpu', onBatch: (b) => { recs.push(b); } });
    const s = state(recs, null);
    const { complete: _c, updatedAt: _u, batches, ...header } = s;
    const text = headerLine(header) + batches.map(batchLine).join('') + completeLine('t');
    const back = stateFromText(text, 'state.jsonl');
    expect(back.complete).toBe(true);
    sameStats(resultOf(back), full);
    const b2 = chainModel.statsFromJSON(back.batches[2]!.stats);
    expect(b2.checkpoints[1]!.logGap).toEqual(recs[2]!.stats.checkpoints[1]!.logGap);
    // A kill during an append leaves a line without its newline: it never counted, the rest is intact.
    const lines = text.split('\n');
    const torn = lines.slice(0, 4).join('\n') + '\n' + lines[4]!.slice(0, 100);
    const t = stateFromText(torn, 'state.jsonl');
    expect(t.batches.map((b) => b.batch)).toEqual([0, 1, 2]);
    expect(t.complete).toBe(false);
    const edited = text.replace(/"dispatches":(\d+)/, (_, n) => `"dispatches":${Number(n) + 1}`);
    expect(() => stateFromText(edited, 'state.jsonl')).toThrow(/corrupted \(line 2: checksum mismatch/);
    expect(() => stateFromText(text.slice(0, 10), 'x')).toThrow(StateError);
    // A batch whose line is intact but whose counts do not add up (written by a broken engine) is refused on load.
    const badStats = chainModel.statsToJSON(recs[1]!.stats) as any;
    const counts = badStats.counts.float64 as Uint8Array;
    new Float64Array(counts.buffer, counts.byteOffset, counts.byteLength / 8)[2]! += 1; // the first checkpoint's successCount
    const badText = headerLine(header) + batchLine({ ...batches[0]! }) + batchLine({ ...batches[1]!, stats: badStats });
    expect(() => resultOf(stateFromText(badText, 'state.jsonl'))).toThrow(/batch 1 of grid point 0 fails its integrity check/);
  });
});

describe('precision targets', () => {
  it('stop at the first batch after which the Wilson interval is narrower than requested', async () => {
    const eps = 0.03;
    const exp = parseExperiment({ ...base, target: { successCIWidth: eps, maxTrajectories: 20000, batchSize: 200 } });
    const r = await runExperiment(exp, { engine: 'cpu' });
    const p = r.points[0]!;
    const widthAfter = (k: number) => {
      const acc = p.blocks.slice(0, k).map((b) => b[b.length - 1]!);
      const n = acc.reduce((a, c) => a + c.n, 0), s = acc.reduce((a, c) => a + c.successCount, 0);
      const [lo, hi] = wilson(s, n);
      return hi - lo;
    };
    const k = p.blocks.length;
    expect(k).toBeGreaterThan(1);
    expect(widthAfter(k)).toBeLessThan(eps);
    expect(widthAfter(k - 1)).toBeGreaterThanOrEqual(eps); // not one batch more than needed
    expect(p.checkpoints[p.checkpoints.length - 1]!.n).toBe(200 * k);
  });

  it('say which batch is the last to run: the final one, the one that meets the target, none after a resume from all', async () => {
    const lastOf = async (e: ReturnType<typeof parseExperiment>, done: BatchRecord[] = []) => {
      const flags: [number, boolean][] = [];
      await runExperiment(e, { engine: 'cpu', done, onBatch: (b, _e, _r, { last }) => { flags.push([b.batch, last]); } });
      return flags;
    };
    const plain = parseExperiment(base);
    expect(await lastOf(plain)).toEqual([[0, false], [1, false], [2, false], [3, false], [4, false], [5, true]]);
    // Batches 3 and 5 finished before: batch 4 is the last left to run.
    const saved: BatchRecord[] = [];
    await runExperiment(plain, { engine: 'cpu', onBatch: (b) => { saved.push(b); } });
    expect(await lastOf(plain, [saved[3]!, saved[5]!])).toEqual([[0, false], [1, false], [2, false], [4, true]]);
    // A target met after batch k − 1 (of a cap of 100 batches): that batch is the last.
    const target = parseExperiment({ ...base, target: { successCIWidth: 0.03, maxTrajectories: 20000, batchSize: 200 } });
    const flags = await lastOf(target);
    expect(flags.length).toBeGreaterThan(1);
    expect(flags.length).toBeLessThan(100);
    expect(flags.map(([, l]) => l)).toEqual([...Array(flags.length - 1).fill(false), true]);
  });

  it('stop at the cap when the interval cannot get that narrow', async () => {
    const exp = parseExperiment({ ...base, target: { successCIWidth: 1e-4, maxTrajectories: 700, batchSize: 200 } });
    const r = await runExperiment(exp, { engine: 'cpu' });
    expect(r.points[0]!.blocks.map((b) => b[0]!.n)).toEqual([200, 200, 200, 100]);
  });

  it('read each batch once: no merge of the batches so far before every new one (a run of B batches was O(B²))', async () => {
    const exp = chainModel.parse({ ...base, scenario: { ...base.scenario, steps: 20, keepPaths: 0 }, target: { successCIWidth: 1e-4, maxTrajectories: 1200, batchSize: 20 } }, {});
    let merges = 0, reads = 0;
    const counted = {
      ...chainModel,
      merge: (a: any, b: any) => { merges++; return chainModel.merge(a, b); },
      mergeAll: (bs: any[]) => { merges += bs.length - 1; return chainModel.mergeAll!(bs); },
      successes: (b: any, e: any, i: number) => { reads++; return chainModel.successes!(b, e, i); },
    };
    const run = await runEnsemble(counted, exp, { engine: 'cpu' });
    expect(run.points[0]!.blocks.length).toBe(60);
    expect(reads).toBe(60); // each batch's count read once
    expect(merges).toBe(59); // the point's one merge at the end
  });

  it('cannot be sharded', async () => {
    const exp = parseExperiment({ ...base, target: { successCIWidth: 0.05, maxTrajectories: 1000, batchSize: 200 } });
    await expect(runExperiment(exp, { engine: 'cpu', shard: { index: 1, count: 2 } })).rejects.toThrow(/cannot be split into shards/);
  });
});

describe('failures', () => {
  const exp = parseExperiment(base);

  /** What selectEngine gives: an engine with the CPU engine's info whose `run` is this one (which may call the CPU engine's). */
  const cpuEngineWith = (run: (cpu: CpuEngine, s: any, o: any) => ReturnType<Engine['run']>) => {
    const cpu = new CpuEngine();
    return { engine: { info: cpu.info, run: (s: any, o: any) => run(cpu, s, o) } as Engine, reason: 'test' };
  };

  it('a failed dispatch is retried on a fresh engine and the result is unchanged', async () => {
    let created = 0, failures = 0;
    const flaky = async () => {
      created++;
      return cpuEngineWith(async (cpu, s, o) => {
        if (created === 1 && o?.trajectoryRange?.[0] === 300) { failures++; throw new Error('device lost'); }
        return cpu.run(s, o);
      });
    };
    const r = await runExperiment(exp, { engine: 'cpu', selectEngine: flaky });
    expect(failures).toBe(1);
    expect(created).toBe(2);
    sameStats(r, await runExperiment(exp, { engine: 'cpu' }));
  });

  it('stops after the retry limit, keeping the finished batches', async () => {
    const saved: number[] = [];
    const broken = async () => cpuEngineWith(async (cpu, s, o) => { if (o.trajectoryRange[0] >= 450) throw new Error('device lost'); return cpu.run(s, o); });
    await expect(runExperiment(exp, { engine: 'cpu', selectEngine: broken, maxRetries: 2, onBatch: (b) => { saved.push(b.batch); } }))
      .rejects.toThrow(/batch 3 of grid point 0 failed 3 times on cpu: device lost/);
    expect(saved).toEqual([0, 1, 2]);
  });

  it('a device that cannot be created again stops the run as a failed run (RunFailedError, exit 1), the finished batches kept', async () => {
    const saved: number[] = [];
    let created = 0;
    const lost = async () => {
      if (++created > 1) throw new EngineUnavailableError('webgpu', 'no WebGPU adapter was granted');
      return cpuEngineWith(async (cpu, s, o) => { if (o.trajectoryRange[0] >= 300) throw new Error('device lost'); return cpu.run(s, o); });
    };
    const err = await runExperiment(exp, { engine: 'cpu', selectEngine: lost, onBatch: (b) => { saved.push(b.batch); } }).catch((e) => e);
    expect(err).toBeInstanceOf(RunFailedError);
    expect(err.message).toBe('batch 2 of grid point 0 failed on cpu (device lost), and the engine could not be created again: engine webgpu is not available: no WebGPU adapter was granted');
    expect(saved).toEqual([0, 1]);
  });

  it('a stop of the run reaches the batch in flight, which ends the run (not retried); no later batch starts', async () => {
    const saved: number[] = [], seen: boolean[] = [];
    const stop = new AbortController();
    const stopping = async () => cpuEngineWith(async (cpu, s, o) => {
      if (o.trajectoryRange[0] === 300) stop.abort(); // SIGINT while batch 2 runs
      seen.push(!!o.signal?.aborted);
      return cpu.run(s, o);
    });
    const err = await runExperiment(exp, { engine: 'cpu', selectEngine: stopping, signal: stop.signal, onBatch: (b) => { saved.push(b.batch); } }).catch((e) => e);
    expect(err?.name).toBe('AbortError');
    expect(saved).toEqual([0, 1]);
    expect(seen).toEqual([false, false, true]);
  });

  it('an engine that refuses the work is not retried', async () => {
    let runs = 0;
    const refusing = async () => cpuEngineWith(async () => { runs++; throw new EngineUnavailableError('cpu', 'not this scenario'); });
    await expect(runExperiment(exp, { engine: 'cpu', selectEngine: refusing })).rejects.toThrow(EngineUnavailableError);
    expect(runs).toBe(1);
  });

  it('a NaN or a count that does not add up stops the run at once (no retry)', async () => {
    for (const corrupt of ['nan', 'count'] as const) {
      let runs = 0;
      const bad = async () => cpuEngineWith(async (cpu, s, o) => {
        runs++;
        const r = await cpu.run(s, o);
        if (o.trajectoryRange[0] === 150) {
          if (corrupt === 'nan') r.checkpoints[2]!.logGap.mean = NaN;
          else r.checkpoints[1]!.vertexCounts[0] += 1;
        }
        return r;
      });
      const err = await runExperiment(exp, { engine: 'cpu', selectEngine: bad }).catch((e) => e);
      expect(err).toBeInstanceOf(RunFailedError);
      expect(String(err.message)).toMatch(corrupt === 'nan' ? /batch 1: step 100: a mean or variance is NaN/ : /batch 1: step 50: vertex counts add up to 151, expected 150/);
      expect(runs).toBe(2);
    }
  });
});
