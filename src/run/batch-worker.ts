/**
 * One worker thread of the CPU batch pool (batch-pool.ts). Each batch names its experiment's source (the file's JSON
 * and the command-line values): the worker parses it exactly as the main thread did (the same grid and streams; the
 * last few are kept), creates each model's engine once, and runs the batch with the model's own runBatch: the numbers
 * of a batch do not depend on the thread that ran it. A batch's statistics go back in their state-log form (model.statsToJSON, exact bits), which the main thread
 * reads with statsFromJSON as it reads a resumed run's log.
 *
 * Messages in: { type: 'run', id, source, point, range, stepsPerDispatch?, batchSize? } and { type: 'abort', id }.
 * Messages out: { type: 'progress', id, done }, { type: 'result', id, stats, dispatches, seconds },
 * { type: 'error', id, name, message }.
 */
import { parentPort } from 'node:worker_threads';
import type { EngineChoice } from '../engines/index.ts';
import { modelByName } from '../models/registry.ts';
import type { EnsembleModel, ModelEngineHandle, ModelExperiment, RunOverrides } from './model.ts';

/** Where a batch's experiment comes from: what the main thread parsed (model.parse(json, overrides)). */
export interface BatchSource {
  model: string;
  json: unknown;
  overrides: RunOverrides;
  engine: EngineChoice;
}

export type BatchWorkerRequest =
  | { type: 'run'; id: number; source: BatchSource; point: number; range: [number, number]; stepsPerDispatch?: number; batchSize?: number }
  | { type: 'abort'; id: number };

export type BatchWorkerReply =
  | { type: 'progress'; id: number; done: number }
  | { type: 'result'; id: number; stats: unknown; dispatches: number; seconds: number }
  | { type: 'error'; id: number; name: string; message: string };

const port = parentPort!;
const running = new Map<number, AbortController>();
const experiments = new Map<string, { model: EnsembleModel; exp: ModelExperiment }>();
const engines = new Map<string, Promise<ModelEngineHandle>>();

/** The parsed experiment of a source (the last 8 kept) and its model's engine (one per model and choice). */
function prepare(source: BatchSource): { model: EnsembleModel; exp: ModelExperiment; engine: Promise<ModelEngineHandle> } {
  const key = JSON.stringify([source.model, source.json, source.overrides]);
  let x = experiments.get(key);
  if (!x) {
    const model = modelByName(source.model);
    if (!model) throw new Error(`no model ${JSON.stringify(source.model)} in this version`);
    x = { model, exp: model.parse(source.json, source.overrides) };
    experiments.set(key, x);
    if (experiments.size > 8) experiments.delete(experiments.keys().next().value!);
  }
  const ek = `${source.model}:${source.engine}`;
  let engine = engines.get(ek);
  if (!engine) {
    engine = x.model.selectEngine(source.engine).then((e) => e.engine);
    engines.set(ek, engine);
  }
  return { ...x, engine };
}

async function run(q: Extract<BatchWorkerRequest, { type: 'run' }>): Promise<void> {
  const abort = new AbortController();
  running.set(q.id, abort);
  try {
    const { model, exp, engine } = prepare(q.source);
    const e = await engine;
    const t0 = performance.now();
    const r = await model.runBatch(e, exp, q.point, q.range, {
      signal: abort.signal, stepsPerDispatch: q.stepsPerDispatch, batchSize: q.batchSize,
      onProgress: (done) => port.postMessage({ type: 'progress', id: q.id, done } satisfies BatchWorkerReply),
    });
    const seconds = (performance.now() - t0) / 1000;
    port.postMessage({ type: 'result', id: q.id, stats: model.statsToJSON(r.stats), dispatches: r.dispatches, seconds } satisfies BatchWorkerReply);
  } catch (err) {
    const x = err as Error;
    port.postMessage({ type: 'error', id: q.id, name: x?.name ?? 'Error', message: x?.message ?? String(err) } satisfies BatchWorkerReply);
  } finally {
    running.delete(q.id);
  }
}

port.on('message', (q: BatchWorkerRequest) => {
  if (q.type === 'abort') running.get(q.id)?.abort();
  else void run(q);
});
