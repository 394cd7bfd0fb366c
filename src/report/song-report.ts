/**
 * Outputs of a Song–Miller–Abbott run (issue 5, Model B): summary.json, rate.csv and weights.csv, the final weight
 * histogram (10 bins of g_max/10, ensemble fractions) and the output rate per window with its 95 % interval across
 * copies, report.html. The expected outcome of Song et al. (2000) — a bimodal weight distribution and a falling
 * output rate — is checked with the issue's criteria and stated as such (a benchmark's outcome, not a theory value).
 */
import type { SongExperimentResult } from '../orchestrator/run-song.ts';
import { summarizeSong } from '../stats/song-stats.ts';
import { notComparable, type Comparison } from '../stats/compare.ts';
import { buildHtmlReport, toCsv } from './html.ts';
import { PALETTE, header } from './plots.ts';
import { writePlot } from './render.ts';

function num(v: number | null | undefined, digits = 5): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '' : Number(v.toPrecision(digits)).toString();
}

export async function writeSongOutputs(dir: string, r: SongExperimentResult, opts: { report?: boolean } = {}) {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  await fs.mkdir(dir, { recursive: true });
  const s = r.experiment.scenario;
  const sum = summarizeSong(r.result.accumulator);
  const fin = sum.checkpoints[sum.checkpoints.length - 1]!;
  const comparisons: Comparison[] = [
    notComparable('final weight histogram: end bins over the mean middle bin', Math.min(...fin.endOverMiddle), null, 2,
      `Song et al. (2000): competitive STDP drives weights to the bounds; criterion of the issue: each end bin holds more than twice ` +
      `the mean middle bin — ${fin.bimodal ? 'met' : 'NOT met'} (end bins ${num(fin.endOverMiddle[0], 3)} and ${num(fin.endOverMiddle[1], 3)}; ` +
      `${sum.bimodalCopies} of ${sum.copies} copies bimodal on their own)`),
    notComparable(`output rate drop from the first to the last ${num(sum.rateHead.t1 - sum.rateHead.t0, 3)} s`, sum.rateDrop, null, 1 / 3,
      `criterion of the issue: at least a third below — ${sum.rateDrop !== null && sum.rateDrop >= 1 / 3 ? 'met' : 'NOT met'} ` +
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
  const summaryFile = path.join(dir, 'summary.json');
  await fs.writeFile(summaryFile, JSON.stringify(summary, null, 2) + '\n');
  const files = { summary: summaryFile, csv: [] as string[], plots: [] as { name: string; svg: string; png: string }[], html: undefined as string | undefined };
  if (opts.report === false) return { summary, files };

  const rateRows = sum.rate.map((w) => [num(w.t0), num(w.t1), num(w.rate.mean), num(w.rate.ci?.[0]), num(w.rate.ci?.[1])]);
  await fs.writeFile(path.join(dir, 'rate.csv'), toCsv(['t0_s', 't1_s', 'rate_hz', 'ci_lo', 'ci_hi'], rateRows));
  const wRows = sum.checkpoints.map((c) => [num(c.time), ...c.histFractions.map((f) => num(f)), num(c.fracLow.mean), num(c.fracHigh.mean), num(c.meanWeight.mean), c.bimodal ? 1 : 0]);
  const wCols = ['time_s', ...Array.from({ length: fin.histFractions.length }, (_, b) => `bin${b}`), 'fracNear0', 'fracNearGmax', 'meanWeight', 'bimodal'];
  await fs.writeFile(path.join(dir, 'weights.csv'), toCsv(wCols, wRows));
  files.csv.push(path.join(dir, 'rate.csv'), path.join(dir, 'weights.csv'));

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
  const plotsForHtml: { title: string; svg: string; caption?: string }[] = [];
  for (const j of jobs) {
    const w = await writePlot(dir, j.name, j.spec);
    files.plots.push({ name: j.name, svg: w.svg, png: w.png });
    plotsForHtml.push({ title: j.title, svg: await fs.readFile(w.svg, 'utf8'), caption: j.caption });
  }
  files.html = path.join(dir, 'report.html');
  await fs.writeFile(files.html, buildHtmlReport({
    title: `stdp-mc — ${r.experiment.name}`, description: r.experiment.description,
    parameters: {
      model: `Song, Miller & Abbott (2000), ${s.method} at dt = ${s.dt} ms`, inputs: `${s.inputs} Poisson at ${s.rate} Hz`, 'g_max': s.gMax,
      duration: `${s.duration} s`, copies: sum.copies, seed: String(s.seed), engine: `${r.engine.name} (${r.engine.runtime}) — ${r.engineReason}`,
    },
    comparisons: comparisons.map((c) => ({ quantity: c.quantity, empirical: num(c.empirical), theory: num(c.theory), verdict: c.verdict, note: c.note })),
    tables: [{ title: 'Weights at the checkpoints', columns: wCols, rows: wRows }],
    plots: plotsForHtml,
    provenance: { ...r.provenance, engine: r.engine, wallSeconds: r.wallSeconds } as unknown as Record<string, unknown>,
  }));
  return { summary, files };
}

export function songHumanReport(s: Awaited<ReturnType<typeof writeSongOutputs>>['summary'], files: { summary: string; html?: string }): string {
  const f = (v: number | null | undefined, d = 4) => (v === null || v === undefined || !Number.isFinite(v) ? '-' : Number(v.toPrecision(d)).toString());
  const sum = s.summary, fin = sum.checkpoints[sum.checkpoints.length - 1]!;
  return [
    `stdp-mc: ${s.name} (Song, Miller & Abbott 2000: ${s.copies} copies)`,
    `engine: ${s.engine.name} on ${s.engine.runtime} — ${s.engine.reason}`,
    '',
    `final weights (t = ${f(fin.time)} s), fractions per tenth of g_max: ${fin.histFractions.map((v) => f(v, 3)).join(' ')}`,
    `near 0: ${f(fin.fracLow.mean, 3)}, near g_max: ${f(fin.fracHigh.mean, 3)}, bimodal: ${fin.bimodal ? 'yes' : 'no'} (end/middle ${f(fin.endOverMiddle[0], 3)}, ${f(fin.endOverMiddle[1], 3)})`,
    `output rate: ${f(sum.rateHead.mean)} Hz in the first ${f(sum.rateHead.t1 - sum.rateHead.t0, 3)} s → ${f(sum.rateTail.mean)} Hz in the last (drop ${f(sum.rateDrop === null ? null : 100 * sum.rateDrop, 3)} %)`,
    '', `time: ${s.timing.wallSeconds.toFixed(2)} s`, `summary: ${files.summary}`, ...(files.html ? [`report: ${files.html}`] : []),
  ].join('\n');
}
