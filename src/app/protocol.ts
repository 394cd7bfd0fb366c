/** Messages between the page (run-controls.ts, calibrator.ts) and the simulation worker (worker.ts). */
import type { EngineChoice } from '../engines/index.ts';
import type { EngineInfo } from '../engines/types.ts';
import type { LiveUpdate } from '../run/model-page.ts';

export type ToWorker =
  | { type: 'start'; experiment: unknown; engine: EngineChoice; command: string }
  /** Run the first batch of grid point 0 for about `budgetSeconds`, then stop: the work rate on this engine. */
  | { type: 'calibrate'; id: number; experiment: unknown; engine: EngineChoice; budgetSeconds: number }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'cancel' };

/** A plot of the run (the CLI's file name without extension, title, vega-lite spec) and report.html's other parts. */
export type { PlotJob, ReportParts } from '../report/files.ts';
import type { PlotJob, ReportParts } from '../report/files.ts';

/** One grid point's sample paths on the simplex (d = 3), for the canvas. */
export type { SimplexLive } from '../run/model-page.ts';

/** Progress of any model, in its own units of work and copies (run-ensemble.ts's RunProgress, pauses excluded). */
export interface LiveProgress {
  point: number;
  points: number;
  label: string;
  /** Copies finished at this grid point (whole batches plus the batch in flight) and its N. */
  copiesDone: number;
  copiesTotal: number;
  /** Units of work (GridUnit.workPerCopy) done and in total over the whole run. */
  done: number;
  total: number;
  /** Seconds spent running (pauses excluded). */
  activeSeconds: number;
}

export type FromWorker =
  | { type: 'engine'; info: EngineInfo; reason: string; fallback: boolean }
  | { type: 'progress'; progress: LiveProgress }
  | { type: 'paused' }
  | { type: 'resumed' }
  /** A batch finished (every model): copies done at its grid point. */
  | { type: 'batch'; point: number; points: number; label: string; copiesDone: number; copiesTotal: number }
  /** A model's live view after a batch (src/run/model-page.ts): the result line, live plots and sample paths. */
  | ({ type: 'live' } & LiveUpdate)
  | {
      type: 'done';
      summary: Record<string, unknown>;
      csv: { name: string; text: string }[];
      plots: PlotJob[];
      report: ReportParts;
    }
  | { type: 'cancelled' }
  | { type: 'error'; message: string; issues?: { path: string; message: string }[] }
  /** Calibration: the engine chosen and the first batch's size (copies, work per copy). */
  | { type: 'calibration-engine'; id: number; info: EngineInfo; reason: string; copies: number; workPerCopy: number }
  /** Calibration: work done in the batch `seconds` after it started. */
  | { type: 'calibration-progress'; id: number; done: number; seconds: number }
  /** Calibration finished: work units per second (null: no progress was reported) and seconds per batch besides. */
  | { type: 'calibration'; id: number; rate: number | null; batchSeconds: number; done: number; seconds: number; complete: boolean }
  | { type: 'calibration-error'; id: number; message: string };
