/**
 * `stdp-mc run`, `merge` and `report` for every model through the one run layer: the model comes from the registry
 * (scenario.model), the batches from src/run/run-ensemble.ts, and the state log (src/run/state.ts) is appended after
 * every batch, so any run resumes after a kill and runs as shards that merge exactly. Each command holds its output
 * folder's lock from before its first write to its end (src/cli/out-dir.ts).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { EngineChoice } from '../engines/index.ts';
import { codeIdentity, givenValues } from '../core/provenance.ts';
import { modelByName, modelOf } from '../models/registry.ts';
import type { EnsembleModel, EnsembleRun, RunOverrides, Shard } from '../run/model.ts';
import { batchesOfState, experimentOfState, mergeShardStates, missingBatches, runFromState } from '../run/merge.ts';
import { RunFailedError, TARGET_NOT_SHARDED, runEnsemble, type BatchRecord } from '../run/run-ensemble.ts';
import { batchCounts } from '../run/batch-plan.ts';
import {
  STATE_FILE, STATE_FORMAT, StateError, combinedDirty, commandLineValues, completeLine, experimentHash, identityMismatch, loadFsModules,
  type RunState, type StateHeader,
} from '../run/state.ts';
import { StateLog, readState, writeState } from '../run/state-log.ts';
import { emitRun, type OutputOptions } from './emit-run.ts';
import { UsageError } from './options.ts';
import { defaultOutDir, guardOutDir, holdOutDir, inNewFolders, prepareOutDir } from './out-dir.ts';
import { stderrProgress } from './progress.ts';
import { nounsOf } from '../run/model-nouns.ts';
import { STOP_EXIT_CODES } from './stop-signals.ts';

export { UsageError } from './options.ts';
export { defaultOutDir, guardOutDir, prepareOutDir } from './out-dir.ts';
export type { OutputOptions } from './emit-run.ts';

const proc = () => (globalThis as any).process;

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(() => true, () => false);
}

export interface RunCommand {
  file: string;
  json: unknown;
  overrides: RunOverrides;
  engine: EngineChoice;
  out?: string;
  resume?: string;
  shard: Shard | null;
  force: boolean;
  progress: boolean;
  stepsPerDispatch?: number;
  batchSize?: number;
  /** --workers: CPU batches at once in worker threads (src/run/batch-pool.ts). */
  workers?: number;
  command: string;
  /** The command line as given, for the resume hint. */
  argv: string[];
  output: OutputOptions;
}

/** The same command with --resume DIR in place of --out DIR and --force. */
function resumeHint(argv: string[], outDir: string): string {
  const kept: string[] = [];
  for (let j = 0; j < argv.length; j++) {
    const a = argv[j]!;
    if (a === '--out' || a === '--resume') { j++; continue; }
    if (a.startsWith('--out=') || a.startsWith('--resume=') || a === '--force') continue;
    kept.push(a);
  }
  return `continue with: stdp-mc ${[...kept, '--resume', outDir].map(shellWord).join(' ')}`;
}

/** An argument as a POSIX shell reads it back: as is where it is plain, else in single quotes ('my exp.json'). */
export function shellWord(a: string): string {
  return /^[A-Za-z0-9_\/.,:=@%+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/** What to do with the earlier run in `dir`: --resume only where it is this experiment, unfinished. */
async function existingRunHint(dir: string, identity: Parameters<typeof identityMismatch>[1]): Promise<string> {
  const state = await readState(dir).catch(() => null);
  if (!state) return `its state cannot be read: choose another --out`;
  if (state.complete) return `it is finished (stdp-mc report ${dir} rebuilds its report): choose another --out`;
  const bad = identityMismatch(state, { ...identity, engine: state.engine }, 'it cannot be resumed by this command');
  return bad ? `${bad}: choose another --out` : `continue it with --resume ${dir}`;
}

/**
 * `--resume DIR` without --trajectories/--steps/--seed/--duration continues with the values the run was started with
 * (its state log has them), as it continues its shard; given ones must be the run's (identityMismatch names them).
 */
async function withStateOverrides(c: RunCommand): Promise<RunCommand> {
  if (c.resume === undefined || Object.values(c.overrides).some((v) => v !== undefined)) return c;
  const state = await readState(c.resume).catch(() => null);
  const saved = givenValues(state?.source.overrides);
  if (!state || !Object.keys(saved).length) return c;
  // Only for this run's own file: another experiment is refused as such (identityMismatch), not for the run's values.
  if (await experimentHash({ experiment: c.json, overrides: saved }) !== state.experimentHash) return c;
  console.error(`stdp-mc: resuming with the run's own ${commandLineValues(saved)} (from its state log)`);
  return { ...c, overrides: { ...c.overrides, ...saved } };
}

/** A run directory that --resume, merge or report reads must hold a state log (else bad input: exit 2, nothing done). */
async function requireRunDir(dir: string): Promise<void> {
  if (!(await exists(path.join(dir, STATE_FILE)))) {
    throw new UsageError(`no ${STATE_FILE} in ${dir}: not a run directory, or the run never started`);
  }
}

export async function runCommand(c: RunCommand): Promise<number> {
  await loadFsModules();
  c = await withStateOverrides(c);
  const model = modelOf(c.json);
  const exp = model.parse(c.json, c.overrides);
  // A flag conflict is refused before anything is touched (exit 2), as runEnsemble would refuse it only later.
  if (c.shard && exp.target) {
    throw new UsageError(`${TARGET_NOT_SHARDED}, or leave out --shard`);
  }
  if (c.workers !== undefined && c.engine !== 'cpu') {
    throw new UsageError(`--workers runs batches on the CPU engine in worker threads: use it with --engine cpu (not ${c.engine})`);
  }
  if (c.workers !== undefined && (globalThis as any).Deno) throw new UsageError('--workers needs Node\'s worker threads: run the command line under Node');
  if (c.workers !== undefined && c.workers > 1) {
    const { availableParallelism } = await import('node:os');
    const cores = availableParallelism();
    // Not refused (a batch scheduler may give this process more cores than it sees), but said: each worker holds its
    // own copy of the code and the experiment, and beyond the cores they only take turns. Workers start only as
    // batches wait, so a run of fewer batches than cores is fine whatever the flag says.
    const batches = batchCounts(exp).reduce((a, b) => a + b, 0);
    if (Math.min(c.workers, batches) > cores) console.error(`stdp-mc: --workers ${c.workers} on ${cores} core${cores === 1 ? '' : 's'} (${batches} batches): the workers take turns on the cores, so more of them than cores adds memory and no speed`);
  }
  const source = { experiment: c.json, overrides: givenValues(c.overrides) };
  const id = await codeIdentity();
  const identity = {
    experimentHash: await experimentHash(source), source, model: model.model, name: exp.name, seed: exp.seed,
    version: id.version, gitCommit: id.gitCommit, engine: '',
  };
  let outDir: string;
  let made: string[] = [];
  if (c.resume !== undefined) {
    outDir = c.resume;
    if (c.out !== undefined && path.resolve(c.out) !== path.resolve(outDir)) throw new UsageError('--resume DIR writes to DIR: leave out --out');
    await requireRunDir(outDir);
  } else {
    outDir = c.out ?? defaultOutDir(path, exp.name);
    made = await prepareOutDir(outDir);
  }
  // --resume continues a stopped run: a stale lock (its run was killed) is taken over as --force would.
  return inNewFolders(made, () => holdOutDir(outDir, { force: c.force || c.resume !== undefined, command: c.command }, async (scope) => {
    let shard = c.shard;
    let state: RunState | null = null;
    let done: BatchRecord<unknown>[] = [];
    // --force: the earlier run's files go once the engine is chosen (the last refusal), just before the new log.
    let clearEarlierRun = () => {};
    if (c.resume !== undefined) {
      state = await readState(outDir);
      const bad = identityMismatch(state, { ...identity, engine: state.engine }, `cannot resume ${outDir}`);
      if (bad) throw new StateError(bad);
      if (shard && (!state.shard || state.shard.index !== shard.index || state.shard.count !== shard.count)) {
        throw new StateError(`cannot resume ${outDir} as shard ${shard.index}/${shard.count}: it holds ${state.shard ? `shard ${state.shard.index}/${state.shard.count}` : 'an unsharded run'}`);
      }
      shard = state.shard;
      done = batchesOfState(model, state, exp, path.join(outDir, STATE_FILE));
    } else {
      clearEarlierRun = await guardOutDir(outDir, c.force, () => existingRunHint(outDir, identity));
    }
    const p = proc();
    let log: StateLog | null = null;
    let saved = done.length;
    const hint = resumeHint(c.argv, outDir);
    const t0 = performance.now();
    let run: EnsembleRun<any, any>;
    // --workers n (n > 1): the batches run n at a time in worker threads, each parsing this same experiment.
    const pool = c.workers !== undefined && c.workers > 1
      ? (await import('../run/batch-pool.ts')).startBatchPool(c.workers)
      : undefined;
    try {
      // SIGINT/SIGTERM abort the batch in flight; every finished batch is already in the log (appended synchronously),
      // and SIGKILL loses at most the batch in flight.
      run = await scope.graceful((signal) => runEnsemble(model, exp, {
        engine: c.engine, shard, done, signal, command: c.command,
        pool, source: { model: model.model, json: c.json, overrides: c.overrides, engine: c.engine },
        stepsPerDispatch: c.stepsPerDispatch, batchSize: c.batchSize,
        onProgress: c.progress ? stderrProgress((s) => p.stderr.write(s), () => !!p.stderr.isTTY, () => nounsOf(model, c.json, exp)) : undefined,
        onEngine: (info, reason) => {
          if (state && state.engine !== info.name) {
            throw new StateError(`cannot resume ${outDir}: it was run on engine ${state.engine}, this run selected ${info.name} (pass --engine ${state.engine})`);
          }
          if (state) {
            log = StateLog.reopen(outDir);
          } else {
            clearEarlierRun();
            const header: StateHeader = {
              ...identity, engine: info.name, format: STATE_FORMAT, shard, engineInfo: { ...info, reason }, createdAt: new Date().toISOString(),
              gitDirty: id.gitDirty,
            };
            log = StateLog.create(outDir, header);
          }
        },
        onBatch: (rec) => {
          // a batch from a tree with uncommitted changes says so in its line (readState folds it into gitDirty)
          log!.appendRecord({ kind: 'batch', ...rec, stats: model.statsToJSON(rec.stats), ...(id.gitDirty ? { gitDirty: true } : {}) });
          saved++;
        },
      }));
    } catch (e) {
      (log as StateLog | null)?.close();
      const stop = scope.received;
      if ((e as Error)?.name === 'AbortError' && stop) {
        console.error(`stdp-mc: stopped by ${stop}; ${saved} batches are saved in ${path.join(outDir, STATE_FILE)}; ${hint}`);
        return STOP_EXIT_CODES[stop];
      }
      if (e instanceof RunFailedError) {
        console.error(`stdp-mc: ${e.message}${saved ? `; finished batches are saved: ${hint}` : ''}`);
        return 1;
      }
      throw e;
    } finally {
      await pool?.close();
    }
    if (state) {
      // Batches of one commit, run now and before: where either tree had uncommitted changes they may differ. A
      // resume that ran no batch (the run was finished) is the earlier batches' alone.
      const earlier = (state as RunState).gitDirty;
      run.provenance = { ...run.provenance, gitDirty: run.batchesRun > 0 ? combinedDirty(earlier, id.gitDirty) : earlier ?? null };
      if (run.batchesRun > 0 && (earlier === true || id.gitDirty === true)) {
        const when = earlier === true && id.gitDirty === true ? 'when the run started and now' : earlier === true ? 'when the run started' : 'now, not when the run started';
        console.error(`stdp-mc: note: the working tree had uncommitted changes ${when}, so this run's batches may come from different code (summary.json says gitDirty: true)`);
      }
    }
    const logNow = log as StateLog | null;
    logNow?.append(completeLine(new Date().toISOString()));
    // The log's last fsync and close run while the summary is computed and written. Its failure is held (not left
    // unhandled while emitRun waits) and reported after the summary; the summary's own failure comes first.
    const closing = logNow?.finish().then(() => null, (e: unknown) => e);
    try {
      await emitRun(model, run, outDir, c.output, (performance.now() - t0) / 1000);
    } catch (e) {
      await closing;
      throw e;
    }
    const closeError = await closing;
    if (closeError) throw closeError;
    return 0;
  }));
}

/** The model a state log was written by. */
function modelOfState(s: RunState): EnsembleModel {
  const m = modelByName(s.model);
  if (!m) throw new StateError(`the state was written by model ${JSON.stringify(s.model)}, which this version does not have`);
  return m;
}

/** `stdp-mc merge DIR...`: combine shards 1/n..n/n into the single run's state, summary and report. */
export async function mergeCommand(dirs: string[], out: string | undefined, force: boolean, output: OutputOptions, command: string): Promise<number> {
  if (!dirs.length) throw new UsageError('merge needs the shard run directories');
  await loadFsModules();
  const inputs: { dir: string; state: RunState }[] = [];
  for (const dir of dirs) await requireRunDir(dir);
  for (const dir of dirs) {
    const state = await readState(dir);
    // A shard's summary.json is derived from its state; a corrupted one means the directory was tampered with.
    const sf = path.join(dir, 'summary.json');
    if (await exists(sf)) {
      try { JSON.parse(await fs.readFile(sf, 'utf8')); } catch { throw new StateError(`${sf} is corrupted (not valid JSON); the shard was not merged (stdp-mc report ${dir} rebuilds it from the shard's state)`); }
    }
    inputs.push({ dir, state });
  }
  const model = modelOfState(inputs[0]!.state);
  const exp = experimentOfState(model, inputs[0]!.state);
  const merged = mergeShardStates(inputs, exp);
  const batches = batchesOfState(model, merged, exp, 'merged shards');
  const outDir = out ?? defaultOutDir(path, merged.name, '-merged');
  // The merged run written over a shard would lose that shard (and with it a later merge of the same shards).
  const real = (d: string) => fs.realpath(d).catch(() => path.resolve(d));
  const outReal = await real(outDir);
  let clash: string | undefined;
  for (const d of dirs) if (await real(d) === outReal) clash = d;
  if (clash) throw new UsageError(`merge --out ${outDir} is one of the shards it merges (${clash}): choose another --out`);
  const made = await prepareOutDir(outDir);
  return inNewFolders(made, () => holdOutDir(outDir, { force, command }, async () => {
    (await guardOutDir(outDir, force, 'choose another --out'))();
    writeState(outDir, merged);
    const run = runFromState(model, merged, exp, batches, command);
    await emitRun(model, run, outDir, output, 0);
    return 0;
  }));
}

/** `stdp-mc report DIR`: rebuild summary.json and the report from a finished run's state log. */
export async function reportCommand(dir: string, force: boolean, output: OutputOptions, command: string): Promise<number> {
  await requireRunDir(dir);
  return holdOutDir(dir, { force, command }, async () => {
    const state = await readState(dir);
    if (!state.complete) throw new StateError(`the run in ${dir} is incomplete: finish it with stdp-mc run <experiment> --resume ${dir}`);
    const model = modelOfState(state);
    const exp = experimentOfState(model, state);
    // Every line is checksummed on its own, so a batch line removed whole is found only by counting (as merge does).
    const gap = missingBatches(state, exp);
    if (gap) throw new StateError(`${path.join(dir, STATE_FILE)} is marked complete but ${gap}; the report was not rebuilt`);
    const batches = batchesOfState(model, state, exp, path.join(dir, STATE_FILE));
    await emitRun(model, runFromState(model, state, exp, batches, command), dir, output, 0);
    return 0;
  });
}
