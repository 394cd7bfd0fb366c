/**
 * The several-outputs model on the one run layer (src/models/multi/definition.ts): a run resumed from finished
 * batches (read back through the state's JSON form), or run as three shards and merged, equals the uninterrupted run
 * exactly; a failed dispatch is retried; a corrupted batch is refused; and the numbers are those the model gave before
 * the port (same seed, same Philox streams), and those of the same run uncut (batches: 1) to rounding.
 */
import { describe, expect, it } from 'vitest';
import { MultiCpuEngine } from '../../../src/models/multi/cpu-engine.ts';
import { multiModel, type MultiBatch } from '../../../src/models/multi/definition.ts';
import { multiFiles } from '../../../src/models/multi/files.ts';
import { parseMultiExperiment, runMultiExperiment, type MultiExperimentResult } from '../../../src/models/multi/run.ts';
import { RunFailedError, type BatchRecord } from '../../../src/run/run-ensemble.ts';
import { batchesOfState, mergeShardStates } from '../../../src/run/merge.ts';
import { StateError, type RunState } from '../../../src/run/state.ts';
import { expectClose } from '../../expect-close.ts';
import { editedEngines, flakyEngines, mergedResult, runShards, stateLog, viaJson as throughJson } from '../run-layer-helpers.ts';

type MultiBatchRecord = BatchRecord<MultiBatch>;

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

const viaJson = (s: MultiBatch): MultiBatch => throughJson(multiModel, s);

/** A state log as the CLI writes it, read back. */
const state = (recs: MultiBatchRecord[], shard: RunState['shard'], r: MultiExperimentResult): Promise<RunState> =>
  stateLog(multiModel, recs, { experiment: base, seed: 21, shard, engineInfo: { ...r.engine, reason: r.engineReason } });

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
    const parts = await runShards<MultiBatch, MultiExperimentResult>((o) => runMultiExperiment(exp, { engine: 'cpu', ...o }));
    expect(parts.map((sh) => sh.records.map((r) => r.batch))).toEqual([[0, 3], [1, 4], [2, 5]]);
    expect(parts.map((sh) => sh.result.checkpoints.at(-1)!.n)).toEqual([30, 30, 30]);
    const shards = await Promise.all(parts.map((sh) => state(sh.records, { index: sh.index, count: 3 }, full)));
    const mx = multiModel.parse(base, {});
    same(mergedResult(multiModel, shards, mx, true), full);
    expect(() => mergeShardStates([{ dir: 'd1', state: shards[0]! }, { dir: 'd3', state: shards[2]! }], mx)).toThrow(/missing shard 2\/3/);
  });

  it('a failed dispatch is retried on a fresh engine and the result is unchanged', async () => {
    const flaky = flakyEngines(() => new MultiCpuEngine(), 30);
    const r = await runMultiExperiment(exp, { engine: 'cpu', selectEngine: flaky.select });
    expect([flaky.counts.failures, flaky.counts.created]).toEqual([1, 2]);
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
    const bad = editedEngines(() => new MultiCpuEngine(), (r, o) => {
      if (o?.trajectoryRange?.[0] === 15) r.checkpoints[1]!.plateauCounts[0]! += 1;
    });
    const err = await runMultiExperiment(exp, { engine: 'cpu', selectEngine: bad.select }).catch((e) => e);
    expect(err).toBeInstanceOf(RunFailedError);
    expect(String(err.message)).toMatch(/integrity check failed \(cpu\): grid point 0, batch 1: step 100: plateau counts add up to 16, expected 15/);
    expect(bad.counts.runs).toBe(2);

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
    expectClose(u, s, {}, 'summary');
  });

  it('--steps before the file\'s first checkpoint runs with the shorter run\'s default checkpoints (it was refused: "needs at least 1 entries")', () => {
    const x = parseMultiExperiment({ ...base, scenario: { ...base.scenario, checkpoints: [200, 300] } }, { steps: 100 });
    expect(x.scenario.checkpoints[0]).toBe(0);
    expect(x.scenario.checkpoints.at(-1)).toBe(100);
    expect(parseMultiExperiment({ ...base, scenario: { ...base.scenario, checkpoints: [50, 200, 300] } }, { steps: 100 }).scenario.checkpoints).toEqual([0, 50, 100]);
  });
});
