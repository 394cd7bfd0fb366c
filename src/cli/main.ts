#!/usr/bin/env -S deno run -A
/**
 * Command-line entry, for Node (bin/stdp-mc.js) and Deno (`deno run -A src/cli/main.ts`, or `deno task stdp-mc`).
 * Every model runs the same way (src/cli/run-command.ts): the experiment file's scenario.model picks it from the
 * registry (src/models/registry.ts).
 *
 * `runCli(argv)` does all the command line does but exit: it prints, and returns the exit code (0 done, 2 bad input,
 * 1 a failed run, 130/143 SIGINT/SIGTERM). It keeps no state between calls and leaves no signal or exit handler
 * behind, so tests call it many times in one process. Flags, --help, --version and usage errors load only this file,
 * program.ts and options.ts; the models, engines and report are imported when a command runs.
 */
import { OptionError, ScenarioError } from '../core/errors.ts';
import { EngineUnavailableError } from '../engines/types.ts';
import { OutLockError } from '../run/out-lock.ts';
import { StateError } from '../run/state.ts';
import { UsageError } from './options.ts';
import { buildProgram, type Actions } from './program.ts';

const COMMANDS = ['run', 'merge', 'report', 'schema'];

/** The hint printed under a usage error: the help of the command it concerns. */
function usageHint(argv: string[]): string {
  const cmd = argv.find((a) => !a.startsWith('-'));
  return `stdp-mc ${cmd && COMMANDS.includes(cmd) ? `${cmd} ` : ''}--help shows the usage`;
}

/** A commander error message as one line, without its "error: " prefix. */
function commanderMessage(message: string): string {
  return message.replace(/^error: /, '').replace(/\n\(Did you mean (.*)\?\)/, ' (did you mean $1?)').replace(/\s*\n\s*/g, ' ').trim();
}

function isCommanderError(e: unknown): e is Error & { code: string; exitCode: number } {
  return typeof (e as any)?.code === 'string' && (e as any).code.startsWith('commander.') && typeof (e as any).exitCode === 'number';
}

/** A file-system error (Node's SystemError): it names the operation and the path. */
function isIoError(e: unknown): e is NodeJS.ErrnoException & { syscall: string; dest?: string } {
  return typeof (e as any)?.code === 'string' && typeof (e as any)?.syscall === 'string' && /^E[A-Z]+$/.test((e as any).code);
}

/** Print an error as the command line answers it, and return the exit code. */
export function reportError(e: unknown, argv: string[], debug: boolean): number {
  const err = e as Error;
  const stack = () => { if (debug && err?.stack) console.error(err.stack); };
  if (e instanceof ScenarioError) {
    // One line: the first three issues (path: rule), and how many more there are.
    const shown = e.issues.slice(0, 3).map((i) => `${i.path}: ${i.message.replace(/\s*\n\s*/g, ' ')}`).join('; ');
    console.error(`stdp-mc: ${shown}${e.issues.length > 3 ? `; and ${e.issues.length - 3} more` : ''}`);
    stack();
    return 2;
  }
  if (e instanceof UsageError || e instanceof OptionError) {
    console.error(`stdp-mc: ${e.message}`);
    console.error(usageHint(argv));
    stack();
    return 2;
  }
  if (e instanceof OutLockError || e instanceof EngineUnavailableError) {
    console.error(`stdp-mc: ${e.message}`);
    stack();
    return 2;
  }
  if (e instanceof StateError || err?.name === 'RunFailedError') {
    console.error(`stdp-mc: ${err.message}`);
    stack();
    return 1;
  }
  if (isIoError(e)) {
    const where = e.path ? ` ${e.path}${e.dest ? ` → ${e.dest}` : ''}` : '';
    console.error(`stdp-mc: cannot ${e.syscall}${where}: ${e.code} (${String(e.message).replace(/^E[A-Z]+: /, '').replace(/, \w+ '.*$/, '')})`);
    stack();
    return 1;
  }
  // Anything else is a bug: say so, with the stack, whatever --debug says.
  console.error(`stdp-mc: internal error: ${err?.message ?? String(e)}`);
  if (err?.stack) console.error(err.stack);
  return 1;
}

/** Theory solves kept between processes (src/cli/theory-store.ts), for the commands that write summaries. */
async function useTheoryStore(): Promise<void> {
  (await import('./theory-store.ts')).installTheoryStore();
}

/** What the commands do, each module imported only when its command runs. */
function actions(argv: string[]): Actions {
  const command = ['stdp-mc', ...argv].join(' ');
  return {
    async run(file, f) {
      // The file is read (and a bad one refused) before the models are loaded.
      await useTheoryStore();
      const { readStrictJsonFile } = await import('../core/strict-json.ts');
      const json = await readStrictJsonFile(file);
      const { runCommand } = await import('./run-command.ts');
      return runCommand({
        file, json, engine: f.engine, argv, command, output: { json: !!f.json, noReport: !f.report },
        overrides: { trajectories: f.trajectories, steps: f.steps, seed: f.seed, duration: f.duration },
        out: f.out, resume: f.resume, shard: f.shard ?? null, force: !!f.force,
        progress: !f.json || !!f.progress,
        stepsPerDispatch: f.stepsPerDispatch, batchSize: f.batchSize, workers: f.workers,
      });
    },
    async merge(dirs, f) {
      await useTheoryStore();
      const { mergeCommand } = await import('./run-command.ts');
      return mergeCommand(dirs, f.out, !!f.force, { json: !!f.json, noReport: !f.report }, command);
    },
    async report(dir, f) {
      await useTheoryStore();
      const { reportCommand } = await import('./run-command.ts');
      return reportCommand(dir, !!f.force, { json: !!f.json, noReport: !f.report }, command);
    },
    async schema() {
      const { experimentJsonSchema } = await import('../models/registry.ts');
      console.log(JSON.stringify(experimentJsonSchema(), null, 2));
      return 0;
    },
  };
}

/** Run the command line on `argv` (the arguments after the program's name); returns the exit code, never exits. */
export async function runCli(argv: string[]): Promise<number> {
  const end = argv.indexOf('--');
  const debug = (end < 0 ? argv : argv.slice(0, end)).includes('--debug');
  const out = (s: string) => console.log(s.replace(/\n$/, ''));
  const err = (s: string) => console.error(s.replace(/\n$/, ''));
  let code = 0;
  const program = buildProgram(actions(argv), (c) => { code = c; }, { write: out, writeErr: err });
  if (!argv.length) {
    program.outputHelp({ error: true });
    return 2;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (isCommanderError(e)) {
      // --help and --version (printed already) end in 0; help shown for a missing command, in 2; the rest are usage errors.
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return 0;
      if (e.code === 'commander.help') return 2;
      console.error(`stdp-mc: ${commanderMessage(e.message)}`);
      console.error(usageHint(argv));
      return 2;
    }
    return reportError(e, argv, debug);
  }
}

/** The process's entry: run, then exit with the code once stdout is flushed (Dawn and gpu.js can keep handles open). */
export async function cli(argv: string[]): Promise<void> {
  const proc = (globalThis as any).process;
  const code = await runCli(argv);
  proc.exitCode = code;
  proc.stdout.write('', () => proc.exit(code));
}

if ((import.meta as any).main) {
  await cli((globalThis as any).Deno.args);
}
