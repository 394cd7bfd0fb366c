/**
 * A finished run's output: its files in the output folder and what the command line prints (the human report, or
 * the summary alone as JSON). The report's writer (vega, resvg, fonts) is loaded only when a report is written: a
 * `--no-report` run writes summary.json itself.
 */
import type { WrittenFiles } from '../report/build-report.ts';
import type { FilesOf } from '../report/files.ts';
import type { EnsembleModel, EnsembleRun } from '../run/model.ts';
import { writeSummaryFile } from '../report/summary-file.ts';
import { theorySeconds } from '../theory/theory-clock.ts';

export interface OutputOptions {
  json?: boolean;
  noReport?: boolean;
}

function seconds(s: number): string {
  return s < 10 ? s.toFixed(2) : s.toFixed(1);
}

async function writeOutput<S>(dir: string, files: FilesOf<S>, report: boolean): Promise<{ summary: S; files: WrittenFiles }> {
  if (report) {
    const { writeFiles } = await import('../report/build-report.ts');
    return writeFiles(dir, files);
  }
  return { summary: files.summary, files: { summary: await writeSummaryFile(dir, files.summary), csv: [], plots: [] } };
}

/**
 * What the time line says of the simulation besides its wall time: the batches run now, and where that differs from
 * the engines' own seconds (worker threads side by side; batches of a state log, run in another process) those too.
 */
function simulationNote(run: EnsembleRun<any, any>, batches: number, engineSeconds: number): string {
  const engine = `${seconds(engineSeconds)} s of engine time`;
  if (run.batchesRun === 0) return `(no batch run now: ${batches} batches from the state log, ${engine})`;
  const resumed = run.batchesRun < batches;
  const parts: string[] = [];
  if (resumed) parts.push(`of ${batches}`);
  if (run.workers) parts.push(`on ${run.workers} worker thread${run.workers === 1 ? '' : 's'}`);
  if (parts.length) parts.push(resumed ? `${engine} with those from the state log` : engine);
  const what = resumed ? `in ${run.batchesRun} batches run now` : `in ${batches} batches`;
  return parts.length ? `${what} (${parts.join(', ')})` : what;
}

/**
 * Compute and write a run's files, then print the human report (or the summary as JSON). A shard that holds no
 * batch of some grid point has no summary of its own: its state is what `merge` reads.
 */
export async function emitRun(model: EnsembleModel, run: EnsembleRun<any, any>, outDir: string, o: OutputOptions, wallSeconds: number): Promise<void> {
  if (run.points.some((pt) => pt.merged === null)) {
    const msg = `shard ${run.shard?.index}/${run.shard?.count}: this shard holds no batch of some grid point (the experiment has fewer batches than shards); its state is in ${outDir}; combine all shards with stdp-mc merge`;
    if (o.json) console.log(JSON.stringify({ shard: run.shard, batches: 0, note: msg }, null, 2));
    else console.log(msg);
    return;
  }
  // How the time splits: the engine's batches (simulation); the run layer's own work around them and the summary's
  // statistics (bookkeeping); the theory the summary sets beside them (flows, diffusion and large-deviation
  // solves: src/theory/theory-clock.ts); and the output: summary.json, and with the report its CSV tables, plot specs
  // and rendering (a model's files builds those when they are first read: src/report/files.ts withReport), and the
  // summary printed here.
  const t0 = performance.now(), theory0 = theorySeconds();
  const result = model.result(run);
  const files = model.files(result);
  const t1 = performance.now(), theory1 = theorySeconds();
  const out = await writeOutput(outDir, files, !o.noReport);
  // The summary as printed (the text report, or the JSON), counted with the files written: every moment from t0 to
  // the time line is in exactly one part, so the parts add up to the wall time.
  if (o.json) console.log(JSON.stringify(out.summary, null, 2));
  else console.log(model.human(out.summary, out.files));
  const t2 = performance.now(), theory2 = theorySeconds();
  const summary = (t1 - t0) / 1000 - (theory1 - theory0);
  const write = (t2 - t1) / 1000 - (theory2 - theory1);
  const theory = theory2 - theory0;
  const wall = wallSeconds + (t2 - t0) / 1000;
  // The simulation's part of this process's wall time: the wall time during which its batches ran (with worker
  // threads they overlap; a resumed run's earlier batches, and a merge's or report's, ran in other processes). The
  // engines' own seconds over every batch of the result are said beside it where they differ. Choosing and creating
  // the engine (the adapter probe of --engine auto, shader compilation) is start-up, counted apart.
  const sim = run.secondsRunNow;
  const engineSeconds = run.points.reduce((a, pt) => a + pt.seconds, 0);
  const batches = run.points.reduce((a, pt) => a + pt.blocks.length, 0);
  const start = run.engineStartSeconds ?? 0;
  const bookkeeping = Math.max(0, wallSeconds - sim - start) + summary;
  // The same split at full precision, one JSON line per run, where STDP_MC_TIMING_FILE asks (bench/bookkeeping.ts).
  // A timing file that cannot be written is reported, and the finished run still succeeds.
  const record = async () => {
    const file = process.env.STDP_MC_TIMING_FILE;
    if (!file) return;
    try {
      const { appendFileSync } = await import('node:fs');
      appendFileSync(file, JSON.stringify({
        model: model.model, outDir, batches, batchesRunNow: run.batchesRun, engineStart: start, simulation: sim, bookkeeping,
        theory, write, wall, engineSeconds, ...(run.workers ? { workers: run.workers } : {}),
      }) + '\n');
    } catch (e) {
      console.error(`stdp-mc: could not write the time split to STDP_MC_TIMING_FILE=${file}: ${(e as Error).message}`);
    }
  };
  if (!o.json) {
    console.log(`wall ${seconds(wall)} s: engine start-up ${seconds(start)} s; simulation ${seconds(sim)} s ${simulationNote(run, batches, engineSeconds)}` +
      `; bookkeeping ${seconds(bookkeeping)} s (state log, statistics, summary); theory ${seconds(theory)} s` +
      `; ${o.noReport ? 'summary.json (and this text)' : 'report (tables, plots, rendering, this text)'} ${seconds(write)} s`);
  }
  await record();
}
