/** Messages between the page (main.ts) and the simulation worker (worker.ts). */
import type { EngineChoice } from '../engines/index.ts';
import type { EngineInfo } from '../engines/types.ts';
import type { PointSeries } from '../models/chain/analyze.ts';

export type ToWorker =
  | { type: 'start'; experiment: unknown; engine: EngineChoice; command: string }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'cancel' };

/** A plot of the run (the CLI's file name without extension, title, vega-lite spec) and report.html's other parts. */
export type { PlotJob, ReportParts } from '../report/files.ts';
import type { PlotJob, ReportParts } from '../report/files.ts';

/** One grid point's sample paths on the simplex (d = 3), for the canvas. */
export interface SimplexLive {
  point: number;
  group: string;
  alpha: number;
  paths: PointSeries['simplex'] extends infer S ? (S extends { paths: infer P } ? P : never) : never;
  flow: { t: number; p: [number, number, number] }[];
}

/** Progress of a model that runs whole (several outputs, spiking, Song, natural gradient, Hebbian): its own unit. */
export interface ModelProgress {
  done: number;
  total: number;
  activeSeconds: number;
}

export interface LiveProgress {
  point: number;
  points: number;
  label: string;
  trajectoriesDone: number;
  trajectoriesTotal: number;
  /** Trajectory-steps done and in total over the whole run. */
  done: number;
  total: number;
  /** Seconds spent running (pauses excluded). */
  activeSeconds: number;
}

export type FromWorker =
  | { type: 'engine'; info: EngineInfo; reason: string; fallback: boolean }
  | { type: 'progress'; progress: LiveProgress }
  /** A model that runs whole has started (no batches: it cannot pause; its engine is known when it ends). */
  | { type: 'model'; model: string; title: string }
  | { type: 'model-progress'; progress: ModelProgress }
  | { type: 'paused' }
  | { type: 'resumed' }
  | {
      type: 'partial';
      point: number;
      points: number;
      label: string;
      trajectories: number;
      successCount: number;
      plots: PlotJob[];
      simplex: SimplexLive | null;
    }
  | { type: 'sweep'; plots: PlotJob[] }
  | {
      type: 'done';
      summary: Record<string, unknown>;
      csv: { name: string; text: string }[];
      plots: PlotJob[];
      report: ReportParts;
    }
  | { type: 'cancelled' }
  | { type: 'error'; message: string; issues?: { path: string; message: string }[] };

