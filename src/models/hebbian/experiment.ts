/**
 * The Hebbian-alignment experiment file (scenario.model "hebbian"): name, description, the scenario of
 * src/models/hebbian/scenario.ts and the number of independent batches its copies are cut into (the unit of the run
 * layer's state log, resume and shards). The whole (σ, γ) grid lives in one scenario, and copy t of every grid point
 * reads the same Philox numbers (paired comparisons), so a batch is copies [a, b) of every grid point at once.
 */
import { experimentFileSchema, shortenCheckpoints, parseScenarioFile, type ScenarioExperiment } from '../../run/experiment-file.ts';
import type { ModelExperiment, RunOverrides } from '../../run/model.ts';
import { refuseOverrides, singleUnitExperiment } from '../../run/model-parts.ts';
import { HebbianScenarioSchema, resolveHebbianScenario, type ResolvedHebbianScenario } from './scenario.ts';

/** The whole file, with the scenario's own schema (the JSON Schema branch of the model). */
export const HebbianFileSchema = experimentFileSchema(HebbianScenarioSchema, {
  title: 'An stdp-mc experiment with Hebbian alignment of regularised learners (arXiv 2505.18069)',
});

export type HebbianExperiment = ScenarioExperiment<ResolvedHebbianScenario>;

/** A Hebbian experiment with the fields the run layer reads: ONE grid unit, copies t of all (σ, γ) points together. */
export type HebbianRunExperiment = HebbianExperiment & ModelExperiment;

/**
 * Validate the file with `trajectories`, `seed` and `steps` written over its scenario; throws ScenarioError naming the
 * field. A shortened run keeps the explicit checkpoints that still fit (none left: the default ones).
 */
export function parseHebbianExperiment(
  json: unknown, overrides: { trajectories?: number; seed?: number | string; steps?: number } = {},
): HebbianExperiment {
  return parseScenarioFile(json, overrides, resolveHebbianScenario, (sc) => shortenCheckpoints(sc, overrides.steps));
}

/** The run layer's view: one GridUnit of `trajectories` copies, each worth (grid points × steps) copy-steps of work. */
export function hebbianRunExperiment(exp: HebbianExperiment): HebbianRunExperiment {
  const n = exp.scenario.grid.length;
  return singleUnitExperiment(exp, n * exp.scenario.steps, `${n} (σ, γ) grid point${n > 1 ? 's' : ''}`);
}

/** The file with the command line's values; refuses those that do not apply (OptionError). */
export function parseHebbianRunExperiment(json: unknown, o: RunOverrides): HebbianRunExperiment {
  refuseOverrides(o, { duration: '--duration does not apply to Hebbian-alignment experiments: use --steps (training steps)' });
  return hebbianRunExperiment(parseHebbianExperiment(json, { trajectories: o.trajectories, seed: o.seed, steps: o.steps }));
}
