/**
 * Subprocess helper for test/models/registry.test.ts: runs one model's small experiment (test/models/small-
 * experiments.ts) through the run layer on the requested engine and prints its summary (timings left out). With
 * `failBatch`, the engine's first attempt at that batch throws as a lost device would, so the run layer must retry it
 * on a fresh engine.
 * Request: { model, engine: 'cpu' | 'webgpu', failBatch?: number }.
 *
 * A batch of runs shares one process (one Deno start, one module compile, one lavapipe initialisation; each run still
 * creates and disposes its own engines, as it would alone):
 *
 *   deno run -A test/gpu/registry-runner.ts '{"batch": [{"model": "chain", "engine": "webgpu"}, ...]}'
 *
 * answers { "batch": [answer, ...] } in the order of the requests; a run that throws answers { "error": message }
 * in its place, so the others still report.
 */
import { modelByName } from '../../src/models/registry.ts';
import { runEnsemble } from '../../src/run/run-ensemble.ts';
import type { EngineChoice } from '../../src/engines/index.ts';
import { scrub, smallExperiment } from '../models/small-experiments.ts';
import { printResult, requestArg } from './runner-io.ts';

interface RegistryRequest { model: string; engine: EngineChoice; failBatch?: number }

async function runOne(req: RegistryRequest) {
  const model = modelByName(req.model)!;
  const exp = model.parse(smallExperiment(req.model), {});
  let created = 0, failures = 0;
  const failing = req.failBatch === undefined ? undefined : {
    ...model,
    async runBatch(engine: any, x: any, point: number, range: [number, number], ctx: any) {
      const size = Math.ceil(x.units[point].trajectories / x.batches);
      if (created === 1 && point === 0 && range[0] === req.failBatch! * size) {
        failures++;
        throw new Error('device lost (injected)');
      }
      return model.runBatch(engine, x, point, range, ctx);
    },
  };
  const m = failing ?? model;
  const run = await runEnsemble(m, exp, {
    engine: req.engine,
    selectEngine: async (c) => { created++; return model.selectEngine(c); },
  });
  // The summary alone (the CSV tables and plot specs are built only when read).
  const summary = model.files(model.result(run)).summary;
  return { summary: scrub(JSON.parse(JSON.stringify(summary))), engine: run.engine, created, failures };
}

const req = requestArg() as RegistryRequest | { batch: RegistryRequest[] };
if ('batch' in req) {
  const out: unknown[] = [];
  for (const r of req.batch) out.push(await runOne(r).catch((e) => ({ error: String((e as Error)?.stack ?? e) })));
  await printResult({ batch: out });
} else {
  await printResult(await runOne(req));
}
