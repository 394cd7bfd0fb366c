/**
 * Everything a run writes to its output folder: summary.json (the core fields plus theory and comparisons), tables
 * as CSV, plots as SVG, PNG and their vega-lite specs, and one self-contained HTML report.
 */
import type { ExperimentResult } from '../orchestrator/run-experiment.ts';
import { buildSummary, buildSweepSummary, type PointSummary, type Summary, type SweepSummary } from '../orchestrator/summary.ts';
import type { Comparison } from '../stats/compare.ts';
import { DELTAS } from '../stats/checkpoint-stats.ts';
import { analyzePoint, type PointSeries } from './analyze.ts';
import { analyzeSweep } from './analyze-sweep.ts';
import { buildHtmlReport, toCsv } from './html.ts';
import { logFailureVsInvAlphaSpec, logGapSpec, simplexSpec, successVsAlphaSpec, successVsStepSpec, vertexVsParameterSpec } from './plots.ts';
import { rateVsAlphaSpec } from './rate-plot.ts';
import { writePlot } from './render.ts';

export interface RunOutputs {
  summary: Summary | SweepSummary;
  files: { summary: string; html?: string; csv: string[]; plots: { name: string; svg: string; png: string }[] };
}

interface PlotJob {
  name: string;
  title: string;
  caption: string;
  spec: object;
}

function num(v: number | null | undefined, digits = 5): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '' : Number(v.toPrecision(digits)).toString();
}

function comparisonRows(point: string, cs: Comparison[]): (string | number)[][] {
  return cs.map((c) => [point, c.quantity, num(c.empirical), num(c.interval?.[0]), num(c.interval?.[1]), num(c.theory), c.verdict, c.note ?? '']);
}

function checkpointRows(p: PointSummary): (string | number)[][] {
  const a = (p.scenario as any).alpha as number;
  return p.checkpoints.map((c) => [
    p.label, c.step, num(a * c.step), c.trajectories, c.successCount, num(c.successCount / c.trajectories),
    num(c.meanLogGap), num(c.sdLogGap), ...c.logGapQuantiles.map((q) => num(q.value)),
    num(c.meanLogGapOnSuccess), num(c.meanGapOnSuccess), ...c.belowDelta.map((b) => b.count),
    (c.meanP ?? []).map((v) => num(v)).join(' '),
  ]);
}

const CHECKPOINT_COLUMNS = [
  'point', 'step', 't', 'trajectories', 'successCount', 'successFraction', 'meanLogGap', 'sdLogGap',
  'logGapQ10', 'logGapQ50', 'logGapQ90', 'meanLogGapOnSuccess', 'meanGapOnSuccess',
  ...DELTAS.map((d) => `below_${d}`), 'meanP',
];
const COMPARISON_COLUMNS = ['point', 'quantity', 'empirical', 'ci_lo', 'ci_hi', 'theory', 'verdict', 'note'];

function pointPlots(prefix: string, label: string, s: PointSeries): PlotJob[] {
  const jobs: PlotJob[] = [{
    name: `${prefix}log-gap`,
    title: `log(1 − p*) against αk${label ? ` — ${label}` : ''}`,
    caption: 'Median of log(1 − p_{i*}) over trajectories with its 10–90% band (device histogram), the log of the mean of 1 − p_{i*} on the success event, the replicator flow from p(0), and the predicted asymptotic slopes anchored where the regime starts.',
    spec: logGapSpec(s.logGap, { title: `log(1 − p*) against αk${label ? ` (${label})` : ''}` }),
  }];
  if (s.simplex) {
    jobs.push({
      name: `${prefix}simplex`,
      title: `Sample paths on the simplex${label ? ` — ${label}` : ''}`,
      caption: 'Sample paths of p(k) for the first trajectories (kept on the device), the replicator flow from p(0), and contours of the loss L(p) = ¼‖p‖⁴ − ⅓Σp_i³ (Eq. 6 as reconstructed in MODEL-NOTES).',
      spec: simplexSpec({ paths: s.simplex.paths, flowPaths: s.simplex.flowPaths, gamma: s.simplex.gamma }, { title: `Sample paths on the simplex${label ? ` (${label})` : ''}` }),
    });
  }
  jobs.push({
    name: `${prefix}success-vs-step`,
    title: `P(argmax p = i*) against steps${label ? ` — ${label}` : ''}`,
    caption: 'Fraction of trajectories whose largest p_i is the initially largest one, with Wilson 95% intervals.',
    spec: successVsStepSpec(s.successVsStep, { title: `P(argmax p = i*) against steps${label ? ` (${label})` : ''}` }),
  });
  return jobs;
}

/** Legend name of a grid point's paths on the simplex: where they start and how many are drawn. */
function simplexGroup(p: ExperimentResult['points'][number], paths: { id: number }[]): string {
  const n = new Set(paths.map((q) => q.id)).size;
  return `from p(0) = (${p.scenario.p0.map((v) => num(v, 3)).join(', ')}), ${n} path${n === 1 ? '' : 's'}`;
}

export async function writeRunOutputs(dir: string, r: ExperimentResult, opts: { report?: boolean } = {}): Promise<RunOutputs> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  await fs.mkdir(dir, { recursive: true });
  const analyzed = r.points.map(analyzePoint);
  const analyses = analyzed.map((x) => x.analysis);
  const series = analyzed.map((x) => x.series);
  let summary: Summary | SweepSummary;
  let sweepPart: ReturnType<typeof analyzeSweep> | null = null;
  if (r.single) summary = buildSummary(r, analyses);
  else {
    sweepPart = analyzeSweep(r.points, series);
    summary = buildSweepSummary(r, analyses, sweepPart.comparisons);
  }
  const summaryFile = path.join(dir, 'summary.json');
  await fs.writeFile(summaryFile, JSON.stringify(summary, null, 2) + '\n');
  const files: RunOutputs['files'] = { summary: summaryFile, csv: [], plots: [] };
  if (opts.report === false) return { summary, files };

  // ---- tables ----
  const points: PointSummary[] = r.single ? [summary as Summary] : (summary as SweepSummary).points;
  const csv = async (name: string, columns: string[], rows: (string | number)[][]) => {
    const f = path.join(dir, name);
    await fs.writeFile(f, toCsv(columns, rows));
    files.csv.push(f);
  };
  const compRows = [
    ...points.flatMap((p) => comparisonRows(p.label, p.comparisons)),
    ...(sweepPart ? comparisonRows('sweep', sweepPart.comparisons) : []),
  ];
  await csv('comparisons.csv', COMPARISON_COLUMNS, compRows);
  await csv('checkpoints.csv', CHECKPOINT_COLUMNS, points.flatMap(checkpointRows));
  const pointColumns = ['point', 'd', 'alpha', 'rates', 'noise', 'trajectories', 'steps', 'successProbability', 'ci_lo', 'ci_hi', 'medianSlopePerStep', 'slope_lo', 'slope_hi'];
  const pointRows = points.map((p, i) => {
    const sc = p.scenario as any;
    const ms = series[i]!.medianSlope;
    return [p.label, sc.d, sc.alpha, sc.rates.join(' '), `${sc.noise.law}(${sc.noise.halfWidth})`, p.trajectories, sc.steps,
      num(p.final.successProbability), num(p.final.successCI95[0]), num(p.final.successCI95[1]), num(ms?.mean), num(ms?.lo), num(ms?.hi)];
  });
  await csv('points.csv', pointColumns, pointRows);

  // ---- plots ----
  const jobs: PlotJob[] = [];
  if (sweepPart) {
    const sv = sweepPart.series;
    if (r.experiment.axes.includes('alpha')) {
      jobs.push({
        name: 'success-vs-alpha', title: 'Success probability against α',
        caption: 'P(argmax p(K) = i*) with Wilson 95% intervals; lines: the d = 2 diffusion approximation of the log-odds chain (scale function), where d = 2.',
        spec: successVsAlphaSpec(sv.successVsAlpha),
      });
      if (sv.logFailure.empirical.length) {
        jobs.push({
          name: 'log-failure-vs-inv-alpha', title: 'log P(failure) against 1/α',
          caption: 'Natural log of the failure probability with Clopper–Pearson 95% intervals (α with no observed failure are omitted); lines: the d = 2 diffusion prediction, whose slope in 1/α tends to −c.',
          spec: logFailureVsInvAlphaSpec(sv.logFailure),
        });
      }
      if (sv.rates.empirical.length) {
        jobs.push({
          name: 'rate-vs-alpha', title: 'Asymptotic rate against α',
          caption: 'Slope of the median of log(1 − p*) per unit time αk over the asymptotic window, batch-means 95% intervals; line: −r/α.',
          spec: rateVsAlphaSpec(sv.rates),
        });
      }
    }
    if (sv.vertexVsParameter) {
      const v = sv.vertexVsParameter;
      const what = v.axis === 'gammaScale' ? 'correlation strength ν (Γ = I + ν(Γ₀ − I))' : 'switch step K*';
      jobs.push({
        name: `vertex-vs-${v.axis === 'gammaScale' ? 'nu' : 'switch-step'}`, title: `Where the chain ends against ${what}`,
        caption: `Probability of ending at each vertex e_i (argmax p(K)) with Wilson 95% intervals, against ${what}; dashed: the vertex the mean flow (the Γ-replicator with the rate switches' jumps) ends at.`,
        spec: vertexVsParameterSpec(v, { title: `Where the chain ends against ${what}`, xTitle: v.axis === 'gammaScale' ? 'ν' : 'K* (steps before the switch)', logX: v.axis === 'switchStep' }),
      });
    }
    const simplexPoints = series.map((s, i) => ({ s, i })).filter((x) => x.s.simplex);
    if (simplexPoints.length) {
      const paths = simplexPoints.flatMap(({ s, i }) =>
        s.simplex!.paths.map((q) => ({ ...q, id: q.id + 100000 * i, group: simplexGroup(r.points[i]!, s.simplex!.paths) })));
      const flowPaths = simplexPoints.flatMap(({ s, i }) => s.simplex!.flowPaths.map((q) => ({ ...q, id: i })));
      jobs.push({
        name: 'simplex', title: 'Sample paths on the simplex',
        caption: 'Sample paths of p(k) from every grid point, the replicator flows from each p(0), and contours of L(p) = ¼‖p‖⁴ − ⅓Σp_i³ (Eq. 6 as reconstructed).',
        spec: simplexSpec({ paths, flowPaths, gamma: simplexPoints[0]!.s.simplex!.gamma }, { title: 'Sample paths on the simplex' }),
      });
    }
    if (r.points.length <= 4) r.points.forEach((p, i) => jobs.push(...pointPlots(`point${i}-`, p.label, series[i]!).filter((j) => !j.name.endsWith('simplex'))));
  } else {
    jobs.push(...pointPlots('', '', series[0]!));
  }
  const plotsForHtml: { title: string; svg: string; caption?: string }[] = [];
  for (const j of jobs) {
    const w = await writePlot(dir, j.name, j.spec);
    files.plots.push({ name: j.name, svg: w.svg, png: w.png });
    plotsForHtml.push({ title: j.title, svg: await fs.readFile(w.svg, 'utf8'), caption: j.caption });
  }

  // ---- HTML ----
  const s0 = r.points[0]!.scenario;
  const parameters: Record<string, string | number> = r.single
    ? {
        d: s0.d, rates: s0.rates.join(', '), 'initial weights': s0.initialWeights.join(', '), 'p(0)': s0.p0.map((v) => num(v, 4)).join(', '),
        'i*': s0.iStar + 1, alpha: s0.alpha, noise: `${s0.noise.law} on [−${s0.noise.halfWidth}, ${s0.noise.halfWidth}]${s0.noise.sd ? `, sd ${s0.noise.sd}` : ''}`,
        steps: s0.steps, 't = αK': num(s0.alpha * s0.steps), trajectories: s0.trajectories, seed: String(s0.seed),
        engine: `${r.engine.name} (${r.engine.runtime}) — ${r.engineReason}`,
      }
    : {
        'swept fields': r.experiment.axes.join(', '), 'grid points': r.points.length,
        'base scenario': `d=${s0.d}, rates=(${s0.rates.join(', ')}), alpha=${s0.alpha}, ${s0.noise.law}[±${s0.noise.halfWidth}], K=${s0.steps}, N=${s0.trajectories}`,
        seed: String(s0.seed), engine: `${r.engine.name} (${r.engine.runtime}) — ${r.engineReason}`,
      };
  const html = buildHtmlReport({
    title: `stdp-mc — ${r.experiment.name}`,
    description: r.experiment.description,
    parameters,
    comparisons: compRows.map((row) => ({
      quantity: r.single ? String(row[1]) : `${row[0]}: ${row[1]}`,
      empirical: row[3] !== '' ? `${row[2]} [${row[3]}, ${row[4]}]` : String(row[2] || '—'),
      theory: String(row[5] || '—'),
      verdict: row[6] as Comparison['verdict'],
      note: String(row[7]),
    })),
    tables: [
      { title: r.single ? 'Final state' : 'Grid points', columns: pointColumns, rows: pointRows },
      ...(r.single ? [{ title: 'Checkpoints', columns: CHECKPOINT_COLUMNS.slice(1), rows: checkpointRows(points[0]!).map((x) => x.slice(1)) }] : []),
    ],
    plots: plotsForHtml,
    provenance: { ...r.provenance, engine: r.engine, wallSeconds: r.wallSeconds } as unknown as Record<string, unknown>,
  });
  files.html = path.join(dir, 'report.html');
  await fs.writeFile(files.html, html);
  return { summary, files };
}

