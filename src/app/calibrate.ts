/**
 * The calibration run behind the page's time estimates, in the worker: the first batch of the grid point that holds
 * the most of the run's work (the run's own batch size, so a GPU is as full as in the run; a sweep's points may cost
 * very differently per unit of work, and the largest decides the total) on the engine the run would get, stopped after about
 * `budgetSeconds` once three reports with work done have come (else at 3 × budgetSeconds). The rate is the work
 * between the first and the last of those reports over the time between them (so set-up, shader compilation and the
 * first dispatch are left out); with one such report, its work over the time since the batch started. The same batch
 * then starts again on the same engine until its first report: the time that report came beyond what its work takes
 * at that rate is what each batch costs besides its work (an engine that compiles per batch, gpu.js, pays it each
 * time; one that keeps its pipelines, little). The page (calibrator.ts) stops a worker that does not answer (a CPU
 * copy or a dispatch longer than the budget) and then reads a lower bound from the messages it got.
 */
import { modelOf } from '../models/registry.ts';
import { batchPlan, batchRange } from '../run/run-ensemble.ts';
import type { EnsembleModel, ModelEngineHandle, ModelExperiment } from '../run/model.ts';
import { browserEngine } from './engine-select.ts';
import type { FromWorker, ToWorker } from './protocol.ts';

/** Run copies `range` of grid point `point` until `stop` says so (or the batch ends): the reports with work done. */
async function timedBatch(
  model: EnsembleModel, engine: ModelEngineHandle, exp: ModelExperiment, point: number, range: [number, number], limitSeconds: number,
  stop: (reports: [number, number][], t: number) => boolean, onReport?: (done: number, t: number) => void,
): Promise<{ reports: [number, number][]; complete: boolean }> {
  const abort = new AbortController();
  const t0 = performance.now();
  const timer = setTimeout(() => abort.abort(), limitSeconds * 1000);
  const reports: [number, number][] = [];
  try {
    await model.runBatch(engine, exp, point, range, {
      signal: abort.signal,
      onProgress: (done) => {
        const t = (performance.now() - t0) / 1000;
        if (done > 0) reports.push([t, done]);
        onReport?.(done, t);
        if (stop(reports, t)) abort.abort();
      },
    });
    reports.push([(performance.now() - t0) / 1000, (range[1] - range[0]) * exp.units[point]!.workPerCopy]);
    return { reports, complete: true };
  } catch (e) {
    if ((e as Error)?.name !== 'AbortError') throw e;
    return { reports, complete: false };
  } finally {
    clearTimeout(timer);
  }
}

/** The grid point with the most work (copies × work per copy; the first of equals). */
export function largestPoint(exp: ModelExperiment): number {
  let best = 0;
  exp.units.forEach((u, i) => { if (u.trajectories * u.workPerCopy > exp.units[best]!.trajectories * exp.units[best]!.workPerCopy) best = i; });
  return best;
}

export async function calibrate(m: Extract<ToWorker, { type: 'calibrate' }>, post: (m: FromWorker) => void): Promise<void> {
  const { id } = m;
  try {
    const model = modelOf(m.experiment);
    const exp = model.parse(m.experiment, {});
    const { engine, reason } = await browserEngine(model, m.engine);
    try {
      const point = largestPoint(exp), unit = exp.units[point]!;
      const range = batchRange(batchPlan(exp, point), unit.trajectories, 0);
      post({ type: 'calibration-engine', id, info: engine.info, reason, copies: range[1] - range[0], workPerCopy: unit.workPerCopy });
      const { reports, complete } = await timedBatch(model, engine, exp, point, range, 3 * m.budgetSeconds,
        (r, t) => t >= m.budgetSeconds && r.length >= 3, (done, seconds) => post({ type: 'calibration-progress', id, done, seconds }));
      const first = reports[0], last = reports[reports.length - 1];
      let rate: number | null = null;
      if (first && last && last[0] > first[0] && last[1] > first[1]) rate = (last[1] - first[1]) / (last[0] - first[0]);
      else if (last && last[0] > 0 && last[1] > 0) rate = last[1] / last[0];
      let batchSeconds = 0;
      if (rate) {
        const again = await timedBatch(model, engine, exp, point, range, m.budgetSeconds, (r) => r.length >= 1);
        const r0 = again.reports[0];
        if (r0) batchSeconds = Math.max(0, r0[0] - r0[1] / rate);
      }
      post({ type: 'calibration', id, rate, batchSeconds, done: last?.[1] ?? 0, seconds: last?.[0] ?? 0, complete });
    } finally {
      try { engine.dispose?.(); } catch { /* already gone */ }
    }
  } catch (e) {
    post({ type: 'calibration-error', id, message: (e as Error)?.message ?? String(e) });
  }
}
