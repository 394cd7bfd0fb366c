/**
 * A Song–Miller–Abbott experiment file (scenario.model "song"): its name, description, scenario and the number of
 * independent batches its copies are cut into; parsing with the command line's values written over the scenario, and
 * the fields the run layer reads (src/run/model.ts: seed, one grid unit of `trajectories` copies × `steps` steps).
 */
import { experimentFileSchema, shortenCheckpoints, parseScenarioFile, type ScenarioExperiment } from '../../run/experiment-file.ts';
import type { ModelExperiment, RunOverrides } from '../../run/model.ts';
import { refuseOverrides, singleUnitExperiment } from '../../run/model-parts.ts';
import { SongScenarioSchema, resolveSongScenario, type ResolvedSongScenario } from './scenario.ts';

/** The whole experiment file (its branch of the JSON Schema). */
export const SongExperimentFileSchema = experimentFileSchema(SongScenarioSchema, {
  title: 'An stdp-mc experiment with the Song–Miller–Abbott (2000) network',
});

export type SongExperiment = ScenarioExperiment<ResolvedSongScenario>;

/** A Song experiment with the fields the run layer reads. */
export type SongRunExperiment = SongExperiment & ModelExperiment;

/**
 * Validate a file with `trajectories`, `seed` and `duration` (seconds) written over its scenario; throws ScenarioError
 * naming the field. A shortened run keeps the explicit checkpoint times that still fit (none left: the default ones).
 */
export function parseSongExperiment(
  json: unknown, overrides: { trajectories?: number; seed?: number | string; duration?: number } = {},
): SongRunExperiment {
  return songExperiment(parseScenarioFile(json, overrides, resolveSongScenario, (sc) => shortenCheckpoints(sc, overrides.duration)));
}

/** The run layer's view of an experiment: one grid unit, `trajectories` copies of `steps` steps each. */
export function songExperiment(exp: SongExperiment): SongRunExperiment {
  return singleUnitExperiment(exp, exp.scenario.steps);
}

/** The command line's values: --duration (seconds) sets the run's length; --steps is refused (steps = duration/dt). */
export function parseSongRun(json: unknown, o: RunOverrides): SongRunExperiment {
  refuseOverrides(o, { steps: '--steps does not apply to Song–Miller–Abbott experiments: use --duration (seconds; the steps are duration/dt)' });
  return parseSongExperiment(json, { trajectories: o.trajectories, seed: o.seed, duration: o.duration });
}
