/**
 * What a run writes, computed without a file system (so the browser page uses it too): summary.json, the CSV tables,
 * the plot specs and the parts of report.html. build-report.ts writes them with node:fs and renders the plots with
 * resvg; the page renders the same specs with vega itself.
 */
import type { ExperimentResult, PointResult } from './run-experiment.ts';
import { buildSummary, buildSweepSummary, type PointSummary, type Summary, type SweepSummary } from './summary.ts';
import type { Comparison } from '../../stats/compare.ts';
import { DELTAS } from '../../stats/checkpoint-stats.ts';
import { analyzePoint, type PointSeries } from './analyze.ts';
import { analyzeSweep, type SweepSeries } from './analyze-sweep.ts';
import { toCsv } from '../../report/html.ts';
import { num, type PlotJob, type ReportParts } from '../../report/files.ts';
import { logFailureVsInvAlphaSpec, logGapSpec, simplexSpec, successVsAlphaSpec, successVsStepSpec, vertexVsParameterSpec } from '../../report/plots.ts';
import { rateVsAlphaSpec } from './rate-plot.ts';

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
const POINT_COLUMNS = ['point', 'd', 'alpha', 'rates', 'noise', 'trajectories', 'steps', 'successProbability', 'ci_lo', 'ci_hi', 'medianSlopePerStep', 'slope_lo', 'slope_hi'];

/** The plots of one grid point (file names as the CLI's). */
export function pointPlots(prefix: string, label: string, s: PointSeries): PlotJob[] {
  const sfx = label ? ` — ${label}` : '';
  const par = label ? ` (${label})` : '';
  const jobs: PlotJob[] = [{
    name: `${prefix}log-gap`,
    title: `log(1 − p*) against αk${sfx}`,
    caption: 'Median of log(1 − p_{i*}) over trajectories with its 10–90% band (device histogram), the log of the mean of 1 − p_{i*} on the success event, the replicator flow from p(0), and the theory near the vertex anchored where the regime starts.',
    spec: logGapSpec(s.logGap, { title: `log(1 − p*) against αk${par}` }),
  }];
  if (s.simplex) {
    // Γ in the shipped files is ours, not the paper's (not available): the plot says so.
    const illus = s.simplex.gamma ? ' (illustrative Γ)' : '';
    jobs.push({
      name: `${prefix}simplex`,
      title: `Sample paths on the simplex${illus}${sfx}`,
      caption: `Sample paths of p(k) for the first trajectories (kept on the device), the mean flow from p(0), and contours of ${s.simplex.gamma ? 'the loss −pᵀΓp/2 (correlated inputs, Section 5; Γ is illustrative, chosen here)' : 'the loss L(p) = ¼‖p‖⁴ − ⅓Σp_i³ (Eq. 6 as reconstructed in MODEL-NOTES)'}.`,
      spec: simplexSpec({ paths: s.simplex.paths, flowPaths: s.simplex.flowPaths, gamma: s.simplex.gamma }, { title: `Sample paths on the simplex${illus}${par}` }),
    });
  }
  jobs.push({
    name: `${prefix}success-vs-step`,
    title: `P(argmax p = i*) against steps${sfx}`,
    caption: 'Fraction of trajectories whose largest p_i is the initially largest one, with Wilson 95% intervals.',
    spec: successVsStepSpec(s.successVsStep, { title: `P(argmax p = i*) against steps${par}` }),
  });
  return jobs;
}

/** Legend name of a grid point's paths on the simplex: where they start and how many are drawn. */
function simplexGroup(p: PointResult, paths: { id: number }[]): string {
  const n = new Set(paths.map((q) => q.id)).size;
  return `from p(0) = (${p.scenario.p0.map((v) => num(v, 3)).join(', ')}), ${n} path${n === 1 ? '' : 's'}`;
}

/** The sweep's plots across grid points (success against α, log P(failure) against 1/α, rates, the joint simplex). */
export function sweepPlots(axes: string[], points: PointResult[], series: PointSeries[], sv: SweepSeries): PlotJob[] {
  const jobs: PlotJob[] = [];
  if (axes.includes('alpha')) {
    jobs.push({
      name: 'success-vs-alpha', title: 'Success probability against α',
      caption: 'P(argmax p(K) = i*) with Wilson 95% intervals; lines: the diffusion approximation — for d = 2 the scale function of the log-odds chain, for d = 3 the solution of the backward equation.',
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
    const paths = simplexPoints.flatMap(({ s, i }) => {
      const group = simplexGroup(points[i]!, s.simplex!.paths);
      return s.simplex!.paths.map((q) => ({ ...q, id: q.id + 100000 * i, group }));
    });
    const flowPaths = simplexPoints.flatMap(({ s, i }) => s.simplex!.flowPaths.map((q) => ({ ...q, id: i })));
    const gamma = simplexPoints[0]!.s.simplex!.gamma;
    const title = `Sample paths on the simplex${gamma ? ' (illustrative Γ)' : ''}`;
    jobs.push({
      name: 'simplex', title,
      caption: 'Sample paths of p(k) from every grid point, the mean flows from each p(0), and contours of the loss (L(p) = ¼‖p‖⁴ − ⅓Σp_i³, Eq. 6 as reconstructed; −pᵀΓp/2 with correlated inputs, Γ illustrative, chosen here).',
      spec: simplexSpec({ paths, flowPaths, gamma }, { title }),
    });
  }
  if (points.length <= 4) points.forEach((p, i) => jobs.push(...pointPlots(`point${i}-`, p.label, series[i]!).filter((j) => !j.name.endsWith('simplex'))));
  return jobs;
}

export interface RunFiles {
  summary: Summary | SweepSummary;
  csv: { name: string; text: string }[];
  plots: PlotJob[];
  report: ReportParts;
}

/** summary.json, CSV tables, plot specs and report parts of a finished run, as the CLI's writeRunOutputs has them. */
export function runFiles(r: ExperimentResult, o: { report?: boolean } = {}): RunFiles {
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
  const points: PointSummary[] = r.single ? [summary as Summary] : (summary as SweepSummary).points;
  const compRows = [
    ...points.flatMap((p) => comparisonRows(p.label, p.comparisons)),
    ...(sweepPart ? comparisonRows('sweep', sweepPart.comparisons) : []),
  ];
  const pointRows = points.map((p, i) => {
    const sc = p.scenario as any;
    const ms = series[i]!.medianSlope;
    return [p.label, sc.d, sc.alpha, sc.rates.join(' '), `${sc.noise.law}(${sc.noise.halfWidth})`, p.trajectories, sc.steps,
      num(p.final.successProbability), num(p.final.successCI95[0]), num(p.final.successCI95[1]), num(ms?.mean), num(ms?.lo), num(ms?.hi)];
  });
  const csv = [
    { name: 'comparisons.csv', text: toCsv(COMPARISON_COLUMNS, compRows) },
    { name: 'checkpoints.csv', text: toCsv(CHECKPOINT_COLUMNS, points.flatMap(checkpointRows)) },
    { name: 'points.csv', text: toCsv(POINT_COLUMNS, pointRows) },
  ];
  // Without the report only the summary is written: the plot specs (contours, thinned paths) are not built.
  const plots = o.report === false ? [] : sweepPart ? sweepPlots(r.experiment.axes, r.points, series, sweepPart.series) : pointPlots('', '', series[0]!);
  const s0 = r.points[0]!.scenario;
  const engine = `${r.engine.name} (${r.engine.runtime}) — ${r.engineReason}`;
  const parameters: Record<string, string | number> = r.single
    ? {
        d: s0.d, rates: s0.rates.join(', '), 'initial weights': s0.initialWeights.join(', '), 'p(0)': s0.p0.map((v) => num(v, 4)).join(', '),
        'i*': s0.iStar + 1, alpha: s0.alpha, noise: `${s0.noise.law} on [−${s0.noise.halfWidth}, ${s0.noise.halfWidth}]${s0.noise.sd ? `, sd ${s0.noise.sd}` : ''}`,
        steps: s0.steps, 't = αK': num(s0.alpha * s0.steps), trajectories: s0.trajectories, seed: String(s0.seed), engine,
      }
    : {
        'swept fields': r.experiment.axes.join(', '), 'grid points': r.points.length,
        'base scenario': `d=${s0.d}, rates=(${s0.rates.join(', ')}), alpha=${s0.alpha}, ${s0.noise.law}[±${s0.noise.halfWidth}], K=${s0.steps}, N=${s0.trajectories}`,
        seed: String(s0.seed), engine,
      };
  const report: ReportParts = {
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
      { title: r.single ? 'Final state' : 'Grid points', columns: POINT_COLUMNS, rows: pointRows },
      ...(r.single ? [{ title: 'Checkpoints', columns: CHECKPOINT_COLUMNS.slice(1), rows: checkpointRows(points[0]!).map((x) => x.slice(1)) }] : []),
    ],
    provenance: { ...r.provenance, engine: r.engine, wallSeconds: r.wallSeconds } as unknown as Record<string, unknown>,
  };
  return { summary, csv, plots, report };
}
