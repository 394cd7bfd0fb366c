/**
 * What a model may give the browser page (src/app) besides its EnsembleModel: loaded lazily through the contract's
 * optional `page` field (a dynamic import), so the command line never loads browser code and the page's bundler
 * splits it off. Every part is optional; a model without them gets the page's generic views (the JSON panel, the
 * model's own selectEngine, progress while it runs and its plots at the end).
 *
 *  - subtitle: the page's subtitle while the model's experiment is shown;
 *  - form: a friendly editor of its experiment file (markup the page injects into its scenario form);
 *  - selectEngine: its own engine selection in the browser (e.g. fallbacks the browser offers and the CLI does not);
 *  - live: figures drawn while it runs, fed by a live view computed in the worker after each batch.
 *
 * Types only: the page and the model's page folder implement them.
 */
import type { EngineChoice } from '../engines/index.ts';
import type { PlotJob } from '../report/files.ts';
import type { ModelEngineHandle, ModelExperiment } from './model.ts';
import type { BatchRecord } from './run-ensemble.ts';

/** A problem with an experiment, named by the path of its field ("scenario.rates[1]"). */
export interface PageIssue {
  path: string;
  message: string;
}

/** A model's own form for its experiment file. */
export interface ModelForm {
  /** The form's markup: one root element; its fields' ids must be unique on the page. */
  html: string;
  /** Called once, after the markup is on the page. */
  mount?(root: HTMLElement): void;
  /** Fill the fields from an experiment file (a preset or a shared URL). */
  write(json: Record<string, unknown>): void;
  /**
   * The experiment file the fields describe, validated by the model's parser (the CLI's), or its problems.
   * `changed`: the id (without its "f-" prefix) of the field just edited, for fields that follow others.
   */
  read(changed?: string): { ok: true; json: Record<string, unknown> } | { ok: false; issues: PageIssue[] };
  /** Show problems next to their fields: the first field marked, and the problems that name no field. */
  showIssues(issues: PageIssue[]): { first: HTMLElement | null; rest: PageIssue[] };
  clearIssues(): void;
}

/** The engine a model runs on in this browser, why, and whether it is not the one asked for. */
export interface BrowserSelection {
  engine: ModelEngineHandle;
  reason: string;
  fallback: boolean;
}

/** One grid point's sample paths on the simplex (d = 3), for the page's canvas. */
export interface SimplexLive {
  point: number;
  /** The legend of this point's paths where several points are drawn. */
  group: string;
  alpha: number;
  paths: { id: number; step: number; p: [number, number, number] }[];
  flow: { t: number; p: [number, number, number] }[];
  /** Γ of correlated inputs: the contours are then those of −pᵀΓp/2 (as the report's simplex). */
  gamma?: number[][];
}

/** What a live view sends the page after a batch. */
export interface LiveUpdate {
  /** The result line under the progress bar (else the page's generic count of copies done). */
  line?: string;
  /** Plots to draw into the live figures of the same name (or figures already on the page). */
  plots: PlotJob[];
  simplex?: SimplexLive | null;
}

/** A run's live view, in the worker: it sees every finished batch. */
export interface LiveView {
  onBatch(b: BatchRecord<unknown>): void;
}

/** A figure drawn while the run goes on: its plot's name (PlotJob.name; the figure's id is plot-<name>). */
export interface LiveFigure {
  name: string;
  caption: string;
  /** Shown until its first plot is drawn. */
  placeholder: string;
}

export interface ModelLive {
  /** The live figures, in page order. */
  figures: LiveFigure[];
  /** The animated simplex canvas (d = 3), drawn before the figures: its caption and the text shown before paths come. */
  simplex?: { caption: string; waiting: string };
  /**
   * The figures shown for an experiment (by name), whether the simplex canvas applies to it (false: the panel is
   * hidden, e.g. d ≠ 3), and a note on the canvas ('' for none).
   */
  show(exp: ModelExperiment): { figures: string[]; simplex?: boolean; simplexNote: string; simplexCaption?: string; simplexGamma?: number[][] };
  /** Plots of the finished run the live figures stand for (not drawn again). */
  omit?(plotName: string): boolean;
  /** Live figures to hide once the run's own plots (all of them) are drawn. */
  hideAtEnd?(plots: PlotJob[]): string[];
  /** The live view of a run of `exp` (in the worker), posting its updates. */
  view(exp: ModelExperiment, post: (u: LiveUpdate) => void): Promise<LiveView>;
}

export interface ModelPage {
  /** The page's subtitle while this model's experiment is shown. */
  subtitle?: string;
  form?: ModelForm;
  /**
   * The model's own engine selection in the browser (else its selectEngine, with the page's fallback to auto); with
   * the experiment, an engine that cannot run it is passed over.
   */
  selectEngine?(choice: EngineChoice, exp?: unknown): Promise<BrowserSelection>;
  live?: ModelLive;
}
