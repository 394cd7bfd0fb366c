/**
 * The Hebbian-alignment model on the one run layer (src/models/hebbian/definition.ts): a run resumed from its first
 * finished batches, and shards 1/3..3/3 merged through their state logs, reproduce the uninterrupted run exactly; the
 * per-batch check refuses a count that does not add up or a NaN nobody flagged; and the numbers are today's: one batch
 * gives exactly the whole-run engine result, more batches agree to 1e-12 (sums added in another order).
 */
import { describe, expect, it } from 'vitest';
import { HebbianCpuEngine, hebbianAccumulatorFor } from '../../../src/models/hebbian/cpu-engine.ts';
import { hebbianModel } from '../../../src/models/hebbian/definition.ts';
import { parseHebbianExperiment, type HebbianExperiment } from '../../../src/models/hebbian/experiment.ts';
import { hebbianFiles } from '../../../src/models/hebbian/files.ts';
import { runHebbianExperiment, type HebbianExperimentResult } from '../../../src/models/hebbian/run.ts';
import { accumulateHebbian, type HebbianAccumulator } from '../../../src/models/hebbian/stats.ts';
import { mergeShardStates } from '../../../src/run/merge.ts';
import { RunFailedError, type BatchRecord } from '../../../src/run/run-ensemble.ts';
import type { RunState } from '../../../src/run/state.ts';
import { OptionError, ScenarioError } from '../../../src/core/errors.ts';
import { expectClose } from '../../expect-close.ts';
import {
  editedEngines, firstRecords, mergedResult, recordedRun, runShards, stateLog, viaJson as throughJson,
} from '../run-layer-helpers.ts';

type HebbianBatchRecord = BatchRecord<HebbianAccumulator>;

const file = (batches?: number, extra: Record<string, unknown> = {}) => ({
  name: 'hebbian-run-layer', ...(batches ? { batches } : {}),
  scenario: {
    model: 'hebbian', inputDim: 12, outputDim: 2, sigma: [0, 0.05], gamma: [0.01, 0.5], batchSize: 2, teacher: { labelNoise: 0.1 },
    steps: 120, window: 5, checkpoints: [40, 120], trajectories: 23, seed: 2505, ...extra,
  },
});
const tanhFile = (batches?: number) => ({
  name: 'hebbian-tanh', ...(batches ? { batches } : {}),
  scenario: {
    model: 'hebbian', inputDim: 8, outputDim: 3, student: { kind: 'tanh2', hidden: 6 }, teacher: { kind: 'tanh2', hidden: 5 }, sigma: 0.02,
    gamma: [0.1, 0.3], learningRate: 0.05, steps: 100, checkpoints: [50, 100], window: 3, trajectories: 17, seed: 7,
  },
});

/** The summary without what depends on the clock or the machine. */
function summaryOf(r: HebbianExperimentResult) {
  const { timing: _t, provenance: _p, engine: _e, ...rest } = hebbianModel.files(r).summary;
  return rest;
}

/** Through JSON as the state log stores it. */
const viaJson = (a: HebbianAccumulator) => throughJson(hebbianModel, a);

const shardState = (exp: HebbianExperiment, json: { name: string }, index: number, recs: HebbianBatchRecord[]): Promise<RunState> =>
  stateLog(hebbianModel, recs, { experiment: json, seed: exp.scenario.seed, shard: { index, count: 3 }, where: `shard ${index}` });

describe('hebbian on the run layer: resume and shards reproduce the uninterrupted run exactly', () => {
  it('a run resumed from its first k finished batches (through JSON) equals the uninterrupted run and runs only the rest', async () => {
    const exp = parseHebbianExperiment(file(5));
    const { result: full, records, progress } = await recordedRun<HebbianAccumulator, HebbianExperimentResult>((o) => runHebbianExperiment(exp, { engine: 'cpu', ...o }));
    expect(records.map((b) => [b.batch, ...b.range])).toEqual([[0, 0, 5], [1, 5, 10], [2, 10, 15], [3, 15, 20], [4, 20, 23]]);
    expect(progress).toMatchObject({ done: 4 * 23 * 120, total: 4 * 23 * 120 });
    expect(full.batchesRun).toBe(5);
    for (const k of [1, 3]) {
      const resumed = await runHebbianExperiment(exp, { engine: 'cpu', done: firstRecords(hebbianModel, records, k) });
      expect(resumed.batchesRun).toBe(5 - k);
      expect(resumed.result.accumulator).toEqual(full.result.accumulator);
      expect(summaryOf(resumed)).toEqual(summaryOf(full));
    }
  });

  it('shards 1/3, 2/3, 3/3 merged from their state logs equal the single run', async () => {
    const json = file(5);
    const exp = parseHebbianExperiment(json);
    const full = await runHebbianExperiment(exp, { engine: 'cpu' });
    const shards = await runShards<HebbianAccumulator, HebbianExperimentResult>((o) => runHebbianExperiment(exp, { engine: 'cpu', ...o }));
    expect(shards.map((sh) => sh.records.map((r) => r.batch))).toEqual([[0, 3], [1, 4], [2]]);
    expect(shards.map((sh) => sh.result.shard)).toEqual([1, 2, 3].map((index) => ({ index, count: 3 })));
    const states = await Promise.all(shards.map((sh) => shardState(exp, json, sh.index, sh.records)));
    const runExp = hebbianModel.parse(json, {});
    const r = mergedResult(hebbianModel, states, runExp, true);
    expect(r.result.accumulator).toEqual(full.result.accumulator);
    expect(summaryOf(r)).toEqual(summaryOf(full));
    expect(() => mergeShardStates([{ dir: 'd1', state: states[0]! }, { dir: 'd3', state: states[2]! }], runExp)).toThrow(/missing shard 2\/3/);
  });
});

describe('hebbian per-batch checks', () => {
  it('refuses a count off by one, a bad positive count or a NaN that no flagged copy explains; JSON keeps NaN and ±Infinity', async () => {
    const json = file(3);
    const exp = hebbianModel.parse(json, {});
    const recs: HebbianBatchRecord[] = [];
    await runHebbianExperiment(parseHebbianExperiment(json), { engine: 'cpu', onBatch: (b) => { recs.push(b); } });
    const b = recs[1]!;
    expect(hebbianModel.check(b.stats, exp, 0, b.range)).toBeNull();
    const off = viaJson(b.stats);
    off.points[2]!.checkpoints[1]!.loss.n += 1;
    expect(hebbianModel.check(off, exp, 0, b.range)).toMatch(/grid point 2 \(σ = 0.05, γ = 0.01\), step 120: loss counts 9 copies, expected 8/);
    const pos = viaJson(b.stats);
    pos.points[0]!.checkpoints[0]!.layers[0]!.positive = 9;
    expect(hebbianModel.check(pos, exp, 0, b.range)).toMatch(/9 positive cosines of 8/);
    const nan = viaJson(b.stats);
    nan.points[3]!.checkpoints[0]!.layers[0]!.ip.sum = NaN;
    expect(hebbianModel.check(nan, exp, 0, b.range)).toMatch(/layer 1 ⟨S, H⟩ sums are NaN.*no copy is flagged/);
    // a diverged copy (flagged) may carry non-finite sums; they survive the state log's JSON
    nan.points[3]!.flags = 1;
    nan.points[3]!.flaggedCopies = 1;
    nan.points[3]!.checkpoints[1]!.loss.sumSq = Infinity;
    nan.points[3]!.checkpoints[1]!.diff.sum = -Infinity;
    expect(hebbianModel.check(nan, exp, 0, b.range)).toBeNull();
    const back = viaJson(nan);
    expect(back).toEqual(nan);
    expect(back.points[3]!.checkpoints[0]!.layers[0]!.ip.sum).toBeNaN();
    expect(back.points[3]!.checkpoints[1]!.loss.sumSq).toBe(Infinity);
    expect(back.points[3]!.checkpoints[1]!.diff.sum).toBe(-Infinity);
    expect(hebbianModel.check(b.stats, exp, 0, [0, 9])).toMatch(/expected 9/);
  });

  it('a corrupted batch stops the run at once (no retry, nothing kept from it)', async () => {
    const exp = parseHebbianExperiment(file(3));
    const saved: number[] = [];
    const bad = editedEngines(() => new HebbianCpuEngine(), (r, o) => {
      if (o?.trajectoryRange?.[0] === 8) r.accumulator.points[1]!.checkpoints[0]!.vnorm2.n -= 1;
    });
    const err = await runHebbianExperiment(exp, { engine: 'cpu', selectEngine: bad.select, onBatch: (b) => { saved.push(b.batch); } }).catch((e) => e);
    expect(err).toBeInstanceOf(RunFailedError);
    expect(String(err.message)).toMatch(/batch 1: grid point 1 \(σ = 0, γ = 0.5\), step 40: ‖v‖² counts 7 copies, expected 8/);
    expect(bad.counts.runs).toBe(2);
    expect(saved).toEqual([0]);
  });
});

describe('hebbian numbers are unchanged by the run layer', () => {
  for (const [label, f] of [['linear, 2 × 2 grid', file], ['tanh2 student and teacher', tanhFile]] as const) {
    it(`${label}: one batch equals today's whole run exactly; several batches agree to 1e-12`, async () => {
      const exp = parseHebbianExperiment(f());
      const s = exp.scenario;
      // today's code: one engine run over all copies, its per-copy table folded by accumulateHebbian
      const whole = await new HebbianCpuEngine().run(s, { captureCopies: true });
      const folded = hebbianAccumulatorFor(s);
      accumulateHebbian(folded, whole.copies!);
      expect(whole.accumulator).toEqual(folded);
      const today = summaryOf({ experiment: exp, engine: whole.engine, engineReason: 'requested', result: whole, wallSeconds: 0, provenance: {} as any });
      const one = await runHebbianExperiment(parseHebbianExperiment(f(1)), { engine: 'cpu' });
      expect(one.result.accumulator).toEqual(whole.accumulator);
      expect(summaryOf(one)).toEqual(today);
      const many = await runHebbianExperiment(exp, { engine: 'cpu' }); // the default: 10 batches
      expect(exp.batches).toBe(10);
      expectClose(many.result.accumulator, whole.accumulator);
      expectClose(summaryOf(many), today);
      expect(hebbianFiles(many).summary.points.every((p) => p.copies === s.trajectories)).toBe(true);
    });
  }
});

describe('hebbian experiment files on the run layer', () => {
  it('one grid unit of copies worth (grid points × steps) each; command-line values that do not apply are refused', () => {
    const x = hebbianModel.parse(file(4), { trajectories: 40, seed: 'abc' });
    expect(x.units).toEqual([{ label: '4 (σ, γ) grid points', trajectories: 40, workPerCopy: 4 * 120 }]);
    expect(x).toMatchObject({ batches: 4, seed: 'abc', target: null });
    expect(x.seedKey).toEqual(x.scenario.seedKey);
    expect(hebbianModel.parse(file(), {}).batches).toBe(10);
    // --steps shortens the run: the explicit checkpoints beyond it are dropped (none left: the default ones).
    const short = hebbianModel.parse(file(), { steps: 60 });
    expect(short.scenario.steps).toBe(60);
    expect(short.scenario.checkpoints).toEqual([40, 60]);
    expect(short.units[0]!.workPerCopy).toBe(4 * 60);
    expect(hebbianModel.parse(file(), { steps: 100 }).scenario.checkpoints).toEqual([40, 100]);
    expect(() => hebbianModel.parse(file(), { duration: 2 })).toThrow(OptionError);
    expect(() => hebbianModel.parse(file(), { duration: 2 })).toThrow('--duration does not apply to Hebbian-alignment experiments: use --steps (training steps)');
    expect(() => hebbianModel.parse(file(0), {})).not.toThrow(); // batches omitted
    expect(() => hebbianModel.parse({ ...file(), batches: 0 }, {})).toThrow(ScenarioError);
    expect(() => hebbianModel.parse({ ...file(), extra: 1 }, {})).toThrow(/unknown field/);
    expect(hebbianModel.fileSchema().safeParse(file(3)).success).toBe(true);
    expect(hebbianModel.fileSchema().safeParse({ ...file(), batches: 1001 }).success).toBe(false);
  });
});
