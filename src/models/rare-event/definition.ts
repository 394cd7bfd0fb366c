/**
 * Rare-event estimation of P(argmax p(K) ≠ i*) (adaptive multilevel splitting, estimator.ts) as a model of the run
 * layer. A chain experiment file with a `rareEvent` section; its copies are the independent replicates of the
 * splitting estimator, so a batch is replicates [a, b) of a grid point (estimateFailure with replicateOffset = a:
 * replicate r reads the same Philox numbers wherever it runs). The estimate and its interval are computed from all
 * replicates together (finishEstimate), so batches, shards and resumed runs give the uninterrupted run's numbers.
 * The chain itself (its file format, parser, engine choice and step) comes from the registry (chain-port.ts).
 */
import { z } from 'zod';
import { OptionError, ScenarioError } from '../../core/errors.ts';
import { countIssue, MAX_U32, maxForBudget } from '../../core/limits.ts';
import { ruleIssues } from '../../core/scenario-fields.ts';
import { runtimeName } from '../../engines/types.ts';
import type { EnsembleModel } from '../../run/model.ts';
import { chainGridPoints as gridPoints, type ChainFileExperiment, type ChainPort } from './chain-port.ts';
import { estimateFailure, finishEstimate, type ReplicateResult } from './estimator.ts';
import { rareFiles, rareHumanReport, type RareSummary } from './report.ts';
import { rareEngine, type RareEventSection, type RareExperimentResult } from './run.ts';

export type RareExperiment = ChainFileExperiment & { rareEvent: RareEventSection };

/** The file's own section beside the chain's fields. */
export const RareEventSchema = z
  .strictObject({
    particles: z.number().int().min(2).max(MAX_U32).describe('Particles per replicate of the adaptive multilevel splitting'),
    replicates: z.number().int().min(2).max(MAX_U32).describe('Independent replicates (their spread gives the confidence interval)'),
    keepFraction: z.number().gt(0).lt(1).optional().describe('Fraction of particles kept per splitting iteration (default 0.5)'),
  })
  .describe('Estimate P(argmax p(K) ≠ i*) by adaptive multilevel splitting instead of plain Monte Carlo (estimator.ts)');

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
export function checkRareEventSizes(exp: RareExperiment, batches: number): void {
  const { particles, replicates: R } = exp.rareEvent!;
  const d = Math.max(...gridPoints(exp).map((p) => p.scenario.d));
  const perBatch = Math.ceil(R / batches), bytesEach = perBatch * rareParticleBytes(d);
  const max = Math.min(Math.floor(0x100000000 / R), maxForBudget(bytesEach));
  const issue = countIssue(particles, max, bytesEach, `particle state for ${perBatch} replicates at once at d = ${d}`);
  if (issue) throw new ScenarioError([{ path: 'rareEvent.particles', message: `${issue}; particles × replicates must also be ≤ 2^32` }]);
}

/**
 * A chain experiment with its rare-event section: one grid unit of R replicates per point, batches of replicates.
 * The particle step is Eq. (1) as is: correlated inputs and rate switches are refused.
 */
export function rareExperiment(chainExp: ChainFileExperiment, rareEvent: RareEventSection): RareExperiment {
  const exp: RareExperiment = { ...chainExp, rareEvent };
  // Its size is particles × replicates, and its estimate has its own error (no Wilson interval of a success count).
  if (chainExp.target) {
    throw new ScenarioError([{ path: 'target', message: 'a rare-event estimate runs rareEvent.replicates replicates of rareEvent.particles particles, not batches up to a precision target: remove target (or the rareEvent section)' }]);
  }
  const extension = gridPoints(exp).find((p) => p.scenario.correlation || p.scenario.schedule.length);
  if (extension) {
    const field = extension.scenario.correlation ? 'gamma' : 'schedule';
    throw new ScenarioError([{ path: `scenario.${field}`, message: `the rare-event estimator runs Eq. (1) with independent inputs and fixed rates: remove ${field} (or the rareEvent section)` }]);
  }
  const R = exp.rareEvent.replicates;
  const batches = replicateBatches(R, exp.batches);
  checkRareEventSizes(exp, batches);
  return {
    ...exp, seed: exp.scenario.seed, seedKey: exp.scenario.seedKey,
    units: gridPoints(exp).map((p) => ({ label: p.label, trajectories: R, workPerCopy: exp.rareEvent!.particles * p.scenario.steps })),
    batches,
    target: null,
  };
}

export type RareEventModel = EnsembleModel<RareExperiment, RareBatch, { info: { name: 'cpu' | 'webgpu'; runtime: string; precision: 'f64' | 'f32' } }, RareExperimentResult, RareSummary>;

/**
 * A file's rare-event section, validated apart from the chain's fields (issues named `rareEvent.…`), and the rest of
 * the file for the chain's parser.
 */
function splitRareEvent(json: unknown): { rest: unknown; rareEvent: RareEventSection | null; issues: ScenarioError['issues'] } {
  if (!json || typeof json !== 'object' || Array.isArray(json)) return { rest: json, rareEvent: null, issues: [] };
  const { rareEvent, ...rest } = json as Record<string, unknown>;
  const r = z.strictObject({ rareEvent: RareEventSchema }).safeParse({ rareEvent });
  return r.success ? { rest, rareEvent: r.data.rareEvent, issues: [] } : { rest, rareEvent: null, issues: ruleIssues(r.error) };
}

/** Rare-event estimation over the chain the registry hands over (its model and step: chain-port.ts). */
export function rareEventModelOver(chain: ChainPort): RareEventModel {
  const base = chain.model.fileSchema();
  if (!(base instanceof z.ZodObject)) throw new Error('rare-event: the chain\'s file schema must be a zod object');
  const fileSchema = base.extend({ rareEvent: RareEventSchema }).describe('An stdp-mc experiment file: the chain with a rareEvent section (adaptive multilevel splitting)');
  return {
    model: 'rare-event',
    title: 'rare-event estimation (adaptive multilevel splitting)',
    matches: (json) => !!json && typeof json === 'object' && 'rareEvent' in (json as object),
    fileSchema: () => fileSchema,
    parse(json, o) {
      if (o.duration !== undefined) throw new OptionError('--duration does not apply to rare-event experiments: use --steps');
      // The chain's N is not an estimate's size here (it was ignored): particles per replicate × replicates is.
      if (o.trajectories !== undefined) {
        throw new OptionError('--trajectories does not apply to rare-event experiments: an estimate uses rareEvent.particles per replicate and rareEvent.replicates replicates; set those in the file');
      }
      const { rest, rareEvent, issues } = splitRareEvent(json);
      let exp: ChainFileExperiment;
      try {
        exp = chain.model.parse(rest, { trajectories: o.trajectories, steps: o.steps, seed: o.seed });
      } catch (e) {
        // The chain's issues first, then the section's (the order of the fields in the file's schema).
        if (e instanceof ScenarioError && issues.length) throw new ScenarioError([...e.issues, ...issues]);
        throw e;
      }
      if (!rareEvent) throw new ScenarioError(issues.length ? issues : [{ path: 'rareEvent', message: 'required: { particles, replicates }' }]);
      return rareExperiment(exp, rareEvent);
    },
    async selectEngine(choice) {
      const { engine, reason, adapter } = await rareEngine(chain.model, choice);
      const runtime = runtimeName();
      return { engine: { info: { name: engine, runtime, precision: engine === 'cpu' ? 'f64' : 'f32', ...(adapter ? { adapter } : {}) } }, reason };
    },
    async runBatch(engine, exp, point, range, ctx) {
      const s = gridPoints(exp)[point]!.scenario;
      const r = await estimateFailure(s, {
        engine: engine.info.name, particles: exp.rareEvent.particles, replicates: range[1] - range[0],
        keepFraction: exp.rareEvent.keepFraction, replicateOffset: range[0], signal: ctx.signal, step: chain.step,
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
        engineRuntime: run.engine.runtime,
        engineAdapter: run.engine.adapter ?? null,
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
}
