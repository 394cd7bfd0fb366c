/**
 * What a model gives the run layer (src/run/run-ensemble.ts), in the spirit of DiffEqGPU.jl's problem / ensemble
 * algorithm / solution split: the model says how to parse its experiment file, which engines it has, how to run the
 * copies [a, b) of one grid point, and how to merge, check and serialise the statistics of such a batch; the run layer
 * alone owns batching, the state log, resume, shards, merge, retries, integrity checks and precision targets.
 *
 * A batch's statistics B must be mergeable (merge(a, b) is the statistics of both batches) and serialisable
 * (statsFromJSON(JSON.parse(JSON.stringify(statsToJSON(b)))) equals b). Batches are always merged in batch order, so
 * a run cut into batches, shards or resumed sessions gives the same floating-point sums as an uninterrupted one.
 * Every engine addresses its random stream by copy index, so the cut changes no number.
 */
import type { z } from 'zod';
import type { EngineChoice } from '../engines/index.ts';
import type { EngineInfo } from '../engines/types.ts';
import type { Provenance } from '../core/provenance.ts';
import type { FilesOf } from '../report/files.ts';
import type { WrittenFiles } from '../report/build-report.ts';
import type { ModelPage } from './model-page.ts';

/** One grid point of an experiment: an ensemble of `trajectories` independent copies. */
export interface GridUnit {
  label: string;
  trajectories: number;
  /** Units of work per copy (steps, events, learner-steps…), for progress and throughput. */
  workPerCopy: number;
}

/** A precision target: batches of `batchSize` until the 95% Wilson interval of P(success) is narrower than the width. */
export interface PrecisionTarget {
  batchSize: number;
  successCIWidth: number;
}

/** The fields the run layer reads from any model's parsed experiment. */
export interface ModelExperiment {
  name: string;
  description?: string;
  seed: number | string;
  seedKey: [number, number];
  units: GridUnit[];
  /** Independent batches per grid point for a fixed N (the unit of checkpointing and sharding). */
  batches: number;
  target?: PrecisionTarget | null;
}

/** Command-line values a model may take (each model refuses, with an OptionError, those that do not apply). */
export interface RunOverrides {
  trajectories?: number;
  steps?: number;
  seed?: number | string;
  duration?: number;
}

export interface ModelEngineHandle {
  info: EngineInfo;
  dispose?(): void;
}

export interface BatchContext {
  signal?: AbortSignal;
  /** Work done so far within this batch (the unit of GridUnit.workPerCopy). */
  onProgress?: (done: number) => void;
  stepsPerDispatch?: number;
  batchSize?: number;
}

/** The statistics of each finished batch of one grid point, merged in batch order. */
export interface PointRecords<B> {
  point: number;
  label: string;
  /** Merge of all blocks (null when this process holds none of the point's batches). */
  merged: B | null;
  /** Each batch's statistics, in batch order (batch means). */
  blocks: B[];
  /** Copies counted. */
  trajectories: number;
  /** Engine seconds and dispatches of these batches, wherever they ran. */
  seconds: number;
  dispatches: number;
}

/** A finished (or merged, or rebuilt) run: what a model turns into its result. */
export interface EnsembleRun<X, B> {
  experiment: X;
  engine: EngineInfo;
  engineReason: string;
  points: PointRecords<B>[];
  wallSeconds: number;
  provenance: Provenance;
  shard: Shard | null;
  /** Batches run in this process (the rest came from a state log). */
  batchesRun: number;
  /** Seconds of those batches (the engine's time in this process). */
  secondsRunNow: number;
  /** Seconds spent choosing and creating engines in this process (adapter probe, device, shader compilation). */
  engineStartSeconds?: number;
  /** Worker threads the batches ran on (a CPU batch pool; absent: this thread). */
  workers?: number;
}

export interface Shard {
  /** 1-based: shard i of n runs the batches b with b mod n = i − 1. */
  index: number;
  count: number;
}

export interface EnsembleModel<X extends ModelExperiment = any, B = any, E extends ModelEngineHandle = any, R = any, S = any> {
  /** scenario.model in the experiment file. */
  model: string;
  /** What the page and messages call it. */
  title: string;
  /** Does an experiment file belong to this model? (default: its scenario.model equals `model`) */
  matches?(json: unknown): boolean;
  /** The experiment file's schema (its JSON Schema branch). */
  fileSchema(): z.ZodType;
  /** Validate the file with the command line's values written over it; throws ScenarioError / OptionError. */
  parse(json: unknown, overrides: RunOverrides): X;
  /**
   * The engine for a choice (`auto` says why it chose). With the experiment, an engine that cannot run it is refused
   * here (EngineUnavailableError), before the run writes anything.
   */
  selectEngine(choice: EngineChoice, exp?: X): Promise<{ engine: E; reason: string }>;
  /** Run copies [range[0], range[1]) of grid point `point`. */
  runBatch(engine: E, exp: X, point: number, range: [number, number], ctx: BatchContext): Promise<{ stats: B; dispatches: number }>;
  merge(a: B, b: B): B;
  /** Merge many batches in order at once (optional: the same result as folding merge, done cheaper). */
  mergeAll?(blocks: readonly B[]): B;
  /** Counts that must add up, moments that must be finite: a problem stops the run (null: fine). */
  check(stats: B, exp: X, point: number, range: [number, number]): string | null;
  statsToJSON(stats: B): unknown;
  statsFromJSON(json: unknown): B;
  /** Successes and copies counted, where the model has a success probability (precision targets add them up batch by batch). */
  successes?(stats: B, exp: X, point: number): { successes: number; n: number };
  /** The model's result from the merged batches. */
  result(run: EnsembleRun<X, B>): R;
  /**
   * What the run writes (summary, CSV, plots, report parts), without a file system: the summary computed now, the
   * rest when first read (src/report/files.ts withReport), so a run without its report builds no tables or plots.
   */
  files(result: R): FilesOf<S>;
  /** What the command line prints. */
  human(summary: S, files: WrittenFiles): string;
  /**
   * The model's parts of the browser page (its form, browser engine selection, live view: model-page.ts), loaded
   * lazily with a dynamic import so the command line never loads them. Optional: the page has generic views.
   */
  page?: () => Promise<ModelPage>;
}
