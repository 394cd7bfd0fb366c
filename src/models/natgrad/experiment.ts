/**
 * The natural-gradient experiment file, `{ name, description?, scenario, batches? }` with scenario.model "natgrad":
 * its zod schema (the model's branch of the published JSON Schema) and its parser, which writes the command line's
 * values (--trajectories, --seed, --duration) over the scenario before validating it.
 */
import { z } from 'zod';
import { ScenarioError, zodIssues } from '../../core/errors.ts';
import { isModelExperiment } from '../../run/run-model.ts';
import { NatgradScenarioSchema, resolveNatgradScenario, type ResolvedNatgradScenario } from './scenario.ts';

const batchesField = () => z.number().int().min(1).max(1000).optional()
  .describe('Independent batches of copies per grid point (default 10)');

/** The whole experiment file (its JSON Schema branch). */
export const NatgradFileSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().min(1).describe('Name of the experiment, used in reports'),
  description: z.string().optional().describe('What question the experiment answers'),
  scenario: NatgradScenarioSchema,
  batches: batchesField(),
}).describe('An stdp-mc experiment with natural-gradient learning for a spiking neuron (arXiv 2011.11710)');

/** The same outer form with the scenario still raw, so that overrides go in before the scenario is validated. */
const RawFile = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().min(1),
  description: z.string().optional(),
  scenario: z.record(z.string(), z.unknown()),
  batches: batchesField(),
});

export interface NatgradExperiment {
  name: string;
  description?: string;
  scenario: ResolvedNatgradScenario;
  /** Independent batches of learners (default 10); each (rule, η) ensemble runs the same learners in every batch. */
  batches?: number;
}

export function isNatgradExperiment(json: unknown): boolean {
  return isModelExperiment(json, 'natgrad');
}

/** Validate a file with the command line's values; `duration` shortens the run and drops the checkpoints beyond it. */
export function parseNatgradExperiment(
  json: unknown, overrides: { trajectories?: number; seed?: number | string; duration?: number } = {},
): NatgradExperiment {
  const r = RawFile.safeParse(json);
  if (!r.success) throw new ScenarioError(zodIssues(r.error));
  const sc: Record<string, unknown> = { ...r.data.scenario };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) sc[k] = v;
  // A shortened run keeps explicit checkpoints that still fit.
  if (overrides.duration !== undefined && Array.isArray(sc.checkpoints)) {
    sc.checkpoints = (sc.checkpoints as number[]).filter((c) => c <= overrides.duration!);
    if (!(sc.checkpoints as number[]).length) delete sc.checkpoints;
  }
  return { name: r.data.name, description: r.data.description, scenario: resolveNatgradScenario(sc), batches: r.data.batches ?? 10 };
}
