/**
 * A Song–Miller–Abbott experiment file (scenario.model "song"): its name, description, scenario and the number of
 * independent batches its copies are cut into; parsing with the command line's values written over the scenario, and
 * the fields the run layer reads (src/run/model.ts: seed, one grid unit of `trajectories` copies × `steps` steps).
 */
import { z } from 'zod';
import { OptionError, ScenarioError, zodIssues } from '../../core/errors.ts';
import type { ModelExperiment, RunOverrides } from '../../run/model.ts';
import { SongScenarioSchema, resolveSongScenario, type ResolvedSongScenario } from './scenario.ts';

/** Batches per run when the file names none (the unit of the state log, resume and shards). */
export const SONG_DEFAULT_BATCHES = 10;

const batches = () =>
  z.number().int().min(1).max(1000).optional().describe('Independent batches of copies per grid point (default 10)');

/** The whole experiment file (its branch of the JSON Schema). */
export const SongExperimentFileSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().min(1).describe('Name of the experiment, used in reports'),
  description: z.string().optional().describe('What question the experiment answers'),
  scenario: SongScenarioSchema,
  batches: batches(),
}).describe('An stdp-mc experiment with the Song–Miller–Abbott (2000) network');

/** The file's outer form, the scenario still raw: it is validated after the overrides, with `scenario.` paths. */
const SongFileOuter = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().min(1),
  description: z.string().optional(),
  scenario: z.record(z.string(), z.unknown()),
  batches: batches(),
});

export interface SongExperiment {
  name: string;
  description?: string;
  scenario: ResolvedSongScenario;
  /** Independent batches of copies (default SONG_DEFAULT_BATCHES). */
  batches?: number;
}

/** A Song experiment with the fields the run layer reads. */
export type SongRunExperiment = SongExperiment & ModelExperiment;

export function isSongExperiment(json: unknown): boolean {
  return !!json && typeof json === 'object' && (json as any).scenario?.model === 'song';
}

/** Validate a file with `trajectories` and `seed` written over its scenario; throws ScenarioError naming the field. */
export function parseSongExperiment(json: unknown, overrides: { trajectories?: number; seed?: number | string } = {}): SongRunExperiment {
  const r = SongFileOuter.safeParse(json);
  if (!r.success) throw new ScenarioError(zodIssues(r.error));
  const raw: Record<string, unknown> = { ...r.data.scenario };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) raw[k] = v;
  return songExperiment({ name: r.data.name, description: r.data.description, scenario: resolveSongScenario(raw), batches: r.data.batches });
}

/** The run layer's view of an experiment: one grid unit, `trajectories` copies of `steps` steps each. */
export function songExperiment(exp: SongExperiment): SongRunExperiment {
  const s = exp.scenario;
  return {
    ...exp,
    seed: s.seed,
    seedKey: s.seedKey,
    units: [{ label: 'base', trajectories: s.trajectories, workPerCopy: s.steps }],
    batches: exp.batches ?? SONG_DEFAULT_BATCHES,
    target: null,
  };
}

/** The command line's values: --steps and --duration are refused (the step plan is the file's duration and dt). */
export function parseSongRun(json: unknown, o: RunOverrides): SongRunExperiment {
  if (o.steps !== undefined) {
    throw new OptionError('--steps does not apply to Song–Miller–Abbott experiments: change its duration or steps in the file');
  }
  if (o.duration !== undefined) {
    throw new OptionError('--duration does not apply to Song–Miller–Abbott experiments: change its duration in the file');
  }
  return parseSongExperiment(json, { trajectories: o.trajectories, seed: o.seed });
}
