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
import { EngineUnavailableError, checkAborted, type EngineInfo, type Progress } from '../engines/types.ts';
import { wilson } from '../stats/intervals.ts';
import { codeIdentity, overridesField } from '../core/provenance.ts';
import type { EnsembleModel, EnsembleRun, ModelEngineHandle, ModelExperiment, PointRecords, Shard } from './model.ts';
import type { BatchPool, BatchSource } from './batch-pool.ts';
import { batchPlan, batchRange, busyClock, inShard } from './batch-plan.ts';

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
  /**
   * Called after each finished and checked batch, before the next starts (the CLI appends it to the state log).
   * `last`: no batch is left to run after it (the rest were finished before, or a precision target is met); the page
   * then has nothing to pause.
   */
  onBatch?: (b: BatchRecord<B>, engine: EngineInfo, reason: string, after: { last: boolean }) => void | Promise<void>;
  /** Engine re-creations after a failed dispatch before the run stops (default 2). */
  maxRetries?: number;
  /**
   * Worker threads that run the batches (batch-pool.ts; the CPU engine across cores): up to its size run at once, and
   * are taken, checked and logged in batch order, so every number is that of the run on one thread.
   */
  pool?: BatchPool;
  /** The experiment's source for the pool's workers (they parse it as this thread did); required with a pool. */
  source?: BatchSource;
  /** Engine factory (tests inject failures here); defaults to the model's selectEngine. */
  selectEngine?: (choice: EngineChoice) => Promise<{ engine: E; reason: string }>;
}

/** Why a precision target and shards do not go together (the CLI refuses the pair before any work). */
export const TARGET_NOT_SHARDED = 'a precision target decides when to stop from all batches together, so it cannot be split into shards: use a fixed N (trajectories and batches)';

export class RunFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunFailedError';
  }
}

export { batchPlan, batchRange, blockRanges, inShard, type BatchPlan } from './batch-plan.ts';

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

/**
 * A grid point's success count over its batches so far, for its precision target: counts add up over batches
 * (model.successes), so each batch is read once as it comes instead of merging all of them before every new batch
 * (which made a target run of B batches cost O(B²): 199 s of bookkeeping for 23 s of simulation at 1566 batches).
 */
function successTally<B>(model: EnsembleModel<any, B>, exp: ModelExperiment, point: number) {
  if (!model.successes) throw new RunFailedError(`${model.title} has no success probability, so a precision target does not apply`);
  const successes = model.successes.bind(model);
  let k = 0, n = 0;
  return {
    add(rec: BatchRecord<B>): void {
      const s = successes(rec.stats, exp, point);
      k += s.successes;
      n += s.n;
    },
    /** Is the Wilson interval of the successes so far narrower than `width`? */
    met: (width: number): boolean => {
      const [lo, hi] = wilson(k, n);
      return hi - lo < width;
    },
  };
}

export async function runEnsemble<X extends ModelExperiment, B, E extends ModelEngineHandle>(
  model: EnsembleModel<X, B, E>, exp: X, o: RunEnsembleOptions<E, B> = {},
): Promise<EnsembleRun<X, B>> {
  const t0 = performance.now();
  if (o.pool && !o.source) throw new Error('runEnsemble: a batch pool needs the experiment\'s source (its workers parse it themselves)');
  if (o.shard && exp.target) {
    throw new RunFailedError(TARGET_NOT_SHARDED);
  }
  let engineStartSeconds = 0;
  const selectModelEngine = o.selectEngine ?? ((c: EngineChoice) => model.selectEngine(c, exp));
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
  let before = 0, batchesRun = 0;
  const maxRetries = o.maxRetries ?? 2;
  // Wall time with at least one batch of this process running (the simulation's share of the wall time; with a pool,
  // batches overlap, so this is less than the sum of their engine seconds).
  const busy = busyClock();

  /** One attempt at batch b of point i: on the pool's workers, or on this thread's engine. */
  const attempt = async (i: number, range: [number, number], onDone: (k: number) => void, signal?: AbortSignal) => {
    if (o.pool) {
      const r = await o.pool.run({ source: o.source!, point: i, range, stepsPerDispatch: o.stepsPerDispatch, batchSize: o.batchSize }, onDone, signal);
      return { stats: model.statsFromJSON(r.stats), dispatches: r.dispatches, seconds: r.seconds };
    }
    const tb = performance.now();
    const r = await model.runBatch(engine, exp, i, range, {
      signal, stepsPerDispatch: o.stepsPerDispatch, batchSize: o.batchSize, onProgress: onDone,
    });
    return { ...r, seconds: (performance.now() - tb) / 1000 };
  };

  const runBatch = async (i: number, b: number, onDone: (k: number) => void, signal?: AbortSignal): Promise<BatchRecord<B>> => {
    const range = batchRange(plans[i]!, exp.units[i]!.trajectories, b);
    for (let tries = 0; ; tries++) {
      try {
        const r = await busy.during(() => attempt(i, range, onDone, signal));
        const rec: BatchRecord<B> = { point: i, batch: b, range, stats: r.stats, seconds: r.seconds, dispatches: r.dispatches };
        const bad = model.check(r.stats, exp, i, range);
        if (bad) {
          throw new RunFailedError(`integrity check failed (${engine.info.name}): grid point ${i}, batch ${b}: ${bad}; the run stopped and nothing from this batch was kept`);
        }
        return rec;
      } catch (e) {
        // An engine that refuses the work is not a lost device: retrying cannot help.
        if (isAbort(e) || e instanceof RunFailedError || e instanceof EngineUnavailableError) throw e;
        if (tries >= maxRetries) {
          throw new RunFailedError(`batch ${b} of grid point ${i} failed ${tries + 1} times on ${engine.info.name}: ${(e as Error).message}`);
        }
        // A lost device or failed dispatch: drop the engine and retry the batch on a fresh one (the same kind). On the
        // pool, the batch goes to another worker (a dead one is replaced).
        if (o.pool) continue;
        try { engine.dispose?.(); } catch { /* already gone */ }
        try {
          ({ engine, reason } = await select(engine.info.name));
        } catch (again) {
          // The device is gone for good: the run stops as a failed run (exit 1) with its finished batches saved.
          throw new RunFailedError(`batch ${b} of grid point ${i} failed on ${engine.info.name} (${(e as Error).message}), and the engine could not be created again: ${(again as Error).message}`);
        }
      }
    }
  };

  // The batches this process runs, in the order they are merged and logged. With a pool, the next ones start while
  // an earlier one runs (up to the pool's size in flight); they are still taken, checked and logged in this order.
  const order: [number, number][] = [];
  exp.units.forEach((_, i) => { for (let b = 0; b < plans[i]!.count; b++) if (inShard(b, o.shard)) order.push([i, b]); });
  const position = new Map(order.map(([i, b], j) => [`${i}:${b}`, j]));
  // A batch's own stop: with a pool, each batch started ahead has one (dropAhead cancels those a met target leaves
  // unused, and a stop of the run reaches them through stopAll); without one, the one batch in flight watches the
  // run's signal itself (null here).
  const ahead = new Map<string, { run: Promise<BatchRecord<B>>; abort: AbortController | null; done: number }>();
  const depth = o.pool ? Math.max(1, o.pool.size) : 1;
  const start = (at: number) => {
    for (let j = at; j < order.length && j < at + depth; j++) {
      const [i, b] = order[j]!, key = `${i}:${b}`;
      if (done.has(key) || ahead.has(key)) continue;
      const abort = o.pool ? new AbortController() : null;
      if (abort && o.signal?.aborted) abort.abort();
      const slot = { run: null as unknown as Promise<BatchRecord<B>>, abort, done: 0 };
      slot.run = runBatch(i, b, (k) => { slot.done = k; reportNow?.(); }, abort ? abort.signal : o.signal);
      slot.run.catch(() => { /* taken (and its error raised) when its turn comes, or dropped */ });
      ahead.set(key, slot);
    }
  };
  /** Work done so far by the batches in flight (of grid point i only, where given). */
  const inFlightWork = (i?: number) => {
    let n = 0;
    for (const [key, s] of ahead) if (i === undefined || key.startsWith(`${i}:`)) n += s.done;
    return n;
  };
  /** Cancel the batches started ahead for grid point i (its precision target is met: they will not be used). */
  const dropAhead = (i: number) => {
    for (const [key, s] of ahead) if (key.startsWith(`${i}:`)) { s.abort?.abort(); ahead.delete(key); }
  };
  /** Is no batch left to run after batch b of point i (its target met, where `met`)? Finished ones are only taken. */
  const noneLeftAfter = (i: number, b: number, met: boolean): boolean => {
    const left = (j: number, from: number) => {
      for (let c = from; c < plans[j]!.count; c++) if (inShard(c, o.shard) && !done.has(`${j}:${c}`)) return true;
      return false;
    };
    if (!met && left(i, b + 1)) return false;
    for (let j = i + 1; j < exp.units.length; j++) if (left(j, 0)) return false;
    return true;
  };
  let reportNow: (() => void) | null = null;
  // A stop (the CLI's SIGINT/SIGTERM) cancels every batch in flight: one listener for all of them (with a pool).
  const stopAll = () => { for (const s of ahead.values()) s.abort?.abort(); };
  if (o.pool) o.signal?.addEventListener('abort', stopAll, { once: true });

  try {
    for (let i = 0; i < exp.units.length; i++) {
      const unit = exp.units[i]!, plan = plans[i]!;
      const records: BatchRecord<B>[] = [];
      const tally = plan.target ? successTally(model, exp, i) : null;
      let doneTraj = 0;
      // Work in flight: of every batch for the whole run's count, of this point's for its copies.
      const report = () =>
        o.onProgress?.({
          done: before + inFlightWork(), total, elapsedSeconds: (performance.now() - t0) / 1000,
          point: i, points: exp.units.length, label: unit.label,
          trajectoriesDone: doneTraj + Math.floor(inFlightWork(i) / Math.max(1, unit.workPerCopy)), trajectoriesTotal: work(i),
        });
      reportNow = report;
      for (let b = 0; b < plan.count; b++) {
        if (!inShard(b, o.shard)) continue;
        // Precision target: stop once the merged interval is narrow enough (checked before each new batch).
        if (plan.target && records.length && tally!.met(plan.target.successCIWidth)) {
          dropAhead(i);
          break;
        }
        const key = `${i}:${b}`;
        let rec = done.get(key);
        const ranNow = !rec;
        if (!rec) {
          // A stop takes effect before the next batch, even one a worker has already finished.
          checkAborted(o.signal);
          start(position.get(key)!);
          const slot = ahead.get(key)!;
          rec = await slot.run;
          ahead.delete(key);
          batchesRun++;
        }
        tally?.add(rec);
        if (ranNow) await o.onBatch?.(rec, engine.info, reason, { last: noneLeftAfter(i, b, !!plan.target && tally!.met(plan.target.successCIWidth)) });
        records.push(rec);
        const n = rec.range[1] - rec.range[0];
        doneTraj += n;
        before += n * unit.workPerCopy;
        report();
      }
      points.push(pointRecords(model, exp, i, records));
    }
  } finally {
    if (o.pool) o.signal?.removeEventListener('abort', stopAll);
    stopAll();
    engine.dispose?.();
  }
  const secondsRunNow = busy.seconds();
  const id = await codeIdentity();
  return {
    experiment: exp, engine: engine.info, engineReason: reason, points,
    wallSeconds: (performance.now() - t0) / 1000,
    provenance: {
      ...id, seed: exp.seed, seedKey: exp.seedKey, createdAt: new Date().toISOString(), runtime: engine.info.runtime, command: o.command,
      ...overridesField(o.source?.overrides),
    },
    shard: o.shard ?? null,
    batchesRun,
    secondsRunNow,
    engineStartSeconds,
    // the workers that ran (a pool larger than the batches waiting starts only as many)
    ...(o.pool ? { workers: Math.max(1, o.pool.peak) } : {}),
  };
}
