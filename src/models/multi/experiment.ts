/**
 * The experiment file of the several-outputs model (scenario.model "multi"): its published schema, its validation
 * with the command line's values written over the scenario, and the result a run of it gives (what files.ts reads).
 */
import { z } from 'zod';
import type { EngineInfo } from '../../engines/types.ts';
import type { Provenance } from '../../core/provenance.ts';
import { ScenarioError, zodIssues } from '../../core/errors.ts';
import type { Shard } from '../../run/model.ts';
import { MultiScenarioSchema, resolveMultiScenario, type ResolvedMultiScenario } from './scenario.ts';
import type { MultiCheckpointAccumulator } from './stats.ts';

const BATCHES_DESCRIPTION = 'Independent batches of trajectories (default 10): the unit of the state log, --resume and --shard';

/** The whole file with its scenario schema (the model's branch of the published JSON Schema). */
export const MultiExperimentFileSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().min(1).describe('Name of the experiment, used in reports'),
  description: z.string().optional().describe('What question the experiment answers'),
  scenario: MultiScenarioSchema,
  batches: z.number().int().min(1).max(1000).optional().describe(BATCHES_DESCRIPTION),
}).describe('An stdp-mc experiment with several output neurons (Section 4)');

/** The outer form only: the scenario is validated after the overrides are written over it (resolveMultiScenario). */
export const MultiExperimentSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().min(1),
  description: z.string().optional(),
  scenario: z.record(z.string(), z.unknown()),
  batches: z.number().int().min(1).max(1000).optional(),
});

export interface MultiExperiment {
  name: string;
  description?: string;
  scenario: ResolvedMultiScenario;
  batches: number;
}

export function isMultiExperiment(json: unknown): boolean {
  return !!json && typeof json === 'object' && (json as any).scenario?.model === 'multi';
}

/** Validate a multi experiment (overrides from the command line first, as for the chain; --steps drops later checkpoints). */
export function parseMultiExperiment(json: unknown, overrides: { trajectories?: number; steps?: number; seed?: number | string } = {}): MultiExperiment {
  const r = MultiExperimentSchema.safeParse(json);
  if (!r.success) throw new ScenarioError(zodIssues(r.error));
  const sc: Record<string, unknown> = { ...r.data.scenario };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) sc[k] = v;
  if (overrides.steps !== undefined && Array.isArray(sc.checkpoints)) sc.checkpoints = (sc.checkpoints as number[]).filter((c) => c <= overrides.steps!);
  return { name: r.data.name, description: r.data.description, scenario: resolveMultiScenario(sc), batches: r.data.batches ?? 10 };
}

export interface MultiExperimentResult {
  experiment: MultiExperiment;
  engine: EngineInfo;
  engineReason: string;
  /** Merged statistics, one accumulator per checkpoint. */
  checkpoints: MultiCheckpointAccumulator[];
  /** Each batch's statistics, in batch order. */
  blocks: MultiCheckpointAccumulator[][];
  /** P at every checkpoint for the first keepPaths trajectories: paths[traj][checkpoint][j][i]. */
  paths?: number[][][][];
  wallSeconds: number;
  /** Engine seconds of the batches (wherever they ran). */
  engineSeconds: number;
  provenance: Provenance;
  shard?: Shard | null;
  /** Batches run in this process (the rest came from a state log). */
  batchesRun?: number;
}
