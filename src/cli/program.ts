/**
 * The command line's grammar (commander): the commands run, merge, report and schema, their flags with each value
 * checked as it is read (src/cli/options.ts), per-command help, and the exit codes. Building and parsing load no
 * model, engine or report code: each command's action imports what it needs when it runs.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import {
  engineArg, folderArg, positiveIntArg, positiveNumberArg, seedArg, shardArg,
} from './options.ts';

export const EXIT_CODES_HELP = `Exit codes:
  0    done
  2    bad input, refused before any work: a flag, the experiment file (the message names the flag, field or path),
       an unusable output folder, one that holds an earlier run (without --force), or one in use by another run
       (its lock DIR/.lock names the owner's pid, host and start time)
  1    a run that failed (an engine error, an I/O error naming the path, a damaged or mismatched state log)
  130  stopped by SIGINT (Ctrl-C), 143 stopped by SIGTERM: the batches finished so far are saved (--resume DIR)`;

const RUN_HELP = `
The experiment file's scenario.model picks the model (stdp-mc schema lists the models and their fields). --steps,
--duration and --trajectories apply where the model has them; the run refuses, naming the option, what does not.

Appends every finished batch to DIR/state.jsonl (its binary parts to DIR/state.blocks), then writes
DIR/summary.json, DIR/report.html, CSV tables and SVG/PNG plots (default DIR: runs/<experiment name>); --json prints
the summary alone on stdout; --no-report writes the summary only. A progress bar goes to stderr for runs longer than
a second (--json keeps it quiet unless --progress).

One run per output folder: a run holds DIR/.lock (pid, host, start time, command) from its start to its end, and a
second run, merge or report into DIR is refused at once (exit 2), naming the owner. A lock left by a killed run
(its pid no longer runs on this host, or now belongs to another process; from another pid namespace under this host
name: not refreshed for 2 minutes) is stale: --force takes it over, and --resume DIR takes it over by itself. An
earlier run in DIR is never overwritten without --force, which replaces it whole (its state, summary and the files
its report wrote; nothing else of DIR).

Examples:
  stdp-mc run experiments/quickstart.json --engine cpu --trajectories 2000 --out runs/try
  stdp-mc run experiments/quickstart.json --resume runs/try      continue a stopped run
  stdp-mc run experiments/quickstart.json --shard 2/8 --out runs/s2

${EXIT_CODES_HELP}`;

/** The package's version (package.json next to src/), or 'unknown' outside a checkout. */
export function packageVersion(): string {
  try {
    return JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

export interface RunFlags {
  engine: import('../engines/index.ts').EngineChoice;
  trajectories?: number;
  steps?: number;
  seed?: number | string;
  duration?: number;
  out?: string;
  resume?: string;
  shard?: import('../run/model.ts').Shard;
  force?: boolean;
  json?: boolean;
  progress?: boolean;
  report: boolean;
  stepsPerDispatch?: number;
  batchSize?: number;
  workers?: number;
}

export interface OutputFlags {
  out?: string;
  force?: boolean;
  json?: boolean;
  report: boolean;
}

/** What each command does once its flags are read (main.ts imports the command modules there). */
export interface Actions {
  run(file: string, flags: RunFlags): Promise<number>;
  merge(dirs: string[], flags: OutputFlags): Promise<number>;
  report(dir: string, flags: OutputFlags): Promise<number>;
  schema(): Promise<number>;
}

function debugOption(): Option {
  return new Option('--debug', 'show stack traces of errors');
}

function outputOptions(c: Command): Command {
  return c
    .option('--json', 'print the summary alone, as JSON, on stdout')
    .option('--no-report', 'write summary.json only (no HTML report, tables or plots)');
}

/**
 * The program for one parse; `setCode` receives the action's exit code. `write` prints help and version (stdout),
 * `writeErr` help asked for by mistake (stderr); commander's own error lines are suppressed (main.ts prints them).
 */
export function buildProgram(actions: Actions, setCode: (code: number) => void, io: { write(s: string): void; writeErr(s: string): void }): Command {
  const program = new Command('stdp-mc')
    .description('Monte Carlo simulator for spike-timing-dependent plasticity (STDP) read as noisy gradient descent: every ' +
      'model runs as ensembles of independent copies on WebGPU, gpu.js or the CPU reference engine.')
    .usage('<command> [options]')
    .version(`stdp-mc ${packageVersion()}`, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show this help (stdp-mc <command> --help: that command\'s options)')
    .addOption(debugOption())
    .exitOverride()
    .configureOutput({ writeOut: io.write, writeErr: io.writeErr, outputError: () => undefined })
    .showSuggestionAfterError(true)
    .addHelpText('after', `\n${EXIT_CODES_HELP}`);
  program.configureHelp({ helpWidth: 116 });

  program.command('run')
    .description('run an experiment file (or continue a stopped run with --resume DIR)')
    .argument('<experiment.json>', 'the experiment file (stdp-mc schema prints its JSON Schema)')
    .option('--engine <name>', 'engine: auto, webgpu, gpujs or cpu', engineArg, 'auto')
    .option('--trajectories <N>', 'copies per grid point (where the model has them)', positiveIntArg('trajectories'))
    .option('--steps <K>', 'steps per copy (where the model has them)', positiveIntArg('steps'))
    .option('--duration <seconds>', 'simulated time per copy (where the model has it)', positiveNumberArg('duration'))
    .option('--seed <S>', 'seed: a number (an integer ≥ 0, as in the file) or a string', seedArg)
    .option('--out <DIR>', 'output folder (default runs/<experiment name>)', folderArg('--out'))
    .option('--resume <DIR>', 'continue the stopped run in DIR (same experiment, options and code)', folderArg('--resume'))
    .option('--shard <i/n>', 'run only shard i of n (combine the n folders with stdp-mc merge)', shardArg)
    .option('--force', 'overwrite an earlier run in the output folder; take over a stale lock')
    .option('--progress', 'show the progress bar even with --json')
    .option('--steps-per-dispatch <K>', 'the engine\'s steps per dispatch (results do not depend on it)', positiveIntArg('steps-per-dispatch'))
    .option('--batch-size <M>', 'the engine\'s copies per batch in flight (results do not depend on it)', positiveIntArg('batch-size'))
    .option('--workers <n>', 'with --engine cpu: run n batches at once in worker threads (results do not depend on it)', positiveIntArg('workers'))
    .addOption(debugOption())
    .addHelpText('after', RUN_HELP)
    .action(async (file: string, flags: RunFlags) => setCode(await actions.run(file, flags)));
  outputOptions(program.commands.at(-1)!);

  outputOptions(program.command('merge')
    .description('combine the folders of shards 1/n..n/n into the single run\'s state, summary and report')
    .argument('<DIR...>', 'the shards\' output folders')
    .option('--out <DIR>', 'output folder (default runs/<experiment name>-merged)', folderArg('--out'))
    .option('--force', 'overwrite an earlier merge in the output folder; take over a stale lock'))
    .addOption(debugOption())
    .addHelpText('after', `\nThe merged summary equals the single run's (counts exactly, floating-point sums too).\n\n${EXIT_CODES_HELP}`)
    .action(async (dirs: string[], flags: OutputFlags) => setCode(await actions.merge(dirs, flags)));

  outputOptions(program.command('report')
    .description('rebuild summary.json and the report of a finished run from DIR/state.jsonl')
    .argument('<DIR>', 'the run\'s output folder')
    .option('--force', 'take over a stale lock'))
    .addOption(debugOption())
    .addHelpText('after', `\n${EXIT_CODES_HELP}`)
    .action(async (dir: string, flags: OutputFlags) => setCode(await actions.report(dir, flags)));

  program.command('schema')
    .description('print the experiment file\'s JSON Schema (every model\'s fields)')
    .addOption(debugOption())
    .action(async () => setCode(await actions.schema()));

  return program;
}
