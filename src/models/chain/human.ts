/** What the command line prints for a chain run: the engine, the checkpoint table, the verdicts, where the files are. */
import { adapterName } from '../../engines/index.ts';
import type { WrittenFiles } from '../../report/build-report.ts';
import type { PointSummary, PrecisionTargetOutcome, Summary, SweepSummary } from './summary.ts';
import { comparisonLines } from '../../report/terminal.ts';

function fmt(v: number | null | undefined, digits = 4): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '-' : Number(v.toPrecision(digits)).toString();
}

function checkpointTable(p: PointSummary): string[] {
  const lines = [
    `${'step'.padStart(9)} ${'P(argmax=i*)'.padStart(12)} ${'mean log(1-p*)'.padStart(15)} ${'median'.padStart(10)} ${'10%'.padStart(10)} ${'90%'.padStart(10)} ${'1-p*<1e-4'.padStart(10)}`,
  ];
  const cps = p.checkpoints;
  const pick = cps.length <= 12 ? cps : Array.from({ length: 12 }, (_, j) => cps[Math.round((j * (cps.length - 1)) / 11)]!);
  for (const c of pick) {
    const q = (lv: number) => c.logGapQuantiles.find((x) => x.q === lv)?.value;
    lines.push(
      `${String(c.step).padStart(9)} ${fmt(c.successCount / c.trajectories).padStart(12)} ${fmt(c.meanLogGap).padStart(15)} ` +
        `${fmt(q(0.5)).padStart(10)} ${fmt(q(0.1)).padStart(10)} ${fmt(q(0.9)).padStart(10)} ${fmt(c.belowDelta[1]!.count / c.trajectories).padStart(10)}`,
    );
  }
  return lines;
}

function targetLine(t: PrecisionTargetOutcome): string {
  return `precision target: interval width ${fmt(t.width, 3)} ${t.met ? '<' : '≥'} ${t.successCIWidth}: ${t.met ? 'met' : `not met at the cap of ${t.maxTrajectories} trajectories`}`;
}

export function chainHumanReport(s: Summary | SweepSummary, out: WrittenFiles): string {
  const head = [
    `stdp-mc: ${s.name}`,
    `engine: ${s.engine.name} on ${s.engine.runtime}${s.engine.adapter ? ` (${adapterName(s.engine.adapter as any)})` : ''} — ${s.engine.reason}`,
  ];
  const tail = [
    ...(s.shard ? [`shard ${s.shard.index}/${s.shard.count}: a partial result; combine all ${s.shard.count} shards with stdp-mc merge`] : []),
    `engine and batches: ${s.timing.wallSeconds.toFixed(2)} s, ${fmt(s.timing.trajectoryStepsPerSecond, 3)} trajectory-steps/s`,
    `summary: ${out.summary}`,
    ...(out.html ? [`report: ${out.html} (${out.plots.length} plots as SVG and PNG, ${out.csv.length} CSV tables)`] : []),
  ];
  if ('points' in s) {
    const lines = [...head, `sweep over ${s.sweep.axes.join(', ')}: ${s.sweep.points} grid points`, ''];
    lines.push(`${'grid point'.padEnd(48)} ${'P(argmax=i*)'.padStart(12)} ${'95% CI (Wilson)'.padStart(20)} ${'N'.padStart(8)}`);
    for (const p of s.points) {
      lines.push(`${p.label.slice(0, 48).padEnd(48)} ${fmt(p.final.successProbability).padStart(12)} ${`[${fmt(p.final.successCI95[0])}, ${fmt(p.final.successCI95[1])}]`.padStart(20)} ${String(p.final.trajectories).padStart(8)}`);
    }
    for (const p of s.points) if (p.precisionTarget) lines.push(`${p.label}: ${targetLine(p.precisionTarget)}`);
    for (const p of s.points) for (const w of p.warnings) lines.push(`warning (${p.label}): ${w}`);
    lines.push(...comparisonLines([...s.points.flatMap((p) => p.comparisons.map((c) => ({ ...c, point: p.label }))), ...s.comparisons], { condense: true }));
    return [...lines, '', ...tail].join('\n');
  }
  const sc = s.scenario as any;
  const f = s.final;
  return [
    ...head,
    `scenario: d=${sc.d} rates=(${sc.rates.join(', ')}) alpha=${sc.alpha} noise=${sc.noise.law}[±${sc.noise.halfWidth}] ` +
      `K=${sc.steps} N=${s.trajectories} seed=${JSON.stringify(sc.seed)} i*=${sc.iStar + 1}`,
    ...s.warnings.map((w) => `warning: ${w}`),
    '',
    ...checkpointTable(s),
    '',
    `final (step ${f.step}): P(argmax p = i*) = ${fmt(f.successProbability)}  95% CI [${fmt(f.successCI95[0])}, ${fmt(f.successCI95[1])}] (Wilson), N = ${f.trajectories}`,
    ...(s.precisionTarget ? [targetLine(s.precisionTarget)] : []),
    ...comparisonLines(s.comparisons),
    '',
    ...tail,
  ].join('\n');
}

