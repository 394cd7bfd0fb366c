/**
 * The machine-readable summary of a run (summary.json). A run without a sweep has the scenario's fields at the top
 * level (scenario, engine, trajectories, checkpoints, final, timing, provenance, theory, comparisons); a sweep has
 * one such block per grid point under `points`, plus the comparisons across the grid.
 */
import { summarizeCheckpoint, type CheckpointSummary } from '../../stats/checkpoint-stats.ts';
import { wilson } from '../../stats/intervals.ts';
import type { Comparison } from '../../stats/compare.ts';
import type { ExperimentResult, PointResult } from './run-experiment.ts';
import type { Experiment } from './experiment.ts';
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
  /** With a precision target: the width asked for, the cap, the width reached and whether it was reached in time. */
  precisionTarget?: PrecisionTargetOutcome;
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

export interface PrecisionTargetOutcome {
  successCIWidth: number;
  /** The most copies the point could run (target.maxTrajectories, or --trajectories where given). */
  maxTrajectories: number;
  batchSize: number;
  /** Width of the final 95 % Wilson interval. */
  width: number;
  met: boolean;
}

/** Did the run stop because the interval was narrow enough (run-ensemble.ts successTally), or at the cap? */
export function targetOutcome(target: NonNullable<Experiment['target']>, cap: number, ci: [number, number]): PrecisionTargetOutcome {
  const width = ci[1] - ci[0];
  return { successCIWidth: target.successCIWidth, maxTrajectories: cap, batchSize: target.batchSize, width, met: width < target.successCIWidth };
}

export function summarizePoint(p: PointResult, a: PointAnalysis, target: Experiment['target'] = null): PointSummary {
  const s = p.scenario;
  const last = p.checkpoints[p.checkpoints.length - 1]!;
  const n = last.n;
  const ci = wilson(last.successCount, n);
  const outcome = target ? targetOutcome(target, s.trajectories, ci) : undefined;
  const warnings = [...s.warnings];
  if (outcome && !outcome.met) {
    warnings.push(`precision target not met: the 95 % interval is ${+outcome.width.toPrecision(3)} wide at the cap of ${outcome.maxTrajectories} trajectories, not below ${outcome.successCIWidth} (raise target.maxTrajectories, or --trajectories, which sets the cap)`);
  }
  return {
    label: p.label,
    values: p.values,
    scenario: { ...s } as unknown as Record<string, unknown>,
    trajectories: n,
    checkpoints: p.checkpoints.map(summarizeCheckpoint),
    final: {
      step: last.step,
      successProbability: n ? last.successCount / n : NaN,
      successCI95: ci,
      trajectories: n,
      vertexProbabilities: last.vertexCounts.map((c) => (n ? c / n : NaN)),
    },
    paths: p.paths ? { steps: [...s.checkpoints], p: p.paths } : undefined,
    ...(outcome ? { precisionTarget: outcome } : {}),
    warnings,
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
  const p = summarizePoint(r.points[0]!, analyses[0]!, r.experiment.target);
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
    points: r.points.map((p, i) => summarizePoint(p, analyses[i]!, r.experiment.target)),
    comparisons,
    timing: { wallSeconds: r.wallSeconds, trajectoryStepsPerSecond: work / engineSeconds },
    provenance: r.provenance,
  };
}
