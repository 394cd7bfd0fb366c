/**
 * Experiment files: `{ name, scenario }` as JSON. The published JSON Schema (schema/experiment.schema.json) is
 * generated from the same zod schema by `npm run schema`, so editors complete and check what the CLI accepts.
 */
import { z } from 'zod';
import { ChainScenarioSchema, ScenarioError, resolveScenario, zodIssues, type ResolvedScenario } from './scenario.ts';

export const ExperimentSchema = z
  .strictObject({
    $schema: z.string().optional().describe('Path or URL of this JSON Schema, for editors'),
    name: z.string().min(1).describe('Name of the experiment, used in reports'),
    description: z.string().optional().describe('What question the experiment answers'),
    scenario: ChainScenarioSchema,
  })
  .describe('An stdp-mc experiment file');

export interface Experiment {
  name: string;
  description?: string;
  scenario: ResolvedScenario;
}

/** Overrides from the command line; applied before validation so they are checked by the same rules. */
export interface ScenarioOverrides {
  trajectories?: number;
  steps?: number;
  seed?: number | string;
}

export function parseExperiment(json: unknown, overrides: ScenarioOverrides = {}): Experiment {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ScenarioError([{ path: '(root)', message: 'an experiment file must be a JSON object' }]);
  }
  const obj = { ...(json as Record<string, unknown>) };
  if (obj.scenario && typeof obj.scenario === 'object') {
    const sc = { ...(obj.scenario as Record<string, unknown>) };
    for (const [k, v] of Object.entries(overrides)) if (v !== undefined) sc[k] = v;
    // A steps override makes explicit checkpoints beyond it meaningless: keep those within range.
    if (overrides.steps !== undefined && Array.isArray(sc.checkpoints)) {
      sc.checkpoints = (sc.checkpoints as number[]).filter((c) => typeof c !== 'number' || c <= overrides.steps!);
    }
    obj.scenario = sc;
  }
  const r = ExperimentSchema.safeParse(obj);
  if (!r.success) throw new ScenarioError(zodIssues(r.error));
  return { name: r.data.name, description: r.data.description, scenario: resolveScenario(r.data.scenario) };
}

export function experimentJsonSchema(): object {
  return z.toJSONSchema(ExperimentSchema, { io: 'input', unrepresentable: 'any' });
}
