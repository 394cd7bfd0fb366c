/**
 * The one run layer for every model: each grid point's copies run as independent batches [b·M, (b+1)·M). Batches
 * address the random stream by copy index, so the merged result does not depend on how the run was cut — into
 * batches, shards, or sessions interrupted and resumed — and the per-batch statistics give batch-means intervals.
 * Batches are always merged in batch order, so a resumed run or a merge of shards reproduces an uninterrupted run bit
 * for bit.
 *
 * Targets: a fixed N (the grid point's copies, cut into `batches` batches), or a precision target — batches of
 * `batchSize` until the Wilson 95% interval of P(success) is narrower than `successCIWidth` or N reaches the cap.
 *
 * Robustness: every finished batch is checked by the model (counts add up, no NaN) and handed to `onBatch` (the CLI
 * appends it to the state log there). A failed dispatch (an engine exception: device lost, out of memory) is retried
 * on a freshly created engine up to `maxRetries` times, then the run stops with a RunFailedError; what was saved stays
 * resumable. A batch that fails its check stops the run at once: never a silent wrong answer.
 */
import type { EngineChoice } from '../engines/index.ts';
import type { EngineInfo, Progress } from '../engines/types.ts';
import { wilson } from '../stats/intervals.ts';
import { codeIdentity } from '../core/provenance.ts';
import type { EnsembleModel, EnsembleRun, ModelEngineHandle, ModelExperiment, PointRecords, Shard } from './model.ts';

/** One finished batch: copies [range[0], range[1]) of grid point `point`. */
export interface BatchRecord<B = unknown> {
  point: number;
  batch: number;
  range: [number, number];
  stats: B;
  seconds: number;
  dispatches: number;
}

export interface RunProgress extends Progress {
  point: number;
  points: number;
  label: string;
  /** Copies finished at this grid point (whole batches plus the batch in flight) and its N (or cap). */
  trajectoriesDone: number;
  trajectoriesTotal: number;
}

export interface RunEnsembleOptions<E extends ModelEngineHandle = ModelEngineHandle, B = unknown> {
  engine?: EngineChoice;
  onProgress?: (p: RunProgress) => void;
  /** Called once the engine is chosen, before any work. */
  onEngine?: (info: EngineInfo, reason: string) => void;
  signal?: AbortSignal;
  stepsPerDispatch?: number;
  batchSize?: number;
  command?: string;
  /** Run only the batches b ≡ index − 1 (mod count). */
  shard?: Shard | null;
  /** Batches already finished (from a state log): they are not run again. */
  done?: BatchRecord<B>[];
  /** Called after each finished and checked batch, before the next starts (the CLI appends it to the state log). */
  onBatch?: (b: BatchRecord<B>, engine: EngineInfo, reason: string) => void | Promise<void>;
  /** Engine re-creations after a failed dispatch before the run stops (default 2). */
  maxRetries?: number;
  /** Engine factory (tests inject failures here); defaults to the model's selectEngine. */
  selectEngine?: (choice: EngineChoice) => Promise<{ engine: E; reason: string }>;
}

export class RunFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunFailedError';
  }
}

/** Contiguous ranges of about n/blocks copies (the fixed-N batches). */
export function blockRanges(n: number, blocks: number): [number, number][] {
  const b = Math.max(1, Math.min(blocks, n));
  const m = Math.ceil(n / b);
  const out: [number, number][] = [];
  for (let a = 0; a < n; a += m) out.push([a, Math.min(n, a + m)]);
  return out;
}

export interface BatchPlan {
  size: number;
  count: number;
  target: ModelExperiment['target'];
}

/** The batch size M and the number of batches of a grid point (for a precision target: the most it may need). */
export function batchPlan(exp: ModelExperiment, point: number): BatchPlan {
  const n = exp.units[point]!.trajectories;
  if (exp.target) return { size: exp.target.batchSize, count: Math.ceil(n / exp.target.batchSize), target: exp.target };
  const ranges = blockRanges(n, exp.batches);
  return { size: ranges[0]![1] - ranges[0]![0], count: ranges.length, target: null };
}

export function batchRange(plan: { size: number }, n: number, b: number): [number, number] {
  return [b * plan.size, Math.min(n, (b + 1) * plan.size)];
}

export function inShard(b: number, shard: Shard | null | undefined): boolean {
  return !shard || b % shard.count === shard.index - 1;
}

function isAbort(e: unknown): boolean {
  return (e as Error)?.name === 'AbortError';
}

/** A grid point's records merged in batch order (the order fixes the floating-point sums). */
export function pointRecords<B>(model: EnsembleModel<any, B>, exp: ModelExperiment, point: number, records: BatchRecord<B>[]): PointRecords<B> {
  const sorted = [...records].sort((a, b) => a.batch - b.batch);
  const blocks = sorted.map((r) => r.stats);
  return {
    point, label: exp.units[point]!.label,
    merged: !blocks.length ? null : model.mergeAll ? model.mergeAll(blocks) : blocks.reduce((a, b) => model.merge(a, b)),
    blocks,
    trajectories: sorted.reduce((a, r) => a + r.range[1] - r.range[0], 0),
    seconds: sorted.reduce((a, r) => a + r.seconds, 0),
    dispatches: sorted.reduce((a, r) => a + r.dispatches, 0),
  };
}

/** Does the merged statistic of a grid point meet its precision target? */
function targetMet<B>(model: EnsembleModel<any, B>, exp: ModelExperiment, point: number, records: BatchRecord<B>[], width: number): boolean {
  if (!model.successes) throw new RunFailedError(`${model.title} has no success probability, so a precision target does not apply`);
  const merged = pointRecords(model, exp, point, records).merged!;
  const { successes, n } = model.successes(merged, exp, point);
  const [lo, hi] = wilson(successes, n);
  return hi - lo < width;
}

export async function runEnsemble<X extends ModelExperiment, B, E extends ModelEngineHandle>(
  model: EnsembleModel<X, B, E>, exp: X, o: RunEnsembleOptions<E, B> = {},
): Promise<EnsembleRun<X, B>> {
  const t0 = performance.now();
  if (o.shard && exp.target) {
    throw new RunFailedError('a precision target decides when to stop from all batches together, so it cannot be split into shards: use a fixed N (trajectories and batches)');
  }
  let engineStartSeconds = 0;
  const selectModelEngine = o.selectEngine ?? ((c: EngineChoice) => model.selectEngine(c));
  const select = async (c: EngineChoice) => {
    const ts = performance.now();
    try {
      return await selectModelEngine(c);
    } finally {
      engineStartSeconds += (performance.now() - ts) / 1000;
    }
  };
  let { engine, reason } = await select(o.engine ?? 'auto');
  o.onEngine?.(engine.info, reason);
  const done = new Map<string, BatchRecord<B>>();
  for (const b of o.done ?? []) done.set(`${b.point}:${b.batch}`, b);
  const plans = exp.units.map((_, i) => batchPlan(exp, i));
  // Work for the progress bar: the batches this process is responsible for (a target's cap counts as the total).
  const work = (i: number) => {
    let n = 0;
    for (let b = 0; b < plans[i]!.count; b++) if (inShard(b, o.shard)) { const r = batchRange(plans[i]!, exp.units[i]!.trajectories, b); n += r[1] - r[0]; }
    return n;
  };
  const total = exp.units.reduce((a, u, i) => a + work(i) * u.workPerCopy, 0);
  const points: PointRecords<B>[] = [];
  let before = 0, batchesRun = 0, secondsRunNow = 0;
  const maxRetries = o.maxRetries ?? 2;

  const runBatch = async (i: number, b: number, onDone: (k: number) => void): Promise<BatchRecord<B>> => {
    const range = batchRange(plans[i]!, exp.units[i]!.trajectories, b);
    for (let attempt = 0; ; attempt++) {
      const tb = performance.now();
      try {
        const r = await model.runBatch(engine, exp, i, range, {
          signal: o.signal, stepsPerDispatch: o.stepsPerDispatch, batchSize: o.batchSize, onProgress: onDone,
        });
        const rec: BatchRecord<B> = { point: i, batch: b, range, stats: r.stats, seconds: (performance.now() - tb) / 1000, dispatches: r.dispatches };
        const bad = model.check(r.stats, exp, i, range);
        if (bad) {
          throw new RunFailedError(`integrity check failed (${engine.info.name}): grid point ${i}, batch ${b}: ${bad}; the run stopped and nothing from this batch was kept`);
        }
        return rec;
      } catch (e) {
        if (isAbort(e) || e instanceof RunFailedError) throw e;
        if (attempt >= maxRetries) {
          throw new RunFailedError(`batch ${b} of grid point ${i} failed ${attempt + 1} times on ${engine.info.name}: ${(e as Error).message}`);
        }
        // A lost device or failed dispatch: drop the engine and retry the batch on a fresh one (the same kind).
        try { engine.dispose?.(); } catch { /* already gone */ }
        ({ engine, reason } = await select(engine.info.name));
      }
    }
  };

  try {
    for (let i = 0; i < exp.units.length; i++) {
      const unit = exp.units[i]!, plan = plans[i]!;
      const records: BatchRecord<B>[] = [];
      let doneTraj = 0;
      const report = (inFlight: number) =>
        o.onProgress?.({
          done: before + inFlight, total, elapsedSeconds: (performance.now() - t0) / 1000,
          point: i, points: exp.units.length, label: unit.label,
          trajectoriesDone: doneTraj + Math.floor(inFlight / Math.max(1, unit.workPerCopy)), trajectoriesTotal: work(i),
        });
      for (let b = 0; b < plan.count; b++) {
        if (!inShard(b, o.shard)) continue;
        // Precision target: stop once the merged interval is narrow enough (checked before each new batch).
        if (plan.target && records.length && targetMet(model, exp, i, records, plan.target.successCIWidth)) break;
        let rec = done.get(`${i}:${b}`);
        if (!rec) {
          rec = await runBatch(i, b, report);
          batchesRun++;
          secondsRunNow += rec.seconds;
          await o.onBatch?.(rec, engine.info, reason);
        }
        records.push(rec);
        const n = rec.range[1] - rec.range[0];
        doneTraj += n;
        before += n * unit.workPerCopy;
        report(0);
      }
      points.push(pointRecords(model, exp, i, records));
    }
  } finally {
    engine.dispose?.();
  }
  const id = await codeIdentity();
  return {
    experiment: exp, engine: engine.info, engineReason: reason, points,
    wallSeconds: (performance.now() - t0) / 1000,
    provenance: { ...id, seed: exp.seed, seedKey: exp.seedKey, createdAt: new Date().toISOString(), runtime: engine.info.runtime, command: o.command },
    shard: o.shard ?? null,
    batchesRun,
    secondsRunNow,
    engineStartSeconds,
  };
}
