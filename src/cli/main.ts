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
import { experimentJsonSchema, parseExperiment, type Experiment, type ScenarioOverrides } from '../models/chain/experiment.ts';
import { runRareExperiment } from '../models/rare-event/run.ts';
import { isMultiExperiment, parseMultiExperiment, runMultiExperiment, type MultiExperiment } from '../models/multi/run.ts';
import { multiHumanReport, writeMultiOutputs } from '../models/multi/report.ts';
import { isSongExperiment, parseSongExperiment, runSongExperiment, type SongExperiment } from '../models/song/run.ts';
import { songHumanReport, writeSongOutputs } from '../models/song/report.ts';
import { isSpikingExperiment, parseSpikingExperiment, runSpikingExperiment, type SpikingExperiment } from '../models/spiking/run.ts';
import { spikingHumanReport, writeSpikingOutputs } from '../models/spiking/report.ts';
import { rareHumanReport, writeRareOutputs } from '../models/rare-event/report.ts';
import { isHebbianExperiment, parseHebbianExperiment, runHebbianExperiment, type HebbianExperiment } from '../models/hebbian/run.ts';
import { hebbianHumanReport, writeHebbianOutputs } from '../models/hebbian/report.ts';
import { isNatgradExperiment, parseNatgradExperiment, runNatgradExperiment, type NatgradExperiment } from '../models/natgrad/run.ts';
import { natgradHumanReport, writeNatgradOutputs } from '../models/natgrad/report.ts';
import { ScenarioError } from '../core/errors.ts';
import { RunFailedError, runExperiment, type ExperimentResult } from '../run/run-experiment.ts';
import { experimentOfState, mergeShardStates, resultFromState } from '../run/merge.ts';
import { codeIdentity } from '../core/provenance.ts';
import {
  STATE_FILE, STATE_FORMAT, StateError, experimentHash, identityMismatch, loadFsModules, readState, writeStateAtomic,
  type RunState, type Shard,
} from '../run/state.ts';
import type { PointSummary, Summary, SweepSummary } from '../models/chain/summary.ts';
import { writeRunOutputs, type RunOutputs } from '../models/chain/report.ts';
import { stderrProgress } from './progress.ts';

const USAGE = `usage:
  stdp-mc run <experiment.json> [--engine auto|webgpu|gpujs|cpu] [--trajectories N] [--steps K] [--seed S]
                                [--out DIR] [--json] [--progress] [--no-report] [--force] [--shard i/n]
  stdp-mc run <experiment.json> --resume DIR      continue a stopped run (same experiment, options and code)
  stdp-mc merge DIR... [--out DIR] [--force]      combine shards 1/n..n/n into the single run's summary and report
  stdp-mc report DIR                              rebuild summary.json and the report from DIR/state.json
  stdp-mc schema
  --duration S (seconds) shortens a natural-gradient experiment (its checkpoints beyond S are dropped).
Writes DIR/state.json after every batch, then DIR/summary.json, DIR/report.html, CSV tables and SVG/PNG plots
(default DIR: runs/<experiment name>); --json prints the summary alone on stdout; --no-report writes the summary
only. An existing run in DIR is never overwritten without --force.`;

class UsageError extends Error {}

function intArg(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} must be a non-negative integer, got "${v}"`);
  return Number(v);
}

function numArg(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (!/^\d+(\.\d*)?([eE][+-]?\d+)?$/.test(v) || !(x > 0)) throw new UsageError(`--${name} must be a positive number, got "${v}"`);
  return x;
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
    ...(s.shard ? [`shard ${s.shard.index}/${s.shard.count}: a partial result; combine all ${s.shard.count} shards with stdp-mc merge`] : []),
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

function parseShard(v: string | undefined): Shard | null {
  if (v === undefined) return null;
  const m = /^(\d+)\/(\d+)$/.exec(v);
  if (!m || Number(m[2]) < 1 || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) {
    throw new UsageError(`--shard must be i/n with 1 ≤ i ≤ n (e.g. 2/8), got "${v}"`);
  }
  return { index: Number(m[1]), count: Number(m[2]) };
}

async function exists(file: string): Promise<boolean> {
  const fs = await import('node:fs/promises');
  return fs.access(file).then(() => true, () => false);
}

/** Refuse to write over an earlier run's files unless --force. */
async function guardOutDir(dir: string, force: boolean, hint: string): Promise<void> {
  const path = await import('node:path');
  for (const f of [STATE_FILE, 'summary.json']) {
    if (await exists(path.join(dir, f))) {
      if (!force) throw new UsageError(`${dir} already holds a run (${f}): ${hint}, or pass --force to overwrite it`);
      const fs = await import('node:fs/promises');
      await fs.rm(path.join(dir, f), { force: true });
    }
  }
}

async function emit(outDir: string, result: ExperimentResult, values: { json?: boolean; 'no-report'?: boolean }): Promise<void> {
  const proc = (globalThis as any).process;
  const out = await writeRunOutputs(outDir, result, { report: !values['no-report'] });
  if (values.json) proc.stdout.write(JSON.stringify(out.summary, null, 2) + '\n');
  else console.log(humanReport(out.summary, out.files));
}

/**
 * A model that runs whole (no state file, no shards): several outputs, the spiking network, Song–Miller–Abbott, and
 * rare-event estimation. Guards the output folder, hands the run a progress sink for stderr (a bar, or a line a
 * second), writes its outputs and prints the summary (--json) or the human report.
 */
async function runWhole<R, S>(
  name: string, values: Record<string, unknown>, noShardMessage: string,
  run: (progress: { bar?: ReturnType<typeof stderrProgress>; line?: (msg: string) => void }) => Promise<R>,
  write: (dir: string, r: R, o: { report: boolean }) => Promise<{ summary: S; files: { summary: string; html?: string } }>,
  human: (s: S, files: { summary: string; html?: string }) => string,
): Promise<number> {
  if (values.shard !== undefined || values.resume !== undefined) throw new UsageError(noShardMessage);
  const path = await import('node:path');
  const fs = await import('node:fs/promises');
  const outDir = (values.out as string | undefined) ?? path.join('runs', name.replace(/[^\w.-]+/g, '_'));
  await fs.mkdir(outDir, { recursive: true });
  await guardOutDir(outDir, !!values.force, 'choose another --out');
  const proc = (globalThis as any).process;
  const show = !values.json || values.progress;
  let last = 0;
  const r = await run(show ? {
    bar: stderrProgress((t) => proc.stderr.write(t), !!proc.stderr.isTTY),
    line: (msg) => {
      if (performance.now() - last < 1000) return;
      last = performance.now();
      proc.stderr.write(`${msg}\n`);
    },
  } : {});
  const out = await write(outDir, r, { report: !values['no-report'] });
  if (values.json) proc.stdout.write(JSON.stringify(out.summary, null, 2) + '\n');
  else console.log(human(out.summary, out.files));
  return 0;
}

const NOT_CHECKPOINTED = '--shard and --resume apply to chain experiments';

/** A several-outputs experiment (scenario.model "multi"): batches merged in order, no state file. */
function runMulti(exp: MultiExperiment, engine: EngineChoice, values: Record<string, unknown>, command: string): Promise<number> {
  return runWhole(exp.name, values, `${NOT_CHECKPOINTED}; a several-outputs run is not checkpointed`,
    ({ bar }) => runMultiExperiment(exp, { engine, command, onProgress: bar ? (done, total, sec) => bar({ done, total, elapsedSeconds: sec }) : undefined }),
    writeMultiOutputs, multiHumanReport);
}

/** A spiking-network experiment (scenario.model "spiking"). */
function runSpiking(exp: SpikingExperiment, engine: EngineChoice, values: Record<string, unknown>, command: string): Promise<number> {
  return runWhole(exp.name, values, NOT_CHECKPOINTED,
    ({ bar }) => runSpikingExperiment(exp, { engine, command, onProgress: bar }), writeSpikingOutputs, spikingHumanReport);
}

/** A Song–Miller–Abbott experiment (scenario.model "song"). */
function runSong(exp: SongExperiment, engine: EngineChoice, values: Record<string, unknown>, command: string): Promise<number> {
  return runWhole(exp.name, values, NOT_CHECKPOINTED,
    ({ bar }) => runSongExperiment(exp, { engine, command, onProgress: bar }), writeSongOutputs, songHumanReport);
}

/** A Hebbian-alignment experiment (scenario.model "hebbian"). */
function runHebbian(exp: HebbianExperiment, engine: EngineChoice, values: Record<string, unknown>, command: string): Promise<number> {
  return runWhole(exp.name, values, NOT_CHECKPOINTED,
    ({ bar }) => runHebbianExperiment(exp, { engine, command, onProgress: bar }), writeHebbianOutputs, hebbianHumanReport);
}

/** A natural-gradient learning experiment (scenario.model "natgrad"). */
function runNatgrad(exp: NatgradExperiment, engine: EngineChoice, values: Record<string, unknown>, command: string): Promise<number> {
  return runWhole(exp.name, values, NOT_CHECKPOINTED,
    ({ bar }) => runNatgradExperiment(exp, { engine, command, onProgress: bar }), writeNatgradOutputs, natgradHumanReport);
}

/** A rare-event experiment: one estimator run per grid point (not checkpointed: each point is one short job). */
function runRare(exp: Experiment, engine: EngineChoice, values: Record<string, unknown>, command: string): Promise<number> {
  return runWhole(exp.name, values, '--shard and --resume apply to batch runs; a rare-event experiment runs whole (split it by grid points instead)',
    ({ line }) => runRareExperiment(exp, { engine, command, onProgress: line }), writeRareOutputs, rareHumanReport);
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
      resume: { type: 'string' },
      shard: { type: 'string' },
      force: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      progress: { type: 'boolean', default: false },
      'no-report': { type: 'boolean', default: false },
      'steps-per-dispatch': { type: 'string' },
      'batch-size': { type: 'string' },
      duration: { type: 'string' },
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
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  await loadFsModules();
  const command = ['stdp-mc', ...argv].join(' ');
  if (cmd === 'merge') {
    const dirs = positionals.slice(1);
    if (!dirs.length) throw new UsageError('merge needs the shard run directories');
    const inputs = [];
    for (const dir of dirs) {
      const state = await readState(dir);
      // A shard's summary.json is derived from its state; a corrupted one means the directory was tampered with.
      const sf = path.join(dir, 'summary.json');
      if (await exists(sf)) {
        try { JSON.parse(await fs.readFile(sf, 'utf8')); } catch { throw new StateError(`${sf} is corrupted (not valid JSON); the shard was not merged`); }
      }
      inputs.push({ dir, state });
    }
    const merged = mergeShardStates(inputs);
    const outDir = values.out ?? path.join('runs', `${merged.name.replace(/[^\w.-]+/g, '_')}-merged`);
    await fs.mkdir(outDir, { recursive: true });
    await guardOutDir(outDir, values.force, 'choose another --out');
    await writeStateAtomic(outDir, merged);
    await emit(outDir, resultFromState(merged, experimentOfState(merged), command), values);
    return 0;
  }
  if (cmd === 'report') {
    if (!file) throw new UsageError('report needs a run directory');
    const state = await readState(file);
    if (!state.complete) throw new StateError(`the run in ${file} is incomplete: finish it with stdp-mc run <experiment> --resume ${file}`);
    await emit(file, resultFromState(state, experimentOfState(state), command), values);
    return 0;
  }
  if (cmd !== 'run') throw new UsageError(`unknown command "${cmd}"`);
  if (!file) throw new UsageError('run needs an experiment file');
  const engine = values.engine as EngineChoice;
  if (!ENGINE_CHOICES.includes(engine)) throw new UsageError(`--engine must be one of ${ENGINE_CHOICES.join(', ')}`);

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
  if (isMultiExperiment(json)) return runMulti(parseMultiExperiment(json, overrides), engine, values, command);
  if (isSpikingExperiment(json)) return runSpiking(parseSpikingExperiment(json, overrides), engine, values, command);
  const noSteps = (model: string) => {
    if (overrides.steps !== undefined) throw new UsageError(`--steps does not apply to ${model} experiments: change its duration or steps in the file`);
    return { trajectories: overrides.trajectories, seed: overrides.seed };
  };
  if (isSongExperiment(json)) return runSong(parseSongExperiment(json, noSteps('Song–Miller–Abbott')), engine, values, command);
  if (isNatgradExperiment(json)) {
    return runNatgrad(parseNatgradExperiment(json, { ...noSteps('natural-gradient'), duration: numArg('duration', values.duration as string | undefined) }), engine, values, command);
  }
  if (isHebbianExperiment(json)) return runHebbian(parseHebbianExperiment(json, noSteps('Hebbian-alignment')), engine, values, command);
  const exp = parseExperiment(json, overrides);
  let shard = parseShard(values.shard);
  if (exp.rareEvent) return runRare(exp, engine, values, command);
  const source = { experiment: json, overrides: Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) };
  const id = await codeIdentity();
  const identity = {
    experimentHash: await experimentHash(source), source, name: exp.name, seed: exp.scenario.seed,
    version: id.version, gitCommit: id.gitCommit, engine: '',
  };
  let state: RunState | null = null;
  let outDir: string;
  if (values.resume !== undefined) {
    outDir = values.resume;
    if (values.out !== undefined && path.resolve(values.out) !== path.resolve(outDir)) throw new UsageError('--resume DIR writes to DIR: leave out --out');
    state = await readState(outDir);
    const bad = identityMismatch(state, { ...identity, engine: state.engine }, `cannot resume ${outDir}`);
    if (bad) throw new StateError(bad);
    if (shard && (!state.shard || state.shard.index !== shard.index || state.shard.count !== shard.count)) {
      throw new StateError(`cannot resume ${outDir} as shard ${shard.index}/${shard.count}: it holds ${state.shard ? `shard ${state.shard.index}/${state.shard.count}` : 'an unsharded run'}`);
    }
    shard = state.shard;
  } else {
    outDir = values.out ?? path.join('runs', exp.name.replace(/[^\w.-]+/g, '_'));
    await fs.mkdir(outDir, { recursive: true });
    await guardOutDir(outDir, values.force, `continue it with --resume ${outDir}`);
  }
  const showProgress = !values.json || values.progress;
  const proc = (globalThis as any).process;

  // SIGINT/SIGTERM: abort the batch in flight and exit once the state on disk is consistent (it is written
  // synchronously after each batch, so it always is when a handler runs); SIGKILL loses at most that batch.
  const controller = new AbortController();
  let stopSignal: string | null = null;
  const onSignal = (sig: string) => () => {
    if (stopSignal) return;
    stopSignal = sig;
    controller.abort();
  };
  const handlers: [string, () => void][] = [['SIGINT', onSignal('SIGINT')], ['SIGTERM', onSignal('SIGTERM')]];
  for (const [sig, h] of handlers) proc.on?.(sig, h);
  const now = new Date().toISOString();
  let current: RunState | null = state;
  const save = async () => writeStateAtomic(outDir, current!);
  // The same command with --resume DIR in place of --out DIR and --force (options and overrides must match).
  const kept: string[] = [];
  for (let j = 0; j < argv.length; j++) {
    const a = argv[j]!;
    if (a === '--out' || a === '--resume') { j++; continue; }
    if (a.startsWith('--out=') || a.startsWith('--resume=') || a === '--force') continue;
    kept.push(a);
  }
  const resumeHint = `continue with: stdp-mc ${[...kept, '--resume', outDir].join(' ')}`;
  let result: ExperimentResult;
  try {
    result = await runExperiment(exp, {
      engine,
      shard,
      done: state?.batches,
      signal: controller.signal,
      stepsPerDispatch: intArg('steps-per-dispatch', values['steps-per-dispatch']),
      batchSize: intArg('batch-size', values['batch-size']),
      onProgress: showProgress ? stderrProgress((s) => proc.stderr.write(s), !!proc.stderr.isTTY) : undefined,
      command,
      onEngine: (info, reason) => {
        if (state && state.engine !== info.name) {
          throw new StateError(`cannot resume ${outDir}: it was run on engine ${state.engine}, this run selected ${info.name} (pass --engine ${state.engine})`);
        }
        current ??= {
          ...identity, engine: info.name, format: STATE_FORMAT, shard, engineInfo: { ...info, reason },
          complete: false, createdAt: now, updatedAt: now, batches: [],
        };
      },
      onBatch: async (rec) => {
        current!.batches.push(rec);
        current!.updatedAt = new Date().toISOString();
        await save();
      },
    });
  } catch (e) {
    if (current?.batches.length) await save();
    if ((e as Error)?.name === 'AbortError' && stopSignal) {
      console.error(`stdp-mc: stopped by ${stopSignal}; ${current?.batches.length ?? 0} batches are saved in ${path.join(outDir, STATE_FILE)}; ${resumeHint}`);
      return stopSignal === 'SIGINT' ? 130 : 143;
    }
    if (e instanceof RunFailedError) {
      console.error(`stdp-mc: ${e.message}${current?.batches.length ? `; finished batches are saved: ${resumeHint}` : ''}`);
      return 1;
    }
    throw e;
  } finally {
    for (const [sig, h] of handlers) proc.off?.(sig, h);
  }
  current!.complete = true;
  current!.updatedAt = new Date().toISOString();
  await save();
  await emit(outDir, result, values);
  return 0;
}

export async function cli(argv: string[]): Promise<void> {
  const proc = (globalThis as any).process;
  let code: number;
  try {
    code = await main(argv);
  } catch (e) {
    if (e instanceof ScenarioError || e instanceof UsageError || e instanceof StateError) {
      console.error(`stdp-mc: ${e.message}`);
      if (e instanceof UsageError) console.error(USAGE);
      code = e instanceof StateError ? 1 : 2;
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
