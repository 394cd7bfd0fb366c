/**
 * The cpu engine across cores: the trajectory range is split into contiguous shards, one per worker_thread, and the
 * shards' checkpoint accumulators are merged with mergeAccumulators. A trajectory's random numbers are addressed by
 * its index (Philox counter = (step, trajectory, 0, block)), so the split changes nothing a trajectory draws: counts,
 * vertex counts and histograms equal the single-thread cpu engine's for the same seed, and the moments agree within
 * rounding of the merge order.
 *
 * Each shard runs `runShard`, the loop of CpuEngine.run for the plain chain: the product form of chain-math.ts
 * `advanceProduct` through `advanceBatch` (the WebAssembly SIMD kernel for uniform and Rademacher noise, the
 * JavaScript reference otherwise), so final states are bit-identical to the single-thread engine's. Each worker
 * compiles its own kernel instance.
 *
 * Node only (worker_threads; the worker loads this same file, through tsx when it is TypeScript source).
 */
import type { ResolvedScenario } from './scenario.ts';
import { mergeAccumulators, type CheckpointAccumulator } from '../../stats/checkpoint-stats.ts';
import { philoxFast } from './chain-math.ts';
import { copyFinalStates, cpuRunPlan, foldCheckpoint } from './cpu-batch.ts';
import { advanceBatch } from './wasm/advance-batch.ts';
import { batches } from '../../engines/plan.ts';
import { checkAborted, runtimeName, type EngineInfo } from '../../engines/types.ts';
import { type Engine, type EnsembleResult, type RunOptions } from './engine-types.ts';

/** Philox4x32-10 with int32 arithmetic (now in chain-math.ts, the step of advanceProduct); re-exported. */
export { philoxFast };

interface ShardRequest {
  scenario: ResolvedScenario;
  range: [number, number];
  stepsPerDispatch?: number;
  batchSize?: number;
  captureFinalState?: boolean;
}

interface ShardResult {
  checkpoints: CheckpointAccumulator[];
  /** p at every checkpoint for this shard's trajectories below keepPaths, in order. */
  paths: number[][][];
  /** Coordinate-major d × (range length), when asked for. */
  finalState?: Float64Array;
  dispatches: number;
}

/** The loop of CpuEngine.run (plain chain) over trajectories [range); `progress(done)` is called now and then. */
export function runShard(q: ShardRequest, progress?: (done: number) => void, signal?: AbortSignal): ShardResult {
  const s = q.scenario;
  const [start, end] = q.range;
  const d = s.d;
  const { np, R, plan, acc } = cpuRunPlan(s, q.stepsPerDispatch);
  const nPaths = Math.max(0, Math.min(s.keepPaths, end) - start);
  const paths = Array.from({ length: nPaths }, () => [] as number[][]);
  const finalState = q.captureFinalState ? new Float64Array(d * (end - start)) : undefined;
  const xs = new Float64Array(d), p = new Float64Array(d);
  let done = 0, dispatches = 0, last = performance.now();
  for (const [b0, b1] of batches(start, end, q.batchSize ?? 8192)) {
    const n = b1 - b0;
    const x = new Float64Array(d * n);
    for (let i = 0; i < d; i++) x.fill(s.x0[i]!, i * n, (i + 1) * n);
    const g = new Float64Array(d * n).fill(1);
    for (const disp of plan) {
      checkAborted(signal);
      dispatches++;
      const slot = disp.statsSlot;
      advanceBatch(x, g, {
        d, n, traj0: b0, k0: disp.k0, nSteps: disp.nSteps, key: s.seedKey, alpha: s.alpha, np, R,
        foldAtEnd: slot >= 0 || disp.k0 + disp.nSteps === s.steps,
      });
      if (slot >= 0) foldCheckpoint(s, x, n, b0, start, acc[slot]!, paths, xs, p);
      done += n * disp.nSteps;
      if (progress && performance.now() - last > 100) {
        last = performance.now();
        progress(done);
      }
    }
    if (finalState) copyFinalStates(finalState, x, d, n, b0, start, end - start);
  }
  progress?.(done);
  return { checkpoints: acc, paths, finalState, dispatches };
}

// ---------------------------------------------------------------------------------------------------------------
// Worker pool

const ROLE = 'stdp-mc-cpu-worker';

type WorkerMsg =
  | { type: 'progress'; id: number; done: number }
  | { type: 'result'; id: number; result: ShardResult }
  | { type: 'error'; id: number; message: string; name: string };

function isDeno(): boolean {
  return !!(globalThis as any).Deno?.version;
}

async function startWorker(): Promise<import('node:worker_threads').Worker> {
  const { Worker } = await import('node:worker_threads');
  const url = import.meta.url;
  let tsx: string | null = null;
  if (/\.[mc]?ts$/.test(new URL(url).pathname) && !isDeno()) {
    const { createRequire } = await import('node:module');
    const { pathToFileURL } = await import('node:url');
    const { dirname, join } = await import('node:path');
    // The ESM entry of tsx's register API (createRequire would resolve its CommonJS twin).
    tsx = pathToFileURL(join(dirname(createRequire(url).resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
  }
  const boot = `
    const { workerData } = require('node:worker_threads');
    (async () => {
      if (workerData.tsx) { const m = await import(workerData.tsx); (m.register ?? m.default.register)(); }
      await import(workerData.url);
    })().catch((e) => { console.error(e); process.exit(1); });`;
  return new Worker(boot, { eval: true, workerData: { role: ROLE, url, tsx } });
}

export interface CpuWorkersOptions {
  /** Worker threads (default: available parallelism). */
  workers?: number;
  /** Ranges shorter than this per worker run in the calling thread instead (default 256). */
  minPerWorker?: number;
}

export class CpuWorkersEngine implements Engine {
  readonly info: EngineInfo;
  readonly workers: number;
  private readonly minPerWorker: number;
  private pool: import('node:worker_threads').Worker[] = [];
  private nextId = 1;

  constructor(opts: CpuWorkersOptions = {}) {
    const g = globalThis as any;
    const cores = opts.workers ?? g.navigator?.hardwareConcurrency ?? 1;
    this.workers = Math.max(1, Math.floor(cores));
    this.minPerWorker = opts.minPerWorker ?? 256;
    this.info = { name: 'cpu', runtime: runtimeName(), precision: 'f64', details: { workers: this.workers } };
  }

  private async ensurePool(k: number): Promise<import('node:worker_threads').Worker[]> {
    while (this.pool.length < k) this.pool.push(await startWorker());
    return this.pool.slice(0, k);
  }

  dispose(): void {
    for (const w of this.pool) void w.terminate();
    this.pool = [];
  }

  async run(s: ResolvedScenario, o: RunOptions = {}): Promise<EnsembleResult> {
    // The model extensions (correlated inputs, rate switches) have no fast path here: the reference engine runs them.
    if (s.correlation || s.schedule.length) {
      const { CpuEngine } = await import('./cpu-engine.ts');
      const r = await new CpuEngine().run(s, o);
      return { ...r, engine: { ...r.engine, details: { workers: 1, reason: 'model extensions run single-threaded' } } };
    }
    const t0 = performance.now();
    const [start, end] = o.trajectoryRange ?? [0, s.trajectories];
    const total = (end - start) * s.steps;
    const k = Math.max(1, Math.min(this.workers, Math.floor((end - start) / this.minPerWorker)));
    const shards: [number, number][] = [];
    for (let j = 0; j < k; j++) {
      shards.push([start + Math.floor(((end - start) * j) / k), start + Math.floor(((end - start) * (j + 1)) / k)]);
    }
    const req = (range: [number, number]): ShardRequest => ({
      scenario: s, range, stepsPerDispatch: o.stepsPerDispatch, batchSize: o.batchSize, captureFinalState: o.captureFinalState,
    });
    let results: ShardResult[];
    if (k === 1) {
      checkAborted(o.signal);
      results = [runShard(req([start, end]), (done) => o.onProgress?.({ done, total, elapsedSeconds: (performance.now() - t0) / 1000 }), o.signal)];
    } else {
      results = await this.runOnWorkers(shards.map(req), total, t0, o);
    }
    let checkpoints = results[0]!.checkpoints;
    for (let j = 1; j < results.length; j++) checkpoints = checkpoints.map((a, c) => mergeAccumulators(a, results[j]!.checkpoints[c]!));
    const paths = results.flatMap((r) => r.paths);
    let finalState: Float64Array | undefined;
    if (o.captureFinalState) {
      const N = end - start, d = s.d;
      finalState = new Float64Array(d * N);
      results.forEach((r, j) => {
        const [a, b] = shards[j]!;
        for (let i = 0; i < d; i++) finalState!.set(r.finalState!.subarray(i * (b - a), (i + 1) * (b - a)), i * N + (a - start));
      });
    }
    return {
      engine: { ...this.info, details: { ...this.info.details, shards: k } },
      checkpoints,
      paths: paths.length ? paths : undefined,
      finalState,
      timing: { seconds: (performance.now() - t0) / 1000, dispatches: results.reduce((a, r) => a + r.dispatches, 0) },
    };
  }

  private async runOnWorkers(reqs: ShardRequest[], total: number, t0: number, o: RunOptions): Promise<ShardResult[]> {
    checkAborted(o.signal);
    const workers = await this.ensurePool(reqs.length);
    for (const w of workers) w.ref();
    const done = new Array(reqs.length).fill(0);
    const cleanups: (() => void)[] = [];
    try {
      return await Promise.all(reqs.map((q, j) => new Promise<ShardResult>((resolve, reject) => {
        const w = workers[j]!;
        const id = this.nextId++;
        const onMsg = (m: WorkerMsg) => {
          if (m.id !== id) return;
          if (m.type === 'progress') {
            done[j] = m.done;
            o.onProgress?.({ done: done.reduce((a, b) => a + b, 0), total, elapsedSeconds: (performance.now() - t0) / 1000 });
          } else if (m.type === 'result') resolve(m.result);
          else reject(Object.assign(new Error(m.message), { name: m.name }));
        };
        const onErr = (e: Error) => reject(e);
        const onExit = (c: number) => reject(new Error(`cpu worker exited with code ${c}`));
        const onAbort = () => {
          const e = new Error('run cancelled');
          e.name = 'AbortError';
          reject(e);
        };
        w.on('message', onMsg);
        w.on('error', onErr);
        w.on('exit', onExit);
        o.signal?.addEventListener('abort', onAbort);
        cleanups.push(() => {
          w.off('message', onMsg);
          w.off('error', onErr);
          w.off('exit', onExit);
          o.signal?.removeEventListener('abort', onAbort);
        });
        w.postMessage({ id, req: q });
      })));
    } catch (e) {
      // A cancelled or failed run leaves workers busy: drop the pool (the next run starts fresh ones).
      this.dispose();
      throw e;
    } finally {
      for (const c of cleanups) c();
      // Idle workers do not keep the process alive (dispose() is still the clean way out).
      for (const w of this.pool) w.unref();
    }
  }
}

// Worker side: this module loaded inside a worker started by startWorker().
const wt = await import('node:worker_threads').catch(() => null);
if (wt && !wt.isMainThread && wt.workerData?.role === ROLE) {
  const port = wt.parentPort!;
  port.on('message', ({ id, req }: { id: number; req: ShardRequest }) => {
    try {
      const result = runShard(req, (done) => port.postMessage({ type: 'progress', id, done }));
      const transfer = result.finalState ? [result.finalState.buffer as ArrayBuffer] : [];
      port.postMessage({ type: 'result', id, result }, transfer);
    } catch (e) {
      port.postMessage({ type: 'error', id, message: (e as Error).message, name: (e as Error).name });
    }
  });
}
