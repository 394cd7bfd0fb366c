/**
 * Run an experiment: every grid point (or the base scenario) on one engine, each as `batches` independent blocks
 * of trajectories [b·M, (b+1)·M). The blocks address the random stream by trajectory index, so the merged result
 * does not depend on how the run was cut; the per-block statistics give batch-means intervals.
 */
import type { Experiment, GridPoint } from '../model/experiment.ts';
import type { ResolvedScenario } from '../model/scenario.ts';
import { selectEngine, type EngineChoice } from '../engines/index.ts';
import type { Engine, EngineInfo, Progress } from '../engines/types.ts';
import { mergeAccumulators, type CheckpointAccumulator } from '../stats/checkpoint-stats.ts';
import { codeIdentity, type Provenance } from './provenance.ts';

export interface RunExperimentOptions {
  engine?: EngineChoice;
  onProgress?: (p: Progress & { point: number; points: number; label: string }) => void;
  /** Called once the engine is chosen, before any work. */
  onEngine?: (name: string, reason: string) => void;
  signal?: AbortSignal;
  stepsPerDispatch?: number;
  batchSize?: number;
  command?: string;
}

export interface PointResult {
  label: string;
  values: Record<string, unknown>;
  scenario: ResolvedScenario;
  /** Merged statistics, one accumulator per checkpoint. */
  checkpoints: CheckpointAccumulator[];
  /** Statistics of each independent block of trajectories. */
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
}

export function blockRanges(n: number, blocks: number): [number, number][] {
  const b = Math.max(1, Math.min(blocks, n));
  const m = Math.ceil(n / b);
  const out: [number, number][] = [];
  for (let a = 0; a < n; a += m) out.push([a, Math.min(n, a + m)]);
  return out;
}

async function runPoint(
  engine: Engine, point: GridPoint, batches: number, o: RunExperimentOptions,
  progress: (done: number) => void,
): Promise<PointResult> {
  const t0 = performance.now();
  const s = point.scenario;
  const blocks: CheckpointAccumulator[][] = [];
  let paths: number[][][] | undefined;
  let dispatches = 0, doneBefore = 0;
  for (const range of blockRanges(s.trajectories, batches)) {
    const r = await engine.run(s, {
      trajectoryRange: range,
      signal: o.signal,
      stepsPerDispatch: o.stepsPerDispatch,
      batchSize: o.batchSize,
      onProgress: (p) => progress(doneBefore + p.done),
    });
    doneBefore += (range[1] - range[0]) * s.steps;
    blocks.push(r.checkpoints);
    if (r.paths) paths = [...(paths ?? []), ...r.paths];
    dispatches += r.timing.dispatches;
  }
  const checkpoints = blocks.reduce((acc, b) => acc.map((a, c) => mergeAccumulators(a, b[c]!)));
  return {
    label: point.label, values: point.values, scenario: s, checkpoints, blocks, paths,
    seconds: (performance.now() - t0) / 1000, dispatches,
  };
}

export async function runExperiment(exp: Experiment, o: RunExperimentOptions = {}): Promise<ExperimentResult> {
  const t0 = performance.now();
  const { engine, reason } = await selectEngine(o.engine ?? 'auto');
  o.onEngine?.(engine.info.name, reason);
  const points: GridPoint[] = exp.points ?? [{ label: 'base', values: {}, scenario: exp.scenario }];
  const total = points.reduce((a, p) => a + p.scenario.trajectories * p.scenario.steps, 0);
  const results: PointResult[] = [];
  let before = 0;
  try {
    for (let i = 0; i < points.length; i++) {
      const pt = points[i]!;
      const res = await runPoint(engine, pt, exp.batches, o, (done) =>
        o.onProgress?.({
          done: before + done, total, elapsedSeconds: (performance.now() - t0) / 1000,
          point: i, points: points.length, label: pt.label,
        }));
      before += pt.scenario.trajectories * pt.scenario.steps;
      results.push(res);
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
  };
}
