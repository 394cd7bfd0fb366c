/**
 * Outputs of a spiking-network run (issue 5, Model A): the network beside the reduced chain (success probability and
 * the median log-gap against output spikes k), triggering frequencies against Eq. (12)'s p, the ISI and increment
 * laws in the summary; for a sweep, the regime map of Eq. (12): the largest |frequency − p| over the inputs and
 * windows, against the drive λᵀw/S and the weight size max w/S, classed by 1 %, 5 % and 20 %.
 */
import type { SpikingExperimentResult } from './run.ts';
import { summarizeCheckpoint } from '../../stats/checkpoint-stats.ts';
import { summarizeSpiking, type SpikingCheckpointSummary } from './stats.ts';
import { compareToInterval, notComparable, type Comparison } from '../../stats/compare.ts';
import { normalProbabilityInterval, wilson } from '../../stats/intervals.ts';
import { toCsv } from '../../report/html.ts';
import { header, seriesColor } from '../../report/plot-theme.ts';
import { comparisonsCsv, num, reportComparison, withReport, reportProvenance, engineLine, type ReportParts } from '../../report/files.ts';

/** Largest |frequency − p| over inputs and windows (windows with at least one output spike), and its z. */
/** The regime map's classes of max |frequency − p| (absolute differences of probabilities). */
const EQ12_CLASSES = ['≤ 0.01', '≤ 0.05', '≤ 0.2', '> 0.2'];
const eq12Class = (e: number) => EQ12_CLASSES[e <= 0.01 ? 0 : e <= 0.05 ? 1 : e <= 0.2 ? 2 : 3]!;

/**
 * The largest |frequency − p| over inputs and windows, its z, and the largest Monte Carlo SE among the frequencies
 * compared (the noise scale of that maximum; the SE at the maximum itself would follow whichever of two nearly equal
 * errors rounding makes the larger).
 */
function eq12Error(cps: SpikingCheckpointSummary[]): { maxAbs: number; z: number; se: number | null } {
  let maxAbs = 0, z = 0, se: number | null = null;
  for (const c of cps) {
    if (!(c.spikes > 0)) continue;
    for (const t of c.triggering) {
      if (Math.abs(t.frequency - t.predicted) > maxAbs) { maxAbs = Math.abs(t.frequency - t.predicted); z = t.z; }
      if (Number.isFinite(t.se) && (se === null || t.se > se)) se = t.se;
    }
  }
  return { maxAbs, z, se };
}

export function spikingFiles(r: SpikingExperimentResult) {
  const comparisons: (Comparison & { point?: string })[] = [];
  const points = r.points.map(({ point, result, chain }) => {
    const s = point.scenario;
    const cps = result.checkpoints.map(summarizeSpiking);
    const chainCps = chain?.checkpoints.map(summarizeCheckpoint);
    const err = eq12Error(cps);
    const pc: Comparison[] = [];
    const first = cps.find((c) => c.spikes > 0);
    if (first) {
      for (const t of first.triggering) {
        pc.push(compareToInterval(`triggering frequency of input ${t.input + 1} over output spikes ≤ ${first.step}`, t.frequency,
          normalProbabilityInterval(t.frequency, t.se), t.predicted,
          `Eq. (12): p_j = λ_j w_j/λᵀw at the previous output spike (exact for equal weights, Lemma A.7); z = ${num(t.z, 3)}; ` +
          `regime: max w/S = ${num(s.regime.maxWeightOverS, 3)}, λᵀw/S = ${num(s.regime.driveOverS, 3)}`,
          { n: s.trajectories, question: 'triggering frequencies against Eq. (12) over the first window' }));
      }
    }
    // The last window too: Eq. (12) is exact at the first spike for equal weights (Lemma A.7) and meant for weights
    // small against S with λᵀw ≫ S (MODEL-NOTES, Section 2.3); as p concentrates the winner's weight grows against S
    // and the network's triggering may leave it. The first window alone hid that (z of 100 and more at K = 1000).
    const lastAt = cps.length - 1 - [...cps].reverse().findIndex((c) => c.spikes > 0);
    const last = lastAt < cps.length ? cps[lastAt] : undefined;
    // (Without a sweep: a grid's points are judged by the regime map, over all their windows.)
    if (r.experiment.single && first && last && last !== first) {
      const from = cps[lastAt - 1]!.step + 1;
      for (const t of last.triggering) {
        pc.push(compareToInterval(`triggering frequency of input ${t.input + 1} over output spikes ${from}…${last.step}`, t.frequency,
          normalProbabilityInterval(t.frequency, t.se), t.predicted,
          `Eq. (12) at the previous output spike, averaged over the window; z = ${num(t.z, 3)}`,
          { n: s.trajectories, question: 'triggering frequencies against Eq. (12) over the last window',
            meaning: 'Eq. (12) is exact at the first output spike for equal weights and meant for weights small against S with λᵀw ≫ S; once p concentrates, the winning input\'s weight is no longer small against S, and a disagreement says the network has left the chain\'s regime (the regime map experiment shows where it holds)' }));
      }
    }
    if (chainCps) {
      const a = cps[cps.length - 1]!.chain, b = chainCps[chainCps.length - 1]!;
      const pa = a.successCount / a.trajectories, pb = b.successCount / b.trajectories;
      const se = Math.sqrt(pa * (1 - pa) / a.trajectories + pb * (1 - pb) / b.trajectories);
      pc.push(compareToInterval('P(argmax p(K) = i*), network against the reduced chain', pa, normalProbabilityInterval(pa, se), pb,
        `the chain of Eq. (1) with the same λ, w(0), α, K, N (independent streams); interval: ±1.96 combined SE = ${num(se, 3)}, clipped to [0, 1]`,
        { n: Math.min(a.trajectories, b.trajectories) }));
      // How far each has converged: P(argmax) can agree while one is much further along (the log-gap plot shows it).
      // Only where every network trajectory reached K: one stopped by the event cap would leave the mean to survivors.
      const stopped = cps[cps.length - 1]!.stopped;
      if (!stopped && a.meanLogGap !== null && b.meanLogGap !== null && a.sdLogGap !== null && b.sdLogGap !== null) {
        const seL = Math.sqrt(a.sdLogGap ** 2 / a.trajectories + b.sdLogGap ** 2 / b.trajectories);
        pc.push(compareToInterval('mean log(1 − p*) at K, network against the reduced chain', a.meanLogGap,
          [a.meanLogGap - 1.96 * seL, a.meanLogGap + 1.96 * seL], b.meanLogGap,
          `how far each has converged at K (independent streams); interval: ±1.96 combined SE = ${num(seL, 3)}`,
          { n: Math.min(a.trajectories, b.trajectories),
            meaning: 'a network log-gap above the chain\'s says the network has converged less far by K, below it further: it follows the chain only while Eq. (12) holds (the last window\'s triggering rows say whether it still does)' }));
      }
    }
    comparisons.push(...pc.map((c) => ({ ...c, point: point.label })));
    return {
      label: point.label, values: point.values, scenario: { ...s }, regime: s.regime, eq12MaxAbsError: err.maxAbs, eq12MaxAbsErrorSE: err.se,
      checkpoints: cps, chain: chainCps ?? null, flags: result.flagCounts, comparisons: pc,
      timing: { seconds: result.timing.seconds, events: result.timing.events, eventsPerSecond: result.timing.events / result.timing.seconds },
    };
  });
  if (!r.experiment.single) {
    // The classes are absolute differences of probabilities; the Monte Carlo SE of the frequencies compared says
    // whether a point's class is resolved (a point within about 2 SE of a boundary could sit on either side).
    comparisons.push(notComparable('regime map of Eq. (12)', null, null, null,
      points.map((p) => `λᵀw/S = ${num(p.regime.driveOverS, 3)}, max w/S = ${num(p.regime.maxWeightOverS, 3)}: max |freq − p| = ${num(p.eq12MaxAbsError, 3)}` +
        `${p.eq12MaxAbsErrorSE !== null ? ` ± ${num(p.eq12MaxAbsErrorSE, 2)} (SE)` : ''} (${eq12Class(p.eq12MaxAbsError)})`).join('; ') +
        '; classes of the absolute difference at 0.01, 0.05 and 0.2; the SE is the largest Monte Carlo SE of the frequencies compared (the maximum itself is biased upwards by the noise)'));
  }
  const summary = {
    name: r.experiment.name, description: r.experiment.description, model: 'spiking',
    engine: { name: r.engine.name, runtime: r.engine.runtime, adapter: r.engine.adapter ?? null, precision: r.engine.precision, reason: r.engineReason },
    points, comparisons, timing: { wallSeconds: r.wallSeconds }, provenance: r.provenance,
  };
  // The CSV tables, plot specs and report parts: built when first read (the report, the page), not for a summary alone.
  return withReport(summary, () => {
    const csv: { name: string; text: string }[] = [];

    const trigColumns = ['point', 'step', 'spikes', 'input', 'frequency', 'predicted_eq12', 'se', 'z'];
    const trigRows = points.flatMap((p) => p.checkpoints.flatMap((c) => c.triggering.map((t) => [p.label, c.step, c.spikes, t.input + 1, num(t.frequency), num(t.predicted), num(t.se), num(t.z, 3)])));
    csv.push({ name: 'triggering.csv', text: toCsv(trigColumns, trigRows) });
    csv.push(comparisonsCsv(comparisons.map((c) => ({ point: c.point, c }))));
    // kept sample paths, long: p_i of copy `path` at output spike `step` (a copy that stopped early has no rows after)
    const pathRows = r.points.flatMap(({ point, result }) => (result.paths ?? []).flatMap((path, id) =>
      path.flatMap((pc, c) => (pc ?? []).map((v, i) => [point.label, id, point.scenario.checkpoints[c]!, i + 1, num(v, 8)]))));
    if (pathRows.length) csv.push({ name: 'paths.csv', text: toCsv(['point', 'path', 'output_spike', 'input', 'p'], pathRows) });
    const jobs: { name: string; title: string; caption: string; spec: object }[] = [];
    const x = { field: 'k', type: 'quantitative', title: 'output spike k (log scale)', scale: { type: 'log', nice: false, padding: 14 }, axis: { format: '~g' } };
    if (r.experiment.single) {
      const p = points[0]!;
      const succ: { k: number; p: number; lo: number; hi: number; series: string }[] = [];
      const gap: { k: number; value: number; series: string }[] = [];
      const add = (cs: { step: number; successCount: number; trajectories: number; logGapQuantiles: { q: number; value: number | null }[] }[], series: string) => {
        for (const c of cs) {
          if (c.step === 0 || !c.trajectories) continue;
          const [lo, hi] = wilson(c.successCount, c.trajectories);
          succ.push({ k: c.step, p: c.successCount / c.trajectories, lo, hi, series });
          const m = c.logGapQuantiles.find((q) => q.q === 0.5)?.value;
          if (m !== null && m !== undefined) gap.push({ k: c.step, value: m, series });
        }
      };
      add(p.checkpoints.map((c) => c.chain), 'spiking network');
      if (p.chain) add(p.chain, 'reduced chain (Eq. 1)');
      const dom = ['spiking network', 'reduced chain (Eq. 1)'];
      jobs.push({
        name: 'success-network-vs-chain', title: 'P(argmax p = i*): network and chain', caption: 'Success probability against output spikes k, the spiking network and the reduced chain with the same λ, w(0), α, with Wilson 95% intervals.',
        spec: { ...header('P(argmax p = i*) against output spikes', 'spiking network (Section 2.3) and the reduced chain of Eq. (1)'), layer: [
          { data: { values: succ }, mark: { type: 'errorbar', ticks: { size: 6 } }, encoding: { x, y: { field: 'lo', type: 'quantitative', title: 'P(argmax p = i*)', scale: { zero: false } }, y2: { field: 'hi' }, color: seriesColor(dom) } },
          { data: { values: succ }, mark: { type: 'line', point: true, strokeWidth: 2 }, encoding: { x, y: { field: 'p', type: 'quantitative' }, color: seriesColor(dom) } },
        ] },
      });
      jobs.push({
        name: 'log-gap-network-vs-chain', title: 'Median log(1 − p*): network and chain', caption: 'Median of log(1 − p*) over trajectories against output spikes k, network and chain (p* is the p of the most active input i*).',
        spec: { ...header('median log(1 − p*) against output spikes', 'spiking network and reduced chain'), data: { values: gap }, mark: { type: 'line', point: true, strokeWidth: 2 },
          encoding: { x, y: { field: 'value', type: 'quantitative', title: 'median log(1 − p*)' }, color: seriesColor(dom) } },
      });
      const tr = p.checkpoints.filter((c) => c.spikes > 0).flatMap((c) => c.triggering.map((t) => ({ k: c.step, err: t.frequency - t.predicted, lo: t.frequency - t.predicted - 1.96 * t.se, hi: t.frequency - t.predicted + 1.96 * t.se, series: `input ${t.input + 1}` })));
      const tdom = [...new Set(tr.map((t) => t.series))];
      jobs.push({
        name: 'triggering-error', title: 'Triggering frequency minus Eq. (12)', caption: 'Empirical triggering frequency of each input minus the predicted p_j, per window of output spikes ending at k, with ±1.96 SE.',
        spec: { ...header('Triggering frequency − Eq. (12) prediction', 'per window of output spikes; 0 means Eq. (12) holds'), layer: [
          { data: { values: tr }, mark: { type: 'errorbar', ticks: { size: 6 } }, encoding: { x, y: { field: 'lo', type: 'quantitative', title: 'frequency − p' }, y2: { field: 'hi' }, color: seriesColor(tdom) } },
          { data: { values: tr }, mark: { type: 'line', point: true }, encoding: { x, y: { field: 'err', type: 'quantitative' }, color: seriesColor(tdom) } },
        ] },
      });
      const incAt = [...p.checkpoints].reverse().findIndex((c) => c.increment.count > 0);
      const inc = incAt < 0 ? undefined : p.checkpoints[p.checkpoints.length - 1 - incAt]!;
      if (inc) {
        // the window of output spikes (k_{c−1}, k_c] its statistics are over (stats.ts), and the mass off [−1, 1]
        const from = p.checkpoints[p.checkpoints.length - 2 - incAt]?.step ?? 0;
        const spikedN = inc.increment.count - inc.increment.silent, off = inc.increment.below + inc.increment.above;
        const offText = `${off} of the ${spikedN} increments of inputs that spiked (${num(spikedN ? (100 * off) / spikedN : 0, 2)} %) lie outside [−1, 1] and are not drawn`;
        const dens = inc.increment.density.map((b) => ({ x: b.x, value: b.density, series: 'network: non-triggering increments P_i − D_i' }));
        const flat = [{ x: -1, value: 0.5, series: 'Uniform[−1, 1] (the chain\'s Z)' }, { x: 1, value: 0.5, series: 'Uniform[−1, 1] (the chain\'s Z)' }];
        const ddom = ['network: non-triggering increments P_i − D_i', 'Uniform[−1, 1] (the chain\'s Z)'];
        jobs.push({
          name: 'increment-law', title: 'Law of the non-triggering increment', caption: `Density of P_i − D_i for inputs that spiked but did not trigger, over output spikes ${from + 1}…${inc.step} (sd ${num(inc.increment.sdSpiked, 3)} over the inputs that spiked; Uniform[−1, 1] has 0.577), against the chain's noise; ${offText}, and ${inc.increment.silent} silent inputs (increment 0) are left out.`,
          spec: { ...header('Non-triggering increment P_i − D_i', `output spikes ${from + 1}…${inc.step}; ${inc.increment.silent} silent inputs (increment 0) and ${off} increments off [−1, 1] not drawn`),
            data: { values: [...dens, ...flat] }, mark: { type: 'line', strokeWidth: 2, interpolate: 'step' },
            encoding: { x: { field: 'x', type: 'quantitative', title: 'increment', scale: { domain: [-1, 1] } }, y: { field: 'value', type: 'quantitative', title: 'density' }, color: seriesColor(ddom) } },
        });
      }
    } else {
      const pts = points.map((p) => ({ drive: p.regime.driveOverS, w: p.regime.maxWeightOverS, err: p.eq12MaxAbsError, se: p.eq12MaxAbsErrorSE, series: eq12Class(p.eq12MaxAbsError) }));
      const dom = EQ12_CLASSES;
      const seMax = Math.max(...points.map((p) => p.eq12MaxAbsErrorSE ?? 0));
      jobs.push({
        name: 'eq12-regime-map', title: 'Where Eq. (12) holds', caption: `Each point a scenario: the largest |triggering frequency − p| over the inputs and windows (an absolute difference of probabilities), against the drive λᵀw/S and the weight size max w/S (log axes), classed at 0.01, 0.05 and 0.2. The Monte Carlo SE of the frequencies compared is up to ${num(seMax, 2)} here: a point within about twice its SE of a class boundary could sit in either class (the tooltip gives each point's largest SE).`,
        spec: { ...header('Regime map of Eq. (12)', 'largest |triggering frequency − λ_j w_j/λᵀw| over inputs and windows'),
          data: { values: pts }, mark: { type: 'point', filled: true, size: 140, stroke: 'white' },
          encoding: {
            x: { field: 'drive', type: 'quantitative', title: 'λᵀw / S (log)', scale: { type: 'log' } },
            y: { field: 'w', type: 'quantitative', title: 'max w / S (log)', scale: { type: 'log' } },
            color: { ...seriesColor(dom), scale: { domain: dom, range: ['#1a9850', '#91cf60', '#fc8d59', '#d73027'] } },
            tooltip: [{ field: 'drive', format: '.3~g' }, { field: 'w', format: '.3~g' }, { field: 'err', format: '.3~g' }, { field: 'se', format: '.2~g' }],
          } },
      });
      const errPts = points.map((p) => ({ drive: p.regime.driveOverS, err: p.eq12MaxAbsError, series: `max w/S = ${num(p.regime.maxWeightOverS, 2)}` }));
      jobs.push({
        name: 'eq12-error-vs-drive', title: 'Eq. (12) error against the drive', caption: 'Largest |frequency − p| against λᵀw/S, one line per weight size.',
        spec: { ...header('Triggering-frequency error against λᵀw/S', 'one line per max w/S'), data: { values: errPts }, mark: { type: 'line', point: true },
          encoding: { x: { field: 'drive', type: 'quantitative', title: 'λᵀw / S (log)', scale: { type: 'log' } }, y: { field: 'err', type: 'quantitative', title: 'max |frequency − p|' }, color: seriesColor([...new Set(errPts.map((e) => e.series))]) } },
      });
    }
    const s0 = r.experiment.points[0]!.scenario;
    const report: ReportParts = {
      title: `stdp-mc — ${r.experiment.name}`, description: r.experiment.description,
      parameters: {
        model: `spiking network (Section 2.3), ${s0.rule} ${s0.timing} STDP, normalise ${s0.normalise}`, 'grid points': points.length,
        threshold: s0.threshold, alpha: s0.alpha, steps: s0.steps, trajectories: s0.trajectories, seed: String(s0.seed),
        engine: engineLine(r),
      },
      comparisons: comparisons.map((c) => reportComparison(c, r.experiment.single ? undefined : c.point)),
      tables: [{ title: 'Triggering frequencies', columns: trigColumns, rows: trigRows }],
      provenance: reportProvenance(r),
    };
    return { csv, plots: jobs, report };
  });
}

export type SpikingSummary = ReturnType<typeof spikingFiles>['summary'];
