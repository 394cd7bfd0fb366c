/** The terminal report of a spiking run: the summary's key numbers, the verdicts, where the files are. */
import { type SpikingSummary } from './files.ts';
import { comparisonLines } from '../../report/terminal.ts';

export function spikingHumanReport(s: SpikingSummary, files: { summary: string; html?: string }): string {
  const f = (v: number | null | undefined, d = 4) => (v === null || v === undefined || !Number.isFinite(v) ? '-' : Number(v.toPrecision(d)).toString());
  const lines = [`stdp-mc: ${s.name} (spiking network, Section 2.3)`, `engine: ${s.engine.name} on ${s.engine.runtime} — ${s.engine.reason}`, ''];
  for (const p of s.points) {
    const last = p.checkpoints[p.checkpoints.length - 1]!;
    lines.push(`${p.label}: λᵀw/S = ${f(p.regime.driveOverS, 3)}, max w/S = ${f(p.regime.maxWeightOverS, 3)}; P(argmax = i*) at K = ${last.step} output spikes: ${f(last.chain.successCount / Math.max(1, last.chain.trajectories))}` +
      `${p.chain ? ` (chain: ${f(p.chain[p.chain.length - 1]!.successCount / p.chain[p.chain.length - 1]!.trajectories)})` : ''}; max |freq − p| = ${f(p.eq12MaxAbsError, 3)}; ${f(p.timing.eventsPerSecond, 3)} events/s`);
  }
  lines.push(...comparisonLines(s.comparisons.map((c) => ({ ...c, point: s.points.length > 1 ? c.point : undefined })), { condense: s.points.length > 1 }));
  lines.push('', `engine and batches: ${s.timing.wallSeconds.toFixed(2)} s`, `summary: ${files.summary}`, ...(files.html ? [`report: ${files.html}`] : []));
  return lines.join('\n');
}
