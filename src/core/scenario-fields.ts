/**
 * What every model's scenario shares: the number of copies N and the seed (fields and their resolved form with the
 * Philox key), validation that throws a ScenarioError naming the fields, and the rules of checkpoint lists — in steps,
 * or in seconds on a time grid of dt milliseconds.
 */
import { z } from 'zod';
import { ScenarioError, zodIssues } from './errors.ts';
import { seedToKey } from './seed.ts';

/** Largest copy index, step or event count the engines address (32-bit). */
export const MAX_U32 = 0xffffffff;

/** The scenario field N (copies, trajectories, learners…). */
export const trajectoriesField = (description = 'Number of independent trajectories N', max = MAX_U32) =>
  z.number().int().positive().max(max).describe(description);

/** The scenario field `seed`. */
export const seedField = () =>
  z.union([z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER), z.string().min(1)])
    .describe('Philox key: a non-negative integer, or a string that is hashed');

/** What every resolved scenario carries about its copies: N, the seed as given and its Philox key (k0, k1). */
export interface SeededCopies {
  trajectories: number;
  seed: number | string;
  seedKey: [number, number];
}

export function seededCopies(s: { trajectories: number; seed: number | string }): SeededCopies {
  return { trajectories: s.trajectories, seed: s.seed, seedKey: seedToKey(s.seed) };
}

/** Validate `input`, or throw a ScenarioError whose paths start with `prefix` (`scenario.alpha: must be > 0`). */
export function parseScenario<S extends z.ZodType>(schema: S, input: unknown, prefix: string): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw new ScenarioError(zodIssues(r.error, prefix));
  return r.data;
}

/**
 * The refusals a model finds while resolving a scenario beyond its schema: `bad(field, message)` records one under
 * the path `prefix.field`, `throwIfAny()` throws them all at once as one ScenarioError.
 */
export function scenarioIssues(prefix: string) {
  const issues: { path: string; message: string }[] = [];
  return {
    issues,
    bad: (field: string, message: string): void => { issues.push({ path: `${prefix}.${field}`, message }); },
    throwIfAny: (): void => { if (issues.length) throw new ScenarioError(issues); },
  };
}

/**
 * The refusals of an explicit checkpoint list, in list order: a point beyond `end` (`beyond(c)` says so), one that
 * `other(c)` refuses within it, and one not above the point before.
 */
export function checkpointListIssues(
  list: readonly number[], end: number, beyond: (c: number) => string, other?: (c: number) => string | null,
): { index: number; message: string }[] {
  const out: { index: number; message: string }[] = [];
  list.forEach((c, i) => {
    const own = c > end ? beyond(c) : other?.(c) ?? null;
    if (own) out.push({ index: i, message: own });
    if (i > 0 && c <= list[i - 1]!) out.push({ index: i, message: 'checkpoints must be strictly increasing' });
  });
  return out;
}

/** In a zod superRefine: the refusals of `checkpoints` when it is an explicit list of steps up to `steps`. */
export function refineCheckpointSteps(checkpoints: unknown, steps: number, ctx: z.RefinementCtx): void {
  if (!Array.isArray(checkpoints)) return;
  for (const { index, message } of checkpointListIssues(checkpoints, steps, (c) => `step ${c} is beyond steps = ${steps}`)) {
    ctx.addIssue({ code: 'custom', path: ['checkpoints', index], message });
  }
}

/** Seconds as a whole number of steps of dtMs milliseconds (within 10⁻⁶), or null when they are not. */
export function secondsToSteps(seconds: number, dtMs: number): number | null {
  const x = (seconds * 1000) / dtMs;
  const r = Math.round(x);
  return Math.abs(x - r) <= 1e-6 * Math.max(1, r) ? r : null;
}

/**
 * Checkpoint times (s) on a time grid of dt ms: an explicit list (each within `duration`, on the grid, strictly
 * increasing) or `{ every }` seconds (a positive multiple of dt; the times before the end, `steps` steps, null when
 * the duration is off the grid). Refusals go to `bad(field, message)`, fields named as `checkpoints[2]`.
 */
export function timeCheckpoints(
  cp: readonly number[] | { every: number }, g: { duration: number; dt: number; steps: number | null },
  bad: (field: string, message: string) => void,
): number[] {
  if (Array.isArray(cp)) {
    const issues = checkpointListIssues(cp, g.duration, (c) => `time ${c} s is beyond duration = ${g.duration} s`,
      (c) => (secondsToSteps(c, g.dt) === null ? `must be a multiple of dt = ${g.dt} ms` : null));
    for (const { index, message } of issues) bad(`checkpoints[${index}]`, message);
    return [...cp];
  }
  const times: number[] = [];
  const e = secondsToSteps((cp as { every: number }).every, g.dt);
  if (e === null || e === 0) bad('checkpoints.every', `must be a positive multiple of dt = ${g.dt} ms`);
  else if (g.steps !== null) for (let k = e; k < g.steps; k += e) times.push((k * g.dt) / 1000);
  return times;
}
