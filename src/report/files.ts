/**
 * What any model's run writes, computed without a file system (so the browser page uses it too): the summary, CSV
 * tables, plot specs and the parts of report.html. build-report.ts writes them with node:fs; the page renders the
 * same specs with vega itself.
 */
import type { ReportModel } from './html.ts';

export interface PlotJob {
  name: string;
  title: string;
  caption: string;
  spec: object;
}

/** What report.html needs besides the rendered plots (html.ts's ReportModel minus plots). */
export type ReportParts = Omit<ReportModel, 'plots'>;

export function num(v: number | null | undefined, digits = 5): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '' : Number(v.toPrecision(digits)).toString();
}

export interface FilesOf<S> {
  summary: S;
  csv: { name: string; text: string }[];
  plots: PlotJob[];
  report: ReportParts;
}

