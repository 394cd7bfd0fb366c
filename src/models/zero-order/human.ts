/** What the command line prints for a zero-order run: per grid point the terminal and sup RMS errors, the slopes. */
import type { WrittenFiles } from '../../report/build-report.ts';
import type { ZeroOrderSummary } from './files.ts';
import { comparisonLines } from '../../report/terminal.ts';

export function zeroOrderHumanReport(s: ZeroOrderSummary, files: Pick<WrittenFiles, 'summary' | 'html'>): string {
  const f = (v: number | null | undefined, d = 4) => (v === null || v === undefined || !Number.isFinite(v) ? '-' : Number(v.toPrecision(d)).toString());
  const slope = (x: { value: number; ci95: [number, number] } | null) => (x ? `${f(x.value, 3)} [${f(x.ci95[0], 3)}, ${f(x.ci95[1], 3)}]` : '-');
  const c = s.convergence;
  // Without a closed form (the network) the bias is the result to read: the error levels off at it as n grows.
  const noClosedForm = s.points.every((p) => p.terminal.exactRms === null);
  return [
    `stdp-mc: ${s.name} (zero-order learner, Christensen & Kallsen — labelled reconstruction: ${s.points.length} (d, n) points × ${s.scenario.trajectories} replicates)`,
    `engine: ${(s.engine as { name: string }).name} on ${(s.engine as { runtime: string }).runtime} — ${(s.engine as { reason: string }).reason}`,
    `${s.reconstruction.parts}`,
    ...((s.scenario as { warnings?: string[] }).warnings ?? []).map((w) => `warning: ${w}`),
    '',
    'at the end: RMS ‖Zⁿ_T − Z_T‖ [95%], RMS sup_t ‖Zⁿ_t − Z_t‖ [95%], exact H = I value where it exists' +
      (noClosedForm ? ', and the bias ‖E Zⁿ_T − Z_T‖ (√(‖mean error‖² − noise floor²), the noise floor: the norm the mean of the replicates has from their scatter alone)' : '') + ':',
    ...s.points.map((p) => {
      const t = p.terminal;
      return `  d ${p.d}, n ${p.n}: ${f(t.rmsError.value)} [${f(t.rmsError.ci?.[0])}, ${f(t.rmsError.ci?.[1])}], sup ${f(t.rmsSup.value)} [${f(t.rmsSup.ci?.[0])}, ${f(t.rmsSup.ci?.[1])}]` +
        (t.exactRms !== null ? `, exact ${f(t.exactRms)}` : '') +
        (noClosedForm && p.bias?.squared != null ? `, bias ${f(Math.sqrt(Math.max(0, p.bias.squared)), 3)} (‖mean error‖ ${f(p.bias.meanErrorNorm, 3)}, noise floor ${f(p.bias.noiseFloor, 3)})` : '') + (p.flaggedCopies ? `, ${p.flaggedCopies} flagged (${p.faults.join(', ')})` : '');
    }),
    `slope in n (RMS sup-error): ${slope(c.slopeInN)}   (−½ stated)`,
    `slope in d (RMS terminal error): ${slope(c.slopeInD)}   (½ stated)` + (c.expected?.terminalSlopeInD != null ? `; exact H = I theory on this design ${f(c.expected.terminalSlopeInD, 3)}` : ''),
    `slope in d (RMS sup-error): ${slope(c.sup.slopeInD)}`,
    ...comparisonLines(s.comparisons),
    '', `engine and batches: ${s.timing.wallSeconds.toFixed(2)} s`, `summary: ${files.summary}`, ...(files.html ? [`report: ${files.html}`] : []),
  ].join('\n');
}
