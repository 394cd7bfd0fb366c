/**
 * The simulation worker: validates the experiment with the CLI's schema, picks an engine (engine-select.ts), runs it
 * with runExperiment batch by batch, and posts progress, live plot data after every batch, and the run's files at
 * the end. Pause takes effect at the next batch boundary (the engine wrapper below waits before a batch starts);
 * cancel aborts the batch in flight through the AbortSignal the engines check between dispatches.
 */
/// <reference lib="webworker" />
import type { EngineChoice } from '../engines/index.ts';
import type { SelectedEngine } from '../models/chain/select-engine.ts';
import type { EngineInfo } from '../engines/types.ts';
import type { Engine, RunOptions } from '../models/chain/engine-types.ts';
import { parseExperiment, type GridPoint } from '../models/chain/experiment.ts';
import { type ResolvedScenario } from '../models/chain/scenario.ts';
import { ScenarioError } from '../core/errors.ts';
import { pointResult, runExperiment, type PointResult } from '../models/chain/run-experiment.ts';
import type { ChainBatchRecord as BatchRecord } from '../models/chain/run-experiment.ts';
import { analyzePoint, type PointSeries } from '../models/chain/analyze.ts';
import { analyzeSweep } from '../models/chain/analyze-sweep.ts';
import { selectBrowserEngine } from './engine-select.ts';
import { pointPlots, runFiles, sweepPlots } from '../models/chain/files.ts';
import { num } from '../report/files.ts';
import { wholeModelOf, type PageModel as WholeModel } from '../models/registry.ts';
import type { FromWorker, LiveProgress, SimplexLive, ToWorker } from './protocol.ts';

declare const __STDP_MC_IDENTITY__: { version: string; gitCommit: string | null };

const post = (m: FromWorker) => (self as unknown as Worker).postMessage(m);

/** Pause gate: a batch waits here before it starts while the run is paused. */
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
  async wait(signal?: AbortSignal): Promise<void> {
    if (!this.paused) return;
    this.since = performance.now();
    post({ type: 'paused' });
    await new Promise<void>((ok) => {
      this.waiters.push(ok);
      signal?.addEventListener('abort', () => ok(), { once: true });
    });
    post({ type: 'resumed' });
  }
}

class PausableEngine implements Engine {
  constructor(private readonly inner: Engine, private readonly gate: Gate) {}
  get info(): EngineInfo { return this.inner.info; }
  async run(s: ResolvedScenario, o: RunOptions = {}) {
    await this.gate.wait(o.signal);
    return this.inner.run(s, o);
  }
  dispose() { this.inner.dispose?.(); }
}

let current: { abort: AbortController; gate: Gate } | null = null;

self.onmessage = (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  if (m.type === 'start') {
    if (current) return;
    void start(m.experiment, m.engine, m.command);
  } else if (m.type === 'pause') current?.gate.pause();
  else if (m.type === 'resume') current?.gate.resume();
  else if (m.type === 'cancel') {
    current?.abort.abort();
    current?.gate.resume();
  }
};

function simplexLive(i: number, pt: PointResult, s: PointSeries): SimplexLive | null {
  if (!s.simplex) return null;
  const n = new Set(s.simplex.paths.map((q) => q.id)).size;
  return {
    point: i,
    group: `from p(0) = (${pt.scenario.p0.map((v) => num(v, 3)).join(', ')}), ${n} path${n === 1 ? '' : 's'}`,
    alpha: pt.scenario.alpha,
    paths: s.simplex.paths,
    flow: s.simplex.flowPaths.map((q) => ({ t: q.t, p: q.p })),
  };
}

function postError(e: unknown): void {
  if ((e as Error)?.name === 'AbortError') post({ type: 'cancelled' });
  else if (e instanceof ScenarioError) post({ type: 'error', message: e.message, issues: e.issues });
  else post({ type: 'error', message: (e as Error)?.message ?? String(e) });
}

/**
 * A model that runs whole (whole-models.ts): parsed, run on the chosen engine (the model's own engine choice: gpu.js
 * declines these models), its files computed as the CLI's. Cancel aborts at the engine's next check; there is no pause.
 */
async function startWhole(m: WholeModel, json: unknown, choice: EngineChoice, command: string): Promise<void> {
  const abort = new AbortController();
  current = { abort, gate: new Gate() };
  try {
    const exp = m.parse(json, {});
    post({ type: 'model', model: m.model, title: m.title });
    let last = 0;
    const r: any = await m.run(exp, {
      engine: choice, signal: abort.signal, command,
      onProgress: (done, total, seconds) => {
        const now = performance.now();
        if (now - last < 100 && done < total) return;
        last = now;
        post({ type: 'model-progress', progress: { done, total, activeSeconds: Math.max(1e-6, seconds) } });
      },
    });
    const id = __STDP_MC_IDENTITY__;
    r.provenance = { ...r.provenance, version: id.version, gitCommit: id.gitCommit, gitDirty: null, command };
    post({ type: 'engine', info: r.engine, reason: r.engineReason, fallback: choice !== 'auto' && r.engine.name !== choice });
    const files = m.files(r);
    post({ type: 'done', summary: files.summary, csv: files.csv, plots: files.plots, report: files.report });
  } catch (e) {
    postError(e);
  } finally {
    current = null;
  }
}

async function start(json: unknown, choice: EngineChoice, command: string): Promise<void> {
  const whole = wholeModelOf(json);
  if (whole) return startWhole(whole, json, choice, command);
  const abort = new AbortController();
  const gate = new Gate();
  current = { abort, gate };
  try {
    const exp = parseExperiment(json);
    const grid: GridPoint[] = exp.points ?? [{ label: 'base', values: {}, scenario: exp.scenario }];
    const records = grid.map(() => [] as BatchRecord[]);
    const finished: { result: PointResult; series: PointSeries }[] = [];
    let first = true;
    const select = async (c: EngineChoice): Promise<SelectedEngine> => {
      const sel = await selectBrowserEngine(c);
      if (first) post({ type: 'engine', info: sel.engine.info, reason: sel.reason, fallback: sel.fallback });
      first = false;
      return { engine: new PausableEngine(sel.engine, gate), reason: sel.reason };
    };
    let lastProgress = 0;
    const r = await runExperiment(exp, {
      engine: choice,
      signal: abort.signal,
      command,
      selectEngine: select,
      onProgress: (p) => {
        const now = performance.now();
        if (now - lastProgress < 100 && p.done < p.total) return;
        lastProgress = now;
        const progress: LiveProgress = {
          point: p.point, points: p.points, label: p.label, trajectoriesDone: p.trajectoriesDone,
          trajectoriesTotal: p.trajectoriesTotal, done: p.done, total: p.total,
          activeSeconds: Math.max(1e-6, p.elapsedSeconds - gate.pausedSeconds),
        };
        post({ type: 'progress', progress });
      },
      onBatch: (b) => {
        records[b.point]!.push(b);
        const pt = pointResult(grid[b.point]!, records[b.point]!.sort((x, y) => x.batch - y.batch).map((x) => x.stats));
        const { series } = analyzePoint(pt);
        const last = pt.checkpoints[pt.checkpoints.length - 1]!;
        const label = exp.points ? pt.label : '';
        post({
          type: 'partial', point: b.point, points: grid.length, label: pt.label, trajectories: last.n, successCount: last.successCount,
          plots: pointPlots('', label, series).filter((j) => !j.name.endsWith('simplex')),
          simplex: simplexLive(b.point, pt, series),
        });
        const plan = records[b.point]!.reduce((a, x) => a + (x.range[1] - x.range[0]), 0);
        if (exp.points && plan >= grid[b.point]!.scenario.trajectories) {
          finished[b.point] = { result: pt, series };
          const done = finished.filter(Boolean);
          try {
            const sv = analyzeSweep(done.map((x) => x.result), done.map((x) => x.series));
            post({ type: 'sweep', plots: sweepPlots(exp.axes, done.map((x) => x.result), done.map((x) => x.series), sv.series).filter((j) => !j.name.startsWith('point')) });
          } catch {
            /* too few points for the sweep's fits yet */
          }
        }
      },
    });
    const id = __STDP_MC_IDENTITY__;
    r.provenance = { ...r.provenance, version: id.version, gitCommit: id.gitCommit, gitDirty: null, command };
    const files = runFiles(r);
    post({ type: 'done', summary: files.summary as unknown as Record<string, unknown>, csv: files.csv, plots: files.plots, report: files.report });
  } catch (e) {
    postError(e);
  } finally {
    current = null;
  }
}
