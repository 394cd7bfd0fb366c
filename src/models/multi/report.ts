/** The terminal report of a multi run: the summary's key numbers, the verdicts, where the files are. */
import type { ResolvedMultiScenario } from './scenario.ts';
import { type MultiSummary } from './files.ts';
import { comparisonLines } from '../../report/terminal.ts';

export function multiHumanReport(s: MultiSummary, files: { summary: string; html?: string }): string {
  const f = (v: number | null | undefined, d = 4) => (v === null || v === undefined || !Number.isFinite(v) ? '-' : Number(v.toPrecision(d)).toString());
  const sc = s.scenario as ResolvedMultiScenario;
  const lines = [
    `stdp-mc: ${s.name} (several outputs: m = ${sc.m}, d = ${sc.d}, Algorithm ${sc.algorithm})`,
    `engine: ${s.engine.name} on ${s.engine.runtime} — ${s.engine.reason}`,
    '',
    `${'step'.padStart(9)} ${'α₁k'.padStart(7)} ${'mean error'.padStart(11)} ${'median'.padStart(9)} ${'plateaus 0..m'.padStart(24)} ${'mean-field'.padStart(11)}`,
  ];
  const cps = s.checkpoints;
  const pick = cps.length <= 12 ? cps.map((_, i) => i) : Array.from({ length: 12 }, (_, j) => Math.round((j * (cps.length - 1)) / 11));
  for (const i of pick) {
    const c = cps[i]!;
    lines.push(`${String(c.step).padStart(9)} ${f(sc.alphas[0]! * c.step, 3).padStart(7)} ${f(c.meanError).padStart(11)} ${f(c.errorQuantiles[1]!.value).padStart(9)} ` +
      `${c.plateauFractions.map((v) => f(v, 3)).join(' / ').padStart(24)} ${f(s.theory.meanField.error[i]).padStart(11)}`);
  }
  const fin = s.final;
  // the count of trajectories (summary.final has it; an older summary, the fraction × trajectories)
  const wrongCount = Number.isInteger(fin.wrongCount) ? fin.wrongCount
    : fin.wrongFraction === null ? null : Math.round(fin.wrongFraction * s.trajectories);
  lines.push('', `final (step ${fin.step}): some output on a wrong input in ${wrongCount ?? '-'} of ${s.trajectories} trajectories ` +
    `(fraction ${f(fin.wrongFraction)}, 95% CI [${f(fin.wrongCI95[0])}, ${f(fin.wrongCI95[1])}], Wilson)`,
    ...comparisonLines(s.comparisons), '', `engine and batches: ${s.timing.wallSeconds.toFixed(2)} s, ${f(s.timing.trajectoryStepsPerSecond, 3)} trajectory-steps/s`, `summary: ${files.summary}`, ...(files.html ? [`report: ${files.html}`] : []));
  return lines.join('\n');
}
