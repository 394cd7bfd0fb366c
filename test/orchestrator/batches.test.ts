/**
 * The orchestrator in process: resuming from finished batches, shards, precision targets, retries on a failed
 * dispatch, and the integrity checks that stop a run rather than let a wrong count through.
 */
import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../../src/models/chain/experiment.ts';
import { CpuEngine } from '../../src/models/chain/cpu-engine.ts';
import type { Engine } from '../../src/models/chain/engine-types.ts';
import { RunFailedError, runExperiment, type ExperimentResult } from '../../src/run/run-experiment.ts';
import { mergeShardStates } from '../../src/run/merge.ts';
import { stateFromText, stateToText, StateError, type BatchRecord, type RunState } from '../../src/run/state.ts';
import { wilson } from '../../src/stats/intervals.ts';

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
    expect(p.checkpoints.map((c) => ({ ...c, hist: Array.from(c.hist) }))).toEqual(q.checkpoints.map((c) => ({ ...c, hist: Array.from(c.hist) })));
    expect(p.blocks.length).toBe(q.blocks.length);
  });
}

function state(records: BatchRecord[], shard: RunState['shard'], complete = true): RunState {
  return {
    format: 'stdp-mc-state/1', experimentHash: 'h', source: { experiment: base, overrides: {} }, name: base.name, seed: 21,
    version: '0', gitCommit: 'c', engine: 'cpu', shard, engineInfo: { name: 'cpu', runtime: 'node', precision: 'f64' },
    complete, createdAt: '', updatedAt: '', batches: records,
  };
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
    const merged = mergeShardStates(shards.map((s, i) => ({ dir: `d${i + 1}`, state: s })));
    const { resultFromState, experimentOfState } = await import('../../src/run/merge.ts');
    sameStats(resultFromState(merged, experimentOfState(merged)), full);
    expect(() => mergeShardStates([{ dir: 'd1', state: shards[0]! }, { dir: 'd3', state: shards[2]! }])).toThrow(/missing shard 2\/3/);
    expect(() => mergeShardStates([{ dir: 'a', state: shards[0]! }, { dir: 'b', state: shards[0]! }, { dir: 'c', state: shards[2]! }]))
      .toThrow(/shard 1\/3 appears twice: a and b/);
    expect(() => mergeShardStates([{ dir: 'd1', state: shards[0]! }, { dir: 'd2', state: { ...shards[1]!, complete: false } }, { dir: 'd3', state: shards[2]! }]))
      .toThrow(/shard 2\/3 in d2 is incomplete/);
    expect(() => mergeShardStates([{ dir: 'd1', state: shards[0]! }, { dir: 'd2', state: { ...shards[1]!, seed: 22 } }, { dir: 'd3', state: shards[2]! }]))
      .toThrow(/seed 22 differs/);
  });

  it('the state file round-trips exactly and refuses a corrupted copy', async () => {
    const exp = parseExperiment(base);
    const recs: BatchRecord[] = [];
    await runExperiment(exp, { engine: 'cpu', onBatch: (b) => { recs.push(b); } });
    const s = state(recs, null);
    const text = await stateToText(s);
    const back = await stateFromText(text, 'state.json');
    expect(back.batches.map((b) => b.checkpoints.map((c) => Array.from(c.hist)))).toEqual(recs.map((b) => b.checkpoints.map((c) => Array.from(c.hist))));
    expect(back.batches[2]!.checkpoints[1]!.logGap).toEqual(recs[2]!.checkpoints[1]!.logGap);
    const edited = text.replace(/"successCount":(\d+)/, (_, n) => `"successCount":${Number(n) + 1}`);
    await expect(stateFromText(edited, 'state.json')).rejects.toThrow(/corrupted \(checksum mismatch/);
    await expect(stateFromText(text.slice(0, text.length / 2), 'state.json')).rejects.toThrow(/corrupted \(not valid JSON/);
    await expect(stateFromText(text.slice(0, 10), 'x')).rejects.toBeInstanceOf(StateError);
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

  it('stop at the cap when the interval cannot get that narrow', async () => {
    const exp = parseExperiment({ ...base, target: { successCIWidth: 1e-4, maxTrajectories: 700, batchSize: 200 } });
    const r = await runExperiment(exp, { engine: 'cpu' });
    expect(r.points[0]!.blocks.map((b) => b[0]!.n)).toEqual([200, 200, 200, 100]);
  });

  it('cannot be sharded', async () => {
    const exp = parseExperiment({ ...base, target: { successCIWidth: 0.05, maxTrajectories: 1000, batchSize: 200 } });
    await expect(runExperiment(exp, { engine: 'cpu', shard: { index: 1, count: 2 } })).rejects.toThrow(/cannot be split into shards/);
  });
});

describe('failures', () => {
  const exp = parseExperiment(base);

  it('a failed dispatch is retried on a fresh engine and the result is unchanged', async () => {
    let created = 0, failures = 0;
    const flaky = async () => {
      created++;
      const cpu = new CpuEngine();
      const e: Engine = {
        info: cpu.info,
        run: async (s, o) => {
          if (created === 1 && o?.trajectoryRange?.[0] === 300) { failures++; throw new Error('device lost'); }
          return cpu.run(s, o);
        },
      };
      return { engine: e, reason: 'test' };
    };
    const r = await runExperiment(exp, { engine: 'cpu', selectEngine: flaky });
    expect(failures).toBe(1);
    expect(created).toBe(2);
    sameStats(r, await runExperiment(exp, { engine: 'cpu' }));
  });

  it('stops after the retry limit, keeping the finished batches', async () => {
    const saved: number[] = [];
    const broken = async () => {
      const cpu = new CpuEngine();
      return { engine: { info: cpu.info, run: async (s: any, o: any) => { if (o.trajectoryRange[0] >= 450) throw new Error('device lost'); return cpu.run(s, o); } } as Engine, reason: 'test' };
    };
    await expect(runExperiment(exp, { engine: 'cpu', selectEngine: broken, maxRetries: 2, onBatch: (b) => { saved.push(b.batch); } }))
      .rejects.toThrow(/batch 3 of grid point 0 failed 3 times on cpu: device lost/);
    expect(saved).toEqual([0, 1, 2]);
  });

  it('a NaN or a count that does not add up stops the run at once (no retry)', async () => {
    for (const corrupt of ['nan', 'count'] as const) {
      let runs = 0;
      const bad = async () => {
        const cpu = new CpuEngine();
        return {
          engine: {
            info: cpu.info,
            run: async (s: any, o: any) => {
              runs++;
              const r = await cpu.run(s, o);
              if (o.trajectoryRange[0] === 150) {
                if (corrupt === 'nan') r.checkpoints[2]!.logGap.mean = NaN;
                else r.checkpoints[1]!.vertexCounts[0] += 1;
              }
              return r;
            },
          } as Engine,
          reason: 'test',
        };
      };
      const err = await runExperiment(exp, { engine: 'cpu', selectEngine: bad }).catch((e) => e);
      expect(err).toBeInstanceOf(RunFailedError);
      expect(String(err.message)).toMatch(corrupt === 'nan' ? /batch 1, step 100: a mean or variance is NaN/ : /batch 1, step 50: vertex counts add up to 151, expected 150/);
      expect(runs).toBe(2);
    }
  });
});
