/** What the command line prints for a Song–Miller–Abbott run: the final weights, the output rate, where the files are. */
import type { WrittenFiles } from '../../report/build-report.ts';
import type { SongSummary } from './files.ts';

export function songHumanReport(s: SongSummary, files: Pick<WrittenFiles, 'summary' | 'html'>): string {
  const f = (v: number | null | undefined, d = 4) => (v === null || v === undefined || !Number.isFinite(v) ? '-' : Number(v.toPrecision(d)).toString());
  const sum = s.summary, fin = sum.checkpoints[sum.checkpoints.length - 1]!;
  return [
    `stdp-mc: ${s.name} (Song, Miller & Abbott 2000: ${s.copies} copies)`,
    `engine: ${s.engine.name} on ${s.engine.runtime} — ${s.engine.reason}`,
    ...((s.scenario as { warnings?: string[] }).warnings ?? []).map((w) => `warning: ${w}`),
    '',
    `final weights (t = ${f(fin.time)} s), fractions per tenth of g_max: ${fin.histFractions.map((v) => f(v, 3)).join(' ')}`,
    `near 0: ${f(fin.fracLow.mean, 3)}, near g_max: ${f(fin.fracHigh.mean, 3)}, bimodal: ${fin.bimodal ? 'yes' : 'no'} (end/middle ${f(fin.endOverMiddle[0], 3)}, ${f(fin.endOverMiddle[1], 3)})`,
    `output rate: ${f(sum.rateHead.mean)} Hz in the first ${f(sum.rateHead.t1 - sum.rateHead.t0, 3)} s → ${f(sum.rateTail.mean)} Hz in the last (drop ${f(sum.rateDrop === null ? null : 100 * sum.rateDrop, 3)} %)`,
    '', `engine and batches: ${s.timing.wallSeconds.toFixed(2)} s`, `summary: ${files.summary}`, ...(files.html ? [`report: ${files.html}`] : []),
  ].join('\n');
}
