/**
 * A spiking-network experiment file (scenario.model "spiking", Section 2.3): its name, description, base scenario,
 * optional `sweep.points` (partial scenarios on top of the base, e.g. the regime map of Eq. 12; each is a grid point)
 * and the number of independent batches its copies are cut into; parsing with the command line's values written over
 * every point's scenario, and the fields the run layer reads (src/run/model.ts: seed, one grid unit per point of
 * `trajectories` copies × `steps` output spikes). Without a sweep the matching reduced chain of Eq. (1) runs beside.
 */
import { z } from 'zod';
import { OptionError, ScenarioError, zodIssues } from '../../core/errors.ts';
import type { ModelExperiment, RunOverrides } from '../../run/model.ts';
import { resolveScenario, type ResolvedScenario } from '../chain/scenario.ts';
import { SpikingScenarioSchema, resolveSpikingScenario, type ResolvedSpikingScenario } from './scenario.ts';

/** Batches per grid point when the file names none (the unit of the state log, resume and shards). */
export const SPIKING_DEFAULT_BATCHES = 10;

const batches = () =>
  z.number().int().min(1).max(1000).optional().describe('Independent batches of copies per grid point (default 10)');

/** The whole experiment file (its branch of the JSON Schema). */
export const SpikingExperimentFileSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().min(1).describe('Name of the experiment, used in reports'),
  description: z.string().optional().describe('What question the experiment answers'),
  scenario: SpikingScenarioSchema,
  sweep: z.strictObject({ points: z.array(z.record(z.string(), z.unknown())).min(1).describe('Partial scenarios on top of the base') }).optional(),
  batches: batches(),
}).describe('An stdp-mc experiment with the spiking network of Section 2.3');

/** The file's outer form, scenarios still raw: each point is validated after the overrides, with `scenario.` paths. */
const SpikingFileOuter = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().min(1),
  description: z.string().optional(),
  scenario: z.record(z.string(), z.unknown()),
  sweep: z.strictObject({ points: z.array(z.record(z.string(), z.unknown())).min(1) }).optional(),
  batches: batches(),
});

export interface SpikingPoint { label: string; values: Record<string, unknown>; scenario: ResolvedSpikingScenario }

export interface SpikingExperiment {
  name: string;
  description?: string;
  points: SpikingPoint[];
  /** No sweep: one point, the base scenario (the matching chain runs beside it). */
  single: boolean;
  /** Independent batches of copies per grid point (default SPIKING_DEFAULT_BATCHES). */
  batches?: number;
}

/** A spiking experiment with the fields the run layer reads. */
export type SpikingRunExperiment = SpikingExperiment & ModelExperiment;

export function isSpikingExperiment(json: unknown): boolean {
  return !!json && typeof json === 'object' && (json as any).scenario?.model === 'spiking';
}

/**
 * Validate a file with `trajectories`, `steps` and `seed` written over every point's scenario (checkpoints beyond
 * --steps are dropped); throws ScenarioError naming the field (and the sweep point).
 */
export function parseSpikingExperiment(json: unknown, overrides: { trajectories?: number; steps?: number; seed?: number | string } = {}): SpikingRunExperiment {
  const r = SpikingFileOuter.safeParse(json);
  if (!r.success) throw new ScenarioError(zodIssues(r.error));
  const apply = (extra: Record<string, unknown>) => {
    const sc: Record<string, unknown> = { ...r.data.scenario, ...extra };
    for (const [k, v] of Object.entries(overrides)) if (v !== undefined) sc[k] = v;
    if (overrides.steps !== undefined && Array.isArray(sc.checkpoints)) sc.checkpoints = (sc.checkpoints as number[]).filter((c) => c <= overrides.steps!);
    return sc;
  };
  const fmt = (v: unknown) => (Array.isArray(v) ? `(${v.join(',')})` : String(v));
  const points = (r.data.sweep?.points ?? [{}]).map((extra, j) => {
    const label = Object.entries(extra).map(([k, v]) => `${k}=${fmt(v)}`).join(', ') || 'base';
    try {
      return { label, values: extra, scenario: resolveSpikingScenario(apply(extra)) };
    } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      throw new ScenarioError(e.issues.map((i) => ({ path: `sweep point ${j} (${label}): ${i.path}`, message: i.message })));
    }
  });
  return spikingExperiment({ name: r.data.name, description: r.data.description, points, single: !r.data.sweep, batches: r.data.batches });
}

/** The run layer's view of an experiment: one grid unit per point, `trajectories` copies of `steps` output spikes. */
export function spikingExperiment(exp: SpikingExperiment): SpikingRunExperiment {
  const s0 = exp.points[0]!.scenario;
  return {
    ...exp,
    seed: s0.seed,
    seedKey: s0.seedKey,
    units: exp.points.map((p) => ({ label: p.label, trajectories: p.scenario.trajectories, workPerCopy: p.scenario.steps })),
    batches: exp.batches ?? SPIKING_DEFAULT_BATCHES,
    target: null,
  };
}

/** The command line's values: --steps is the number of output spikes K; --duration is refused. */
export function parseSpikingRun(json: unknown, o: RunOverrides): SpikingRunExperiment {
  if (o.duration !== undefined) {
    throw new OptionError('--duration does not apply to spiking-network experiments: use --steps (output spikes K)');
  }
  return parseSpikingExperiment(json, { trajectories: o.trajectories, steps: o.steps, seed: o.seed });
}

/** The reduced chain of Eq. (1) matching a network scenario: same λ, w(0), α, K, checkpoints, N and seed. */
export function matchingChain(s: ResolvedSpikingScenario): ResolvedScenario {
  return resolveScenario({
    model: 'chain', rates: s.rates, initialWeights: s.initialWeights, alpha: s.alpha, steps: s.steps,
    checkpoints: s.checkpoints.filter((k) => k > 0 && k < s.steps), trajectories: s.trajectories, seed: s.seed, allowTies: true,
  });
}
