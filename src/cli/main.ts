#!/usr/bin/env -S deno run -A
/**
 * Command-line entry, for Node (bin/stdp-mc.js) and Deno (`deno run -A src/cli/main.ts`, or `deno task stdp-mc`).
 *
 *   stdp-mc run <experiment.json> [--engine auto|webgpu|gpujs|cpu] [--trajectories N] [--steps K] [--seed S]
 *                                 [--out DIR] [--json] [--progress]
 *   stdp-mc schema            print the experiment file's JSON Schema
 */
import { parseArgs } from 'node:util';
import { ENGINE_CHOICES, adapterName, type EngineChoice } from '../engines/index.ts';
import { experimentJsonSchema, parseExperiment, type ScenarioOverrides } from '../model/experiment.ts';
import { ScenarioError } from '../model/scenario.ts';
import { runExperiment } from '../orchestrator/run-experiment.ts';
import type { PointSummary, Summary, SweepSummary } from '../orchestrator/summary.ts';
import { writeRunOutputs, type RunOutputs } from '../report/build-report.ts';
import { stderrProgress } from './progress.ts';

const USAGE = `usage:
  stdp-mc run <experiment.json> [--engine auto|webgpu|gpujs|cpu] [--trajectories N] [--steps K] [--seed S]
                                [--out DIR] [--json] [--progress] [--no-report]
  stdp-mc schema
Writes DIR/summary.json, DIR/report.html, CSV tables and SVG/PNG plots (default DIR: runs/<experiment name>);
--json prints the summary alone on stdout; --no-report writes summary.json only.`;

class UsageError extends Error {}

function intArg(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} must be a non-negative integer, got "${v}"`);
  return Number(v);
}

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

function comparisonTable(rows: { quantity: string; empirical: number | null; interval: [number, number] | null; theory: number | null; verdict: string }[]): string[] {
  if (!rows.length) return [];
  const lines = ['', 'empirical against theory:'];
  for (const c of rows) {
    const emp = c.empirical === null ? '-' : `${fmt(c.empirical)}${c.interval ? ` [${fmt(c.interval[0])}, ${fmt(c.interval[1])}]` : ''}`;
    lines.push(`  ${c.verdict.padEnd(14)} ${c.quantity}: ${emp} vs ${fmt(c.theory)}`);
  }
  return lines;
}

export function humanReport(s: Summary | SweepSummary, out: RunOutputs['files']): string {
  const head = [
    `stdp-mc: ${s.name}`,
    `engine: ${s.engine.name} on ${s.engine.runtime}${s.engine.adapter ? ` (${adapterName(s.engine.adapter as any)})` : ''} — ${s.engine.reason}`,
  ];
  const tail = [
    `time: ${s.timing.wallSeconds.toFixed(2)} s, ${fmt(s.timing.trajectoryStepsPerSecond, 3)} trajectory-steps/s`,
    `summary: ${out.summary}`,
    ...(out.html ? [`report: ${out.html} (${out.plots.length} plots as SVG and PNG, ${out.csv.length} CSV tables)`] : []),
  ];
  if ('points' in s) {
    const lines = [...head, `sweep over ${s.sweep.axes.join(', ')}: ${s.sweep.points} grid points`, ''];
    lines.push(`${'grid point'.padEnd(48)} ${'P(argmax=i*)'.padStart(12)} ${'95% CI (Wilson)'.padStart(20)} ${'N'.padStart(8)}`);
    for (const p of s.points) {
      lines.push(`${p.label.slice(0, 48).padEnd(48)} ${fmt(p.final.successProbability).padStart(12)} ${`[${fmt(p.final.successCI95[0])}, ${fmt(p.final.successCI95[1])}]`.padStart(20)} ${String(p.final.trajectories).padStart(8)}`);
    }
    lines.push(...comparisonTable([...s.points.flatMap((p) => p.comparisons.filter((c) => c.verdict !== 'not comparable').map((c) => ({ ...c, quantity: `${p.label}: ${c.quantity}` }))), ...s.comparisons]));
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
    ...comparisonTable(s.comparisons),
    '',
    ...tail,
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      engine: { type: 'string', default: 'auto' },
      trajectories: { type: 'string' },
      steps: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean', default: false },
      progress: { type: 'boolean', default: false },
      'no-report': { type: 'boolean', default: false },
      'steps-per-dispatch': { type: 'string' },
      'batch-size': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [cmd, file] = positionals;
  if (values.help || !cmd) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  if (cmd === 'schema') {
    console.log(JSON.stringify(experimentJsonSchema(), null, 2));
    return 0;
  }
  if (cmd !== 'run') throw new UsageError(`unknown command "${cmd}"`);
  if (!file) throw new UsageError('run needs an experiment file');
  const engine = values.engine as EngineChoice;
  if (!ENGINE_CHOICES.includes(engine)) throw new UsageError(`--engine must be one of ${ENGINE_CHOICES.join(', ')}`);

  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  let json: unknown;
  try {
    json = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`cannot read experiment file ${file}: ${(e as Error).message}`);
  }
  const seedArg = values.seed;
  const overrides: ScenarioOverrides = {
    trajectories: intArg('trajectories', values.trajectories),
    steps: intArg('steps', values.steps),
    seed: seedArg === undefined ? undefined : /^\d+$/.test(seedArg) ? Number(seedArg) : seedArg,
  };
  const exp = parseExperiment(json, overrides);
  const outDir = values.out ?? path.join('runs', exp.name.replace(/[^\w.-]+/g, '_'));
  const showProgress = !values.json || values.progress;
  const proc = (globalThis as any).process;
  const result = await runExperiment(exp, {
    engine,
    stepsPerDispatch: intArg('steps-per-dispatch', values['steps-per-dispatch']),
    batchSize: intArg('batch-size', values['batch-size']),
    onProgress: showProgress ? stderrProgress((s) => proc.stderr.write(s), !!proc.stderr.isTTY) : undefined,
    command: ['stdp-mc', ...argv].join(' '),
  });
  const out = await writeRunOutputs(outDir, result, { report: !values['no-report'] });
  if (values.json) proc.stdout.write(JSON.stringify(out.summary, null, 2) + '\n');
  else console.log(humanReport(out.summary, out.files));
  return 0;
}

export async function cli(argv: string[]): Promise<void> {
  const proc = (globalThis as any).process;
  let code: number;
  try {
    code = await main(argv);
  } catch (e) {
    if (e instanceof ScenarioError || e instanceof UsageError) {
      console.error(`stdp-mc: ${e.message}`);
      if (e instanceof UsageError) console.error(USAGE);
      code = 2;
    } else {
      console.error(`stdp-mc: ${(e as Error)?.stack ?? e}`);
      code = 1;
    }
  }
  // Dawn and gpu.js can keep handles open: exit explicitly once the output is flushed.
  proc.exitCode = code;
  proc.stdout.write('', () => proc.exit(code));
}

if ((import.meta as any).main) {
  await cli((globalThis as any).Deno.args);
}
