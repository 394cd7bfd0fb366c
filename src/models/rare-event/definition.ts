/**
 * Rare-event estimation of P(argmax p(K) ≠ i*) (adaptive multilevel splitting, estimator.ts) as a model of the run
 * layer. A chain experiment file with a `rareEvent` section; its copies are the independent replicates of the
 * splitting estimator, so a batch is replicates [a, b) of a grid point (estimateFailure with replicateOffset = a:
 * replicate r reads the same Philox numbers wherever it runs). The estimate and its interval are computed from all
 * replicates together (finishEstimate), so batches, shards and resumed runs give the uninterrupted run's numbers.
 */
import { OptionError, ScenarioError } from '../../core/errors.ts';
import { countIssue, maxForBudget } from '../../core/limits.ts';
import { runtimeName } from '../../engines/types.ts';
import type { EnsembleModel, ModelExperiment } from '../../run/model.ts';
import { ExperimentSchema, parseExperiment, type Experiment } from '../chain/experiment.ts';
import { gridPoints } from '../chain/definition.ts';
import { estimateFailure, finishEstimate, type ReplicateResult } from './estimator.ts';
import { rareFiles, rareHumanReport, type RareSummary } from './report.ts';
import { rareEngine, type RareExperimentResult } from './run.ts';

export type RareExperiment = Experiment & ModelExperiment & { rareEvent: NonNullable<Experiment['rareEvent']> };

/** One batch of replicates: their per-replicate results, total work and the estimator's settings. */
export interface RareBatch {
  replicates: ReplicateResult[];
  work: number;
  seconds: number;
  particles: number;
  keepFraction: number;
  absorb: number;
  precision: 'f64' | 'f32';
}

/** The most batches (≤ wanted) that leave every batch of blockRanges(R, ·) at least 2 replicates (the estimator's minimum). */
export function replicateBatches(R: number, wanted: number): number {
  for (let b = Math.min(wanted, Math.floor(R / 2)); b > 1; b--) {
    const m = Math.ceil(R / b);
    const last = R - m * (Math.ceil(R / m) - 1);
    if (m >= 2 && last >= 2) return b;
  }
  return 1;
}

/** Host bytes per particle at d inputs: its log-state in the replicate, the stepper's batch and the CPU stepper's copy (8d each), and its counters. */
export const rareParticleBytes = (d: number) => 24 * d + 64;

/**
 * Refuse particle counts the estimator cannot hold or address, before anything is allocated: the particles of every
 * replicate of one batch are in memory at once, and particle ids (replicate·n + i) are 32-bit.
 */
export function checkRareEventSizes(exp: Experiment, batches: number): void {
  const { particles, replicates: R } = exp.rareEvent!;
  const d = Math.max(...gridPoints(exp).map((p) => p.scenario.d));
  const perBatch = Math.ceil(R / batches), bytesEach = perBatch * rareParticleBytes(d);
  const max = Math.min(Math.floor(0x100000000 / R), maxForBudget(bytesEach));
  const issue = countIssue(particles, max, bytesEach, `particle state for ${perBatch} replicates at once at d = ${d}`);
  if (issue) throw new ScenarioError([{ path: 'rareEvent.particles', message: `${issue}; particles × replicates must also be ≤ 2^32` }]);
}

export function rareExperiment(exp: Experiment): RareExperiment {
  if (!exp.rareEvent) throw new OptionError('not a rare-event experiment (no rareEvent section)');
  const R = exp.rareEvent.replicates;
  const batches = replicateBatches(R, exp.batches);
  checkRareEventSizes(exp, batches);
  return {
    ...exp, rareEvent: exp.rareEvent, seed: exp.scenario.seed, seedKey: exp.scenario.seedKey,
    units: gridPoints(exp).map((p) => ({ label: p.label, trajectories: R, workPerCopy: exp.rareEvent!.particles * p.scenario.steps })),
    batches,
    target: null,
  };
}

export const rareEventModel: EnsembleModel<RareExperiment, RareBatch, { info: { name: 'cpu' | 'webgpu'; runtime: string; precision: 'f64' | 'f32' } }, RareExperimentResult, RareSummary> = {
  model: 'rare-event',
  title: 'rare-event estimation (adaptive multilevel splitting)',
  matches: (json) => !!json && typeof json === 'object' && 'rareEvent' in (json as object),
  fileSchema: () => ExperimentSchema,
  parse(json, o) {
    if (o.duration !== undefined) throw new OptionError('--duration does not apply to rare-event experiments: use --steps');
    return rareExperiment(parseExperiment(json, { trajectories: o.trajectories, steps: o.steps, seed: o.seed }));
  },
  async selectEngine(choice) {
    const { engine, reason } = await rareEngine(choice);
    const runtime = runtimeName();
    return { engine: { info: { name: engine, runtime, precision: engine === 'cpu' ? 'f64' : 'f32' } }, reason };
  },
  async runBatch(engine, exp, point, range, ctx) {
    const s = gridPoints(exp)[point]!.scenario;
    const r = await estimateFailure(s, {
      engine: engine.info.name, particles: exp.rareEvent.particles, replicates: range[1] - range[0],
      keepFraction: exp.rareEvent.keepFraction, replicateOffset: range[0], signal: ctx.signal,
      onProgress: (p) => ctx.onProgress?.(Math.min(p.work, (range[1] - range[0]) * exp.units[point]!.workPerCopy)),
    });
    return {
      stats: {
        replicates: r.perReplicate, work: r.work, seconds: r.seconds, particles: r.particles, keepFraction: r.keepFraction,
        absorb: r.absorb, precision: r.precision,
      },
      dispatches: 0,
    };
  },
  merge: (a, b) => ({ ...a, replicates: [...a.replicates, ...b.replicates], work: a.work + b.work, seconds: a.seconds + b.seconds }),
  check(b, _exp, _point, range) {
    const n = range[1] - range[0];
    if (b.replicates.length !== n) return `${b.replicates.length} replicates, expected ${n}`;
    if (b.replicates.some((r) => !(r.estimate >= 0 && r.estimate <= 1))) return 'a replicate estimate is outside [0, 1] or NaN';
    if (!(b.work >= 0)) return `work ${b.work} is not a non-negative number`;
    return null;
  },
  statsToJSON: (b) => b,
  statsFromJSON: (j) => j as RareBatch,
  result(run) {
    const exp = run.experiment;
    const pts = gridPoints(exp);
    return {
      experiment: exp,
      engine: run.engine.name as 'cpu' | 'webgpu',
      engineReason: run.engineReason,
      points: run.points.map((p, i) => {
        const m = p.merged!;
        return {
          label: pts[i]!.label, values: pts[i]!.values, scenario: pts[i]!.scenario,
          result: finishEstimate(pts[i]!.scenario, m.replicates, {
            particles: m.particles, keepFraction: m.keepFraction, absorb: m.absorb, work: m.work, seconds: m.seconds,
            engine: run.engine.name as 'cpu' | 'webgpu', precision: m.precision,
          }),
        };
      }),
      wallSeconds: run.wallSeconds,
      provenance: run.provenance,
    };
  },
  files: rareFiles,
  human: rareHumanReport,
};
