/**
 * Time estimates for the page: a calibration worker (worker.ts → calibrate.ts) measures the experiment's work rate
 * on the engine the run would get; results are kept per experiment and engine choice. A calibration that does not
 * answer within its budget and a grace period (one CPU copy or one dispatch takes longer) is stopped, and the time
 * already waited gives a bound: the engine did less than one copy (CPU: copies run one after another) or one batch
 * (GPU) in that time, so the run takes at least that long per copy or batch.
 */
import type { EngineChoice } from '../engines/index.ts';
import type { EngineInfo } from '../engines/types.ts';
import { engineLabel } from './format.ts';
import type { FromWorker, ToWorker } from './protocol.ts';

export interface Rate {
  /** The engine measured, in words. */
  engine: string;
  /** Units of work per second. */
  rate: number;
  /** True when `rate` is only an upper bound (nothing finished within the budget): times are lower bounds. */
  atMost: boolean;
  /** Seconds each batch costs besides its work (set-up, compilation an engine repeats per batch). */
  batchSeconds: number;
}

export type Estimate = { state: 'pending' } | { state: 'done'; rate: Rate } | { state: 'failed'; message: string };

const BUDGET_SECONDS = 0.8;
/** How long past the budget a calibration may stay silent: a CPU copy; a GPU submit (shader compilation included). */
const GRACE_SECONDS = { cpu: 2, gpu: 4 };
const START_TIMEOUT_SECONDS = 20;

interface Job {
  id: number;
  key: string;
  listeners: ((e: Estimate) => void)[];
  engine?: { info: EngineInfo; copies: number; workPerCopy: number; at: number };
  reports: [number, number][];
  timer: ReturnType<typeof setTimeout>;
}

export class Calibrator {
  private worker: Worker | null = null;
  private job: Job | null = null;
  private nextId = 1;
  private readonly cache = new Map<string, Estimate>();

  /** The settled estimate known for an experiment and engine choice, else pending (nothing is started). */
  peek(json: unknown, engine: EngineChoice): Estimate {
    return this.cache.get(`${engine} ${JSON.stringify(json)}`) ?? { state: 'pending' };
  }

  /** The estimate for an experiment and engine choice: cached, or started now; `onUpdate` hears when it settles. */
  estimate(json: unknown, engine: EngineChoice, onUpdate: (e: Estimate) => void): Estimate {
    const key = `${engine} ${JSON.stringify(json)}`;
    const known = this.cache.get(key);
    if (known) return known;
    if (this.job?.key === key) {
      this.job.listeners.push(onUpdate);
      return { state: 'pending' };
    }
    this.stop();
    const id = this.nextId++;
    const job: Job = { id, key, listeners: [onUpdate], reports: [], timer: setTimeout(() => this.expire(job), START_TIMEOUT_SECONDS * 1000) };
    this.job = job;
    this.worker ??= this.spawn();
    this.post({ type: 'calibrate', id, experiment: json, engine, budgetSeconds: BUDGET_SECONDS });
    return { state: 'pending' };
  }

  /** The settled estimate of the calibration in flight for this experiment (waits for it), or the cached one. */
  settle(json: unknown, engine: EngineChoice): Promise<Estimate> {
    return new Promise((ok) => {
      const e = this.estimate(json, engine, ok);
      if (e.state !== 'pending') ok(e);
    });
  }

  /** Stop the calibration in flight (a run is starting, or the experiment changed). */
  stop(): void {
    const job = this.job;
    if (!job) return;
    clearTimeout(job.timer);
    this.job = null;
    this.worker?.terminate();
    this.worker = null;
    for (const l of job.listeners) l({ state: 'failed', message: 'stopped' });
  }

  private spawn(): Worker {
    const w = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    w.onmessage = (e: MessageEvent<FromWorker>) => this.onMessage(e.data);
    w.onerror = (e) => { if (this.job) this.finish(this.job, { state: 'failed', message: e.message || 'the calibration worker stopped' }); };
    return w;
  }

  private post(m: ToWorker): void {
    this.worker?.postMessage(m);
  }

  private onMessage(m: FromWorker): void {
    const job = this.job;
    if (!job || !('id' in m) || m.id !== job.id) return;
    if (m.type === 'calibration-engine') {
      job.engine = { info: m.info, copies: m.copies, workPerCopy: m.workPerCopy, at: performance.now() };
      clearTimeout(job.timer);
      const grace = m.info.name === 'cpu' ? GRACE_SECONDS.cpu : GRACE_SECONDS.gpu;
      job.timer = setTimeout(() => this.expire(job), (3 * BUDGET_SECONDS + grace) * 1000);
    } else if (m.type === 'calibration-progress') {
      if (m.done > 0) job.reports.push([m.seconds, m.done]);
    } else if (m.type === 'calibration') {
      if (m.rate) this.finish(job, { state: 'done', rate: { engine: engineLabel(job.engine!.info), rate: m.rate, atMost: false, batchSeconds: m.batchSeconds } }, true);
      else this.finish(job, this.bound(job, m.seconds), true);
    } else if (m.type === 'calibration-error') {
      this.finish(job, { state: 'failed', message: m.message }, true);
    }
  }

  /** No answer in time: stop the worker and bound the rate by what did not finish in the time waited. */
  private expire(job: Job): void {
    if (this.job !== job) return;
    const e = job.engine;
    if (!e) {
      this.finish(job, { state: 'failed', message: 'the engine did not start in time' });
      return;
    }
    this.finish(job, this.bound(job, (performance.now() - e.at) / 1000));
  }

  /** The rate from the progress reports heard within `waited` seconds, or its upper bound when there were none. */
  private bound(job: Job, waited: number): Estimate {
    const e = job.engine!;
    const first = job.reports[0], last = job.reports[job.reports.length - 1];
    let rate: Rate;
    if (first && last && last[0] > first[0] && last[1] > first[1]) {
      rate = { engine: engineLabel(e.info), rate: (last[1] - first[1]) / (last[0] - first[0]), atMost: false, batchSeconds: 0 };
    } else if (last && last[1] > 0) {
      rate = { engine: engineLabel(e.info), rate: last[1] / waited, atMost: false, batchSeconds: 0 };
    } else {
      const unfinished = e.info.name === 'cpu' ? e.workPerCopy : e.workPerCopy * e.copies;
      rate = { engine: engineLabel(e.info), rate: unfinished / Math.max(waited, 1e-3), atMost: true, batchSeconds: 0 };
    }
    return { state: 'done', rate };
  }

  private finish(job: Job, e: Estimate, keepWorker = false): void {
    clearTimeout(job.timer);
    if (this.job === job) {
      this.job = null;
      if (!keepWorker) { this.worker?.terminate(); this.worker = null; }
    }
    this.cache.set(job.key, e);
    if (this.cache.size > 64) this.cache.delete(this.cache.keys().next().value!);
    for (const l of job.listeners) l(e);
  }
}
