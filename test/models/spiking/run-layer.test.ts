/**
 * The spiking network on the run layer (src/models/spiking/definition.ts): a run resumed from its first finished
 * batches, and shards 1/3..3/3 merged through their state logs, give the uninterrupted run's summary exactly; a
 * corrupted batch fails its check; cutting the run into batches leaves the numbers of the whole run (batches: 1,
 * the behaviour before the run layer) unchanged up to the order of floating-point sums.
 */
import { describe, expect, it } from 'vitest';
import type { SpikingBatch, SpikingHandle, SpikingModel } from '../../../src/models/spiking/definition.ts';
import {
  parseSpikingExperiment, spikingExperiment, type SpikingExperiment, type SpikingExperimentResult,
} from '../../../src/models/spiking/run.ts';
import { matchingChainFile, type ChainModel } from '../../../src/models/spiking/matching-chain.ts';
import { modelByName } from '../../../src/models/registry.ts';
import { runModel } from '../../../src/run/model-parts.ts';
import type { BatchRecord, RunEnsembleOptions } from '../../../src/run/run-ensemble.ts';
import type { RunState } from '../../../src/run/state.ts';
import { OptionError } from '../../../src/core/errors.ts';
import { mergedResult, stateLog, viaJson } from '../run-layer-helpers.ts';

/** Without a sweep: the matching chain runs beside the network in every batch. */
const single = {
  name: 'spiking-run-layer', batches: 6,
  scenario: {
    model: 'spiking', rates: [10, 7.5, 5], initialWeights: [0.1, 0.1, 0.1], threshold: 1, alpha: 0.02, normalise: 'sum',
    steps: 40, checkpoints: [1, 5, 20, 40], trajectories: 240, seed: 20251, keepPaths: 50,
  },
};
/** A sweep of two points (no chain), one with the additive online rule and an event cap that stops some copies. */
const sweep = {
  name: 'spiking-run-layer-sweep', batches: 4,
  scenario: { ...single.scenario, trajectories: 90, keepPaths: 0 },
  sweep: { points: [{ threshold: 0.8 }, { rule: 'additive', timing: 'online', maxEvents: 160 }] },
};

/** The registry's spiking model (handed the chain's model for the matching chain). */
const spikingModel = modelByName('spiking') as SpikingModel;
const runSpikingExperiment = (exp: SpikingExperiment, o: RunEnsembleOptions<SpikingHandle, SpikingBatch> = {}) =>
  runModel(spikingModel, spikingExperiment(exp), o);

const roundTrip = (b: SpikingBatch): SpikingBatch => viaJson(spikingModel, b);

/** The summary without what depends on the clock or the machine (timing, provenance). */
function summaryOf(r: SpikingExperimentResult) {
  const s = structuredClone(spikingModel.files(r).summary) as any;
  delete s.timing;
  delete s.provenance;
  for (const p of s.points) delete p.timing;
  return s;
}

async function runRecords(json: unknown, o: Parameters<typeof runSpikingExperiment>[1] = {}) {
  const records: BatchRecord<SpikingBatch>[] = [];
  const result = await runSpikingExperiment(parseSpikingExperiment(json), { engine: 'cpu', ...o, onBatch: (b) => { records.push(b); } });
  return { result, records };
}

/** A shard's state log as the CLI writes it, read back. */
function shardState({ result, records }: Awaited<ReturnType<typeof runRecords>>, json: { name: string }, index: number): Promise<RunState> {
  return stateLog(spikingModel, records, {
    experiment: json, seed: 20251, shard: { index, count: 3 }, engineInfo: { ...result.engine, reason: result.engineReason }, where: `shard ${index}`,
  });
}

describe('spiking network on the run layer', () => {
  for (const [what, json] of [['without a sweep (with the matching chain)', single], ['a sweep of two points', sweep]] as const) {
    it(`${what}: resumed from its first k batches (through JSON) equals the uninterrupted run`, async () => {
      const { result: full, records } = await runRecords(json);
      const points = parseSpikingExperiment(json).points.length;
      expect(records.length).toBe(json.batches * points);
      for (const r of records) expect(roundTrip(r.stats)).toEqual(r.stats);
      for (const k of [1, 4]) {
        const done = records.slice(0, k).map((r) => ({ ...r, stats: roundTrip(r.stats) }));
        const resumed = await runSpikingExperiment(parseSpikingExperiment(json), { engine: 'cpu', done });
        expect(resumed.batchesRun).toBe(records.length - k);
        expect(summaryOf(resumed)).toEqual(summaryOf(full));
        resumed.points.forEach((p, i) => {
          expect(p.result.flagCounts).toEqual(full.points[i]!.result.flagCounts);
          expect(p.result.paths).toEqual(full.points[i]!.result.paths);
        });
      }
    });

    it(`${what}: shards 1/3, 2/3, 3/3 merged through their state logs equal the single run`, async () => {
      const { result: full } = await runRecords(json);
      const states: RunState[] = [];
      for (const index of [1, 2, 3]) states.push(await shardState(await runRecords(json, { shard: { index, count: 3 } }), json, index));
      const exp = parseSpikingExperiment(json);
      const r = mergedResult(spikingModel, states, exp);
      expect(summaryOf(r)).toEqual(summaryOf(full));
      expect(r.points.map((p) => p.result.paths)).toEqual(full.points.map((p) => p.result.paths));
    });
  }

  it('the sweep really exercises stopped copies and flags (the event cap)', async () => {
    const { result } = await runRecords(sweep);
    const capped = result.points[1]!.result;
    expect(capped.flagCounts.capped).toBeGreaterThan(0);
    expect(capped.checkpoints[capped.checkpoints.length - 1]!.stopped).toBe(capped.flagCounts.capped);
  });

  it('the integrity check rejects a corrupted batch and accepts the true one', async () => {
    const exp = parseSpikingExperiment(single);
    const { records } = await runRecords(single);
    const r = records[1]!; // copies [40, 80): ten of them below keepPaths = 50
    expect(spikingModel.check(r.stats, exp, 0, r.range)).toBeNull();
    const bad = (edit: (b: SpikingBatch) => void) => { const b = roundTrip(r.stats); edit(b); return spikingModel.check(b, exp, 0, r.range); };
    expect(bad((b) => { b.checkpoints[2]!.chain.n += 1; })).toMatch(/output spike 5: 41 reached \+ 0 stopped, expected 40 copies/);
    expect(bad((b) => { b.checkpoints[4]!.triggers[0] += 1; })).toMatch(/output spike 40: triggers add up to/);
    expect(bad((b) => { b.checkpoints[1]!.incHist[7] += 1; })).toMatch(/increment histogram holds/);
    expect(bad((b) => { b.checkpoints[4]!.inc.s1 = NaN; })).toMatch(/NaN or infinite/);
    expect(bad((b) => { b.chain!.checkpoints[1]!.successCount -= 1; })).toMatch(/^matching chain: .*success count/);
    expect(bad((b) => { b.flagCounts.dead = 41; })).toMatch(/flag counts/);
    expect(bad((b) => { b.paths = undefined; })).toMatch(/sample paths/);
    // The run layer stops on a bad batch rather than keep it.
    const broken = async () => {
      const { engine, reason } = await spikingModel.selectEngine('cpu');
      const run = engine.net.run.bind(engine.net);
      engine.net = { info: engine.info, run: async (s, o) => { const x = await run(s, o); x.checkpoints[1]!.stopped += 1; return x; } };
      return { engine, reason };
    };
    await expect(runSpikingExperiment(exp, { engine: 'cpu', selectEngine: broken })).rejects.toThrow(/integrity check failed \(cpu\): grid point 0, batch 0/);
  });

  it('cut into batches, the numbers equal the whole run (batches: 1) for the same seed', async () => {
    for (const json of [single, sweep]) {
      const whole = summaryOf((await runRecords({ ...json, batches: 1 })).result);
      const cut = summaryOf((await runRecords(json)).result);
      let worst = 0;
      const same = (a: unknown, b: unknown, path: string): void => {
        if (typeof a === 'number' && typeof b === 'number') {
          if (Number.isInteger(a) && Number.isInteger(b) && !/mean|sd|z$|se$|predicted|frequency|density|value|min|max|quantile|error/i.test(path)) {
            expect(b, path).toBe(a);
          } else if (a !== b && !(Number.isNaN(a) && Number.isNaN(b))) {
            // Relative 1e-12; a floor of 0.1 in the scale gives values that cancel to about 0 (z = (triggers − Σp)/sd,
            // |frequency − p|: differences of nearly equal sums) an absolute 1e-13 instead.
            const rel = Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 0.1);
            worst = Math.max(worst, rel);
            expect(rel, path).toBeLessThan(1e-12);
          }
        } else if (a && typeof a === 'object') {
          expect(Object.keys(b as object).sort(), path).toEqual(Object.keys(a).sort());
          for (const k of Object.keys(a)) same((a as any)[k], (b as any)[k], `${path}.${k}`);
        } else if (!path.endsWith('.note')) expect(b, path).toEqual(a); // notes print the floats compared above
      };
      same(whole, cut, json.name);
      console.log(`${json.name}: largest relative difference between 1 and ${json.batches} batches: ${worst.toExponential(2)}`);
    }
  });

  it('refuses --duration, and takes --steps as the number of output spikes', () => {
    expect(() => spikingModel.parse(single, { duration: 3 })).toThrow(OptionError);
    expect(() => spikingModel.parse(single, { duration: 3 })).toThrow('--duration does not apply to spiking-network experiments: use --steps (output spikes K)');
    const x = spikingModel.parse(single, { steps: 10, trajectories: 30 });
    expect(x.points[0]!.scenario.checkpoints).toEqual([0, 1, 5, 10]);
    expect(x.units).toEqual([{ label: 'base', trajectories: 30, workPerCopy: 10 }]);
    // --steps before the file's first checkpoint: the shorter run's default checkpoints (it was refused: "needs at least 1 entries")
    const early = spikingModel.parse({ ...single, scenario: { ...single.scenario, checkpoints: [20, 40] } }, { steps: 10 });
    expect(early.points[0]!.scenario.checkpoints[0]).toBe(0);
    expect(early.points[0]!.scenario.checkpoints.at(-1)).toBe(10);
    expect(x.batches).toBe(6);
    expect(spikingModel.parse({ ...single, batches: undefined }, {}).batches).toBe(10);
    expect(spikingModel.fileSchema().safeParse(single).success).toBe(true);
    expect(spikingModel.fileSchema().safeParse({ ...single, batches: 0 }).success).toBe(false);
  });

  it('the matching chain is the chain model\'s own parse of the network\'s λ, w(0), α, K, checkpoints, N and seed', () => {
    const chain = modelByName('chain') as unknown as ChainModel;
    for (const o of [{}, { steps: 25, trajectories: 7, seed: 'other' }]) {
      const s = spikingModel.parse(single, o).points[0]!.scenario;
      const c = (chain.parse(matchingChainFile(chain, s), {}) as unknown as { scenario: any }).scenario;
      expect([c.rates, c.initialWeights, c.alpha, c.steps, c.trajectories, c.seedKey, c.iStar, c.p0, c.noise])
        .toEqual([s.rates, s.initialWeights, s.alpha, s.steps, s.trajectories, s.seedKey, s.iStar, s.p0, { law: 'uniform', halfWidth: 1 }]);
      // a shard without the point's batches builds the chain's empty accumulators at the network's checkpoints
      expect(c.checkpoints).toEqual(s.checkpoints);
    }
  });
});
