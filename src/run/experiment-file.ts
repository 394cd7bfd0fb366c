/**
 * The experiment file's outer form that the models of one scenario per file share:
 * `{ $schema?, name, description?, scenario, …the model's own fields, batches? }`.
 *
 * Two schemas follow from one description: the published one holds the model's scenario schema (the model's branch
 * of the JSON Schema), the raw one holds the scenario as a plain record, so that the command line's values are
 * written over the scenario before the model validates it (and its refusals name `scenario.` fields).
 */
import { z } from 'zod';
import { ScenarioError } from '../core/errors.ts';
import { checkNesting } from '../core/limits.ts';
import { ruleIssues } from '../core/scenario-fields.ts';

/** Batches per grid point when the file names none (the unit of the state log, resume and shards). */
export const DEFAULT_BATCHES = 10;

export interface ExperimentFileForm<E extends z.ZodRawShape> {
  /** What the file is, for the JSON Schema ("An stdp-mc experiment with …"). */
  title: string;
  /** The model's own fields, after the scenario (a sweep…). */
  extras?: E;
  /** The batches field's description, where it says more than the default one. */
  batches?: string;
}

const batchesField = (description = `Independent batches of copies per grid point (default ${DEFAULT_BATCHES})`) =>
  z.number().int({ error: 'must be an integer' }).min(1, { error: 'must be ≥ 1' }).max(1000, { error: 'must be ≤ 1000' }).optional().describe(description);

/**
 * The experiment's name: it names the default output folder runs/<name>, so it must be a name, not a path ("..", "/"
 * or a control character would leave runs/ or make an unreadable folder).
 */
export const nameField = () =>
  z.string({ error: 'must be a string' })
    .min(1, { error: 'must not be empty' })
    .max(200, { error: 'must be at most 200 characters' })
    .refine((n) => !/^\.+$/.test(n.trim()), { error: 'must be a name, not "." or ".." (it names the folder runs/<name>)' })
    .refine((n) => !/[\/\\\x00-\x1f]/.test(n), { error: 'must not contain "/", "\\" or control characters (it names the folder runs/<name>)' })
    .describe('Name of the experiment, used in reports and as the default output folder runs/<name>');

function fileShape<S extends z.ZodType, E extends z.ZodRawShape>(scenario: S, extras: E | undefined, batches: string | undefined) {
  return {
    $schema: z.string().optional(),
    name: nameField(),
    description: z.string().optional().describe('What question the experiment answers'),
    scenario,
    ...(extras ?? ({} as E)),
    batches: batchesField(batches),
  };
}

/** The whole file with the model's scenario schema (its branch of the published JSON Schema). */
export function experimentFileSchema<S extends z.ZodType, E extends z.ZodRawShape = {}>(scenario: S, form: ExperimentFileForm<E>) {
  return z.strictObject(fileShape(scenario, form.extras, form.batches)).describe(form.title);
}

const RawScenario = z.record(z.string(), z.unknown());

/**
 * The outer form of a file read with the model's extras (throws ScenarioError naming the field): name, description,
 * batches (undefined where the file names none), the extras, and the scenario as a raw record, not yet validated.
 */
export function readExperimentFile<E extends z.ZodRawShape = {}>(json: unknown, extras?: E) {
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    throw new ScenarioError([{ path: '(root)', message: 'an experiment file must be a JSON object' }]);
  }
  checkNesting(json);
  const r = z.strictObject(fileShape(RawScenario, extras, undefined)).safeParse(json);
  if (!r.success) throw new ScenarioError(ruleIssues(r.error));
  return r.data;
}

/** A parsed experiment file of one scenario: its name, description, the model's resolved scenario and batches. */
export interface ScenarioExperiment<S> {
  name: string;
  description?: string;
  scenario: S;
  /** Independent batches per grid point (DEFAULT_BATCHES where the file names none). */
  batches?: number;
}

/**
 * Parse a file of one scenario (throws ScenarioError naming the field): the command line's defined `overrides`
 * written over the raw scenario, then `edit` (e.g. dropping checkpoints beyond a shortened run), then the model's
 * `resolve`.
 */
export function parseScenarioFile<S>(
  json: unknown, overrides: object, resolve: (raw: Record<string, unknown>) => S, edit?: (raw: Record<string, unknown>) => void,
): ScenarioExperiment<S> & { batches: number } {
  const f = readExperimentFile(json);
  const raw = withOverrides(f.scenario, overrides);
  edit?.(raw);
  return { name: f.name, description: f.description, scenario: resolve(raw), batches: f.batches ?? DEFAULT_BATCHES };
}

/** A copy of a raw scenario with the command line's defined values written over it. */
export function withOverrides(scenario: Record<string, unknown>, overrides: object): Record<string, unknown> {
  const out: Record<string, unknown> = { ...scenario };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) out[k] = v;
  return out;
}

/** A shortened run keeps the explicit checkpoints (steps or times) within its new end `limit` (none given: all). */
export function dropCheckpointsBeyond(scenario: Record<string, unknown>, limit: number | undefined): void {
  if (limit !== undefined && Array.isArray(scenario.checkpoints)) {
    scenario.checkpoints = (scenario.checkpoints as number[]).filter((c) => c <= limit);
  }
}

/** dropCheckpointsBeyond, and where no explicit checkpoint is left, the model's default checkpoints. */
export function shortenCheckpoints(scenario: Record<string, unknown>, limit: number | undefined): void {
  dropCheckpointsBeyond(scenario, limit);
  if (limit !== undefined && Array.isArray(scenario.checkpoints) && !scenario.checkpoints.length) delete scenario.checkpoints;
}
