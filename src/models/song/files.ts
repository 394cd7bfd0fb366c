/**
 * Outputs of a Song–Miller–Abbott run (issue 5, Model B): summary.json, rate.csv, weights.csv, weight-histogram.csv (long: one row per checkpoint and bin) and comparisons.csv, the final weight
 * histogram (10 bins of g_max/10, ensemble fractions) and the output rate per window with its 95 % interval across
 * copies, report.html. The expected outcome of Song et al. (2000) — a bimodal weight distribution and a falling
 * output rate — is checked with the issue's criteria and stated as such (a benchmark's outcome, not a theory value).
 * Computed without a file system: the CLI writes them (report.ts), the browser page shows them.
 */
import type { SongExperimentResult } from './run.ts';
import { summarizeSong } from './stats.ts';
import { notComparable, type Comparison } from '../../stats/compare.ts';
import { toCsv } from '../../report/html.ts';
import { PALETTE, header } from '../../report/plot-theme.ts';
import { comparisonsCsv, num, reportComparison, withReport, reportProvenance, engineLine, type ReportParts } from '../../report/files.ts';

export function songFiles(r: SongExperimentResult) {
  const s = r.experiment.scenario;
  const sum = summarizeSong(r.result.accumulator);
  const fin = sum.checkpoints[sum.checkpoints.length - 1]!;
  const comparisons: Comparison[] = [
    notComparable('final weight histogram: end bins over the mean middle bin', Math.min(...fin.endOverMiddle), null, 2,
      `Song et al. (2000): competitive STDP drives weights to the bounds (their Fig. 1); this report's criterion for a bimodal histogram: each end bin holds more than twice ` +
      `the mean middle bin — ${fin.bimodal ? 'met' : 'NOT met'} (end bins ${num(fin.endOverMiddle[0], 3)} and ${num(fin.endOverMiddle[1], 3)}; ` +
      `${sum.bimodalCopies} of ${sum.copies} copies bimodal on their own)`),
    notComparable(`output rate drop from the first to the last ${num(sum.rateHead.t1 - sum.rateHead.t0, 3)} s`, sum.rateDrop, null, 1 / 3,
      `Song et al. (2000): competition lowers the output rate; this report's criterion: at least a third below — ${sum.rateDrop !== null && sum.rateDrop >= 1 / 3 ? 'met' : 'NOT met'} ` +
      `(${num(sum.rateHead.mean, 4)} Hz ${sum.rateHead.ci ? `[${num(sum.rateHead.ci[0], 4)}, ${num(sum.rateHead.ci[1], 4)}]` : ''} → ` +
      `${num(sum.rateTail.mean, 4)} Hz ${sum.rateTail.ci ? `[${num(sum.rateTail.ci[0], 4)}, ${num(sum.rateTail.ci[1], 4)}]` : ''})`),
  ];
  const summary = {
    name: r.experiment.name, description: r.experiment.description, model: 'song', scenario: { ...s, cdf: undefined },
    engine: { name: r.engine.name, runtime: r.engine.runtime, adapter: r.engine.adapter ?? null, precision: r.engine.precision, reason: r.engineReason },
    copies: sum.copies, summary: sum, comparisons,
    timing: { wallSeconds: r.wallSeconds, engineSeconds: r.result.timing.seconds, secondsPerCopy: r.result.timing.copySeconds },
    provenance: r.provenance,
  };
  // The CSV tables, plot specs and report parts: built when first read (the report, the page), not for a summary alone.
  return withReport(summary, () => {
    const rateRows = sum.rate.map((w) => [num(w.t0), num(w.t1), num(w.rate.mean), num(w.rate.ci?.[0]), num(w.rate.ci?.[1])]);
    const wRows = sum.checkpoints.map((c) => [num(c.time), num(c.fracLow.mean), num(c.fracHigh.mean), num(c.meanWeight.mean), num(c.meanWeight.mean === null ? null : c.meanWeight.mean / s.gMax), c.bimodal ? 1 : 0]);
    const wCols = ['time_s', 'frac_near_0', 'frac_near_gmax', 'mean_weight_g_leak', 'mean_weight_over_gmax', 'bimodal'];
    const nbins = fin.histFractions.length;
    const histRows = sum.checkpoints.flatMap((c) => c.histFractions.map((f, b) => [num(c.time), b, num(b / nbins), num((b + 1) / nbins), num(f)]));
    const csv = [
      { name: 'rate.csv', text: toCsv(['t0_s', 't1_s', 'rate_hz', 'rate_ci_lo_hz', 'rate_ci_hi_hz'], rateRows) },
      { name: 'weights.csv', text: toCsv(wCols, wRows) },
      { name: 'weight-histogram.csv', text: toCsv(['time_s', 'bin', 'w_over_gmax_lo', 'w_over_gmax_hi', 'fraction'], histRows) },
      comparisonsCsv(comparisons.map((c) => ({ c }))),
    ];

    const nb = fin.histFractions.length;
    const bars = fin.histFractions.map((f, b) => ({ w0: b / nb, w1: (b + 1) / nb, z: 0, f }));
    const histSpec = {
      ...header(`Final weight distribution (t = ${num(fin.time, 4)} s)`, `${sum.copies} copies × ${s.inputs} synapses; w / g_max in 10 bins`),
      data: { values: bars },
      mark: { type: 'rect', color: PALETTE[0], stroke: 'white', strokeWidth: 1 },
      encoding: {
        x: { field: 'w0', type: 'quantitative', title: 'w / g_max', scale: { domain: [0, 1] } }, x2: { field: 'w1' },
        y: { field: 'z', type: 'quantitative', title: 'fraction of weights' }, y2: { field: 'f' },
      },
    };
    const rates = sum.rate.map((w) => ({ t: (w.t0 + w.t1) / 2, rate: w.rate.mean, lo: w.rate.ci?.[0] ?? w.rate.mean, hi: w.rate.ci?.[1] ?? w.rate.mean }));
    const x = { field: 't', type: 'quantitative', title: 'time (s)' };
    const rateSpec = {
      ...header('Output rate over time', `mean over ${sum.copies} copies per ${num(s.rateWindow, 3)} s window, 95% interval across copies`),
      layer: [
        { data: { values: rates }, mark: { type: 'area', opacity: 0.2, color: PALETTE[1] }, encoding: { x, y: { field: 'lo', type: 'quantitative', title: 'rate (Hz)' }, y2: { field: 'hi' } } },
        { data: { values: rates }, mark: { type: 'line', strokeWidth: 2, color: PALETTE[1] }, encoding: { x, y: { field: 'rate', type: 'quantitative' } } },
      ],
    };
    const jobs = [
      { name: 'weight-histogram', title: 'Final weight distribution', caption: 'Fraction of all weights in each tenth of [0, g_max] at the end of the run (bimodal: competition drives the synapses to the bounds).', spec: histSpec },
      { name: 'rate', title: 'Output rate over time', caption: 'Mean output rate per window across copies with its 95% interval: it falls as the weights compete.', spec: rateSpec },
    ];
    const report: ReportParts = {
      title: `stdp-mc — ${r.experiment.name}`, description: r.experiment.description,
      parameters: {
        model: `Song, Miller & Abbott (2000), ${s.method} at dt = ${s.dt} ms`, inputs: `${s.inputs} Poisson at ${s.rate} Hz`, 'g_max': s.gMax,
        duration: `${s.duration} s`, copies: sum.copies, seed: String(s.seed), engine: engineLine(r),
      },
      comparisons: comparisons.map((c) => reportComparison(c)),
      tables: [{ title: 'Weights at the checkpoints', columns: wCols, rows: wRows }],
      provenance: reportProvenance(r),
    };
    return { csv, plots: jobs, report };
  });
}

export type SongSummary = ReturnType<typeof songFiles>['summary'];
