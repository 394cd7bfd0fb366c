/**
 * The experiment file of the several-outputs model (scenario.model "multi"): its published schema, its validation
 * with the command line's values written over the scenario, and the result a run of it gives (what files.ts reads).
 */
import { experimentFileSchema, parseScenarioFile, shortenCheckpoints, type ScenarioExperiment } from '../../run/experiment-file.ts';
import type { ModelResult } from '../../run/model-parts.ts';
import { MultiScenarioSchema, resolveMultiScenario, type ResolvedMultiScenario } from './scenario.ts';
import type { MultiCheckpointAccumulator } from './stats.ts';

/** The whole file with its scenario schema (the model's branch of the published JSON Schema). */
export const MultiExperimentFileSchema = experimentFileSchema(MultiScenarioSchema, {
  title: 'An stdp-mc experiment with several output neurons (Section 4)',
  batches: 'Independent batches of trajectories (default 10): the unit of the state log, --resume and --shard',
});

export type MultiExperiment = ScenarioExperiment<ResolvedMultiScenario> & { batches: number };

/**
 * Validate a multi experiment (overrides from the command line first, as for the chain; --steps drops later checkpoints,
 * and where it drops them all, the default checkpoints of the shorter run are taken).
 */
export function parseMultiExperiment(json: unknown, overrides: { trajectories?: number; steps?: number; seed?: number | string } = {}): MultiExperiment {
  return parseScenarioFile(json, overrides, resolveMultiScenario, (sc) => shortenCheckpoints(sc, overrides.steps));
}

export interface MultiExperimentResult extends ModelResult<MultiExperiment> {
  /** Merged statistics, one accumulator per checkpoint. */
  checkpoints: MultiCheckpointAccumulator[];
  /** Each batch's statistics, in batch order. */
  blocks: MultiCheckpointAccumulator[][];
  /** P at every checkpoint for the first keepPaths trajectories: paths[traj][checkpoint][j][i]. */
  paths?: number[][][][];
  /** Engine seconds of the batches (wherever they ran). */
  engineSeconds: number;
}
