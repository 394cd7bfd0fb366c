/** The machine-readable summary of a run (summary.json), built from an engine's EnsembleResult. */
import type { Experiment } from '../model/experiment.ts';
import { summarizeCheckpoint, type CheckpointSummary } from '../stats/checkpoint-stats.ts';
import { wilson } from '../stats/intervals.ts';
import type { EnsembleResult } from '../engines/types.ts';
import type { Provenance } from './provenance.ts';

export interface Summary {
  name: string;
  description?: string;
  scenario: Record<string, unknown>;
  engine: { name: string; runtime: string; adapter: Record<string, unknown> | null; precision: string; reason: string; details?: Record<string, unknown> };
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
  timing: { seconds: number; engineSeconds: number; trajectoryStepsPerSecond: number; dispatches: number };
  provenance: Provenance;
}

export function buildSummary(
  exp: Experiment, r: EnsembleResult, reason: string, wallSeconds: number, provenance: Provenance,
): Summary {
  const s = exp.scenario;
  const checkpoints = r.checkpoints.map(summarizeCheckpoint);
  const last = r.checkpoints[r.checkpoints.length - 1]!;
  const n = last.n;
  return {
    name: exp.name,
    description: exp.description,
    scenario: { ...s } as unknown as Record<string, unknown>,
    engine: {
      name: r.engine.name,
      runtime: r.engine.runtime,
      adapter: (r.engine.adapter as Record<string, unknown>) ?? null,
      precision: r.engine.precision,
      reason,
      details: r.engine.details,
    },
    trajectories: n,
    checkpoints,
    final: {
      step: last.step,
      successProbability: n ? last.successCount / n : NaN,
      successCI95: wilson(last.successCount, n),
      trajectories: n,
      vertexProbabilities: last.vertexCounts.map((c) => (n ? c / n : NaN)),
    },
    paths: r.paths ? { steps: [...s.checkpoints], p: r.paths } : undefined,
    warnings: [...s.warnings],
    timing: {
      seconds: wallSeconds,
      engineSeconds: r.timing.seconds,
      trajectoryStepsPerSecond: (n * s.steps) / r.timing.seconds,
      dispatches: r.timing.dispatches,
    },
    provenance,
  };
}
