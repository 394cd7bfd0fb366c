/**
 * Outputs of a rare-event experiment: summary.json, rare-event.csv, the plot of ln P(failure) against 1/α (the
 * estimator's points with their intervals, the d = 2 diffusion curve) as SVG/PNG, and report.html.
 *
 * Comparisons: for d = 2, ln P̂ against the diffusion's ln P at each α (with the ratio and the ratio of logarithms),
 * and across α the slope of ln P̂ on 1/α against the same fit of the diffusion; the fitted large-deviation constant
 * beside the α → 0 constants of the chain (Lundberg) and of the diffusion, which it need not equal at finite α.
 */
import type { RareExperimentResult, RarePointResult } from './run.ts';
import { compareToInterval, notComparable, type Comparison } from '../../stats/compare.ts';
import { failureProbabilityD2, largeDeviationConstantD2 } from '../../theory/diffusion-d2.ts';
import { chainLargeDeviationConstantD2 } from '../../theory/quasi-potential-d2.ts';
import { largeDeviationConstantD3 } from '../../theory/large-deviation-d3.ts';
import { weightedSlope } from '../../stats/slope.ts';
import { toCsv } from '../../report/html.ts';
import { logFailureVsInvAlphaSpec } from '../../report/plots.ts';
import { comparisonsCsv, num, reportComparison, withReport, reportProvenance, type FilesOf, type PlotJob, type ReportParts } from '../../report/files.ts';
import { comparisonLines } from '../../report/terminal.ts';
import type { WrittenFiles } from '../../report/build-report.ts';

/** Points differing only in α form one series (named by everything else they set, or by d and λ). */
function seriesOf(p: RarePointResult): string {
  const rest = Object.entries(p.values).filter(([k]) => k !== 'alpha');
  if (!rest.length) return `d=${p.scenario.d}, λ=(${p.scenario.rates.join(',')})`;
  return rest.map(([k, v]) => `${k}=${Array.isArray(v) ? `(${v.join(',')})` : typeof v === 'object' ? JSON.stringify(v) : v}`).join(', ');
}

function pointComparisons(p: RarePointResult, n: number): Comparison[] {
  const r = p.result, t = r.theoryD2;
  if (!t) return [];
  const q = 'ln P(failure): splitting estimate against the d = 2 diffusion';
  const note = `P̂/P_diffusion = ${num(t.ratio, 4)}, ln P̂ / ln P_diffusion = ${num(t.logRatio, 5)}; α·(−ln P̂) = ${num(t.alphaTimesMinusLog, 5)}`;
  if (r.logCi95[0] === null) return [notComparable(q, r.logEstimate, null, t.diffusionLogP, `${note}; the interval reaches 0`, { n })];
  return [compareToInterval(q, r.logEstimate, [r.logCi95[0], r.logCi95[1]], t.diffusionLogP, note, { n })];
}

export interface RareSummary {
  name: string;
  description?: string;
  mode: 'rare-event';
  engine: { name: string; runtime: string; adapter: Record<string, unknown> | null; reason: string; precision: string };
  rareEvent: { particles: number; replicates: number; keepFraction?: number };
  points: {
    label: string; values: Record<string, unknown>; scenario: Record<string, unknown>;
    failure: Omit<RarePointResult['result'], 'perReplicate' | 'theoryD2'> & { perReplicate: RarePointResult['result']['perReplicate'] };
    theory: Record<string, unknown>;
    comparisons: Comparison[];
  }[];
  comparisons: Comparison[];
  timing: { wallSeconds: number };
  provenance: RareExperimentResult['provenance'];
}

/** The files of a rare-event run, computed without a file system (writeFiles writes them). */
export function rareFiles(r: RareExperimentResult): FilesOf<RareSummary> {
  const groups = new Map<string, RarePointResult[]>();
  for (const p of r.points) groups.set(seriesOf(p), [...(groups.get(seriesOf(p)) ?? []), p]);
  const sweep: Comparison[] = [];
  const empirical: { invAlpha: number; logP: number; lo: number; hi: number; series: string }[] = [];
  const theory: { invAlpha: number; logP: number; series: string }[] = [];
  for (const [name, pts] of groups) {
    const sorted = [...pts].sort((a, b) => a.scenario.alpha - b.scenario.alpha);
    for (const p of sorted) {
      const res = p.result;
      if (res.estimate > 0) empirical.push({ invAlpha: 1 / p.scenario.alpha, logP: res.logEstimate, lo: res.logCi95[0] ?? NaN, hi: res.logCi95[1], series: name });
    }
    const fitPts = sorted.filter((p) => p.result.estimate > 0);
    const x = fitPts.map((p) => 1 / p.scenario.alpha), y = fitPts.map((p) => p.result.logEstimate);
    const se = fitPts.map((p) => Math.max(1e-6, p.result.relativeError)); // sd of ln P̂ by the delta method
    const fit = weightedSlope(x, y, se);
    const s0 = sorted[0]!.scenario;
    const d2 = s0.d === 2;
    const p10 = s0.p0[s0.iStar]!;
    if (d2 && sorted.length > 1) {
      const lo = Math.min(...sorted.map((p) => p.scenario.alpha)), hi = Math.max(...sorted.map((p) => p.scenario.alpha));
      for (let j = 0; j <= 60; j++) {
        const a = Math.exp(Math.log(lo) + ((Math.log(hi) - Math.log(lo)) * j) / 60);
        theory.push({ invAlpha: 1 / a, logP: failureProbabilityD2(p10, a, s0.noise).logP, series: name });
      }
    }
    if (!fit) continue;
    const range = `α ∈ [${Math.min(...x.map((v) => 1 / v))}, ${Math.max(...x.map((v) => 1 / v))}]`;
    if (d2) {
      const tfit = weightedSlope(x, x.map((ia) => failureProbabilityD2(p10, 1 / ia, s0.noise).logP), se)!;
      sweep.push(compareToInterval(`slope of ln P(failure) against 1/α, ${name}`, fit.slope, [fit.lo, fit.hi], tfit.slope,
        `weighted least squares over ${range}; theory: the same fit of the d = 2 diffusion's ln P at those α`));
    }
    const cChain = d2 ? chainLargeDeviationConstantD2(p10, s0.noise) : null;
    // d = 3: the diffusion's constant by minimum action (large-deviation-d3.ts); no chain (Lundberg) constant there
    const d3 = s0.d === 3 && !s0.correlation && !s0.schedule.length;
    const cDiff = d2 ? largeDeviationConstantD2(p10, s0.noise) : d3 ? largeDeviationConstantD3(s0).c : null;
    const ratios = sorted.filter((p) => p.result.theoryD2).map((p) => `${p.scenario.alpha}: ${num(p.result.theoryD2!.logRatio, 4)}`);
    sweep.push(notComparable(`large-deviation constant c (ln P(failure) ≈ const − c/α), ${name}`, -fit.slope, [-fit.hi, -fit.lo], cChain ?? cDiff,
      `−slope of ln P̂ on 1/α over ${range}, which also carries the α-dependence of the prefactor` +
      (d2 ? `; α → 0 limits: the chain's own (Lundberg) c = ${num(cChain)}, the diffusion's c = ${num(cDiff)}; ` +
        `ln P̂ / ln P_diffusion by α: ${ratios.join(', ')}` : d3
        ? `; α → 0 limit of the d = 3 diffusion by minimum action: c = ${num(cDiff)} (the chain's own constant is slightly lower, as in d = 2)`
        : '; no constant computed for d > 3')));
  }

  // trajectories behind an estimate: every particle of every replicate
  const nTraj = r.experiment.rareEvent!.particles * r.experiment.rareEvent!.replicates;
  const summary: RareSummary = {
    name: r.experiment.name,
    description: r.experiment.description,
    mode: 'rare-event',
    engine: {
      name: r.engine, runtime: r.engineRuntime, adapter: (r.engineAdapter as Record<string, unknown> | null) ?? null,
      reason: r.engineReason, precision: r.engine === 'cpu' ? 'f64' : 'f32',
    },
    rareEvent: r.experiment.rareEvent!,
    points: r.points.map((p) => {
      const { theoryD2, ...failure } = p.result;
      return {
        label: p.label, values: p.values, scenario: { ...p.scenario } as unknown as Record<string, unknown>,
        failure, theory: theoryD2 ? { d2: theoryD2 } : {}, comparisons: pointComparisons(p, nTraj),
      };
    }),
    comparisons: sweep,
    timing: { wallSeconds: r.wallSeconds },
    provenance: r.provenance,
  };
  // The CSV tables, plot specs and report parts: built when first read (the report, the page), not for a summary alone.
  return withReport(summary, () => {
    const columns = ['point', 'series', 'd', 'alpha', 'steps', 'p_failure', 'ci_lo', 'ci_hi', 'ln_p_failure', 'relative_error', 'relative_width',
      'levels', 'work_trajectory_steps', 'efficiency', 'seconds', 'ln_p_diffusion', 'ln_ratio', 'ratio', 'alpha_times_minus_ln_p'];
    const rows = r.points.map((p) => {
      const x = p.result, t = x.theoryD2;
      return [p.label, seriesOf(p), p.scenario.d, p.scenario.alpha, p.scenario.steps, num(x.estimate), num(x.ci95[0]), num(x.ci95[1]),
        num(x.logEstimate), num(x.relativeError), num(x.relativeWidth), num(x.levels), x.work, num(x.efficiency), num(x.seconds, 4),
        num(t?.diffusionLogP), num(t?.logRatio), num(t?.ratio), num(t?.alphaTimesMinusLog)];
    });
    const compRows: { point?: string; c: Comparison }[] = [
      ...summary.points.flatMap((p) => p.comparisons.map((c) => ({ point: p.label, c }))),
      ...sweep.map((c) => ({ point: 'across the sweep', c })),
    ];
    const csv = [
      { name: 'rare-event.csv', text: toCsv(columns, rows) },
      comparisonsCsv(compRows),
    ];
    const spec = logFailureVsInvAlphaSpec({ empirical, theory }, {
      title: 'ln P(failure) against 1/α (adaptive multilevel splitting)',
      pointsCaption: `points: splitting estimates with 95% intervals (${r.experiment.rareEvent!.replicates} replicates of ${r.experiment.rareEvent!.particles} particles); lines: d = 2 diffusion`,
    });
    const plots: PlotJob[] = [{
      name: 'log-failure-vs-inv-alpha', title: 'ln P(failure) against 1/α', spec,
      caption: 'Splitting estimates of the failure probability with Student-t 95% intervals over independent replicates; the line is the d = 2 diffusion prediction. A straight line means P ≈ e^{−c/α}.',
    }];
    const report: ReportParts = {
      title: `stdp-mc — ${r.experiment.name}`,
      description: r.experiment.description,
      parameters: {
        mode: 'rare event: P(argmax p(K) ≠ i*) by generalized adaptive multilevel splitting',
        particles: r.experiment.rareEvent!.particles, replicates: r.experiment.rareEvent!.replicates,
        'keep fraction': r.experiment.rareEvent!.keepFraction ?? 0.5, 'grid points': r.points.length,
        engine: `${r.engine} — ${r.engineReason}`, seed: String(r.experiment.scenario.seed),
      },
      comparisons: compRows.map(({ point, c }) => reportComparison(c, point)),
      tables: [{ title: 'Estimates', columns, rows }],
      provenance: reportProvenance(r),
    };
    return { csv, plots, report };
  });
}

export function rareHumanReport(s: RareSummary, files: WrittenFiles): string {
  const f = (v: number | null | undefined, d = 4) => (v === null || v === undefined || !Number.isFinite(v) ? '-' : Number(v.toPrecision(d)).toString());
  const lines = [
    `stdp-mc: ${s.name} (rare event: adaptive multilevel splitting, ${s.rareEvent.replicates} replicates × ${s.rareEvent.particles} particles)`,
    `engine: ${s.engine.name} on ${s.engine.runtime ?? 'an unknown runtime'} (${s.engine.precision}) — ${s.engine.reason}`,
    '',
    `${'grid point'.padEnd(34)} ${'P(failure)'.padStart(11)} ${'95% interval'.padStart(24)} ${'rel.width'.padStart(9)} ${'ln-ratio'.padStart(9)} ${'time'.padStart(8)}`,
  ];
  for (const p of s.points) {
    const x = p.failure, t = (p.theory as any).d2;
    lines.push(`${p.label.slice(0, 34).padEnd(34)} ${f(x.estimate).padStart(11)} ${`[${f(x.ci95[0])}, ${f(x.ci95[1])}]`.padStart(24)} ` +
      `${f(x.relativeWidth, 3).padStart(9)} ${f(t?.logRatio, 4).padStart(9)} ${`${f(x.seconds, 3)}s`.padStart(8)}`);
  }
  for (const p of s.points) for (const w of ((p.scenario as { warnings?: string[] }).warnings ?? [])) lines.push(`warning (${p.label}): ${w}`);
  lines.push('', 'ln-ratio: ln P̂ / ln P of the d = 2 diffusion approximation');
  lines.push(...comparisonLines([...s.points.flatMap((p) => p.comparisons.map((c) => ({ ...c, point: p.label }))), ...s.comparisons], { condense: s.points.length > 3 }));
  lines.push('', `engine and batches: ${s.timing.wallSeconds.toFixed(1)} s`, `summary: ${files.summary}`, ...(files.html ? [`report: ${files.html}`] : []));
  return lines.join('\n');
}
