/**
 * The simulation worker, one path for every model: the registry finds the experiment's model (modelOf), the model
 * validates it with the CLI's parser, and the run layer (runEnsemble) runs its grid points batch by batch on the
 * engine the browser gives (engine-select.ts). It posts progress in the model's own units, each finished batch (and
 * the live plots of a model whose page hook has a live view, model-page.ts), and the run's files at the end, computed
 * as the CLI's. Pause takes effect between batches (the run layer awaits onBatch before the next batch starts); cancel
 * aborts the batch in flight through the AbortSignal the engines check. A second kind of job, calibrate
 * (calibrate.ts), measures the work rate.
 */
/// <reference lib="webworker" />
import type { EngineChoice } from '../engines/index.ts';
import { ScenarioError } from '../core/errors.ts';
import { modelOf } from '../models/registry.ts';
import { runEnsemble } from '../run/run-ensemble.ts';
import type { GridUnit } from '../run/model.ts';
import { browserEngine } from './engine-select.ts';
import { loadPage } from './model-pages.ts';
import { calibrate } from './calibrate.ts';
import type { FromWorker, ToWorker } from './protocol.ts';

declare const __STDP_MC_IDENTITY__: { version: string; gitCommit: string | null };

const post = (m: FromWorker) => (self as unknown as Worker).postMessage(m);

/** Pause gate: the run waits here between batches while paused. */
class Gate {
  paused = false;
  pausedSeconds = 0;
  private since = 0;
  private waiters: (() => void)[] = [];
  pause() { this.paused = true; }
  resume() {
    if (!this.paused) return;
    this.paused = false;
    if (this.since) { this.pausedSeconds += (performance.now() - this.since) / 1000; this.since = 0; }
    this.waiters.splice(0).forEach((w) => w());
  }
  async wait(signal: AbortSignal): Promise<void> {
    if (!this.paused) return;
    this.since = performance.now();
    post({ type: 'paused' });
    await new Promise<void>((ok) => {
      this.waiters.push(ok);
      signal.addEventListener('abort', () => ok(), { once: true });
    });
    post({ type: 'resumed' });
  }
}

let current: { abort: AbortController; gate: Gate } | null = null;

self.onmessage = (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  if (m.type === 'start') {
    if (!current) void start(m.experiment, m.engine, m.command);
  } else if (m.type === 'calibrate') {
    void calibrate(m, post);
  } else if (m.type === 'pause') current?.gate.pause();
  else if (m.type === 'resume') current?.gate.resume();
  else if (m.type === 'cancel') {
    current?.abort.abort();
    current?.gate.resume();
  }
};

function postError(e: unknown): void {
  if ((e as Error)?.name === 'AbortError') post({ type: 'cancelled' });
  else if (e instanceof ScenarioError) post({ type: 'error', message: e.message, issues: e.issues });
  else post({ type: 'error', message: (e as Error)?.message ?? String(e) });
}

function aborted(): Error {
  const e = new Error('run cancelled');
  e.name = 'AbortError';
  return e;
}

async function start(json: unknown, choice: EngineChoice, command: string): Promise<void> {
  const abort = new AbortController();
  const gate = new Gate();
  current = { abort, gate };
  try {
    const model = modelOf(json);
    const exp = model.parse(json, {});
    const page = await loadPage(model);
    const live = page?.live ? await page.live.view(exp, (u) => post({ type: 'live', ...u })) : null;
    const copies = exp.units.map(() => 0);
    const total = exp.units.reduce((a: number, u: GridUnit) => a + u.trajectories * u.workPerCopy, 0);
    const t0 = performance.now();
    let work = 0;
    let fallback = false;
    let lastProgress = 0;
    const run = await runEnsemble(model, exp, {
      engine: choice,
      signal: abort.signal,
      command,
      selectEngine: async (c: EngineChoice) => {
        const s = await browserEngine(model, c, exp);
        fallback = s.fallback;
        return s;
      },
      onEngine: (info, reason) => post({ type: 'engine', info, reason, fallback }),
      onProgress: (p) => {
        const now = performance.now();
        if (now - lastProgress < 100 && p.done < p.total) return;
        lastProgress = now;
        post({
          type: 'progress',
          progress: {
            point: p.point, points: p.points, label: p.label, copiesDone: p.trajectoriesDone, copiesTotal: p.trajectoriesTotal,
            done: p.done, total: p.total, activeSeconds: Math.max(1e-6, p.elapsedSeconds - gate.pausedSeconds),
          },
        });
      },
      onBatch: async (b, _engine, _reason, { last }) => {
        const unit = exp.units[b.point]!;
        copies[b.point] = copies[b.point]! + b.range[1] - b.range[0];
        work += (b.range[1] - b.range[0]) * unit.workPerCopy;
        // the progress at the batch's end (the run layer reports it after onBatch, which may wait for a resume)
        post({
          type: 'progress',
          progress: {
            point: b.point, points: exp.units.length, label: unit.label, copiesDone: copies[b.point]!, copiesTotal: unit.trajectories,
            done: work, total, activeSeconds: Math.max(1e-6, (performance.now() - t0) / 1000 - gate.pausedSeconds),
          },
        });
        lastProgress = performance.now();
        post({
          type: 'batch', point: b.point, points: exp.units.length, label: exp.units[b.point]!.label,
          copiesDone: copies[b.point]!, copiesTotal: exp.units[b.point]!.trajectories,
        });
        live?.onBatch(b);
        // A pause asked for during the last batch (of the run, or of a precision target met) has nothing left to hold.
        if (!last) await gate.wait(abort.signal);
        if (abort.signal.aborted) throw aborted();
      },
    });
    const id = __STDP_MC_IDENTITY__;
    run.provenance = { ...run.provenance, version: id.version, gitCommit: id.gitCommit, gitDirty: null, command };
    run.wallSeconds = Math.max(0, run.wallSeconds - gate.pausedSeconds);
    const files = model.files(model.result(run));
    post({ type: 'done', summary: files.summary as Record<string, unknown>, csv: files.csv, plots: files.plots, report: files.report });
  } catch (e) {
    postError(e);
  } finally {
    current = null;
  }
}
