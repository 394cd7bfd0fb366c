/**
 * What every model's scenario shares: the number of copies N and the seed (fields and their resolved form with the
 * Philox key), validation that throws a ScenarioError naming the fields, and the rules of checkpoint lists — in steps,
 * or in seconds on a time grid of dt milliseconds.
 */
import { z } from 'zod';
import { ScenarioError, formatPath } from './errors.ts';
import { MAX_CHECKPOINTS, MAX_U32, countIssue } from './limits.ts';
import { seedToKey } from './seed.ts';
import { refineStepCheckpoints, type CheckpointsSpec } from './step-checkpoints.ts';

/** Largest copy index, step or event count the engines address (32-bit). */
export { MAX_U32 };

/** The scenario field N (copies, trajectories, learners…). */
export const trajectoriesField = (description = 'Number of independent trajectories N', max = MAX_U32) =>
  z.number().int().positive().max(max).describe(description);

/** The scenario field `seed`. */
const SEED_RULE = 'must be an integer ≥ 0 or a string';
export const seedField = () =>
  z.union([
    z.number({ error: SEED_RULE }).int({ error: SEED_RULE }).nonnegative({ error: SEED_RULE })
      .max(Number.MAX_SAFE_INTEGER, { error: 'must be ≤ 2^53 − 1 (a larger key can be given as a string)' }),
    z.string().min(1, { error: 'must be a non-empty string or an integer ≥ 0' }),
  ], { error: SEED_RULE })
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
  if (!r.success) throw new ScenarioError(ruleIssues(r.error, prefix));
  return r.data;
}

type ZodIssue = z.core.$ZodIssue;
const num = (x: unknown) => (typeof x === 'bigint' ? String(x) : String(x));

/** One zod issue's rule in words (`must be > 0`, `must be finite`, `must be an integer`…), never a bare "Invalid input". */
export function ruleMessage(i: ZodIssue): string {
  const a = i as ZodIssue & Record<string, any>;
  switch (i.code) {
    case 'invalid_type': {
      const nonFinite = /received (-?Infinity|NaN)/.exec(i.message)?.[1];
      if (a.expected === 'number' && nonFinite) return `must be finite, got ${nonFinite}`;
      if (a.expected === 'int') return 'must be an integer';
      if (i.message && !/^Invalid input/.test(i.message)) return i.message;
      const got = /received (\w+)/.exec(i.message)?.[1];
      return `must be ${a.expected === 'array' || a.expected === 'object' || a.expected === 'int' ? 'an' : 'a'} ${a.expected}${got ? `, got ${got}` : ''}`;
    }
    case 'too_small':
    case 'too_big': {
      if (!/^Too (small|big)/.test(i.message)) return i.message;
      const small = i.code === 'too_small', bound = num(small ? a.minimum : a.maximum);
      if (a.origin === 'array' || a.origin === 'set') return small ? `needs at least ${bound} entries` : `has more than ${bound} entries`;
      if (a.origin === 'string') return small ? (bound === '1' ? 'must not be empty' : `needs at least ${bound} characters`) : `has more than ${bound} characters`;
      const op = small ? (a.inclusive ? '≥' : '>') : (a.inclusive ? '≤' : '<');
      return `must be ${op} ${bound}`;
    }
    case 'invalid_value':
      return /^Invalid (input|option)/.test(i.message) ? `must be ${a.values.length > 1 ? 'one of ' : ''}${a.values.map((v: unknown) => JSON.stringify(v)).join(', ')}` : i.message;
    case 'unrecognized_keys':
      return `unknown field(s) ${a.keys.map((k: string) => `"${k}"`).join(', ')}`;
    case 'not_multiple_of':
      return /^Invalid/.test(i.message) ? `must be a multiple of ${num(a.divisor)}` : i.message;
    default:
      return i.message;
  }
}

/**
 * zod's issues as `{ path, message }` with the rule in words. A union that no branch matched says what the branches
 * accept; where exactly one branch got past the shape (the value has that branch's type), its own issues are given.
 */
export function ruleIssues(err: { issues: readonly ZodIssue[] }, prefix = ''): { path: string; message: string }[] {
  const out: { path: string; message: string; code: string; bound?: number }[] = [];
  const walk = (issues: readonly ZodIssue[], base: PropertyKey[]): void => {
    for (const i of issues) {
      const path = [...base, ...i.path];
      if (i.code === 'invalid_union' && i.message === 'Invalid input' && 'errors' in i) {
        const branches = (i as { errors: ZodIssue[][] }).errors;
        let shaped = branches.filter((b) => !b.every((x) => x.path.length === 0 && (x.code === 'invalid_type' || x.code === 'invalid_value')));
        if (shaped.length > 1) shaped = shaped.filter((b) => !b.some((x) => x.code === 'unrecognized_keys' || (x.code === 'invalid_type' && x.path.length > 0 && /undefined$/.test(x.message))));
        if (shaped.length === 1) { walk(shaped[0]!, path); continue; }
        const forms = [...new Set(branches.flatMap((b) => b.filter((x) => x.path.length === 0).map((x) => ruleMessage(x).replace(/^must be /, '').replace(/, got [\w-]+$/, ''))))];
        out.push({ path: formatPath(path, prefix), code: i.code, message: forms.length ? `must be ${forms.join(' or ')}` : 'matches none of the allowed forms' });
        continue;
      }
      const a = i as ZodIssue & { maximum?: number | bigint; minimum?: number | bigint };
      out.push({ path: formatPath(path, prefix), code: i.code, message: ruleMessage(i), bound: Number(i.code === 'too_big' ? a.maximum : a.minimum) });
    }
  };
  walk(err.issues, []);
  // Cross-field rules (refinements) ran on fields that broke their own rules: report those alone.
  const own = out.some((i) => i.code !== 'custom') ? out.filter((i) => i.code !== 'custom') : out;
  // One line per field: of several bounds of one kind keep the tightest (an integer's implicit 2^53 − 1 and the field's own).
  const byPath = new Map<string, typeof own>();
  for (const i of own) byPath.set(i.path, [...(byPath.get(i.path) ?? []), i]);
  return [...byPath].map(([path, list]) => {
    const big = list.filter((i) => i.code === 'too_big').sort((x, y) => x.bound! - y.bound!)[0];
    const small = list.filter((i) => i.code === 'too_small').sort((x, y) => y.bound! - x.bound!)[0];
    const kept = list.filter((i) => (i.code !== 'too_big' || i === big) && (i.code !== 'too_small' || i === small));
    return { path, message: [...new Set(kept.map((i) => i.message))].join('; ') };
  });
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
export function refineCheckpointSteps(checkpoints: unknown, steps: number, ctx: z.RefinementCtx, bytesEach?: number): void {
  refineStepCheckpoints(checkpoints as CheckpointsSpec | undefined, steps, ctx, bytesEach);
}

/** Seconds as a whole number of steps of dtMs milliseconds (within 10⁻⁶), or null when they are not. */
export function secondsToSteps(seconds: number, dtMs: number): number | null {
  const x = (seconds * 1000) / dtMs;
  const r = Math.round(x);
  return Math.abs(x - r) <= 1e-6 * Math.max(1, r) ? r : null;
}

/** Host bytes per time checkpoint when a model names none: a weight histogram and moments per batch and merged. */
export const TIME_CHECKPOINT_BYTES = 11 * 2048;

/**
 * Checkpoint times (s) on a time grid of dt ms: an explicit list (each within `duration`, on the grid, strictly
 * increasing) or `{ every }` seconds (a positive multiple of dt; the times before the end, `steps` steps, null when
 * the duration is off the grid). Refusals go to `bad(field, message)`, fields named as `checkpoints[2]`.
 */
export function timeCheckpoints(
  cp: readonly number[] | { every: number }, g: { duration: number; dt: number; steps: number | null },
  bad: (field: string, message: string) => void, bytesEach = TIME_CHECKPOINT_BYTES,
): number[] {
  if (Array.isArray(cp)) {
    const tooMany = countIssue(cp.length, MAX_CHECKPOINTS, bytesEach, 'checkpoint statistics');
    if (tooMany) { bad('checkpoints', tooMany); return []; }
    const issues = checkpointListIssues(cp, g.duration, (c) => `time ${c} s is beyond duration = ${g.duration} s`,
      (c) => (secondsToSteps(c, g.dt) === null ? `must be a multiple of dt = ${g.dt} ms` : null));
    for (const { index, message } of issues) bad(`checkpoints[${index}]`, message);
    return [...cp];
  }
  const times: number[] = [];
  const e = secondsToSteps((cp as { every: number }).every, g.dt);
  if (e === null || e === 0) bad('checkpoints.every', `must be a positive multiple of dt = ${g.dt} ms`);
  else if (g.steps !== null) {
    // Counted before expanding: the times before the end, and the end.
    const tooMany = countIssue(Math.ceil(g.steps / e), MAX_CHECKPOINTS, bytesEach, 'checkpoint statistics');
    if (tooMany) bad('checkpoints', tooMany);
    else for (let k = e; k < g.steps; k += e) times.push((k * g.dt) / 1000);
  }
  return times;
}

/** The noise laws of Z in the chain and the several-output model. */
export const NOISE_LAWS = ['uniform', 'rademacher', 'truncnormal'] as const;
export type NoiseLaw = (typeof NOISE_LAWS)[number];

export const NoiseSchema = z
  .strictObject({
    law: z.enum(NOISE_LAWS).default('uniform').describe('Law of each noise component Z_i'),
    halfWidth: z.number().positive({ message: 'must be > 0' }).default(1).describe('h = Q − 1: Z_i is supported on [-h, h]'),
    sd: z.number().positive({ message: 'must be > 0' })
      .optional()
      .describe('truncnormal only: standard deviation of the normal before truncation to [-h, h] (default h/2)'),
  })
  .describe('Noise law of Z (default: uniform on [-1, 1], the paper\'s simulations)');

/**
 * The refusal of rates (and weights) whose drive λᵀw = Σ λ_i w_i overflows a double (p = λ⊙w / λᵀw is then 0 or NaN,
 * which would read as a tie), or null.
 */
export function productOverflows(rates: readonly number[], weights?: readonly number[]): string | null {
  let sum = 0;
  for (let i = 0; i < rates.length; i++) sum += rates[i]! * (weights ? weights[i] ?? 1 : 1);
  return Number.isFinite(sum) ? null
    : `λᵀw = Σ λ_i w_i overflows (must stay below ${Number.MAX_VALUE.toPrecision(3)}): lower the rates${weights ? ' or initial weights' : ''}`;
}
