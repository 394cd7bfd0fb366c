/**
 * Natural-gradient learner ensembles on the run layer (src/run/): resuming from finished batches and merging shards
 * reproduce the uninterrupted run exactly, the per-batch integrity check refuses a corrupted batch, and the batched
 * run gives the numbers of the engine run whole (today's code) for the same seed — bit for bit, since merging
 * concatenates the learners' values in learner order.
 */
import { describe, expect, it } from 'vitest';
import { natgradModel, natgradExperiment } from '../../../src/models/natgrad/definition.ts';
import type { NatgradBatch } from '../../../src/models/natgrad/batch.ts';
import { parseNatgradExperiment } from '../../../src/models/natgrad/experiment.ts';
import { runNatgradExperiment, type NatgradExperimentResult } from '../../../src/models/natgrad/run.ts';
import { natgradFiles } from '../../../src/models/natgrad/files.ts';
import { NatgradCpuEngine } from '../../../src/models/natgrad/cpu-engine.ts';
import { NATGRAD_FLAG, NATGRAD_NF, summarizeNatgradEnsemble } from '../../../src/models/natgrad/stats.ts';
import { batchesOfState } from '../../../src/run/merge.ts';
import type { BatchRecord } from '../../../src/run/run-ensemble.ts';
import { StateError, type RunState } from '../../../src/run/state.ts';
import {
  editedEngines, firstRecords, flakyEngines, mergedResult, recordedRun, runShards, stateLog, viaJson as throughJson,
} from '../run-layer-helpers.ts';

type Rec = BatchRecord<NatgradBatch>;

// 8 inputs (one unstimulated), 1000 steps, a small γ table: each run of 30 learners × 2 ensembles takes well under 1 s.
const file = (extra: Record<string, unknown> = {}, scenario: Record<string, unknown> = {}) => ({
  name: 'natgrad-batches', batches: 4,
  scenario: {
    model: 'natgrad', inputs: [{ count: 3, rate: 10 }, { count: 4, rate: 50 }, { count: 1, rate: 0 }],
    duration: 0.5, checkpoints: [0.1, 0.25], rules: ['natural', 'euclidean'], eta: { natural: 5e-3, euclidean: 2e-5 },
    klThreshold: 2e-3, testPatterns: 10, testWarmup: 100,
    table: { vMin: -20, vMax: 20, vStep: 1, sdMin: 0.2, sdMax: 12, sdStep: 0.4 },
    trajectories: 30, seed: 2011, ...scenario,
  },
  ...extra,
});
const STEPS = 1000;

/** The summary without timing, provenance and engine (what must not depend on how the run was cut). */
function stable(r: NatgradExperimentResult) {
  const { timing: _t, provenance: _p, engine: _e, ...rest } = natgradFiles(r).summary;
  return rest;
}

/** Through JSON as the state log stores it. */
const viaJson = (b: NatgradBatch): NatgradBatch => throughJson(natgradModel, b);

const shardState = (records: Rec[], index: number): Promise<RunState> =>
  stateLog(natgradModel, records, { experiment: file(), seed: 2011, shard: { index, count: 3 }, where: `shard${index}/state.jsonl` });

describe('natgrad on the run layer: batches, resume, shards', () => {
  it('a run resumed from its first k finished batches (read back through JSON) equals the uninterrupted run', async () => {
    const exp = parseNatgradExperiment(file());
    const { result: full, records, progress } = await recordedRun<NatgradBatch, NatgradExperimentResult>((o) => runNatgradExperiment(exp, { engine: 'cpu', ...o }));
    expect(records.map((b) => b.range)).toEqual([[0, 8], [8, 16], [16, 24], [24, 30]]);
    expect(full.batchesRun).toBe(4);
    expect(progress).toMatchObject({ done: 30 * STEPS * 2, total: 30 * STEPS * 2 });
    expect(full.result.ensembles.map((e) => e.n)).toEqual([30, 30]);
    for (const k of [1, 3]) {
      const resumed = await runNatgradExperiment(exp, { engine: 'cpu', done: firstRecords(natgradModel, records, k) });
      expect(resumed.batchesRun).toBe(4 - k);
      expect(stable(resumed)).toEqual(stable(full));
      expect(resumed.result.ensembles).toEqual(full.result.ensembles);
    }
  });

  it('shards 1/3, 2/3, 3/3 through their state logs, merged, equal the single run', async () => {
    const exp = parseNatgradExperiment(file());
    const full = await runNatgradExperiment(exp, { engine: 'cpu' });
    const shards = await runShards<NatgradBatch, unknown>((o) => runNatgradExperiment(exp, { engine: 'cpu', ...o }));
    expect(shards.map((sh) => sh.records.map((r) => r.batch))).toEqual([[0, 3], [1], [2]]);
    const states = await Promise.all(shards.map((sh) => shardState(sh.records, sh.index)));
    const r = mergedResult(natgradModel, states, natgradExperiment(exp));
    expect(stable(r)).toEqual(stable(full));
    expect(r.result.ensembles).toEqual(full.result.ensembles);
  });

  it('a failed engine call is retried on a fresh engine with an unchanged result', async () => {
    const exp = parseNatgradExperiment(file());
    const flaky = flakyEngines(() => new NatgradCpuEngine(), 8);
    const r = await runNatgradExperiment(exp, { engine: 'cpu', selectEngine: flaky.select });
    expect([flaky.counts.failures, flaky.counts.created]).toEqual([1, 2]);
    expect(stable(r)).toEqual(stable(await runNatgradExperiment(exp, { engine: 'cpu' })));
  });
});

describe('natgrad on the run layer: checks and the state encoding', () => {
  it('check refuses a batch whose counts or value pattern do not add up', async () => {
    const exp = parseNatgradExperiment(file());
    const saved: Rec[] = [];
    await runNatgradExperiment(exp, { engine: 'cpu', onBatch: (b) => { saved.push(b); } });
    const b = saved[1]!, s = exp.scenario, C = s.checkpoints.length;
    const check = (stats: NatgradBatch, range = b.range) => natgradModel.check(stats, natgradExperiment(exp), 0, range);
    expect(check(b.stats)).toBeNull();
    const edit = (f: (a: NatgradBatch) => void) => { const a = structuredClone(b.stats); f(a); return check(a); };
    expect(edit((a) => { a.ensembles[1]!.n++; })).toMatch(/euclidean η=0.00002: 9 learners counted, expected 8/);
    expect(edit((a) => { a.ensembles[0]!.flags = a.ensembles[0]!.flags.slice(1); })).toMatch(/7 flags, expected 8/);
    expect(edit((a) => { a.ensembles[0]!.values = a.ensembles[0]!.values.slice(NATGRAD_NF); })).toMatch(/values, expected 224 \(8 learners × 4 checkpoints × 7\)/);
    expect(edit((a) => { a.ensembles.pop(); })).toMatch(/1 ensembles, expected 2/);
    expect(edit((a) => { a.ensembles[0]!.eta = 1; })).toMatch(/ensemble 0 is natural η=1, expected natural η=0.005/);
    expect(edit((a) => { a.ensembles[0]!.flags[2] = 8; })).toMatch(/learner 10: unknown fault flags 8/);
    expect(edit((a) => { a.ensembles[0]!.values[5] = 0; })).toMatch(/learner 8, t = 0 s: student rate 0 \(must be NaN at t = 0\)/);
    expect(edit((a) => { a.ensembles[0]!.values[(1 * C + 3) * NATGRAD_NF + 6] = NaN; })).toMatch(/learner 9, t = 0.5 s: teacher rate NaN/);
    expect(edit((a) => { a.ensembles[0]!.values[NATGRAD_NF + 1] = -1; })).toMatch(/rate error -1 outside/);
    expect(check(b.stats, [8, 17])).toMatch(/expected 9/);
    // A learner whose weights diverge is a fault the summary reports: its NaN KL passes the check.
    const faulty = structuredClone(b.stats);
    faulty.ensembles[0]!.values[NATGRAD_NF] = NaN;
    faulty.ensembles[0]!.flags[0] = NATGRAD_FLAG.nonFinite;
    faulty.ensembles[0]!.flagBits |= NATGRAD_FLAG.nonFinite;
    faulty.ensembles[0]!.flagged++;
    expect(check(faulty)).toBeNull();
  });

  it('NaN, ±∞, −0 and f32 values survive the state encoding exactly', () => {
    const b: NatgradBatch = {
      ensembles: [
        {
          rule: 'natural', eta: 1e-3, coefficients: 'authors-table', n: 1, kept: 1, values: Float64Array.from([NaN, Infinity, -Infinity, -0, 0, 1 / 3, 5e-324]),
          flags: Uint32Array.from([3]), sums: Float64Array.from([1, -0, 5e-324]), below: Float64Array.from([0, 1]), flagBits: 3, flagged: 1,
        },
        {
          rule: 'euclidean', eta: 1e-6, coefficients: 'exact', n: 1, kept: 1, values: Float32Array.from([NaN, 0.1, -0, 3.4e38, 1e-45, Infinity, 2]),
          flags: Uint32Array.from([0]), sums: Float64Array.from([1, 1 / 3, 0.1]), below: Float64Array.from([1, 0]), flagBits: 0, flagged: 0,
        },
      ],
    };
    const back = viaJson(b);
    expect(back).toEqual(b);
    expect(back.ensembles[1]!.values).toBeInstanceOf(Float32Array);
    expect(Object.is(back.ensembles[0]!.values[3], -0)).toBe(true);
  });

  it('a run whose engine returns a short batch stops with the integrity error; a corrupted state batch is refused', async () => {
    const exp = parseNatgradExperiment(file());
    const short = editedEngines(() => new NatgradCpuEngine(), (r, o) => { if (o.trajectoryRange[0] === 16) r.ensembles[1]!.n--; });
    const kept: number[] = [];
    await expect(runNatgradExperiment(exp, { engine: 'cpu', selectEngine: short.select, onBatch: (b) => { kept.push(b.batch); } }))
      .rejects.toThrow(/integrity check failed \(cpu\): grid point 0, batch 2: euclidean η=0.00002: 7 learners counted, expected 8/);
    expect(kept).toEqual([0, 1]);
    const recs: Rec[] = [];
    await runNatgradExperiment(exp, { engine: 'cpu', shard: { index: 1, count: 3 }, onBatch: (b) => { recs.push(b); } });
    recs[1]!.stats.ensembles[0]!.values[6] = 1; // the teacher rate at t = 0
    const st = await shardState(recs, 1);
    expect(() => batchesOfState(natgradModel, st, natgradExperiment(exp), 'd1')).toThrow(StateError);
    expect(() => batchesOfState(natgradModel, st, natgradExperiment(exp), 'd1')).toThrow(/d1: batch 3 of grid point 0 fails its integrity check \(natural η=0.005, learner 24, t = 0 s: teacher rate 1/);
  });
});

describe('natgrad on the run layer: same numbers as the whole run, and the file', () => {
  it('batches: 1 and 4 batches both give the engine run whole bit for bit', async () => {
    for (const sc of [{}, { teacher: { kind: 'poisson', rate: 30 } }]) {
      const exp = parseNatgradExperiment(file({}, sc));
      // What runNatgradExperiment did before the run layer: one engine run over all learners, then the summaries.
      const whole = await new NatgradCpuEngine().run(exp.scenario);
      const old = whole.ensembles.map((e) => summarizeNatgradEnsemble(e, exp.scenario.checkpointTimes, exp.scenario.klThreshold));
      const one = await runNatgradExperiment(parseNatgradExperiment(file({ batches: 1 }, sc)), { engine: 'cpu' });
      const four = await runNatgradExperiment(exp, { engine: 'cpu' });
      // kept values, flags and counts bit for bit; the running sums (used only above exactLearners) add per batch
      const noSums = (es: typeof whole.ensembles) => es.map(({ sums: _s, ...rest }) => rest);
      for (const r of [one, four]) {
        expect(noSums(r.result.ensembles)).toEqual(noSums(whole.ensembles));
        r.result.ensembles.forEach((e, i) => e.sums.forEach((x, k) => expect(Math.abs(x - whole.ensembles[i]!.sums[k]!)).toBeLessThanOrEqual(1e-12 * Math.abs(x))));
        expect(r.summaries).toEqual(old);
        expect(natgradFiles(r).summary.ensembles).toEqual(old);
      }
      expect(natgradFiles(four).summary.comparisons).toEqual(natgradFiles(one).summary.comparisons);
      expect(natgradFiles(four).csv).toEqual(natgradFiles(one).csv);
      // The test is not empty: the summary has finite numbers, and with the neuron teacher some learners reach the KL threshold.
      expect(old[0]!.learners).toBe(30);
      expect(old[0]!.checkpoints.at(-1)!.fields.kl.mean).toBeGreaterThan(0);
      expect(old[0]!.checkpoints.at(-1)!.fields.studentRate.n).toBe(30);
      if (!('teacher' in sc)) expect(old[0]!.timeToThreshold.reached).toBeGreaterThan(0);
    }
  });

  it('parses the batches field and the command-line values; refuses --steps with today\'s message', async () => {
    const f = file();
    expect(natgradModel.parse(f, {}).batches).toBe(4);
    expect(natgradModel.parse({ ...f, batches: undefined }, { trajectories: 7, seed: 3 })).toMatchObject({
      batches: 10, seed: 3, units: [{ label: 'base', trajectories: 7, workPerCopy: STEPS * 2 }], target: null,
    });
    expect(() => natgradModel.parse(f, { steps: 5 })).toThrow('--steps does not apply to natural-gradient experiments: use --duration (seconds; the steps are duration/dt)');
    // --duration shortens the run and drops the explicit checkpoints beyond it.
    const short = natgradModel.parse(f, { duration: 0.2 });
    expect(short.scenario.duration).toBe(0.2);
    expect(short.scenario.checkpointTimes).toEqual([0, 0.1, 0.2]);
    expect(short.units[0]!.workPerCopy).toBe(400 * 2);
    expect(() => natgradModel.parse({ ...f, batches: 0 }, {})).toThrow(/batches/);
    expect(natgradModel.fileSchema().safeParse(f).success).toBe(true);
    expect(natgradModel.fileSchema().safeParse({ ...f, batches: 1001 }).success).toBe(false);
    const { readFileSync } = await import('node:fs');
    const shipped = JSON.parse(readFileSync('experiments/natural-gradient-fig3.json', 'utf8'));
    expect(natgradModel.fileSchema().safeParse(shipped).success).toBe(true);
    expect(natgradModel.parse(shipped, { trajectories: 2, duration: 2 }).units).toEqual([{ label: 'base', trajectories: 2, workPerCopy: 4000 * 6 }]);
  });
});
