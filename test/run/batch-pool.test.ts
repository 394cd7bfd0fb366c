/**
 * The CPU batch pool (src/run/batch-pool.ts) under the run layer: batches started ahead on worker threads are taken
 * in batch order, so a precision target stops where the one-thread run stops (the batch started beyond it is
 * cancelled and never counted); a stopped run stops its workers' batches; a worker that dies takes only its batch,
 * which runs again on a fresh worker; a batch whose worker fails is retried, and after the retries the run fails
 * naming the cause; the pool serves the next run after all that.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chainModel } from '../../src/models/chain/definition.ts';
import { startBatchPool } from '../../src/run/batch-pool.ts';
import { RunFailedError, runEnsemble } from '../../src/run/run-ensemble.ts';
import { scrub } from '../models/small-experiments.ts';

const json = {
  name: 'pool', batches: 6,
  scenario: { model: 'chain', rates: [3, 2, 1], alpha: 0.05, steps: 150, trajectories: 900, seed: 21, checkpoints: { every: 50 }, keepPaths: 3 },
};
const source = (j: unknown) => ({ model: 'chain', json: j, overrides: {}, engine: 'cpu' as const });
/** The summary without timings and provenance (every grid point's too). */
const summary = (r: Awaited<ReturnType<typeof runEnsemble>>) => scrub(JSON.parse(JSON.stringify(chainModel.files(chainModel.result(r as any)).summary)));

describe('the CPU batch pool under the run layer', () => {
  const pool = startBatchPool(2);
  afterAll(() => pool.close());

  it('a precision target stops at the same batch as on one thread; the batch started beyond it is not counted', async () => {
    const target = { ...json, target: { successCIWidth: 0.04, maxTrajectories: 20000, batchSize: 200 } };
    const exp = chainModel.parse(target, {});
    const one = await runEnsemble(chainModel, exp, { engine: 'cpu' });
    const logged: number[] = [];
    const two = await runEnsemble(chainModel, exp, { engine: 'cpu', pool, source: source(target), onBatch: (b) => { logged.push(b.batch); } });
    const k = one.points[0]!.blocks.length;
    expect(k).toBeGreaterThan(2);
    expect(k).toBeLessThan(100); // stopped by the target, not the cap
    expect(two.points[0]!.blocks.length).toBe(k);
    expect(logged).toEqual([...Array(k).keys()]);
    expect(two.batchesRun).toBe(k);
    expect(summary(two)).toEqual(summary(one));
  }, 120_000);

  it('three workers, two grid points with a target each: batches started ahead across the points change nothing', async () => {
    const three = startBatchPool(3);
    try {
      // rates (1.2, 1, 1): P(success) far from 1, so each point takes several batches of 100 (11 and 10 here).
      const sweep = {
        ...json, scenario: { ...json.scenario, rates: [1.2, 1, 1] }, sweep: { points: [{ alpha: 0.05 }, { alpha: 0.04 }] },
        target: { successCIWidth: 0.06, maxTrajectories: 20000, batchSize: 100 },
      };
      const exp = chainModel.parse(sweep, {});
      const one = await runEnsemble(chainModel, exp, { engine: 'cpu' });
      const logged: string[] = [];
      const pooled = await runEnsemble(chainModel, exp, { engine: 'cpu', pool: three, source: source(sweep), onBatch: (b) => { logged.push(`${b.point}:${b.batch}`); } });
      const counts = one.points.map((p) => p.blocks.length);
      expect(counts.every((k) => k > 2 && k < 200)).toBe(true);
      expect(pooled.points.map((p) => p.blocks.length)).toEqual(counts);
      expect(logged).toEqual(counts.flatMap((k, i) => [...Array(k).keys()].map((b) => `${i}:${b}`)));
      expect(summary(pooled)).toEqual(summary(one));
    } finally {
      await three.close();
    }
  }, 120_000);

  it('a batch that finished ahead and is then dropped (target met) leaves its worker busy with the next batch: no hang', async () => {
    // Scripted finishing order (scripted-batch-worker.mjs): point 0's batches 3 and 4 finish long before batch 2, so
    // their worker takes point 1's first batch; then point 0's target is met and its batch 4 is dropped. Dropping it
    // must neither free that worker (it still runs point 1's batch) nor lose that batch's answer.
    const scripted = startBatchPool(3, { entry: new URL('./scripted-batch-worker.mjs', import.meta.url).href });
    const model = {
      ...chainModel, model: 'scripted', title: 'scripted',
      selectEngine: async () => ({ engine: { info: { name: 'cpu', runtime: 'node', precision: 'f64' } }, reason: 'test' }),
      statsFromJSON: (x: unknown) => x, statsToJSON: (x: unknown) => x, check: () => null,
      merge: (a: { n: number }, b: { n: number }) => ({ n: a.n + b.n }), mergeAll: undefined,
      successes: (m: { n: number }) => ({ successes: 0, n: m.n }),
    } as any;
    // batchSize 1: the Wilson interval of 0 successes in n is narrower than 0.5 from n = 4 on.
    const exp = {
      name: 'scripted', seed: 1, seedKey: [1, 0], batches: 1, target: { batchSize: 1, successCIWidth: 0.5 },
      units: [{ trajectories: 5, workPerCopy: 1, label: 'a' }, { trajectories: 2, workPerCopy: 1, label: 'b' }],
    } as any;
    const logged: string[] = [];
    try {
      const run = runEnsemble(model, exp, {
        engine: 'cpu', pool: scripted, source: source({}), onBatch: (b) => { logged.push(`${b.point}:${b.batch}`); },
      });
      const ended = await Promise.race([run.then((r) => r.points.map((p) => p.blocks.length)), new Promise((res) => setTimeout(() => res('hung'), 10_000))]);
      expect(ended).toEqual([4, 2]);
      expect(logged).toEqual(['0:0', '0:1', '0:2', '0:3', '1:0', '1:1']);
    } finally {
      await scripted.close();
    }
  }, 60_000);

  it('a stopped run stops with an AbortError, and the pool runs the next one to the one-thread numbers', async () => {
    const exp = chainModel.parse(json, {});
    const stop = new AbortController();
    let batches = 0;
    const stopped = runEnsemble(chainModel, exp, {
      engine: 'cpu', pool, source: source(json), signal: stop.signal, onBatch: () => { if (++batches === 2) stop.abort(); },
    });
    await expect(stopped).rejects.toMatchObject({ name: 'AbortError' });
    expect(batches).toBe(2);
    const again = await runEnsemble(chainModel, exp, { engine: 'cpu', pool, source: source(json) });
    expect(summary(again)).toEqual(summary(await runEnsemble(chainModel, exp, { engine: 'cpu' })));
  }, 120_000);

  it('a worker that dies in the middle of a batch: the batch is retried on a fresh worker, the numbers unchanged', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'stdp-mc-pool-')), 'died');
    process.env.STDP_MC_TEST_DYING_WORKER = marker;
    const dying = startBatchPool(2, { entry: new URL('./dying-batch-worker.mjs', import.meta.url).href });
    try {
      const exp = chainModel.parse(json, {});
      const run = await runEnsemble(chainModel, exp, { engine: 'cpu', pool: dying, source: source(json) });
      expect(existsSync(marker)).toBe(true); // one worker did die
      expect(run.batchesRun).toBe(6);
      expect(summary(run)).toEqual(summary(await runEnsemble(chainModel, exp, { engine: 'cpu' })));
    } finally {
      delete process.env.STDP_MC_TEST_DYING_WORKER;
      await dying.close();
    }
  }, 120_000);

  it('a batch whose worker fails is retried, then the run fails naming the cause', async () => {
    const exp = chainModel.parse(json, {});
    // The workers parse the source themselves: a model they do not have fails every attempt of the first batch.
    const run = runEnsemble(chainModel, exp, { engine: 'cpu', pool, source: { ...source(json), model: 'no-such-model' }, maxRetries: 2 });
    await expect(run).rejects.toThrow(RunFailedError);
    await expect(run).rejects.toThrow(/batch 0 of grid point 0 failed 3 times on cpu: no model "no-such-model"/);
  }, 120_000);
});
