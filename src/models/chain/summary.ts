/**
 * The machine-readable summary of a run (summary.json). A run without a sweep has the scenario's fields at the top
 * level (scenario, engine, trajectories, checkpoints, final, timing, provenance, theory, comparisons); a sweep has
 * one such block per grid point under `points`, plus the comparisons across the grid.
 */
import { summarizeCheckpoint, type CheckpointSummary } from '../../stats/checkpoint-stats.ts';
import { wilson } from '../../stats/intervals.ts';
import type { Comparison } from '../../stats/compare.ts';
import type { ExperimentResult, PointResult } from './run-experiment.ts';
import type { Provenance } from '../../core/provenance.ts';

export interface PointAnalysis {
  theory: Record<string, unknown>;
  comparisons: Comparison[];
}

export interface PointSummary {
  label: string;
  values: Record<string, unknown>;
  scenario: Record<string, unknown>;
  trajectories: number;
  checkpoints: CheckpointSummary[];
  final: {
    step: number;
    successProbability: number;
    successCI95: [number, number];
    trajectories: number;
    /** P(argmax p(K) = i) for every input i. */
    vertexProbabilities: number[];
  };
  paths?: { steps: number[]; p: number[][][] };
  warnings: string[];
  theory: Record<string, unknown>;
  comparisons: Comparison[];
  timing: { seconds: number; trajectoryStepsPerSecond: number; dispatches: number; batches: number };
}

export interface EngineSummary {
  name: string;
  runtime: string;
  adapter: Record<string, unknown> | null;
  precision: string;
  reason: string;
  details?: Record<string, unknown>;
}

export type Summary = PointSummary & {
  name: string;
  /** Set when this is one shard's partial result (merge all shards with `stdp-mc merge`). */
  shard?: { index: number; count: number };
  description?: string;
  engine: EngineSummary;
  timing: PointSummary['timing'] & { wallSeconds: number };
  provenance: Provenance;
};

export interface SweepSummary {
  name: string;
  shard?: { index: number; count: number };
  description?: string;
  engine: EngineSummary;
  sweep: { axes: string[]; points: number };
  points: PointSummary[];
  comparisons: Comparison[];
  timing: { wallSeconds: number; trajectoryStepsPerSecond: number };
  provenance: Provenance;
}

export function summarizePoint(p: PointResult, a: PointAnalysis): PointSummary {
  const s = p.scenario;
  const last = p.checkpoints[p.checkpoints.length - 1]!;
  const n = last.n;
  return {
    label: p.label,
    values: p.values,
    scenario: { ...s } as unknown as Record<string, unknown>,
    trajectories: n,
    checkpoints: p.checkpoints.map(summarizeCheckpoint),
    final: {
      step: last.step,
      successProbability: n ? last.successCount / n : NaN,
      successCI95: wilson(last.successCount, n),
      trajectories: n,
      vertexProbabilities: last.vertexCounts.map((c) => (n ? c / n : NaN)),
    },
    paths: p.paths ? { steps: [...s.checkpoints], p: p.paths } : undefined,
    warnings: [...s.warnings],
    theory: a.theory,
    comparisons: a.comparisons,
    timing: {
      seconds: p.seconds,
      trajectoryStepsPerSecond: (n * s.steps) / p.seconds,
      dispatches: p.dispatches,
      batches: p.blocks.length,
    },
  };
}

function engineSummary(r: ExperimentResult): EngineSummary {
  return {
    name: r.engine.name,
    runtime: r.engine.runtime,
    adapter: (r.engine.adapter as Record<string, unknown>) ?? null,
    precision: r.engine.precision,
    reason: r.engineReason,
    details: r.engine.details,
  };
}

export function buildSummary(r: ExperimentResult, analyses: PointAnalysis[]): Summary {
  const p = summarizePoint(r.points[0]!, analyses[0]!);
  return {
    name: r.experiment.name,
    description: r.experiment.description,
    ...p,
    ...(r.shard ? { shard: r.shard } : {}),
    engine: engineSummary(r),
    timing: { ...p.timing, wallSeconds: r.wallSeconds },
    provenance: r.provenance,
  };
}

export function buildSweepSummary(r: ExperimentResult, analyses: PointAnalysis[], comparisons: Comparison[]): SweepSummary {
  const work = r.points.reduce((a, p) => a + p.scenario.trajectories * p.scenario.steps, 0);
  const engineSeconds = r.points.reduce((a, p) => a + p.seconds, 0);
  return {
    name: r.experiment.name,
    description: r.experiment.description,
    ...(r.shard ? { shard: r.shard } : {}),
    engine: engineSummary(r),
    sweep: { axes: r.experiment.axes, points: r.points.length },
    points: r.points.map((p, i) => summarizePoint(p, analyses[i]!)),
    comparisons,
    timing: { wallSeconds: r.wallSeconds, trajectoryStepsPerSecond: work / engineSeconds },
    provenance: r.provenance,
  };
}
