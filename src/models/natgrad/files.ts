/**
 * Outputs of a natural-gradient ensemble run (issue 9): summary.json, checkpoints.csv (per ensemble and checkpoint:
 * mean, 95 % interval, median and 10–90 % band of KL, rate error and ‖w − w*‖), time-to-threshold.csv, the KL and
 * rate-error curves of the rules side by side (median with the 10–90 % band across learners), the time to the KL
 * threshold against η, and report.html. `natgradFiles` computes them without a file system; `writeNatgradOutputs`
 * writes them (like song-report.ts).
 */
import type { NatgradExperimentResult } from './run.ts';
import { natgradFlagNames, type NatgradField } from './stats.ts';
import { natgradSweep } from './sweep.ts';
import { sweepParts } from './sweep-files.ts';
import { notComparable, type Comparison } from '../../stats/compare.ts';
import { toCsv } from '../../report/html.ts';
import { PALETTE, header } from '../../report/plot-theme.ts';
import { num, withReport, reportProvenance, engineLine, type ReportParts } from '../../report/files.ts';

/** An ensemble in plots and tables: `natural η=0.0006`, `natural η=0.0006 (authors' table)`. */
export const label = (rule: string, eta: number, coefficients?: string) =>
  `${rule} η=${num(eta, 3)}${coefficients === 'authors-table' ? ' (authors\' table)' : ''}`;

/** Units of the recorded fields, for CSV column names. */
const FIELD_COLUMN: Record<NatgradField, string> = {
  kl: 'kl_nats_per_bin', rateError: 'rate_error_hz', weightDistance: 'weight_distance_mv_s', meanWStim: 'mean_w_stimulated_mv_s',
  meanWUnstim: 'mean_w_unstimulated_mv_s', studentRate: 'student_rate_hz', teacherRate: 'teacher_rate_hz',
};

export function natgradFiles(r: NatgradExperimentResult) {
  const s = r.experiment.scenario;
  const sums = r.summaries;
  const fields: NatgradField[] = ['kl', 'rateError', 'weightDistance', 'meanWStim', 'meanWUnstim', 'studentRate', 'teacherRate'];
  const cols = ['rule', 'coefficients', 'eta', 'time_s', 'learners', 'quantile_learners',
    ...fields.flatMap((f) => ['mean', 'ci_lo', 'ci_hi', 'median', 'q10', 'q90'].map((k) => `${FIELD_COLUMN[f]}_${k}`))];
  const rows = sums.flatMap((e) => e.checkpoints.map((c) => [
    e.rule, e.rule === 'euclidean' ? 'none' : e.coefficients, num(e.eta), num(c.time), e.learners, e.quantileLearners,
    ...fields.flatMap((f) => { const b = c.fields[f]; return [num(b.mean), num(b.ci?.[0]), num(b.ci?.[1]), num(b.median), num(b.q10), num(b.q90)]; }),
  ]));
  // The paper's definition (Kreutzer et al. 2022, Fig. 9D; File01_time2converge.py): the first checkpoint at which the
  // mean curve over learners is at or below the level — KL ≤ klThreshold, and the rate error ≤ 0.8 Hz on which the
  // authors tuned η (Fig. 3). The per-learner first crossings (median, band) are given beside it.
  const meanCrossing = (e: (typeof sums)[number], f: NatgradField, level: number) =>
    e.checkpoints.find((c) => c.time > 0 && c.fields[f].mean !== null && c.fields[f].mean! <= level)?.time ?? null;
  const RATE_LEVEL = 0.8;
  const ttCols = ['rule', 'coefficients', 'eta', 'kl_threshold_nats_per_bin', 'mean_curve_s', 'rate_error_0.8hz_mean_curve_s', 'reached', 'learners',
    'median_all_s', 'median_reached_s', 'q10_s', 'q90_s', 'mean_reached_s', 'ci_lo_s', 'ci_hi_s'];
  const ttRows = sums.map((e) => {
    const t = e.timeToThreshold;
    return [e.rule, e.rule === 'euclidean' ? 'none' : e.coefficients, num(e.eta), num(t.threshold), num(meanCrossing(e, 'kl', s.klThreshold)), num(meanCrossing(e, 'rateError', RATE_LEVEL)), t.reached, e.learners,
      num(t.medianAll), num(t.times.median), num(t.times.q10), num(t.times.q90), num(t.times.mean), num(t.times.ci?.[0]), num(t.times.ci?.[1])];
  });
  const csv = [
    { name: 'checkpoints.csv', text: toCsv(cols, rows) },
    { name: 'time-to-threshold.csv', text: toCsv(ttCols, ttRows) },
  ];
  // a learning-rate sweep draws its curves at the smallest, unit and largest η/η₀ only (all are in the CSV tables)
  const scales = [...new Set(s.ensembles.map((e) => e.etaScale).filter((x): x is number => x !== null))];
  const shownScales = scales.length > 3 ? [Math.min(...scales), ...(scales.includes(1) ? [1] : []), Math.max(...scales)] : scales;
  const shown = sums.filter((_, i) => s.ensembles[i]!.etaScale === null || shownScales.includes(s.ensembles[i]!.etaScale!));
  const labels = shown.map((e) => label(e.rule, e.eta, e.coefficients));
  // the band's layer would give the legend its pale fill: draw the symbols as full-colour strokes
  const color = { field: 'series', type: 'nominal', title: null, scale: { domain: labels, range: labels.map((_, i) => PALETTE[i % PALETTE.length]) }, legend: { symbolOpacity: 1, symbolType: 'stroke', symbolStrokeWidth: 3 } };
  const curve = (f: NatgradField, yTitle: string, log: boolean) => {
    const values = shown.flatMap((e) => e.checkpoints
      .filter((c) => c.fields[f].median !== null && (!log || (c.fields[f].q10 ?? 0) > 0))
      .map((c) => ({ rule: e.rule, series: label(e.rule, e.eta, e.coefficients), t: c.time, med: c.fields[f].median, lo: c.fields[f].q10, hi: c.fields[f].q90 })));
    const y = { type: 'quantitative', title: yTitle, ...(log ? { scale: { type: 'log' } } : {}) };
    const x = { field: 't', type: 'quantitative', title: 'learning time (s)' };
    const ruleList = [...new Set(sums.map((e) => e.rule))];
    const many = labels.length > 8;
    return {
      ...header(`${yTitle} during learning`, [`median over ${s.trajectories} learners per ensemble, band: 10–90 % across learners`,
        ...(sums.some((e) => e.quantileLearners < e.learners) ? [`median and band from the first ${sums[0]!.quantileLearners} learners`] : []),
        ...(shown.length < sums.length ? [`η/η₀ = ${shownScales.join(', ')} of the sweep's ${scales.length}`] : [])], 300, 240),
      data: { values },
      // at most two panels a row and the legend below them: the figure stays within the page at full font size
      facet: { field: 'rule', type: 'nominal', title: null, sort: ruleList, header: { labelFontSize: 13, labelFontWeight: 'bold' } },
      columns: Math.min(2, ruleList.length),
      resolve: { scale: { y: 'shared' } },
      config: { ...header('', '').config, legend: { ...(header('', '').config.legend as object), orient: 'bottom', columns: many ? 3 : 2, labelLimit: 0, symbolLimit: 0 } },
      spec: {
        width: 300, height: 240,
        layer: [
          { mark: { type: 'area', opacity: 0.18 }, encoding: { x, y: { field: 'lo', ...y }, y2: { field: 'hi' }, color } },
          { mark: { type: 'line', strokeWidth: 2 }, encoding: { x, y: { field: 'med', ...y }, color } },
        ],
      },
    };
  };
  const tt = sums.filter((e) => e.timeToThreshold.times.median !== null).map((e) => ({
    rule: label(e.rule, 0, e.coefficients).replace(' η=0', ''), eta: e.eta, med: e.timeToThreshold.medianAll ?? e.timeToThreshold.times.median,
    lo: e.timeToThreshold.times.q10, hi: e.timeToThreshold.times.q90, frac: e.timeToThreshold.fraction,
  }));
  const rules = [...new Set(tt.map((e) => e.rule))];
  const ruleColor = { field: 'rule', type: 'nominal', title: null, scale: { domain: rules, range: rules.map((_, i) => PALETTE[i % PALETTE.length]) } };
  const ex = { field: 'eta', type: 'quantitative', title: 'learning rate η', scale: { type: 'log' } };
  // A log axis has no place for t = 0 (learners at or below the threshold from the start): such medians are left out
  // and counted in the subtitle, and a bar starting at 0 is not drawn (vega would write NaN into the SVG); with
  // nothing left to draw there is no plot (time-to-threshold.csv has the times).
  const atZero = tt.filter((e) => !((e.med ?? 0) > 0)).length;
  const ttSpec = {
    ...header(`Time to KL ≤ ${num(s.klThreshold, 3)} against the learning rate`, [
      'median over all learners (censored at the end when fewer than half reach it: reached learners only); bars: 10–90 % of those that reach it',
      ...(atZero ? [`${atZero} of ${tt.length} (rule, η) at or below the threshold already at t = 0: not drawn on the log axis (time-to-threshold.csv has them)`] : []),
    ]),
    data: { values: tt },
    layer: [
      { transform: [{ filter: 'datum.lo > 0 && datum.hi > 0' }], mark: { type: 'rule', strokeWidth: 1.5 }, encoding: { x: ex, y: { field: 'lo', type: 'quantitative', scale: { type: 'log' }, title: 'time to threshold (s)' }, y2: { field: 'hi' }, color: ruleColor } },
      { transform: [{ filter: 'datum.med > 0' }], mark: { type: 'line', point: { size: 60 } }, encoding: { x: ex, y: { field: 'med', type: 'quantitative', scale: { type: 'log' } }, color: ruleColor } },
    ],
  };
  const sweep = natgradSweep(s, r.result.ensembles, sums);
  const { plots: sweepPlots, csv: sweepCsv, comparisons: sweepComparisons, table: sweepTable } = sweepParts(sweep, s.trajectories, s.checkpointTimes);
  csv.push(...sweepCsv);
  const plots = [
    { name: 'kl', title: 'KL divergence during learning', caption: 'KL(teacher ‖ student) of the output spike distribution per time bin dt, averaged over the stationary test input patterns; the rules side by side.', spec: curve('kl', 'KL (nats per bin)', true) },
    { name: 'rate-error', title: 'Rate error during learning', caption: 'Root-mean-square difference between the teacher\'s and the student\'s output rates over the test patterns.', spec: curve('rateError', 'rate error (Hz)', true) },
    ...(s.teacher.kind === 'neuron' ? [{ name: 'weight-distance', title: 'Distance to the target weights', caption: '‖w − w*‖ of the somatic weights.', spec: curve('weightDistance', '‖w − w*‖', true) }] : []),
    ...sweepPlots,
    ...(tt.length > atZero ? [{ name: 'time-to-threshold', title: 'Time to the KL threshold against η', caption: 'Median first checkpoint at which a learner\'s KL is at or below the threshold, per rule and learning rate.', spec: ttSpec }] : []),
  ];
  // Speed-up of the natural rule: best (smallest) median time per rule.
  const best = (rule: string) => {
    const c = sums.filter((e) => e.rule === rule && e.coefficients === 'exact' && e.timeToThreshold.medianAll !== null);
    return c.length ? c.reduce((a, b) => (b.timeToThreshold.medianAll! < a.timeToThreshold.medianAll! ? b : a)) : null;
  };
  const bn = best('natural'), be = best('euclidean');
  const comparisons: Comparison[] = [];
  const bestMean = (rule: string) => {
    const c = sums.filter((e) => e.rule === rule && e.coefficients === 'exact').map((e) => ({ e, t: meanCrossing(e, 'kl', s.klThreshold) })).filter((x) => x.t !== null);
    return c.length ? c.reduce((a, b) => (b.t! < a.t! ? b : a)) : null;
  };
  const mn = bestMean('natural'), me = bestMean('euclidean');
  // (a learning-rate sweep states its speed-ups with intervals instead: sweep-files.ts)
  if (!sweep && (mn || me)) {
    comparisons.push(notComparable('speed-up of the natural rule as in the paper: first time the mean KL over learners ≤ threshold, best η per rule, Euclidean ÷ natural',
      mn && me ? me.t! / mn.t! : null, null, null,
      `natural: ${mn ? `${num(mn.t, 4)} s at η = ${num(mn.e.eta, 3)}` : 'mean KL not below the threshold'}; ` +
      `Euclidean: ${me ? `${num(me.t, 4)} s at η = ${num(me.e.eta, 3)}` : 'mean KL not below the threshold'} (Kreutzer et al. 2022, Fig. 9D)`));
  }
  if (!sweep && (bn || be)) {
    comparisons.push(notComparable('speed-up of the natural rule: best median time to threshold, Euclidean ÷ natural',
      bn && be ? be.timeToThreshold.medianAll! / bn.timeToThreshold.medianAll! : null, null, null,
      `natural: ${bn ? `${num(bn.timeToThreshold.medianAll, 4)} s at η = ${num(bn.eta, 3)}` : 'not reached by half of the learners'}; ` +
      `Euclidean: ${be ? `${num(be.timeToThreshold.medianAll, 4)} s at η = ${num(be.eta, 3)}` : 'not reached by half of the learners'} ` +
      `(Kreutzer et al. 2022, Fig. 3: the natural rule converges faster)`));
  }
  comparisons.push(...sweepComparisons);
  const flagged = sums.filter((e) => e.flags);
  const summary = {
    name: r.experiment.name, description: r.experiment.description, model: 'natgrad',
    scenario: { ...s },
    engine: { name: r.engine.name, runtime: r.engine.runtime, adapter: r.engine.adapter ?? null, precision: r.engine.precision, reason: r.engineReason, details: r.engine.details ?? null },
    ensembles: sums, comparisons, sweep,
    flags: flagged.map((e) => ({ rule: e.rule, eta: e.eta, flags: natgradFlagNames(e.flags), learners: e.flaggedLearners })),
    timing: {
      wallSeconds: r.wallSeconds, engineSeconds: r.result.timing.seconds, dispatches: r.result.timing.dispatches,
      learnerSteps: r.result.timing.learnerSteps, learnerStepsPerSecond: r.result.timing.learnerStepsPerSecond,
      synapseStepsPerSecond: r.result.timing.learnerStepsPerSecond * s.N,
    },
    provenance: r.provenance,
  };
  // The report's parts are built when first read (the CSV tables and the plots' specs are built above: the sweep's
  // comparisons come with them).
  return withReport(summary, () => ({ csv, plots, report: natgradReportParts() }));

  function natgradReportParts(): ReportParts {
    return {
      title: `stdp-mc — ${r.experiment.name}`, description: r.experiment.description,
      parameters: {
        model: 'Kreutzer, Senn & Petrovici (2022): one spiking neuron learning a teacher',
        inputs: `${s.N} Poisson (rates ${[...new Set(s.rates)].join(', ')} Hz)`,
        teacher: s.teacher.kind === 'neuron' ? `neuron with w* uniform on [${s.teacher.min}, ${s.teacher.max}]/N` : `Poisson at ${s.teacher.rate} Hz`,
        ensembles: sums.length > 8 ? `${sums.length} (rule, coefficients, η) ensembles` : sums.map((e) => label(e.rule, e.eta, e.coefficients)).join('; '),
        'learners kept for quantiles': sums[0] && sums[0].quantileLearners < sums[0].learners
          ? `the first ${sums[0].quantileLearners} of ${sums[0].learners} (means, intervals and times to threshold over all)` : 'all (exact statistics)',
        duration: `${s.duration} s at dt = ${s.dt} ms`, learners: s.trajectories, seed: String(s.seed),
        engine: engineLine(r),
      },
      comparisons: comparisons.map((c) => ({ quantity: c.quantity, empirical: num(c.empirical), theory: num(c.theory), verdict: c.verdict, note: c.note })),
      tables: [...(sweepTable ? [sweepTable] : []), { title: 'Time to the KL threshold', columns: ttCols, rows: ttRows.map((x) => x.map(String)) }],
      provenance: reportProvenance(r),
    };
  }
}

export type NatgradSummary = ReturnType<typeof natgradFiles>['summary'];
