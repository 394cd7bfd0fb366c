/**
 * The several-outputs model on the one run layer (src/models/multi/definition.ts): a run resumed from finished
 * batches (read back through the state's JSON form), or run as three shards and merged, equals the uninterrupted run
 * exactly; a failed dispatch is retried; a corrupted batch is refused; and the numbers are those the model gave before
 * the port (same seed, same Philox streams), and those of the same run uncut (batches: 1) to rounding.
 */
import { describe, expect, it } from 'vitest';
import { MultiCpuEngine } from '../../../src/models/multi/cpu-engine.ts';
import { multiModel, type MultiBatch, type MultiEngine } from '../../../src/models/multi/definition.ts';
import { multiFiles } from '../../../src/models/multi/files.ts';
import { parseMultiExperiment, runMultiExperiment, type MultiBatchRecord, type MultiExperimentResult } from '../../../src/models/multi/run.ts';
import { RunFailedError } from '../../../src/run/run-ensemble.ts';
import { batchesOfState, experimentOfState, mergeShardStates, runFromState } from '../../../src/run/merge.ts';
import {
  STATE_FORMAT, StateError, batchLine, completeLine, headerLine, loadFsModules, stateFromText, type RunState, type StateHeader,
} from '../../../src/run/state.ts';

const base = {
  name: 'multi-batches', batches: 6,
  scenario: {
    model: 'multi', rates: [10, 7.5, 5], alphas: [0.02, 0.015, 0.01], steps: 300, trajectories: 90, seed: 21,
    checkpoints: { every: 100 }, keepPaths: 20, // 20 paths: batch 0 (copies 0..14) and part of batch 1
  },
};

/** The summary without what differs between two runs of the same numbers (timings, provenance). */
function summary(r: MultiExperimentResult) {
  const { timing: _t, provenance: _p, ...s } = multiFiles(r).summary;
  return s;
}

/** Counts, histograms, moments and paths identical bit for bit, and the summaries too. */
function same(a: MultiExperimentResult, b: MultiExperimentResult): void {
  expect(a.checkpoints).toEqual(b.checkpoints);
  expect(a.paths).toEqual(b.paths);
  expect(summary(a)).toEqual(summary(b));
}

const viaJson = (s: MultiBatch): MultiBatch => multiModel.statsFromJSON(JSON.parse(JSON.stringify(multiModel.statsToJSON(s))));

/** A state log as the CLI writes it (header, one checksummed line per batch, the complete mark), read back. */
async function state(recs: MultiBatchRecord[], shard: RunState['shard'], r: MultiExperimentResult): Promise<RunState> {
  await loadFsModules();
  const header: StateHeader = {
    format: STATE_FORMAT, experimentHash: 'h', source: { experiment: base, overrides: {} }, model: 'multi', name: base.name, seed: 21,
    version: '0', gitCommit: 'c', engine: 'cpu', shard, engineInfo: { ...r.engine, reason: r.engineReason }, createdAt: '',
  };
  const lines = recs.map((b) => batchLine({ ...b, stats: multiModel.statsToJSON(b.stats) }));
  return stateFromText(headerLine(header) + lines.join('') + completeLine(''), 'state.jsonl');
}

describe('multi on the run layer: resume and shards reproduce the uninterrupted run exactly', () => {
  const exp = parseMultiExperiment(base);

  it('a run resumed from its first k finished batches (read back from JSON) equals the uninterrupted run', async () => {
    const saved: MultiBatchRecord[] = [];
    const full = await runMultiExperiment(exp, { engine: 'cpu', onBatch: (b) => { saved.push(b); } });
    expect(saved.map((b) => b.batch)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(saved.map((b) => b.range)).toEqual([[0, 15], [15, 30], [30, 45], [45, 60], [60, 75], [75, 90]]);
    expect(saved.map((b) => b.stats.paths?.length ?? 0)).toEqual([15, 5, 0, 0, 0, 0]);
    const back = saved.map((b) => ({ ...b, stats: viaJson(b.stats) }));
    back.forEach((b, i) => expect(b.stats).toEqual(saved[i]!.stats));
    for (const k of [1, 4]) {
      const resumed = await runMultiExperiment(exp, { engine: 'cpu', done: back.slice(0, k) });
      expect(resumed.batchesRun).toBe(6 - k);
      same(resumed, full);
    }
  });

  it('shards 1/3, 2/3, 3/3 merged (mergeShardStates, runFromState) equal the single run', async () => {
    const full = await runMultiExperiment(exp, { engine: 'cpu' });
    const shards: RunState[] = [];
    for (const index of [1, 2, 3]) {
      const recs: MultiBatchRecord[] = [];
      const part = await runMultiExperiment(exp, { engine: 'cpu', shard: { index, count: 3 }, onBatch: (b) => { recs.push(b); } });
      expect(recs.map((r) => r.batch)).toEqual([index - 1, index + 2]);
      expect(part.checkpoints.at(-1)!.n).toBe(30);
      shards.push(await state(recs, { index, count: 3 }, full));
    }
    const mx = multiModel.parse(base, {});
    const merged = mergeShardStates(shards.map((s, i) => ({ dir: `d${i + 1}`, state: s })), mx);
    const again = experimentOfState(multiModel, merged);
    const run = runFromState(multiModel, merged, again, batchesOfState(multiModel, merged, again, 'merged'));
    same(multiModel.result(run), full);
    expect(() => mergeShardStates([{ dir: 'd1', state: shards[0]! }, { dir: 'd3', state: shards[2]! }], mx)).toThrow(/missing shard 2\/3/);
  });

  it('a failed dispatch is retried on a fresh engine and the result is unchanged', async () => {
    let created = 0, failures = 0;
    const flaky = async () => {
      created++;
      const cpu = new MultiCpuEngine();
      const e: MultiEngine = {
        info: cpu.info,
        run: async (s, o) => {
          if (created === 1 && o?.trajectoryRange?.[0] === 30) { failures++; throw new Error('device lost'); }
          return cpu.run(s, o);
        },
      };
      return { engine: e, reason: 'requested' };
    };
    const r = await runMultiExperiment(exp, { engine: 'cpu', selectEngine: flaky });
    expect([failures, created]).toEqual([1, 2]);
    same(r, await runMultiExperiment(exp, { engine: 'cpu' }));
  });
});

describe('multi on the run layer: integrity checks', () => {
  const exp = multiModel.parse(base, {});

  it('check accepts every batch of a run and rejects a count off by one, a NaN, or a missing path', async () => {
    const recs: MultiBatchRecord[] = [];
    await runMultiExperiment(exp, { engine: 'cpu', onBatch: (b) => { recs.push(b); } });
    for (const r of recs) expect(multiModel.check(r.stats, exp, 0, r.range)).toBeNull();
    const b = recs[1]!;
    const plateau = viaJson(b.stats);
    plateau.checkpoints[2]!.plateauCounts[1]! += 1;
    expect(multiModel.check(plateau, exp, 0, b.range)).toBe('step 200: plateau counts add up to 16, expected 15');
    const argmax = viaJson(b.stats);
    argmax.checkpoints[1]!.argmaxCounts[4]! -= 1;
    expect(multiModel.check(argmax, exp, 0, b.range)).toBe('step 100: argmax counts of output 2 add up to 14, expected 15');
    const hist = viaJson(b.stats);
    hist.checkpoints[3]!.hist[0]! += 1;
    expect(multiModel.check(hist, exp, 0, b.range)).toMatch(/step 300: the error histogram holds 16 trajectories, expected 15/);
    const nan = viaJson(b.stats);
    nan.checkpoints[3]!.p[2]!.m2 = NaN;
    expect(multiModel.check(nan, exp, 0, b.range)).toMatch(/step 300: .* NaN or infinite/);
    expect(viaJson(nan).checkpoints[3]!.p[2]!.m2).toBeNaN(); // NaN survives the JSON form
    const paths = viaJson(b.stats);
    paths.paths!.pop();
    expect(multiModel.check(paths, exp, 0, b.range)).toBe('4 sample paths, expected 5');
    expect(multiModel.check(b.stats, exp, 0, [15, 31])).toMatch(/15 trajectories counted, expected 16/);
  });

  it('a corrupted batch stops the run at once, and is refused when a state is read back', async () => {
    let runs = 0;
    const bad = async () => {
      const cpu = new MultiCpuEngine();
      const e: MultiEngine = {
        info: cpu.info,
        run: async (s, o) => {
          runs++;
          const r = await cpu.run(s, o);
          if (o?.trajectoryRange?.[0] === 15) r.checkpoints[1]!.plateauCounts[0]! += 1;
          return r;
        },
      };
      return { engine: e, reason: 'test' };
    };
    const err = await runMultiExperiment(exp, { engine: 'cpu', selectEngine: bad }).catch((e) => e);
    expect(err).toBeInstanceOf(RunFailedError);
    expect(String(err.message)).toMatch(/integrity check failed \(cpu\): grid point 0, batch 1: step 100: plateau counts add up to 16, expected 15/);
    expect(runs).toBe(2);

    const recs: MultiBatchRecord[] = [];
    const full = await runMultiExperiment(exp, { engine: 'cpu', onBatch: (b) => { recs.push(b); } });
    const s = await state(recs, null, full);
    (s.batches[3]!.stats as any).checkpoints[0].n += 1;
    expect(() => batchesOfState(multiModel, s, exp, 'state.jsonl')).toThrow(StateError);
    expect(() => batchesOfState(multiModel, s, exp, 'state.jsonl')).toThrow(/batch 3 of grid point 0 fails its integrity check \(step 0: 16 trajectories counted, expected 15\)/);
  });
});

describe('multi on the run layer: the numbers of before the port', () => {
  it('equal what runMultiExperiment gave before the run layer (same seed), and the uncut run to rounding', async () => {
    const r = await runMultiExperiment(parseMultiExperiment(base), { engine: 'cpu' });
    const s = summary(r);
    const c = s.checkpoints.at(-1)!;
    // Printed by the pre-port runMultiExperiment (its own loop over blockRanges(90, 6)) for this experiment.
    expect(c.plateauCounts).toEqual([1, 43, 40, 6]);
    expect(c.meanError).toBe(0.9870794751437504);
    expect(c.sdError).toBe(0.4906740787317517);
    expect(c.errorQuantiles[1]!.value).toBe(0.8283481194419093);
    expect([c.minError, c.maxError]).toEqual([0.34008966964258674, 2.1951374856162587]);
    expect(c.meanP[0]![0]).toBe(0.8555385391804764);
    expect(c.sdP[1]![2]).toBe(0.10654646014769416);
    expect(s.paths!.P[19]![3]![2]![1]).toBe(0.44917528772245807);

    const whole = await runMultiExperiment(parseMultiExperiment({ ...base, batches: 1 }), { engine: 'cpu' });
    expect(whole.blocks.length).toBe(1);
    const u = summary(whole);
    // Counts, histograms, extremes and paths do not depend on the cut; merged moments may differ in the last bits.
    expect(whole.checkpoints.map((a) => [a.n, Array.from(a.hist), a.plateauCounts, a.argmaxCounts, a.minError, a.maxError]))
      .toEqual(r.checkpoints.map((a) => [a.n, Array.from(a.hist), a.plateauCounts, a.argmaxCounts, a.minError, a.maxError]));
    expect(u.paths).toEqual(s.paths);
    const close = (a: unknown, b: unknown, where: string): void => {
      if (typeof a === 'number' && typeof b === 'number') {
        expect(Math.abs(a - b), where).toBeLessThanOrEqual(1e-12 * Math.max(Math.abs(a), Math.abs(b)));
      } else if (a && typeof a === 'object') {
        expect(Object.keys(a).sort(), where).toEqual(Object.keys(b as object).sort());
        for (const k of Object.keys(a)) close((a as any)[k], (b as any)[k], `${where}.${k}`);
      } else {
        expect(a, where).toEqual(b);
      }
    };
    close(u, s, 'summary');
  });
});
