#!/usr/bin/env -S deno run -A
/**
 * Command-line entry, for Node (bin/stdp-mc.js) and Deno (`deno run -A src/cli/main.ts`, or `deno task stdp-mc`).
 * Every model runs the same way (src/cli/run-command.ts): the experiment file's scenario.model picks it from the
 * registry (src/models/registry.ts).
 */
import { parseArgs } from 'node:util';
import { ENGINE_CHOICES, type EngineChoice } from '../engines/index.ts';
import { OptionError, ScenarioError } from '../core/errors.ts';
import { experimentJsonSchema, modelNames } from '../models/registry.ts';
import type { Shard } from '../run/model.ts';
import { EngineUnavailableError } from '../engines/types.ts';
import { StateError, loadFsModules } from '../run/state.ts';
import { codeIdentity } from '../core/provenance.ts';
import { UsageError, mergeCommand, reportCommand, runCommand } from './run-command.ts';

const USAGE = `usage:
  stdp-mc run <experiment.json> [--engine auto|webgpu|gpujs|cpu] [--trajectories N] [--steps K] [--seed S]
                                [--duration S] [--out DIR] [--json] [--progress] [--no-report] [--force] [--shard i/n]
  stdp-mc run <experiment.json> --resume DIR      continue a stopped run (same experiment, options and code)
  stdp-mc merge DIR... [--out DIR] [--force]      combine shards 1/n..n/n into the single run's summary and report
  stdp-mc report DIR                              rebuild summary.json and the report from DIR/state.jsonl
  stdp-mc schema                                  print the experiment file's JSON Schema
  stdp-mc --version
  --steps-per-dispatch K, --batch-size M          the engine's chunking (results do not depend on them)
Exit codes: 0 done, 2 bad input (the message names the field or flag), 1 a failed run, 130/143 stopped by SIGINT/SIGTERM.
Models: ${modelNames().join(', ')} (the experiment file's scenario.model). --steps, --duration (seconds) and
--trajectories apply where the model has them; the run says which do not.
Appends every finished batch to DIR/state.jsonl, then writes DIR/summary.json, DIR/report.html, CSV tables and
SVG/PNG plots (default DIR: runs/<experiment name>); --json prints the summary alone on stdout; --no-report writes
the summary only. An existing run in DIR is never overwritten without --force.`;

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

function parseShard(v: string | undefined): Shard | null {
  if (v === undefined) return null;
  const m = /^(\d+)\/(\d+)$/.exec(v);
  if (!m || Number(m[2]) < 1 || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) {
    throw new UsageError(`--shard must be i/n with 1 ≤ i ≤ n (e.g. 2/8), got "${v}"`);
  }
  return { index: Number(m[1]), count: Number(m[2]) };
}

/** The package's version (package.json), or 'unknown' outside a checkout. */
async function version(): Promise<string> {
  return (await codeIdentity()).version;
}

/** A number-like seed flag is a number, so the file's rules (an integer ≥ 0) apply to it; anything else is a string seed. */
function seedArg(v: string | undefined): number | string | undefined {
  if (v === undefined) return undefined;
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v.trim()) ? Number(v) : v;
}

function positiveIntArg(name: string, v: string | undefined): number | undefined {
  const x = intArg(name, v);
  if (x === 0) throw new UsageError(`--${name} must be a positive integer, got "${v}"`);
  return x;
}

function parse(argv: string[]) {
  try {
    return parseArgs({
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
      version: { type: 'boolean', default: false },
    },
  });
  } catch (e) {
    // node:util's parseArgs: an unknown flag, a flag without its value, a value for a boolean flag
    throw new UsageError((e as Error).message.split('\n')[0]!.replace(/\. To specify a positional argument.*$/, ''));
  }
}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv);
  if (values.version) {
    console.log(`stdp-mc ${await version()}`);
    return 0;
  }
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
  await loadFsModules();
  const command = ['stdp-mc', ...argv].join(' ');
  const output = { json: values.json, noReport: values['no-report'] };
  if (cmd === 'merge') return mergeCommand(positionals.slice(1), values.out, values.force, output, command);
  if (cmd === 'report') {
    if (!file) throw new UsageError('report needs a run directory');
    return reportCommand(file, output, command);
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
  return runCommand({
    file, json, engine, argv, command, output,
    overrides: {
      trajectories: positiveIntArg('trajectories', values.trajectories),
      steps: intArg('steps', values.steps),
      seed: seedArg(values.seed),
      duration: numArg('duration', values.duration as string | undefined),
    },
    out: values.out, resume: values.resume, shard: parseShard(values.shard), force: values.force,
    progress: !values.json || values.progress,
    stepsPerDispatch: positiveIntArg('steps-per-dispatch', values['steps-per-dispatch']),
    batchSize: positiveIntArg('batch-size', values['batch-size']),
  });
}

export async function cli(argv: string[]): Promise<void> {
  const proc = (globalThis as any).process;
  let code: number;
  try {
    code = await main(argv);
  } catch (e) {
    if (e instanceof ScenarioError || e instanceof UsageError || e instanceof OptionError || e instanceof StateError || e instanceof EngineUnavailableError) {
      console.error(`stdp-mc: ${e.message}`);
      if (e instanceof UsageError || e instanceof OptionError) console.error('stdp-mc --help shows the usage');
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
