/** The terminal report of a natgrad run: the summary's key numbers, the verdicts, where the files are. */
import { label, type NatgradSummary } from './files.ts';

export function natgradHumanReport(s: NatgradSummary, files: { summary: string; html?: string }): string {
  const f = (v: number | null | undefined, d = 4) => (v === null || v === undefined || !Number.isFinite(v) ? '-' : Number(v.toPrecision(d)).toString());
  const lines = [
    `stdp-mc: ${s.name} (natural-gradient learning, ${s.scenario.trajectories} learners per ensemble, N = ${s.scenario.N})`,
    `engine: ${s.engine.name} on ${s.engine.runtime} — ${s.engine.reason}`,
    ...s.scenario.warnings.map((w) => `warning: ${w}`),
    '',
  ];
  // a sweep has tens of ensembles: its speed-ups (the comparisons) and the CSV tables say the rest
  for (const e of s.sweep ? [] : s.ensembles) {
    const fin = e.checkpoints[e.checkpoints.length - 1]!;
    const t = e.timeToThreshold;
    lines.push(`${label(e.rule, e.eta, e.coefficients)}: final KL ${f(fin.fields.kl.mean)} [${f(fin.fields.kl.ci?.[0])}, ${f(fin.fields.kl.ci?.[1])}], ` +
      `rate error ${f(fin.fields.rateError.mean)} Hz, ‖w − w*‖ ${f(fin.fields.weightDistance.mean)}; ` +
      `KL ≤ ${f(t.threshold, 3)} reached by ${t.reached}/${e.learners}, median time ${f(t.medianAll)} s`);
  }
  if (s.sweep) {
    const sw = s.sweep;
    const times = s.scenario.checkpointTimes;
    const tEnd = times[times.length - 1] ?? s.scenario.duration;
    const reached = sw.times.filter((t) => t.time !== null).length;
    const cut = `mean KL ≤ ${f(sw.cutoff, 3)}`;
    if (reached === 0) {
      // nothing to time: say so once (not a line of dashes per η/η₀), how far the run got, and what to do
      const finals = s.ensembles.map((e) => ({ e, kl: e.checkpoints[e.checkpoints.length - 1]?.fields.kl.mean ?? null }))
        .filter((x): x is { e: (typeof x)['e']; kl: number } => x.kl !== null && Number.isFinite(x.kl));
      const low = finals.length ? finals.reduce((a, b) => (b.kl < a.kl ? b : a)) : null;
      lines.push(`no η/η₀ reached ${cut} within the run (T = ${f(tEnd)} s), in either rule (0 of ${sw.times.length} ensembles)` +
        `${low ? `; the lowest final mean KL is ${f(low.kl, 3)} (${label(low.e.rule, low.e.eta, low.e.coefficients)})` : ''}.`,
      'The convergence times and the speed-ups are undefined: run longer (scenario.duration, or --duration) to measure them.');
    } else {
      lines.push(`${cut} reached within the run (T = ${f(tEnd)} s) by ${reached} of ${sw.times.length} ensembles (rule, coefficients, η/η₀); ` +
        '≥ / ≤: a bound (the Euclidean / natural time not reached, censored at T)');
      for (const x of sw.speedups.filter((y) => y.etaScale !== 'best')) {
        const at = `speed-up at η/η₀ = ${x.etaScale} (${x.coefficients}): `;
        if (x.value === null) { lines.push(`${at}undefined (neither rule reached the cut-off within the run)`); continue; }
        const k = x.kind === 'lower bound' ? '≥ ' : x.kind === 'upper bound' ? '≤ ' : '';
        lines.push(`${at}${k}${f(x.value, 3)} [${f(x.ci[0], 3)}, ${f(x.ci[1], 3)}]`);
      }
    }
  }
  // a row without an estimate: its note says why (not "-" before it)
  for (const c of s.comparisons) lines.push(`${c.quantity}: ${c.empirical === null ? '' : `${f(c.empirical, 3)} — `}${c.note ?? ''}`);
  for (const fl of s.flags) lines.push(`WARNING ${fl.rule} η=${fl.eta}: ${fl.flags.join(', ')} in ${fl.learners} learners`);
  lines.push('', `engine and batches: ${s.timing.wallSeconds.toFixed(2)} s (${f(s.timing.learnerStepsPerSecond, 3)} learner-steps/s)`, `summary: ${files.summary}`, ...(files.html ? [`report: ${files.html}`] : []));
  return lines.join('\n');
}
