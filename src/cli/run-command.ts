/**
 * `stdp-mc run`, `merge` and `report` for every model through the one run layer: the model comes from the registry
 * (scenario.model), the batches from src/run/run-ensemble.ts, and the state log (src/run/state.ts) is appended after
 * every batch, so any run resumes after a kill and runs as shards that merge exactly.
 */
import type { EngineChoice } from '../engines/index.ts';
import { codeIdentity } from '../core/provenance.ts';
import { modelByName, modelOf } from '../models/registry.ts';
import { writeFiles, type WrittenFiles } from '../report/build-report.ts';
import type { EnsembleModel, EnsembleRun, RunOverrides, Shard } from '../run/model.ts';
import { batchesOfState, experimentOfState, mergeShardStates, runFromState } from '../run/merge.ts';
import { RunFailedError, runEnsemble, type BatchRecord } from '../run/run-ensemble.ts';
import {
  STATE_FILE, STATE_FORMAT, StateError, StateLog, batchLine, completeLine, experimentHash, identityMismatch, readState,
  writeState, type RunState, type StateHeader,
} from '../run/state.ts';
import { stderrProgress } from './progress.ts';

export class UsageError extends Error {}

export interface OutputOptions {
  json?: boolean;
  noReport?: boolean;
}

const proc = () => (globalThis as any).process;

async function exists(file: string): Promise<boolean> {
  const fs = await import('node:fs/promises');
  return fs.access(file).then(() => true, () => false);
}

/** Refuse to write over an earlier run's files unless --force. */
export async function guardOutDir(dir: string, force: boolean, hint: string): Promise<void> {
  const path = await import('node:path');
  const fs = await import('node:fs/promises');
  for (const f of [STATE_FILE, 'state.json', 'summary.json']) {
    if (await exists(path.join(dir, f))) {
      if (!force) throw new UsageError(`${dir} already holds a run (${f}): ${hint}, or pass --force to overwrite it`);
      await fs.rm(path.join(dir, f), { force: true });
    }
  }
}

/** The default output folder of an experiment name: runs/<name>, with the name reduced to a safe single path part. */
export function defaultOutDir(path: typeof import('node:path'), name: string, suffix = ''): string {
  const part = name.replace(/[^\w.-]+/g, '_').replace(/^\.+$/, '_');
  return path.join('runs', `${part}${suffix}`);
}

/** Make the output folder and check it is writable before any work: an I/O error names the path and the operation. */
export async function prepareOutDir(dir: string): Promise<void> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  if (!dir.trim()) throw new UsageError('--out must name a folder, got ""');
  try {
    // Create the missing folders one at a time from the nearest existing one (a recursive mkdir can spin forever on
    // file systems such as /proc, where a folder exists but a child cannot be made).
    const missing: string[] = [];
    for (let d = path.resolve(dir); ; d = path.dirname(d)) {
      const st = await fs.stat(d).catch(() => null);
      if (st) break;
      missing.unshift(d);
      if (path.dirname(d) === d) break;
    }
    for (const d of missing) await fs.mkdir(d);
    const probe = path.join(dir, `.stdp-mc-write-test-${process.pid}`);
    await fs.writeFile(probe, '');
    await fs.rm(probe);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new UsageError(`cannot use ${dir} as the output folder (${err.code ?? 'error'}: ${err.message.replace(/^[A-Z]+: /, '')})`);
  }
}

function seconds(s: number): string {
  return s < 10 ? s.toFixed(2) : s.toFixed(1);
}

/**
 * Compute and write a run's files, then print the human report (or the summary as JSON). A shard that holds no
 * batch of some grid point has no summary of its own: its state is what `merge` reads.
 */
export async function emitRun(model: EnsembleModel, run: EnsembleRun<any, any>, outDir: string, o: OutputOptions, wallSeconds: number): Promise<void> {
  const p = proc();
  if (run.points.some((pt) => pt.merged === null)) {
    const msg = `shard ${run.shard?.index}/${run.shard?.count}: this shard holds no batch of some grid point (the experiment has fewer batches than shards); its state is in ${outDir}; combine all shards with stdp-mc merge`;
    if (o.json) p.stdout.write(JSON.stringify({ shard: run.shard, batches: 0, note: msg }, null, 2) + '\n');
    else console.log(msg);
    return;
  }
  const t0 = performance.now();
  const result = model.result(run);
  const files = model.files(result, { report: !o.noReport });
  const out = await writeFiles(outDir, files, { report: !o.noReport });
  const book = (performance.now() - t0) / 1000;
  if (o.json) {
    p.stdout.write(JSON.stringify(out.summary, null, 2) + '\n');
    return;
  }
  const sim = run.points.reduce((a, pt) => a + pt.seconds, 0);
  const batches = run.points.reduce((a, pt) => a + pt.blocks.length, 0);
  console.log(model.human(out.summary, out.files as WrittenFiles));
  console.log(`wall ${seconds(wallSeconds + book)} s: simulation ${seconds(sim)} s in ${batches} batches` +
    `${run.batchesRun < batches ? ` (${run.batchesRun} run now, the rest from the state log)` : ''}, summary and report ${seconds(book)} s`);
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
  return `continue with: stdp-mc ${[...kept, '--resume', outDir].join(' ')}`;
}

export async function runCommand(c: RunCommand): Promise<number> {
  const path = await import('node:path');
  const fs = await import('node:fs/promises');
  const model = modelOf(c.json);
  const exp = model.parse(c.json, c.overrides);
  const source = { experiment: c.json, overrides: Object.fromEntries(Object.entries(c.overrides).filter(([, v]) => v !== undefined)) };
  const id = await codeIdentity();
  const identity = {
    experimentHash: await experimentHash(source), source, model: model.model, name: exp.name, seed: exp.seed,
    version: id.version, gitCommit: id.gitCommit, engine: '',
  };
  let shard = c.shard;
  let state: RunState | null = null;
  let done: BatchRecord<unknown>[] = [];
  let outDir: string;
  if (c.resume !== undefined) {
    outDir = c.resume;
    if (c.out !== undefined && path.resolve(c.out) !== path.resolve(outDir)) throw new UsageError('--resume DIR writes to DIR: leave out --out');
    state = await readState(outDir);
    const bad = identityMismatch(state, { ...identity, engine: state.engine }, `cannot resume ${outDir}`);
    if (bad) throw new StateError(bad);
    if (shard && (!state.shard || state.shard.index !== shard.index || state.shard.count !== shard.count)) {
      throw new StateError(`cannot resume ${outDir} as shard ${shard.index}/${shard.count}: it holds ${state.shard ? `shard ${state.shard.index}/${state.shard.count}` : 'an unsharded run'}`);
    }
    shard = state.shard;
    done = batchesOfState(model, state, exp, path.join(outDir, STATE_FILE));
  } else {
    outDir = c.out ?? defaultOutDir(path, exp.name);
    await prepareOutDir(outDir);
    await guardOutDir(outDir, c.force, `continue it with --resume ${outDir}`);
  }
  const p = proc();
  // SIGINT/SIGTERM: abort the batch in flight and exit; every finished batch is already in the log (appended and
  // fsync'ed synchronously), and SIGKILL loses at most the batch in flight.
  const controller = new AbortController();
  let stopSignal: string | null = null;
  const onSignal = (sig: string) => () => {
    if (stopSignal) return;
    stopSignal = sig;
    controller.abort();
  };
  const handlers: [string, () => void][] = [['SIGINT', onSignal('SIGINT')], ['SIGTERM', onSignal('SIGTERM')]];
  for (const [sig, h] of handlers) p.on?.(sig, h);
  let log: StateLog | null = null;
  let saved = done.length;
  const hint = resumeHint(c.argv, outDir);
  const t0 = performance.now();
  let run: EnsembleRun<any, any>;
  try {
    run = await runEnsemble(model, exp, {
      engine: c.engine, shard, done, signal: controller.signal, command: c.command,
      stepsPerDispatch: c.stepsPerDispatch, batchSize: c.batchSize,
      onProgress: c.progress ? stderrProgress((s) => p.stderr.write(s), !!p.stderr.isTTY) : undefined,
      onEngine: (info, reason) => {
        if (state && state.engine !== info.name) {
          throw new StateError(`cannot resume ${outDir}: it was run on engine ${state.engine}, this run selected ${info.name} (pass --engine ${state.engine})`);
        }
        if (state) {
          log = StateLog.reopen(outDir);
        } else {
          const header: StateHeader = {
            ...identity, engine: info.name, format: STATE_FORMAT, shard, engineInfo: { ...info, reason }, createdAt: new Date().toISOString(),
          };
          log = StateLog.create(outDir, header);
        }
      },
      onBatch: (rec) => {
        log!.append(batchLine({ ...rec, stats: model.statsToJSON(rec.stats) }));
        saved++;
      },
    });
  } catch (e) {
    (log as StateLog | null)?.close();
    if ((e as Error)?.name === 'AbortError' && stopSignal) {
      console.error(`stdp-mc: stopped by ${stopSignal}; ${saved} batches are saved in ${path.join(outDir, STATE_FILE)}; ${hint}`);
      return stopSignal === 'SIGINT' ? 130 : 143;
    }
    if (e instanceof RunFailedError) {
      console.error(`stdp-mc: ${e.message}${saved ? `; finished batches are saved: ${hint}` : ''}`);
      return 1;
    }
    throw e;
  } finally {
    for (const [sig, h] of handlers) p.off?.(sig, h);
  }
  const logNow = log as StateLog | null;
  if (logNow) {
    logNow.append(completeLine(new Date().toISOString()));
    logNow.close();
  }
  await emitRun(model, run, outDir, c.output, (performance.now() - t0) / 1000);
  return 0;
}

/** The model a state log was written by. */
function modelOfState(s: RunState): EnsembleModel {
  const m = modelByName(s.model);
  if (!m) throw new StateError(`the state was written by model ${JSON.stringify(s.model)}, which this version does not have`);
  return m;
}

/** `stdp-mc merge DIR...`: combine shards 1/n..n/n into the single run's state, summary and report. */
export async function mergeCommand(dirs: string[], out: string | undefined, force: boolean, output: OutputOptions, command: string): Promise<number> {
  const path = await import('node:path');
  const fs = await import('node:fs/promises');
  if (!dirs.length) throw new UsageError('merge needs the shard run directories');
  const inputs: { dir: string; state: RunState }[] = [];
  for (const dir of dirs) {
    const state = await readState(dir);
    // A shard's summary.json is derived from its state; a corrupted one means the directory was tampered with.
    const sf = path.join(dir, 'summary.json');
    if (await exists(sf)) {
      try { JSON.parse(await fs.readFile(sf, 'utf8')); } catch { throw new StateError(`${sf} is corrupted (not valid JSON); the shard was not merged`); }
    }
    inputs.push({ dir, state });
  }
  const model = modelOfState(inputs[0]!.state);
  const exp = experimentOfState(model, inputs[0]!.state);
  const merged = mergeShardStates(inputs, exp);
  const batches = batchesOfState(model, merged, exp, 'merged shards');
  const outDir = out ?? defaultOutDir(path, merged.name, '-merged');
  await prepareOutDir(outDir);
  await guardOutDir(outDir, force, 'choose another --out');
  writeState(outDir, merged);
  const run = runFromState(model, merged, exp, batches, command);
  await emitRun(model, run, outDir, output, 0);
  return 0;
}

/** `stdp-mc report DIR`: rebuild summary.json and the report from a finished run's state log. */
export async function reportCommand(dir: string, output: OutputOptions, command: string): Promise<number> {
  const path = await import('node:path');
  const state = await readState(dir);
  if (!state.complete) throw new StateError(`the run in ${dir} is incomplete: finish it with stdp-mc run <experiment> --resume ${dir}`);
  const model = modelOfState(state);
  const exp = experimentOfState(model, state);
  const batches = batchesOfState(model, state, exp, path.join(dir, STATE_FILE));
  await emitRun(model, runFromState(model, state, exp, batches, command), dir, output, 0);
  return 0;
}
