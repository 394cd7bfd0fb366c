/**
 * The Hebbian-alignment experiment file (scenario.model "hebbian"): name, description, the scenario of
 * src/models/hebbian/scenario.ts and the number of independent batches its copies are cut into (the unit of the run
 * layer's state log, resume and shards). The whole (σ, γ) grid lives in one scenario, and copy t of every grid point
 * reads the same Philox numbers (paired comparisons), so a batch is copies [a, b) of every grid point at once.
 */
import { z } from 'zod';
import { OptionError, ScenarioError, zodIssues } from '../../core/errors.ts';
import type { ModelExperiment, RunOverrides } from '../../run/model.ts';
import { HebbianScenarioSchema, resolveHebbianScenario, type ResolvedHebbianScenario } from './scenario.ts';

export const DEFAULT_BATCHES = 10;

const batches = () => z.number().int().min(1).max(1000).optional().describe('Independent batches of copies per grid point (default 10)');

/** The whole file, with the scenario's own schema (the JSON Schema branch of the model). */
export const HebbianFileSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().min(1).describe('Name of the experiment, used in reports'),
  description: z.string().optional().describe('What question the experiment answers'),
  scenario: HebbianScenarioSchema,
  batches: batches(),
}).describe('An stdp-mc experiment with Hebbian alignment of regularised learners (arXiv 2505.18069)');

/** The file's outer form; the scenario is validated after the command line's values are written over it. */
const OuterFile = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().min(1),
  description: z.string().optional(),
  scenario: z.record(z.string(), z.unknown()),
  batches: batches(),
});

export interface HebbianExperiment {
  name: string;
  description?: string;
  scenario: ResolvedHebbianScenario;
  /** Independent batches of copies (default 10). */
  batches?: number;
}

/** A Hebbian experiment with the fields the run layer reads: ONE grid unit, copies t of all (σ, γ) points together. */
export type HebbianRunExperiment = HebbianExperiment & ModelExperiment;

export function isHebbianExperiment(json: unknown): boolean {
  return !!json && typeof json === 'object' && (json as any).scenario?.model === 'hebbian';
}

/** Validate the file with `trajectories` and `seed` written over its scenario; throws ScenarioError naming the field. */
export function parseHebbianExperiment(json: unknown, overrides: { trajectories?: number; seed?: number | string } = {}): HebbianExperiment {
  const r = OuterFile.safeParse(json);
  if (!r.success) throw new ScenarioError(zodIssues(r.error));
  const scenario: Record<string, unknown> = { ...r.data.scenario };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) scenario[k] = v;
  return { name: r.data.name, description: r.data.description, scenario: resolveHebbianScenario(scenario), batches: r.data.batches ?? DEFAULT_BATCHES };
}

/** The run layer's view: one GridUnit of `trajectories` copies, each worth (grid points × steps) copy-steps of work. */
export function hebbianRunExperiment(exp: HebbianExperiment): HebbianRunExperiment {
  const s = exp.scenario;
  return {
    ...exp,
    batches: exp.batches ?? DEFAULT_BATCHES,
    seed: s.seed, seedKey: s.seedKey,
    units: [{ label: `${s.grid.length} (σ, γ) grid point${s.grid.length > 1 ? 's' : ''}`, trajectories: s.trajectories, workPerCopy: s.grid.length * s.steps }],
    target: null,
  };
}

/** The file with the command line's values; refuses those that do not apply (OptionError). */
export function parseHebbianRunExperiment(json: unknown, o: RunOverrides): HebbianRunExperiment {
  if (o.steps !== undefined) throw new OptionError('--steps does not apply to Hebbian-alignment experiments: change its duration or steps in the file');
  if (o.duration !== undefined) throw new OptionError('--duration does not apply to Hebbian-alignment experiments: change steps in the file');
  return hebbianRunExperiment(parseHebbianExperiment(json, { trajectories: o.trajectories, seed: o.seed }));
}
