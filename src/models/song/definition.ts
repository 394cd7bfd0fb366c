/**
 * Model B (Song, Miller & Abbott 2000) as a model of the run layer (src/run/model.ts): its experiment file
 * (experiment.ts), its engines (cpu, webgpu), one batch = copies [a, b) of the one grid point folded into a
 * SongAccumulator (stats.ts), merged in batch order.
 *
 * The statistics of a batch are the accumulator alone: running sums (n, Σx, Σx²) of the per-copy rates, fractions and
 * mean weights, the ensemble weight histograms, counts of bimodal and flagged copies, and the final histograms of the
 * batch's first KEEP_COPY_HISTS copies. None of the report's quantities needs every copy, so the per-copy data an
 * engine returns (`copies`, read by tests) is folded and dropped inside the batch: memory is bounded by the engine
 * chunk (SONG_CHUNK copies), whatever N and the number of batches.
 */
import { decodeNumbers, encodeNumbers } from '../../core/json-numbers.ts';
import { selectModelEngine } from '../../engines/select-model.ts';
import type { EnsembleModel, EnsembleRun, ModelEngineHandle } from '../../run/model.ts';
import { batchRunOptions, ownExperiment, runInfo } from '../../run/model-parts.ts';
import { SongCpuEngine, songAccumulatorFor, type SongResult, type SongRunOptions } from './cpu-engine.ts';
import { SongExperimentFileSchema, parseSongRun, type SongRunExperiment } from './experiment.ts';
import { songFiles, type SongSummary } from './files.ts';
import { songHumanReport } from './human.ts';
import type { SongExperimentResult } from './run.ts';
import { SONG_CHUNK, type ResolvedSongScenario } from './scenario.ts';
import {
  KEEP_COPY_HISTS, SONG_BINS, SONG_FLAG, accumulateSong, mergeSongAccumulators, type SongAccumulator, type Sums,
} from './stats.ts';

/** What both engines offer: run copies of a scenario (the WebGPU engine also frees its device on dispose). */
export interface SongEngine extends ModelEngineHandle {
  run(s: ResolvedSongScenario, o?: SongRunOptions): Promise<SongResult>;
}

export function selectSongEngine(choice: Parameters<typeof selectModelEngine>[0]): Promise<{ engine: SongEngine; reason: string }> {
  return selectModelEngine<SongEngine>(choice, {
    model: 'the Song–Miller–Abbott model',
    cpu: () => new SongCpuEngine(),
    webgpu: async () => (await import('./webgpu-engine.ts')).SongWebGpuEngine.create(),
  });
}

const isCount = (v: number, max: number) => Number.isInteger(v) && v >= 0 && v <= max;
const finiteSums = (s: Sums) => Number.isFinite(s.sum) && Number.isFinite(s.sumSq);

/**
 * Counts that must add up and sums that must be finite. A copy whose state or weights became non-finite is a fault
 * the engine flags (SONG_FLAG.nonFinite, reported in the summary); only then may the weight sums be NaN and the
 * histograms miss the NaN weights.
 */
export function checkSong(a: SongAccumulator, exp: SongRunExperiment, _point: number, range: [number, number]): string | null {
  const s = exp.scenario, n = range[1] - range[0];
  if (a.inputs !== s.inputs) return `${a.inputs} inputs, expected ${s.inputs}`;
  if (a.windows.length !== s.windows) return `${a.windows.length} rate windows, expected ${s.windows}`;
  if (a.checkpoints.length !== s.checkpoints.length) return `${a.checkpoints.length} checkpoints, expected ${s.checkpoints.length}`;
  const rates: [string, Sums][] = [['head rate', a.head], ['tail rate', a.tail], ...a.windows.map((w, i) => [`rate window ${i}`, w] as [string, Sums])];
  for (const [where, w] of rates) {
    if (w.n !== n) return `${where}: ${w.n} copies counted, expected ${n}`;
    if (!finiteSums(w) || w.sum < 0) return `${where}: a sum is negative, NaN or infinite`;
  }
  if (!isCount(a.flaggedCopies, n)) return `${a.flaggedCopies} flagged copies of ${n}`;
  if ((a.flags === 0) !== (a.flaggedCopies === 0)) return `flags ${a.flags} but ${a.flaggedCopies} flagged copies`;
  if (!isCount(a.bimodalCopies, n)) return `${a.bimodalCopies} bimodal copies of ${n}`;
  const nonFinite = (a.flags & SONG_FLAG.nonFinite) !== 0;
  for (let c = 0; c < a.checkpoints.length; c++) {
    const cp = a.checkpoints[c]!, where = `checkpoint ${c} (step ${cp.step})`;
    if (cp.step !== s.checkpoints[c]) return `${where}: expected step ${s.checkpoints[c]}`;
    if (cp.hist.length !== SONG_BINS || cp.hist.some((v) => !isCount(v, n * s.inputs))) return `${where}: a histogram bin is not a count`;
    const h = cp.hist.reduce((x, y) => x + y, 0);
    if (nonFinite ? h > n * s.inputs : h !== n * s.inputs) return `${where}: histogram holds ${h} weights, expected ${n} × ${s.inputs}`;
    for (const [k, m] of [['fracLow', cp.fracLow], ['fracHigh', cp.fracHigh], ['meanW', cp.meanW]] as const) {
      if (m.n !== n) return `${where}: ${k} counts ${m.n} copies, expected ${n}`;
      if (!nonFinite && !finiteSums(m)) return `${where}: ${k} is NaN or infinite in a copy that is not flagged`;
    }
  }
  const keep = Math.min(n, KEEP_COPY_HISTS);
  if (a.copyFinalHists.length !== keep) return `${a.copyFinalHists.length} final histograms of single copies, expected ${keep}`;
  const bad = a.copyFinalHists.findIndex((h) => h.length !== SONG_BINS || (nonFinite ? h.reduce((x, y) => x + y, 0) > s.inputs : h.reduce((x, y) => x + y, 0) !== s.inputs));
  if (bad >= 0) return `final histogram of copy ${range[0] + bad} does not hold ${s.inputs} weights`;
  return null;
}

export const songModel: EnsembleModel<SongRunExperiment, SongAccumulator, SongEngine, SongExperimentResult, SongSummary> = {
  model: 'song',
  title: 'Song, Miller & Abbott (2000)',
  fileSchema: () => SongExperimentFileSchema,
  parse: parseSongRun,
  selectEngine: selectSongEngine,
  async runBatch(engine, exp, _point, range, ctx) {
    const s = exp.scenario, acc = songAccumulatorFor(s);
    // At most SONG_CHUNK copies per call whatever --batch-size asks: the memory check of scenario.ts counts on it.
    const chunk = Math.min(ctx.batchSize ?? SONG_CHUNK, SONG_CHUNK);
    let dispatches = 0;
    for (let c0 = range[0]; c0 < range[1]; c0 += chunk) {
      const c1 = Math.min(range[1], c0 + chunk), before = (c0 - range[0]) * s.steps;
      const r = await engine.run(s, batchRunOptions([c0, c1], ctx, before));
      // Copies folded in copy order, chunk after chunk: the same sums as one accumulateSong over [a, b).
      accumulateSong(acc, r.copies);
      dispatches += r.timing.dispatches;
    }
    return { stats: acc, dispatches };
  },
  // Sums add, histograms and counts add, flags OR; the kept single-copy histograms are a's then b's (copy order),
  // cut at KEEP_COPY_HISTS, so they are those of copies 0..63 however the run was cut.
  merge: mergeSongAccumulators,
  check: checkSong,
  statsToJSON: (a) => encodeNumbers(a),
  statsFromJSON: (j) => decodeNumbers(j) as SongAccumulator,
  result(run: EnsembleRun<SongRunExperiment, SongAccumulator>): SongExperimentResult {
    const p = run.points[0]!;
    return {
      experiment: ownExperiment(run.experiment), ...runInfo(run),
      result: {
        engine: run.engine,
        accumulator: p.merged ?? songAccumulatorFor(run.experiment.scenario),
        timing: { seconds: p.seconds, dispatches: p.dispatches, copySeconds: p.trajectories > 0 ? p.seconds / p.trajectories : 0 },
      },
    };
  },
  files: songFiles,
  human: songHumanReport,
};
