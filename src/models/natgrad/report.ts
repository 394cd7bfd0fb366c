/** The terminal report of a natgrad run: the summary's key numbers, the verdicts, where the files are. */
import { label, type NatgradSummary } from './files.ts';

export function natgradHumanReport(s: NatgradSummary, files: { summary: string; html?: string }): string {
  const f = (v: number | null | undefined, d = 4) => (v === null || v === undefined || !Number.isFinite(v) ? '-' : Number(v.toPrecision(d)).toString());
  const lines = [
    `stdp-mc: ${s.name} (natural-gradient learning, ${s.scenario.trajectories} learners per ensemble, N = ${s.scenario.N})`,
    `engine: ${s.engine.name} on ${s.engine.runtime} — ${s.engine.reason}`,
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
    for (const x of s.sweep.speedups.filter((y) => y.etaScale !== 'best')) {
      const k = x.kind === 'lower bound' ? '≥ ' : x.kind === 'upper bound' ? '≤ ' : '';
      lines.push(`speed-up at η/η₀ = ${x.etaScale} (${x.coefficients}): ${k}${f(x.value, 3)} [${f(x.ci[0], 3)}, ${f(x.ci[1], 3)}]`);
    }
  }
  for (const c of s.comparisons) lines.push(`${c.quantity}: ${f(c.empirical, 3)} — ${c.note}`);
  for (const fl of s.flags) lines.push(`WARNING ${fl.rule} η=${fl.eta}: ${fl.flags.join(', ')} in ${fl.learners} learners`);
  lines.push('', `engine and batches: ${s.timing.wallSeconds.toFixed(2)} s (${f(s.timing.learnerStepsPerSecond, 3)} learner-steps/s)`, `summary: ${files.summary}`, ...(files.html ? [`report: ${files.html}`] : []));
  return lines.join('\n');
}
