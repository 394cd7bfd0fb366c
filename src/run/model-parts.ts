/**
 * Pieces the models' definitions (src/models/<name>/definition.ts) share around the EnsembleModel contract of
 * model.ts: the command-line values a model refuses, the run layer's view of a one-scenario experiment, the engine
 * options of one batch, what every result carries from its run, and running a parsed experiment to its result.
 */
import { OptionError } from '../core/errors.ts';
import type { SeededCopies } from '../core/scenario-fields.ts';
import type { Provenance } from '../core/provenance.ts';
import type { CopyRunOptions } from '../engines/copy-run.ts';
import type { EngineInfo } from '../engines/types.ts';
import { DEFAULT_BATCHES } from './experiment-file.ts';
import type { BatchContext, EnsembleModel, EnsembleRun, ModelEngineHandle, ModelExperiment, RunOverrides, Shard } from './model.ts';
import { runEnsemble, type RunEnsembleOptions } from './run-ensemble.ts';

/** Throw an OptionError for the first defined command-line value that `refused` lists, with its message. */
export function refuseOverrides(o: RunOverrides, refused: Partial<Record<keyof RunOverrides, string>>): void {
  for (const [k, message] of Object.entries(refused)) {
    if (o[k as keyof RunOverrides] !== undefined) throw new OptionError(message!);
  }
}

/** The fields of a run-layer experiment that its model's own experiment lacks. */
type RunFields = 'units' | 'seed' | 'seedKey' | 'target';

/**
 * The run layer's view of an experiment with one scenario: one grid unit of the scenario's copies, `workPerCopy`
 * units of work each; its seed; `batches` (default DEFAULT_BATCHES); no precision target.
 */
export function singleUnitExperiment<X extends { name: string; batches?: number; scenario: SeededCopies }>(
  exp: X, workPerCopy: number, label = 'base',
): X & ModelExperiment {
  const s = exp.scenario;
  return {
    ...exp, seed: s.seed, seedKey: s.seedKey, batches: exp.batches ?? DEFAULT_BATCHES, target: null,
    units: [{ label, trajectories: s.trajectories, workPerCopy }],
  };
}

/** The model's own experiment: the run layer's view without the fields it added. */
export function ownExperiment<X extends ModelExperiment>(exp: X): Omit<X, RunFields> {
  const { units: _u, seed: _s, seedKey: _k, target: _t, ...own } = exp;
  return own;
}

/** What every model's result carries from its run: the engine and why, wall time, provenance, shard, batches run. */
export interface RunInfo {
  engine: EngineInfo;
  engineReason: string;
  wallSeconds: number;
  provenance: Provenance;
  /** The shard this process ran (null: the whole run or a merge). */
  shard?: Shard | null;
  /** Batches run in this process (the rest came from a state log). */
  batchesRun?: number;
}

/** A model's result: its own experiment and the run's RunInfo, beside the model's statistics. */
export interface ModelResult<X> extends RunInfo {
  experiment: X;
}

/** The RunInfo of a finished (merged, rebuilt) run. */
export function runInfo(run: EnsembleRun<ModelExperiment, unknown>): Required<RunInfo> {
  return {
    engine: run.engine, engineReason: run.engineReason, wallSeconds: run.wallSeconds, provenance: run.provenance,
    shard: run.shard, batchesRun: run.batchesRun,
  };
}

/** The engine options of one batch: copies `range`, the batch context's signal and sizes, progress from `before` on. */
export function batchRunOptions(range: [number, number], ctx: BatchContext, before = 0): CopyRunOptions {
  return {
    trajectoryRange: range, signal: ctx.signal, stepsPerDispatch: ctx.stepsPerDispatch, batchSize: ctx.batchSize,
    onProgress: (p) => ctx.onProgress?.(before + p.done),
  };
}

/**
 * The runBatch of a model whose batch is one engine run over the experiment's one scenario, copies [a, b): `stats`
 * takes the batch's statistics from the engine's result.
 */
export function scenarioBatch<S, R extends { timing: { dispatches: number } }, B>(stats: (r: R) => B) {
  return async (
    engine: { run(s: S, o: CopyRunOptions): Promise<R> }, exp: { scenario: S }, _point: number,
    range: [number, number], ctx: BatchContext,
  ): Promise<{ stats: B; dispatches: number }> => {
    const r = await engine.run(exp.scenario, batchRunOptions(range, ctx));
    return { stats: stats(r), dispatches: r.timing.dispatches };
  };
}

/** Run every batch of a parsed experiment (those of `o.shard`, less those in `o.done`) and return the model's result. */
export async function runModel<X extends ModelExperiment, B, E extends ModelEngineHandle, R>(
  model: EnsembleModel<X, B, E, R>, exp: X, o: RunEnsembleOptions<E, B> = {},
): Promise<R> {
  return model.result(await runEnsemble(model, exp, o));
}
