/**
 * What a run writes, computed without a file system (so the browser page uses it too): summary.json, the CSV tables,
 * the plot specs and the parts of report.html. build-report.ts writes them with node:fs and renders the plots with
 * resvg; the page renders the same specs with vega itself.
 */
import type { ExperimentResult, PointResult } from './run-experiment.ts';
import { buildSummary, buildSweepSummary, type PointSummary, type Summary, type SweepSummary } from './summary.ts';
import type { Comparison } from '../../stats/compare.ts';
import { analyzePoint, type PointSeries } from './analyze.ts';
import { analyzeSweep, type SweepSeries } from './analyze-sweep.ts';
import { comparisonsCsv, num, reportComparison, withReport, reportProvenance, engineLine, type PlotJob, type ReportParts } from '../../report/files.ts';
import { CHECKPOINT_COLUMNS, POINT_COLUMNS, chainCsv, checkpointRows, pointRows } from './csv.ts';
import {
  logFailureVsInvAlphaSpec, logGapSpec, successVsAlphaSpec, successVsStepSpec, vertexVsParameterSpec,
} from '../../report/plots.ts';
import { simplexSpec } from '../../report/simplex-plot.ts';
import { rateVsAlphaSpec } from './rate-plot.ts';

/**
 * A grid point's label in words, for plot titles: "initialWeights=(1,1,1), keepPaths=1" (the CSV's identifier, from
 * experiment.ts) becomes "w(0) = (1, 1, 1), 1 kept path"; "alpha=0.05" becomes "α = 0.05".
 */
export function readableLabel(label: string): string {
  if (!label || label === 'base') return '';
  const pairs = label.split(/, (?=[A-Za-z]\w*=)/).map((kv) => { const i = kv.indexOf('='); return i < 0 ? ['', kv] : [kv.slice(0, i), kv.slice(i + 1)]; });
  const vec = (v: string) => v.replace(/,(?=\S)/g, ', ');
  return pairs.map(([k, v]) => {
    switch (k) {
      case 'alpha': return `α = ${v}`;
      case 'rates': return `λ = ${vec(v!)}`;
      case 'initialWeights': return `w(0) = ${vec(v!)}`;
      case 'keepPaths': return `${v} kept path${v === '1' ? '' : 's'}`;
      case 'gammaScale': return `ν = ${v}`;
      case 'switchStep': return `K* = ${v}`;
      case 'steps': return `K = ${v}`;
      case 'trajectories': return `N = ${v}`;
      case '': return v!;
      default: return `${k} = ${vec(v!)}`;
    }
  }).join(', ');
}

/** The plots of one grid point (file names as the CLI's). */
export function pointPlots(prefix: string, rawLabel: string, s: PointSeries): PlotJob[] {
  const label = readableLabel(rawLabel);
  const sfx = label ? ` — ${label}` : '';
  const par = label ? ` (${label})` : '';
  const jobs: PlotJob[] = [{
    name: `${prefix}log-gap`,
    title: `log(1 − p*) against αk${sfx}`,
    caption: 'p* is the p of the most active input i* (the largest pᵢ(0)). Median of log(1 − p*) over trajectories with its 10–90% band (device histogram), the log of the mean of 1 − p* on the success event; theory drawn on top: the replicator flow from p(0) (dashed) and the theory near the vertex (dotted, anchored where the asymptotic regime starts).',
    spec: logGapSpec(s.logGap, { title: `log(1 − p*) against αk${par}` }),
  }];
  if (s.simplex) {
    // Γ in the shipped files is ours, not the paper's (not available): the plot says so.
    const illus = s.simplex.gamma ? ' (illustrative Γ)' : '';
    jobs.push({
      name: `${prefix}simplex`,
      title: `Sample paths on the simplex${illus}${sfx}`,
      caption: `Sample paths of p(k) for the first trajectories (kept on the device), the mean flow from p(0), and contours of ${s.simplex.gamma ? 'the loss −pᵀΓp/2 (correlated inputs, Section 5; Γ is illustrative, chosen here)' : 'the loss L(p) = ¼‖p‖⁴ − ⅓Σpᵢ³ (Eq. 6 as reconstructed in MODEL-NOTES)'}.`,
      spec: simplexSpec({ paths: s.simplex.paths, flowPaths: s.simplex.flowPaths, gamma: s.simplex.gamma }, { title: `Sample paths on the simplex${illus}${par}` }),
    });
  }
  jobs.push({
    name: `${prefix}success-vs-step`,
    title: `P(argmax p = i*) against steps${sfx}`,
    caption: 'Fraction of trajectories whose largest pᵢ is the initially largest one, with Wilson 95% intervals.',
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
      return s.simplex!.paths.map((q) => ({ id: q.id + 100000 * i, step: q.step, p: q.p, group }));
    });
    const flowPaths = simplexPoints.flatMap(({ s, i }) => s.simplex!.flowPaths.map((q) => ({ ...q, id: i })));
    const gamma = simplexPoints[0]!.s.simplex!.gamma;
    const title = `Sample paths on the simplex${gamma ? ' (illustrative Γ)' : ''}`;
    jobs.push({
      name: 'simplex', title,
      caption: 'Sample paths of p(k) from every grid point, the mean flows from each p(0), and contours of the loss (L(p) = ¼‖p‖⁴ − ⅓Σpᵢ³, Eq. 6 as reconstructed; −pᵀΓp/2 with correlated inputs, Γ illustrative, chosen here).',
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

/** summary.json, CSV tables, plot specs and report parts of a finished run (all but the summary built when first read). */
export function runFiles(r: ExperimentResult): RunFiles {
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
  const compRows: { point?: string; c: Comparison }[] = [
    ...points.flatMap((p) => p.comparisons.map((c) => ({ point: r.single ? undefined : p.label, c }))),
    ...(sweepPart ? sweepPart.comparisons.map((c) => ({ point: 'across the sweep', c })) : []),
  ];
  // The CSV tables, the plot specs (contours, thinned paths) and the report's parts: built when first read (the
  // report, the page), not for a summary alone.
  return withReport(summary, () => ({
    csv: [comparisonsCsv(compRows), ...chainCsv(points, series)],
    plots: sweepPart ? sweepPlots(r.experiment.axes, r.points, series, sweepPart.series) : pointPlots('', '', series[0]!),
    report: buildReportParts(r, points, series, compRows),
  }));
}

function buildReportParts(r: ExperimentResult, points: PointSummary[], series: PointSeries[], compRows: { point?: string; c: Comparison }[]): ReportParts {
  const s0 = r.points[0]!.scenario;
  const engine = engineLine(r);
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
  return {
    title: `stdp-mc — ${r.experiment.name}`,
    description: r.experiment.description,
    parameters,
    comparisons: compRows.map(({ point, c }) => reportComparison(c, point)),
    tables: [
      { title: r.single ? 'Final state' : 'Grid points', columns: POINT_COLUMNS, rows: pointRows(points, series) },
      ...(r.single ? [{ title: 'Checkpoints', columns: CHECKPOINT_COLUMNS.slice(1), rows: checkpointRows(points[0]!).map((x) => x.slice(1)) }] : []),
    ],
    provenance: reportProvenance(r),
  };
}
