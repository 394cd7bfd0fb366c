/**
 * The CPU side of the ensemble host across cores: worker threads (Node's worker_threads) that run whole batches of
 * any model with its CPU engine (batch-worker.ts), several at once. The run layer (run-ensemble.ts) hands it the
 * batches in order and takes their statistics back in order, so the merged result, the state log and every number
 * are those of the same run on one thread: a batch addresses its random stream by copy index, and batches are merged
 * in batch order whichever worker finished first.
 *
 * Each worker loads the same code as the command line (the cached bundle of bin/cli-bundle.mjs, or the sources
 * through tsx where STDP_MC_NO_BUNDLE=1) and parses the experiment itself. A worker that dies (or whose batch throws)
 * fails that batch only; the run layer retries it as it retries a lost device, and the pool starts a fresh worker.
 * Node only: Deno and the browser have no worker_threads pool here (the command line refuses --workers there).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Worker } from 'node:worker_threads';
import type { BatchSource, BatchWorkerReply, BatchWorkerRequest } from './batch-worker.ts';

export type { BatchSource } from './batch-worker.ts';

export interface PooledBatch {
  source: BatchSource;
  point: number;
  range: [number, number];
  stepsPerDispatch?: number;
  batchSize?: number;
}

export interface PooledResult {
  /** The batch's statistics in their state-log form (model.statsFromJSON reads them). */
  stats: unknown;
  dispatches: number;
  /** The engine's seconds in the worker. */
  seconds: number;
}

export interface BatchPool {
  /** Worker threads (batches in flight at most). */
  readonly size: number;
  /** The most workers that ran at once so far (workers start only as batches wait: at most the batches). */
  readonly peak: number;
  /** Run one batch on a free worker (queued until one is free); `signal` cancels it. */
  run(job: PooledBatch, onProgress?: (done: number) => void, signal?: AbortSignal): Promise<PooledResult>;
  /** Stop every worker (queued and running batches fail with an AbortError). */
  close(): Promise<void>;
}

function abortError(): Error {
  const e = new Error('the batch was cancelled');
  e.name = 'AbortError';
  return e;
}

interface Pending {
  id: number;
  job: PooledBatch;
  onProgress?: (done: number) => void;
  /** Settle the caller's promise (once; later calls do nothing) and stop listening to its signal. */
  resolve(r: PooledResult): void;
  reject(e: Error): void;
  /** Cancelled while its worker ran it: the worker stays busy until it answers, and the answer is dropped. */
  cancelled: boolean;
}

interface Slot {
  worker: Worker;
  busy: Pending | null;
}

/**
 * A worker thread that imports the batch worker entry of the bundle this process runs from (bin/cli-bundle.mjs
 * records its folder), else of the current bundle or the sources through tsx (bin/cli-bundle.mjs loadEntry), or the
 * module `entry` in its place (tests: a worker that dies).
 */
async function startWorker(entry?: string): Promise<Worker> {
  const { Worker } = await import('node:worker_threads');
  const loader = new URL('../../bin/cli-bundle.mjs', import.meta.url).href;
  const dir = (globalThis as { __stdpMcBundleDir?: string }).__stdpMcBundleDir;
  const bundled = dir ? pathToFileURL(join(dir, 'batch-worker.mjs')).href : null;
  const boot = `
    const { workerData: w } = require('node:worker_threads');
    (w.entry ? import(w.entry) : w.bundled ? import(w.bundled) : import(w.loader).then((m) => m.loadEntry('batch-worker')))
      .catch((e) => { console.error('stdp-mc: a batch worker could not start:', e); process.exit(1); });`;
  return new Worker(boot, { eval: true, workerData: { loader, entry, bundled } });
}

/**
 * A pool of `size` workers (started lazily, when batches are queued); any experiment's batches may share it.
 * `entry`: a module URL each worker imports instead of the batch worker (tests).
 */
export function startBatchPool(size: number, o: { entry?: string } = {}): BatchPool {
  const slots: Slot[] = [];
  const queue: Pending[] = [];
  let nextId = 1, closed = false, starting = 0, peak = 0;

  const onReply = (slot: Slot, m: BatchWorkerReply) => {
    const p = slot.busy;
    if (!p || p.id !== m.id) return;
    if (m.type === 'progress') { if (!p.cancelled) p.onProgress?.(m.done); return; }
    // The worker is free once it answers, also for a batch cancelled meanwhile (whose answer nobody waits for).
    slot.busy = null;
    if (m.type === 'result') p.resolve({ stats: m.stats, dispatches: m.dispatches, seconds: m.seconds });
    else {
      const e = new Error(m.message);
      e.name = m.name;
      p.reject(e);
    }
    pump();
  };

  const spawn = async () => {
    starting++;
    try {
      const worker = await startWorker(o.entry);
      const slot: Slot = { worker, busy: null };
      worker.on('message', (m: BatchWorkerReply) => onReply(slot, m));
      // A worker that dies takes its batch with it; the run layer retries the batch, and the pool starts another.
      const dead = (why: string) => {
        const i = slots.indexOf(slot);
        if (i < 0) return;
        slots.splice(i, 1);
        const p = slot.busy;
        slot.busy = null;
        if (p) p.reject(new Error(`a batch worker stopped (${why})`));
        pump();
      };
      worker.on('error', (e) => dead(e.message));
      worker.on('exit', (code) => dead(`exit code ${code}`));
      if (closed) { void worker.terminate(); return; }
      slots.push(slot);
      peak = Math.max(peak, slots.length);
    } finally {
      starting--;
    }
    pump();
  };

  const pump = () => {
    if (closed) return;
    for (const slot of slots) {
      if (slot.busy || !queue.length) continue;
      const p = queue.shift()!;
      slot.busy = p;
      slot.worker.postMessage({ type: 'run', id: p.id, ...p.job } satisfies BatchWorkerRequest);
    }
    const busy = slots.filter((s) => s.busy).length;
    // Start workers up to the pool size while batches wait for one.
    for (let want = Math.min(size, busy + queue.length); slots.length + starting < want;) void spawn().catch((e) => {
      for (const p of queue.splice(0)) p.reject(e as Error);
    });
  };

  return {
    size,
    get peak() { return peak; },
    run(job, onProgress, signal) {
      return new Promise<PooledResult>((resolve, reject) => {
        if (closed || signal?.aborted) { reject(abortError()); return; }
        let settled = false;
        const settle = () => {
          settled = true;
          signal?.removeEventListener('abort', cancel);
        };
        const p: Pending = {
          id: nextId++, job, onProgress, cancelled: false,
          resolve: (r) => { if (!settled) { settle(); resolve(r); } },
          reject: (e) => { if (!settled) { settle(); reject(e); } },
        };
        // Cancelled: a queued batch leaves the queue; a running one is told to stop, and its worker takes no other
        // batch until it answers (a worker never runs two batches at once).
        function cancel(): void {
          const i = queue.indexOf(p);
          if (i >= 0) queue.splice(i, 1);
          else {
            const slot = slots.find((x) => x.busy === p);
            if (slot) {
              p.cancelled = true;
              slot.worker.postMessage({ type: 'abort', id: p.id } satisfies BatchWorkerRequest);
            }
          }
          p.reject(abortError());
        }
        signal?.addEventListener('abort', cancel, { once: true });
        queue.push(p);
        pump();
      });
    },
    async close() {
      closed = true;
      for (const p of queue.splice(0)) p.reject(abortError());
      await Promise.all(slots.splice(0).map((s) => {
        s.busy?.reject(abortError());
        s.busy = null;
        return s.worker.terminate();
      }));
    },
  };
}
