/**
 * What any model's run writes, computed without a file system (so the browser page uses it too): the summary, CSV
 * tables, plot specs and the parts of report.html. build-report.ts writes them with node:fs; the page renders the
 * same specs with vega itself.
 */
import { toCsv, type ReportComparison, type ReportModel } from './html.ts';
import { verdictText, type Comparison } from '../stats/compare.ts';

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

/** What a run's report adds to its summary: CSV tables, plot specs and report.html's parts. */
export type ReportFiles = Omit<FilesOf<unknown>, 'summary'>;

/**
 * A run's files with what only the report uses (the CSV tables, the plot specs and report.html's parts) built when
 * first read: a run without a report (`--no-report`, `--json`) computes its summary alone, and the CLI counts the
 * building of the tables and plots with the report's rendering. Every model's `files` returns this.
 */
export function withReport<S>(summary: S, build: () => ReportFiles): FilesOf<S> {
  let parts: ReportFiles | null = null;
  const get = (): ReportFiles => (parts ??= build());
  return {
    summary,
    get csv() { return get().csv; },
    get plots() { return get().plots; },
    get report() { return get().report; },
  };
}

/** report.html's provenance rows: the run's provenance with its engine and wall time (every model's report). */
export function reportProvenance(r: { provenance: object; engine: unknown; wallSeconds: number }): Record<string, unknown> {
  return { ...r.provenance, engine: r.engine, wallSeconds: r.wallSeconds };
}

/** The report's engine parameter: the engine, its runtime and why it was chosen. */
export function engineLine(r: { engine: { name: string; runtime: string }; engineReason: string }): string {
  return `${r.engine.name} (${r.engine.runtime}) — ${r.engineReason}`;
}

/** A comparison row as the report shows it: estimate with interval, theory, verdict with what it rests on, note. */
export function reportComparison(c: Comparison, point?: string): ReportComparison {
  return {
    ...(point ? { point } : {}),
    quantity: c.quantity,
    question: c.question ?? c.quantity,
    empirical: c.empirical === null ? '—' : `${num(c.empirical)}${c.interval ? ` [${num(c.interval[0])}, ${num(c.interval[1])}]` : ''}`,
    theory: c.theory === null ? '—' : num(c.theory),
    verdict: c.verdict,
    verdictDetail: verdictText(c),
    note: c.note ?? '',
    ...(c.meaning ? { meaning: c.meaning } : {}),
  };
}

/** Columns of every model's comparisons.csv (one row per comparison, one value per cell). */
export const COMPARISON_COLUMNS = ['point', 'question', 'quantity', 'empirical', 'ci_lo', 'ci_hi', 'theory', 'allowance', 'allowance_reason', 'n_trajectories', 'verdict', 'verdict_detail', 'note'];

/** comparisons.csv rows for comparisons, each with the grid point it belongs to ('' for the whole run). */
export function comparisonCsvRows(rows: { point?: string; c: Comparison }[]): (string | number)[][] {
  return rows.map(({ point, c }) => [
    point ?? '', c.question ?? c.quantity, c.quantity, num(c.empirical), num(c.interval?.[0]), num(c.interval?.[1]), num(c.theory),
    num(c.allowance?.value), c.allowance?.reason ?? '', c.n ?? '', c.verdict, verdictText(c), c.note ?? '',
  ]);
}

/** A model's comparisons.csv: comparisonCsvRows under COMPARISON_COLUMNS. */
export function comparisonsCsv(rows: { point?: string; c: Comparison }[]): { name: string; text: string } {
  return { name: 'comparisons.csv', text: toCsv(COMPARISON_COLUMNS, comparisonCsvRows(rows)) };
}
