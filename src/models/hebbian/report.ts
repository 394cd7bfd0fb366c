/** The terminal report of a hebbian run: the summary's key numbers, the verdicts, where the files are. */
import { type HebbianSummary } from './files.ts';

export function hebbianHumanReport(s: HebbianSummary, files: { summary: string; html?: string }): string {
  const f = (v: number | null | undefined, d = 4) => (v === null || v === undefined || !Number.isFinite(v) ? '-' : Number(v.toPrecision(d)).toString());
  const agree = s.comparisons.filter((c) => c.verdict === 'agrees').length;
  return [
    `stdp-mc: ${s.name} (Hebbian alignment, arXiv 2505.18069, ${s.noise} noise: ${s.points.length} grid points × ${s.scenario.trajectories} copies, ${s.scenario.steps} steps)`,
    `engine: ${s.engine.name} on ${s.engine.runtime} — ${s.engine.reason}`,
    '',
    'final alignment per grid point (layer 1: mean cosine [95%], fraction positive; ⟨S,H⟩ and, for the linear student, its exact closed form):',
    ...(s.alignmentMeasure === 'windowCosine' ? [`  (one output: cos is the window-summed cosine cos(ΣS, ΣH) over ${s.scenario.sumWindow} steps; the per-step cosine is ±1)`] : []),
    ...s.points.map((p) => {
      const c = p.checkpoints.at(-1)!, l = c.layers[0]!, m = l[s.alignmentMeasure];
      return `  σ ${p.sigma}, γ ${p.gamma}: cos ${f(m.mean, 3)} [${f(m.ci?.[0], 3)}, ${f(m.ci?.[1], 3)}], positive ${f(l.fractionPositive.p, 3)}; ` +
        `⟨S,H⟩ ${f(l.innerProduct.mean)}` + (p.theory ? ` (theory ${f(p.theory.exactAtCheckpoints.at(-1))})` : '') +
        (c.layers.length > 1 ? `; layer 2 cos ${f(c.layers[1]!.cosine.mean, 3)}` : '');
    }),
    ...(s.comparisons.length ? [s.comparisons.every((c) => c.verdict === 'not comparable')
      ? `closed form: no verdicts (${s.comparisons[0]!.note?.split(';')[0]})`
      : `closed form: ${agree} of ${s.comparisons.length} grid points agree within 99.9 % Student-t intervals`] : []),
    ...(s.monotonicity.some((m) => m.steps.length > 0)
      ? ['"alignment increases monotonically with decay strength" (final cosine at consecutive γ, 95 % intervals):',
        ...s.monotonicity.map((m) => `  σ ${m.sigma}: ${m.text}`)]
      : []),
    '', `engine and batches: ${s.timing.wallSeconds.toFixed(2)} s (${f(s.timing.copyStepsPerSecond / 1e6, 3)} M copy-steps/s)`, `summary: ${files.summary}`, ...(files.html ? [`report: ${files.html}`] : []),
  ].join('\n');
}
