/**
 * Run an experiment: every grid point (or the base scenario) on one engine, as independent batches of trajectories
 * [b·M, (b+1)·M). Batches address the random stream by trajectory index, so the merged result does not depend on how
 * the run was cut — into batches, shards, or sessions interrupted and resumed — and the per-batch statistics give
 * batch-means intervals. Batches are always merged in batch order, so a resumed run or a merge of shards reproduces
 * an uninterrupted run bit for bit.
 *
 * Targets: a fixed N (the scenario's trajectories, cut into `batches` batches), or a precision target — batches of
 * `batchSize` until the Wilson 95% interval of P(success) is narrower than `successCIWidth` or N reaches the cap.
 *
 * Robustness: every finished batch is checked (counts add up to the batch size at every checkpoint, no NaN in the
 * moments) and handed to `onBatch` (the CLI writes the state file there). A failed dispatch (an engine exception:
 * device lost, out of memory) is retried on a freshly created engine up to `maxRetries` times, then the run stops
 * with a RunFailedError; the state written so far stays resumable. A batch that fails the checks stops the run at
 * once: never a silent wrong answer.
 */
import type { Experiment, GridPoint } from '../models/chain/experiment.ts';
import type { ResolvedScenario } from '../models/chain/scenario.ts';
import { type EngineChoice } from '../engines/index.ts';
import { selectEngine, type SelectedEngine } from '../models/chain/select-engine.ts';
import type { EngineInfo, Progress } from '../engines/types.ts';
import type { Engine } from '../models/chain/engine-types.ts';
import { mergeAccumulators, type CheckpointAccumulator } from '../stats/checkpoint-stats.ts';
import { wilson } from '../stats/intervals.ts';
import { codeIdentity, type Provenance } from '../core/provenance.ts';
import type { BatchRecord, Shard } from './state.ts';

export interface RunProgress extends Progress {
  point: number;
  points: number;
  label: string;
  /** Trajectories finished at this grid point (whole batches plus the batch in flight) and its N (or cap). */
  trajectoriesDone: number;
  trajectoriesTotal: number;
}

export interface RunExperimentOptions {
  engine?: EngineChoice;
  onProgress?: (p: RunProgress) => void;
  /** Called once the engine is chosen, before any work. */
  onEngine?: (info: EngineInfo, reason: string) => void;
  signal?: AbortSignal;
  stepsPerDispatch?: number;
  batchSize?: number;
  command?: string;
  /** Run only the batches b ≡ index − 1 (mod count). */
  shard?: Shard | null;
  /** Batches already finished (from a state file): they are not run again. */
  done?: BatchRecord[];
  /** Called after each finished and checked batch, before the next starts (the CLI writes state.json here). */
  onBatch?: (b: BatchRecord, engine: EngineInfo, reason: string) => void | Promise<void>;
  /** Engine re-creations after a failed dispatch before the run stops (default 2). */
  maxRetries?: number;
  /** Engine factory (tests inject failures here); defaults to selectEngine. */
  selectEngine?: (choice: EngineChoice) => Promise<SelectedEngine>;
}

export interface PointResult {
  label: string;
  values: Record<string, unknown>;
  scenario: ResolvedScenario;
  /** Merged statistics, one accumulator per checkpoint. */
  checkpoints: CheckpointAccumulator[];
  /** Statistics of each independent batch of trajectories, in batch order. */
  blocks: CheckpointAccumulator[][];
  paths?: number[][][];
  seconds: number;
  dispatches: number;
}

export interface ExperimentResult {
  experiment: Experiment;
  engine: EngineInfo;
  engineReason: string;
  points: PointResult[];
  /** True when the experiment has no sweep: points[0] is the base scenario. */
  single: boolean;
  wallSeconds: number;
  provenance: Provenance;
  shard: Shard | null;
  /** Batches run in this process (the rest came from `done`). */
  batchesRun: number;
}

export class RunFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunFailedError';
  }
}

/** Contiguous ranges of about n/blocks trajectories (the fixed-N batches). */
export function blockRanges(n: number, blocks: number): [number, number][] {
  const b = Math.max(1, Math.min(blocks, n));
  const m = Math.ceil(n / b);
  const out: [number, number][] = [];
  for (let a = 0; a < n; a += m) out.push([a, Math.min(n, a + m)]);
  return out;
}

/** The batch size M and the number of batches of a grid point (for a precision target: the most it may need). */
export function batchPlan(exp: Experiment, s: ResolvedScenario): { size: number; count: number; target: Experiment['target'] } {
  if (exp.target) return { size: exp.target.batchSize, count: Math.ceil(s.trajectories / exp.target.batchSize), target: exp.target };
  const ranges = blockRanges(s.trajectories, exp.batches);
  return { size: ranges[0]![1] - ranges[0]![0], count: ranges.length, target: null };
}

export function batchRange(plan: { size: number }, s: ResolvedScenario, b: number): [number, number] {
  return [b * plan.size, Math.min(s.trajectories, (b + 1) * plan.size)];
}

export function inShard(b: number, shard: Shard | null | undefined): boolean {
  return !shard || b % shard.count === shard.index - 1;
}

/** Counts that must add up and moments that must be finite: a failed check stops the run. */
export function checkBatch(rec: BatchRecord, s: ResolvedScenario): string | null {
  const n = rec.range[1] - rec.range[0];
  for (const c of rec.checkpoints) {
    const where = `grid point ${rec.point}, batch ${rec.batch}, step ${c.step}`;
    if (c.n !== n) return `${where}: ${c.n} trajectories counted, expected ${n}`;
    const vsum = c.vertexCounts.reduce((a, v) => a + v, 0);
    if (vsum !== n) return `${where}: vertex counts add up to ${vsum}, expected ${n}`;
    if (c.successCount !== c.vertexCounts[s.iStar]) return `${where}: success count ${c.successCount} ≠ count at i* ${c.vertexCounts[s.iStar]}`;
    let h = 0;
    for (const v of c.hist) h += v;
    if (h !== n) return `${where}: histogram holds ${h} trajectories, expected ${n}`;
    const moments = [c.logGap, c.gap, c.logGapSuccess, c.gapSuccess, ...(c.p ?? [])];
    if (moments.some((m) => m.n > 0 && !(Number.isFinite(m.mean) && Number.isFinite(m.m2)))) return `${where}: a mean or variance is NaN or infinite`;
  }
  return null;
}

function isAbort(e: unknown): boolean {
  return (e as Error)?.name === 'AbortError';
}

export async function runExperiment(exp: Experiment, o: RunExperimentOptions = {}): Promise<ExperimentResult> {
  const t0 = performance.now();
  const select = o.selectEngine ?? selectEngine;
  let { engine, reason } = await select(o.engine ?? 'auto');
  o.onEngine?.(engine.info, reason);
  const points: GridPoint[] = exp.points ?? [{ label: 'base', values: {}, scenario: exp.scenario }];
  if (o.shard && exp.target) {
    throw new RunFailedError('a precision target decides when to stop from all batches together, so it cannot be split into shards: use a fixed N (scenario.trajectories and batches)');
  }
  const done = new Map<string, BatchRecord>();
  for (const b of o.done ?? []) done.set(`${b.point}:${b.batch}`, b);
  const plans = points.map((p) => batchPlan(exp, p.scenario));
  // Work for the progress bar: the batches this process is responsible for (a target's cap counts as the total).
  const work = (i: number) => {
    const s = points[i]!.scenario;
    let n = 0;
    for (let b = 0; b < plans[i]!.count; b++) if (inShard(b, o.shard)) { const r = batchRange(plans[i]!, s, b); n += r[1] - r[0]; }
    return n;
  };
  const total = points.reduce((a, p, i) => a + work(i) * p.scenario.steps, 0);
  const results: PointResult[] = [];
  let before = 0, batchesRun = 0;
  const maxRetries = o.maxRetries ?? 2;

  const runBatch = async (i: number, b: number, onDone: (k: number) => void): Promise<BatchRecord> => {
    const s = points[i]!.scenario;
    const range = batchRange(plans[i]!, s, b);
    for (let attempt = 0; ; attempt++) {
      const tb = performance.now();
      try {
        const r = await engine.run(s, {
          trajectoryRange: range, signal: o.signal, stepsPerDispatch: o.stepsPerDispatch, batchSize: o.batchSize,
          onProgress: (p) => onDone(p.done),
        });
        const rec: BatchRecord = {
          point: i, batch: b, range, checkpoints: r.checkpoints, paths: r.paths,
          seconds: (performance.now() - tb) / 1000, dispatches: r.timing.dispatches,
        };
        const bad = checkBatch(rec, s);
        if (bad) throw new RunFailedError(`integrity check failed (${engine.info.name}): ${bad}; the run stopped and nothing from this batch was kept`);
        return rec;
      } catch (e) {
        if (isAbort(e) || e instanceof RunFailedError) throw e;
        if (attempt >= maxRetries) {
          throw new RunFailedError(`batch ${b} of grid point ${i} failed ${attempt + 1} times on ${engine.info.name}: ${(e as Error).message}`);
        }
        // A lost device or failed dispatch: drop the engine and retry the batch on a fresh one (the same kind).
        try { engine.dispose?.(); } catch { /* already gone */ }
        ({ engine, reason } = await select(engine.info.name));
      }
    }
  };

  try {
    for (let i = 0; i < points.length; i++) {
      const pt = points[i]!, s = pt.scenario, plan = plans[i]!;
      const records: BatchRecord[] = [];
      let doneTraj = 0;
      const report = (inFlightSteps: number) =>
        o.onProgress?.({
          done: before + inFlightSteps, total, elapsedSeconds: (performance.now() - t0) / 1000,
          point: i, points: points.length, label: pt.label,
          trajectoriesDone: doneTraj + Math.floor(inFlightSteps / s.steps), trajectoriesTotal: work(i),
        });
      for (let b = 0; b < plan.count; b++) {
        if (!inShard(b, o.shard)) continue;
        if (plan.target && records.length) {
          // Precision target: stop once the merged interval is narrow enough (checked before each new batch).
          const last = mergeRecords(records)[s.checkpoints.length - 1]!;
          const [lo, hi] = wilson(last.successCount, last.n);
          if (hi - lo < plan.target.successCIWidth) break;
        }
        let rec = done.get(`${i}:${b}`);
        if (!rec) {
          rec = await runBatch(i, b, report);
          batchesRun++;
          await o.onBatch?.(rec, engine.info, reason);
        }
        records.push(rec);
        const n = rec.range[1] - rec.range[0];
        doneTraj += n;
        before += n * s.steps;
        report(0);
      }
      results.push(pointResult(pt, records));
    }
  } finally {
    engine.dispose?.();
  }
  const id = await codeIdentity();
  return {
    experiment: exp,
    engine: engine.info,
    engineReason: reason,
    points: results,
    single: exp.points === null,
    wallSeconds: (performance.now() - t0) / 1000,
    provenance: {
      ...id,
      seed: exp.scenario.seed,
      seedKey: exp.scenario.seedKey,
      createdAt: new Date().toISOString(),
      runtime: engine.info.runtime,
      command: o.command,
    },
    shard: o.shard ?? null,
    batchesRun,
  };
}

/** Merge batch records in batch order (the order fixes the floating-point sums: resumed and sharded runs match). */
export function mergeRecords(records: BatchRecord[]): CheckpointAccumulator[] {
  const sorted = [...records].sort((a, b) => a.batch - b.batch);
  return sorted.map((r) => r.checkpoints).reduce((acc, b) => acc.map((a, c) => mergeAccumulators(a, b[c]!)));
}

/** A grid point's result from its batch records; its time is the engine time of its batches (wherever they ran). */
export function pointResult(pt: GridPoint, records: BatchRecord[]): PointResult {
  const sorted = [...records].sort((a, b) => a.batch - b.batch);
  let paths: number[][][] | undefined;
  for (const r of sorted) if (r.paths?.length) paths = [...(paths ?? []), ...r.paths];
  return {
    label: pt.label, values: pt.values, scenario: pt.scenario,
    checkpoints: mergeRecords(sorted),
    blocks: sorted.map((r) => r.checkpoints),
    paths,
    seconds: sorted.reduce((a, r) => a + r.seconds, 0),
    dispatches: sorted.reduce((a, r) => a + r.dispatches, 0),
  };
}
