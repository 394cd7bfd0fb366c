/**
 * The natural-gradient experiment file, `{ name, description?, scenario, batches? }` with scenario.model "natgrad":
 * its zod schema (the model's branch of the published JSON Schema) and its parser, which writes the command line's
 * values (--trajectories, --seed, --duration) over the scenario before validating it.
 */
import { experimentFileSchema, shortenCheckpoints, parseScenarioFile, type ScenarioExperiment } from '../../run/experiment-file.ts';
import { NatgradScenarioSchema, resolveNatgradScenario, type ResolvedNatgradScenario } from './scenario.ts';

/** The whole experiment file (its JSON Schema branch). */
export const NatgradFileSchema = experimentFileSchema(NatgradScenarioSchema, {
  title: 'An stdp-mc experiment with natural-gradient learning for a spiking neuron (arXiv 2011.11710)',
});

/** Its batches are batches of learners; each (rule, η) ensemble runs the same learners in every batch. */
export type NatgradExperiment = ScenarioExperiment<ResolvedNatgradScenario>;

/** Validate a file with the command line's values; `duration` shortens the run and drops the checkpoints beyond it. */
export function parseNatgradExperiment(
  json: unknown, overrides: { trajectories?: number; seed?: number | string; duration?: number } = {},
): NatgradExperiment {
  // A shortened run keeps explicit checkpoints that still fit (none left: the default ones).
  return parseScenarioFile(json, overrides, resolveNatgradScenario, (sc) => shortenCheckpoints(sc, overrides.duration));
}
