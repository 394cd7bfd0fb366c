/**
 * Outputs of a several-outputs run (Section 4 of arXiv 2505.10272): summary.json, checkpoints.csv, plots of the
 * Frobenius error and the plateau fractions against t = α_1 k, and one trajectory's P(k) (the paper's Figure 5
 * panels), report.html.
 *
 * Theory beside it: the mean-field map (mean-field.ts) — the same update with B_j replaced by its conditional mean p_j
 * and Z by 0, with the scenario's algorithm and projection (derived here as the deterministic skeleton; the paper's
 * Theorem A.8 concerns Algorithm 2 and its bound is not available to us, MODEL-NOTES) — iterated from P(0): where the mean dynamics go, and how fast the
 * error of a trajectory that follows them falls. Plateaus are what the fluctuations add: outputs that stay on a
 * wrong input for a while, or for good.
 */
import type { MultiExperimentResult } from './experiment.ts';
import { errorQuantile, summarizeMulti, type MultiCheckpointSummary } from './stats.ts';
import { notComparable, type Comparison } from '../../stats/compare.ts';
import { toCsv } from '../../report/html.ts';
import { PALETTE, bottomLegend, header, seriesColor } from '../../report/plot-theme.ts';
import { meanFieldP } from './mean-field.ts';
import { comparisonsCsv, num, reportComparison, withReport, reportProvenance, engineLine, type ReportParts } from '../../report/files.ts';

function errorOf(P: number[][], target: number[]): number {
  let e = 0;
  P.forEach((row, j) => row.forEach((v, i) => { e += (v - (i === target[j] ? 1 : 0)) ** 2; }));
  return e / 2;
}

export function multiFiles(r: MultiExperimentResult) {
  const s = r.experiment.scenario;
  const a1 = s.alphas[0]!;
  const cps: MultiCheckpointSummary[] = r.checkpoints.map(summarizeMulti);
  const last = cps[cps.length - 1]!;
  const mf = meanFieldP(s, s.checkpoints);
  const mfErr = mf.map((P) => errorOf(P, s.target));
  const comparisons: Comparison[] = [
    notComparable('fraction of trajectories with an output on a wrong input at K', last.wrongFraction, last.wrongCI, mfErr[mfErr.length - 1]! < 0.5 ? 0 : 1,
      `theory: the mean-field map (B_j → p_j, Z → 0) ends ${mfErr[mfErr.length - 1]! < 0.5 ? 'at Π (every output on its intended input)' : 'away from Π'}, ` +
      `error ${num(mfErr[mfErr.length - 1])} at K; the wrong plateaus come from the fluctuations, which shrink with α (compare the runs at ` +
      `α and α/10 with the same α·K). Theorem A.8 (Algorithm 2) gives a bound we do not have (MODEL-NOTES)`, { n: last.trajectories }),
  ];
  const summary = {
    name: r.experiment.name,
    description: r.experiment.description,
    model: 'multi',
    scenario: { ...s },
    engine: { name: r.engine.name, runtime: r.engine.runtime, adapter: r.engine.adapter ?? null, precision: r.engine.precision, reason: r.engineReason },
    trajectories: last.trajectories,
    checkpoints: cps,
    final: { step: last.step, wrongCount: last.wrongCount, wrongFraction: last.wrongFraction, wrongCI95: last.wrongCI, plateauFractions: last.plateauFractions, meanError: last.meanError },
    theory: { meanField: { steps: s.checkpoints, error: mfErr, finalP: mf[mf.length - 1] } },
    comparisons,
    paths: r.paths ? { steps: s.checkpoints, P: r.paths } : undefined,
    warnings: s.warnings,
    timing: { wallSeconds: r.wallSeconds, engineSeconds: r.engineSeconds, trajectoryStepsPerSecond: (last.trajectories * s.steps) / r.engineSeconds, batches: r.blocks.length },
    provenance: r.provenance,
  };
  // The CSV tables, plot specs and report parts: built when first read (the report, the page), not for a summary alone.
  return withReport(summary, () => {
    const csv: { name: string; text: string }[] = [];

    const columns = ['step', 't', 'trajectories', 'error_mean', 'error_sd', 'error_q10', 'error_median', 'error_q90',
      ...Array.from({ length: s.m + 1 }, (_, q) => `frac_plateau_${q}`), 'wrong_fraction', 'wrong_ci_lo', 'wrong_ci_hi', 'mean_field_error'];
    const rows = cps.map((c, i) => [c.step, num(a1 * c.step), c.trajectories, num(c.meanError), num(c.sdError), ...c.errorQuantiles.map((q) => num(q.value)),
      ...c.plateauFractions.map((f) => num(f)), num(c.wrongFraction), num(c.wrongCI[0]), num(c.wrongCI[1]), num(mfErr[i])]);
    csv.push({ name: 'checkpoints.csv', text: toCsv(columns, rows) });
    csv.push(comparisonsCsv(comparisons.map((c) => ({ c }))));
    if (r.paths?.length) {
      // paths[traj][checkpoint][output j][input i], long: one p_ji per row
      const pathRows = r.paths.flatMap((traj, id) => traj.flatMap((P, c) => P.flatMap((row, j) => row.map((v, i) => [id, s.checkpoints[c]!, num(a1 * s.checkpoints[c]!), j + 1, i + 1, num(v, 8)]))));
      csv.push({ name: 'paths.csv', text: toCsv(['path', 'step', 't', 'output', 'input', 'p'], pathRows) });
    }

    const x = { field: 't', type: 'quantitative', title: 't = α₁k', scale: { nice: false } };
    // 1. error: mean, 10–90 % band, median, mean-field map
    const band = r.checkpoints.map((c) => ({ t: a1 * c.step, lo: errorQuantile(c, 0.1), hi: errorQuantile(c, 0.9) })).filter((b) => b.lo !== null && b.hi !== null);
    const lines = [
      ...cps.map((c) => ({ t: a1 * c.step, value: c.meanError, series: `mean over ${last.trajectories} trajectories` })),
      ...cps.map((c) => ({ t: a1 * c.step, value: c.errorQuantiles[1]!.value, series: 'median (band: 10–90%)' })),
      ...mfErr.map((e, i) => ({ t: a1 * s.checkpoints[i]!, value: e, series: 'mean-field map (B → p, Z → 0)' })),
    ].filter((v) => v.value !== null);
    const domainE = [`mean over ${last.trajectories} trajectories`, 'median (band: 10–90%)', 'mean-field map (B → p, Z → 0)'];
    const errLegend = bottomLegend(domainE, { symbolType: 'stroke', symbolSize: 400, symbolStrokeWidth: 2.5, symbolOpacity: 1 });
    const errSpec = {
      ...header('Frobenius error ‖P(k) − Π‖²/2 against α₁k', 'Π: output j on the input of j-th largest rate; plateaus near 1, 2, … count misplaced outputs'),
      layer: [
        { data: { values: band }, mark: { type: 'area', opacity: 0.15, color: PALETTE[1] }, encoding: { x, y: { field: 'lo', type: 'quantitative', title: '‖P − Π‖²/2' }, y2: { field: 'hi' } } },
        // colour and dash share one legend (the same legend on both channels: vega-lite merges them without a
        // conflict), drawn as strokes long enough to show the mean-field map's dashes
        { data: { values: lines }, mark: { type: 'line', strokeWidth: 2 }, encoding: { x, y: { field: 'value', type: 'quantitative', title: '‖P − Π‖²/2' }, color: { ...seriesColor(domainE), legend: errLegend }, strokeDash: { field: 'series', type: 'nominal', title: null, scale: { domain: domainE, range: [[1, 0], [1, 0], [6, 4]] }, legend: errLegend } } },
      ],
    };
    // 2. plateau fractions
    const plat = cps.flatMap((c) => c.plateauFractions.map((f, q) => ({ t: a1 * c.step, value: f, series: `${q} misplaced` })));
    const platSpec = {
      ...header('Fraction of trajectories on each plateau', 'plateau q: q outputs whose largest p is not on their intended input'),
      data: { values: plat },
      mark: { type: 'line', strokeWidth: 2, point: { size: 18 } },
      encoding: { x, y: { field: 'value', type: 'quantitative', title: 'fraction', scale: { domain: [0, 1] } }, color: seriesColor(Array.from({ length: s.m + 1 }, (_, q) => `${q} misplaced`)) },
    };
    const jobs: { name: string; title: string; caption: string; spec: object }[] = [
      { name: 'error', title: 'Frobenius error against α₁k', caption: 'Mean and median of ‖P(k) − Π‖²/2 over trajectories with the 10–90% band (device histogram), and the error along the mean-field map.', spec: errSpec },
      { name: 'plateaus', title: 'Plateau fractions against α₁k', caption: 'Fraction of trajectories with q outputs on a wrong input (by argmax), q = 0..m.', spec: platSpec },
    ];
    // 3. one trajectory's P(k), with the markers of Figure 5 at α₁k = 4 and 10
    if (r.paths?.length) {
      const traj = r.paths[0]!;
      const sub = (n: number) => String(n).replace(/\d/g, (ch) => '₀₁₂₃₄₅₆₇₈₉'[+ch]!);
      const name = (j: number, i: number) => `p${sub(j + 1)}${sub(i + 1)} (output ${j + 1}, input ${i + 1})`;
      const pv = traj.flatMap((P, c) => P.flatMap((row, j) => row.map((v, i) => ({ t: a1 * s.checkpoints[c]!, value: v, series: name(j, i) }))));
      const dom = Array.from({ length: s.m * s.d }, (_, q) => name(Math.floor(q / s.d), q % s.d));
      jobs.push({
        name: 'trajectory-p', title: 'One trajectory: p of output j for input i', caption: 'Output j\'s triggering probability pⱼᵢ for input i along the first trajectory; vertical rules at α₁k = 4 and 10 (the paper\'s markers at 4×10³ and 10⁴ steps for α₁ = 10⁻³).',
        spec: {
          ...header('One trajectory: triggering probabilities against α₁k', 'p of output j for input i; dashed rules at α₁k = 4 and 10 (Figure 5\'s markers)'),
          layer: [
            { data: { values: pv }, mark: { type: 'line', strokeWidth: 1.8 }, encoding: { x, y: { field: 'value', type: 'quantitative', title: 'p of output j for input i', scale: { domain: [0, 1] } }, color: seriesColor(dom) } },
            { data: { values: [{ t: 4 }, { t: 10 }].filter((m) => m.t <= a1 * s.steps) }, mark: { type: 'rule', strokeDash: [4, 4], color: '#555' }, encoding: { x } },
          ],
        },
      });
    }
    const report: ReportParts = {
      title: `stdp-mc — ${r.experiment.name}`, description: r.experiment.description,
      parameters: {
        model: `several outputs, Algorithm ${s.algorithm} (${s.projection} projection)`, d: s.d, outputs: s.m, rates: s.rates.join(', '),
        alphas: s.alphas.join(', '), steps: s.steps, 't = α₁K': num(a1 * s.steps), trajectories: last.trajectories, seed: String(s.seed),
        engine: engineLine(r),
      },
      comparisons: comparisons.map((c) => reportComparison(c)),
      tables: [{ title: 'Checkpoints', columns, rows }],
      provenance: reportProvenance(r),
    };
    return { csv, plots: jobs, report };
  });
}

export type MultiSummary = ReturnType<typeof multiFiles>['summary'];
